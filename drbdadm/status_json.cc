#include "drbdadm/status_json.h"

#include <cctype>

namespace nbr::drbdadm {

namespace {

class JsonReader {
  public:
    explicit JsonReader(std::string_view s) : s_(s) {}

    void Space() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
            ++i_;
    }
    bool Eat(char c) {
        Space();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool AtEnd() {
        Space();
        return i_ == s_.size();
    }
    std::optional<std::string> String() {
        if (!Eat('"'))
            return std::nullopt;
        std::string out;
        while (i_ < s_.size()) {
            char c = s_[i_++];
            if (c == '"')
                return out;
            if (c == '\\') {
                if (i_ >= s_.size())
                    return std::nullopt;
                char e = s_[i_++];
                switch (e) {
                case 'n':
                    out += '\n';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u':
                    // Status fields are ASCII; keep escapes verbatim.
                    out += "\\u";
                    break;
                default:
                    out += e;
                }
            } else {
                out += c;
            }
        }
        return std::nullopt;
    }
    // A scalar as written, or a skipped nested value (returns "").
    std::optional<std::string> Value() {
        Space();
        if (i_ >= s_.size())
            return std::nullopt;
        char c = s_[i_];
        if (c == '"')
            return String();
        if (c == '{' || c == '[') {
            if (!SkipNested())
                return std::nullopt;
            return std::string();
        }
        size_t start = i_;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) ||
                                  s_[i_] == '-' || s_[i_] == '+' || s_[i_] == '.'))
            ++i_;
        if (start == i_)
            return std::nullopt;
        return std::string(s_.substr(start, i_ - start));
    }

  private:
    bool SkipNested() {
        int depth = 0;
        while (i_ < s_.size()) {
            char c = s_[i_];
            if (c == '"') {
                if (!String())
                    return false;
                continue;
            }
            ++i_;
            if (c == '{' || c == '[')
                ++depth;
            else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return true;
            }
        }
        return false;
    }

    std::string_view s_;
    size_t i_ = 0;
};

} // namespace

std::optional<std::map<std::string, std::string>> ParseStatusJson(std::string_view text) {
    JsonReader r(text);
    std::map<std::string, std::string> out;
    if (!r.Eat('{'))
        return std::nullopt;
    if (r.Eat('}'))
        return r.AtEnd() ? std::optional(out) : std::nullopt;
    do {
        auto key = r.String();
        if (!key || !r.Eat(':'))
            return std::nullopt;
        auto value = r.Value();
        if (!value)
            return std::nullopt;
        out[*key] = *value;
    } while (r.Eat(','));
    if (!r.Eat('}') || !r.AtEnd())
        return std::nullopt;
    return out;
}

} // namespace nbr::drbdadm
