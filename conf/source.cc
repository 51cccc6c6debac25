#include "conf/source.h"

#include <filesystem>
#include <fnmatch.h>
#include <fstream>
#include <glob.h>
#include <memory>
#include <sstream>

namespace nbr::conf {

Diagnostic& Diagnostics::Error(const Location& loc, std::string message, std::string hint) {
    if (++errors_ > kMaxErrors)
        return discarded_ = {};
    diags_.push_back({Severity::Error, loc, std::move(message), std::move(hint), {}});
    return diags_.back();
}

Diagnostic& Diagnostics::Warning(const Location& loc, std::string message, std::string hint) {
    if (++warnings_ > kMaxErrors)
        return discarded_ = {};
    diags_.push_back({Severity::Warning, loc, std::move(message), std::move(hint), {}});
    return diags_.back();
}

void Diagnostics::AddSource(const std::string& file, std::string text) {
    sources_[file] = std::move(text);
}

std::string Diagnostics::Quote(const Location& loc) const {
    auto it = sources_.find(loc.file);
    if (it == sources_.end() || loc.line <= 0)
        return {};
    std::string_view text = it->second;
    size_t start = 0;
    for (int line = 1; line < loc.line; ++line) {
        size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos)
            return {};
        start = nl + 1;
    }
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
    std::string out(line);
    out += '\n';
    // Keep tabs so that the caret lines up under the offending character.
    for (int col = 1; col < loc.column && size_t(col - 1) < line.size(); ++col)
        out += line[col - 1] == '\t' ? '\t' : ' ';
    out += "^\n";
    return out;
}

static std::string Prefix(const Location& loc) {
    std::string out = loc.file;
    if (loc.line > 0)
        out += ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column);
    return out + ": ";
}

std::string Diagnostics::Render(const Diagnostic& d) const {
    std::string out = Prefix(d.loc);
    if (d.severity == Severity::Warning)
        out += "warning: ";
    out += d.message + "\n" + Quote(d.loc);
    if (!d.hint.empty())
        out += "hint: " + d.hint + "\n";
    for (const Note& n : d.notes)
        out += Prefix(n.loc) + "note: " + n.message + "\n";
    return out;
}

std::string Diagnostics::Render() const {
    std::string out;
    for (const Diagnostic& d : diags_)
        out += Render(d);
    if (TooMany())
        out += "too many errors, giving up\n";
    return out;
}

bool RealFileSystem::ReadFile(const std::string& path, std::string& out, std::string& err) {
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (ec) {
        err = ec.message();
        return false;
    }
    if (!std::filesystem::is_regular_file(status)) {
        err = "not a regular file";
        return false;
    }
    auto size = std::filesystem::file_size(path, ec);
    if (ec || size > kMaxFileSize) {
        err = ec ? ec.message() : "file too large";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err = "cannot open";
        return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

std::vector<std::string> RealFileSystem::Glob(const std::string& pattern) {
    glob_t g{};
    auto release = [](glob_t* p) { globfree(p); };
    std::unique_ptr<glob_t, decltype(release)> guard(&g, release);
    std::vector<std::string> out;
    if (glob(pattern.c_str(), 0, nullptr, &g) != 0)
        return out;
    for (size_t i = 0; i < g.gl_pathc; ++i)
        out.emplace_back(g.gl_pathv[i]);
    return out;
}

std::string RealFileSystem::Canonical(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : p.string();
}

bool MemoryFileSystem::ReadFile(const std::string& path, std::string& out, std::string& err) {
    auto it = files_.find(Canonical(path));
    if (it == files_.end()) {
        err = "No such file or directory";
        return false;
    }
    out = it->second;
    return true;
}

std::vector<std::string> MemoryFileSystem::Glob(const std::string& pattern) {
    std::vector<std::string> out;
    std::string canon = Canonical(pattern);
    for (const auto& [name, text] : files_)
        if (fnmatch(canon.c_str(), name.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0)
            out.push_back(name);
    return out;
}

std::string MemoryFileSystem::Canonical(const std::string& path) {
    return std::filesystem::path(path).lexically_normal().string();
}

std::string DirName(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

std::string JoinPath(const std::string& dir, const std::string& rel) {
    if (!rel.empty() && rel[0] == '/')
        return rel;
    if (dir == ".")
        return rel;
    if (!dir.empty() && dir.back() == '/')
        return dir + rel;
    return dir + "/" + rel;
}

bool HasGlobMeta(std::string_view pattern) {
    return pattern.find_first_of("*?[") != std::string_view::npos;
}

} // namespace nbr::conf
