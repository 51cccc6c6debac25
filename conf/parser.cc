#include "conf/parser.h"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>

namespace nbr::conf {

namespace {

constexpr std::string_view kSectionWords[] = {"net",     "disk",     "startup",
                                              "options", "handlers", "syncer"};

bool IsSectionWord(std::string_view w) {
    return std::find(std::begin(kSectionWords), std::end(kSectionWords), w) !=
           std::end(kSectionWords);
}

std::optional<Section> SectionOf(std::string_view w) {
    if (w == "net")
        return Section::Net;
    if (w == "disk")
        return Section::Disk;
    if (w == "startup")
        return Section::Startup;
    if (w == "options")
        return Section::Options;
    if (w == "handlers")
        return Section::Handlers;
    return std::nullopt;
}

bool ParseNumber(std::string_view s, int64_t max, int& out) {
    int64_t v = 0;
    if (s.empty())
        return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0 || v > max)
        return false;
    out = int(v);
    return true;
}

// The closest candidate, if it is close enough to be a likely typo.
std::string Closest(std::string_view word, const std::vector<std::string_view>& candidates) {
    std::string best;
    size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
    for (std::string_view c : candidates) {
        size_t d = EditDistance(word, c);
        if (d < best_d) {
            best_d = d;
            best = std::string(c);
        }
    }
    return best;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
    std::string c = Closest(word, candidates);
    return c.empty() ? std::string() : "did you mean '" + c + "'?";
}

Location EndOf(const Token& t) {
    return {t.loc.file, t.end_line, t.end_column};
}

constexpr int kMaxMinor = (1 << 20) - 1;

} // namespace

const OptionValue* OptionList::Find(const OptionSpec* spec) const {
    for (const OptionValue& v : items)
        if (v.spec == spec)
            return &v;
    return nullptr;
}

const OptionValue* OptionList::Find(std::string_view name) const {
    for (const OptionValue& v : items)
        if (v.spec->name == name)
            return &v;
    return nullptr;
}

void OptionList::Set(OptionValue v) {
    for (OptionValue& old : items)
        if (old.spec == v.spec) {
            old = std::move(v);
            return;
        }
    items.push_back(std::move(v));
}

const Resource* Config::Find(std::string_view name) const {
    for (const Resource& r : resources)
        if (r.name == name)
            return &r;
    return nullptr;
}

std::string AddressSpec::ConfText() const {
    return family + " " + (family == "ipv6" ? "[" + addr + "]" : addr) + ":" + std::to_string(port);
}

std::string AddressSpec::SetupText() const {
    return family + ":" + (family == "ipv6" ? "[" + addr + "]" : addr) + ":" + std::to_string(port);
}

ParseResult ParseFile(const std::string& path, FileSystem& fs) {
    ParseResult r;
    r.config.file = path;
    Parser p(fs, r.diags, r.config);
    p.ParseFile(path, nullptr);
    return r;
}

ParseResult ParseString(std::string_view text, const std::string& file, FileSystem* fs) {
    MemoryFileSystem empty;
    ParseResult r;
    r.config.file = file;
    Parser p(fs ? *fs : empty, r.diags, r.config);
    p.ParseText(file, text);
    return r;
}

void Parser::ParseFile(const std::string& path, const Location* from) {
    std::string text, err;
    if (++files_ > kMaxFiles) {
        diags_.Error(from ? *from : Location{path, 0, 0},
                     "more than " + std::to_string(kMaxFiles) + " configuration files included");
        return;
    }
    if (!fs_.ReadFile(path, text, err)) {
        if (from)
            diags_.Error(*from, "cannot read '" + path + "': " + err);
        else
            diags_.Error({path, 0, 0}, "cannot read the configuration: " + err,
                         "use -c FILE to name another configuration file");
        return;
    }
    ParseText(path, text);
}

void Parser::ParseText(const std::string& file, std::string_view text) {
    diags_.AddSource(file, std::string(text));
    stack_.push_back(fs_.Canonical(file));
    Lexer lex(file, text);
    ParseTopLevel(lex);
    stack_.pop_back();
}

void Parser::SkipBlockBody(Lexer& lex, const Token& open) {
    int depth = 1;
    while (depth > 0) {
        Token t = lex.Next();
        if (t.kind == Tok::End) {
            diags_.Error(t.loc, "missing '}': the block opened at line " +
                                    std::to_string(open.loc.line) + " is not closed");
            return;
        }
        if (t.kind == Tok::LBrace)
            ++depth;
        else if (t.kind == Tok::RBrace)
            --depth;
    }
}

void Parser::SkipStatement(Lexer& lex) {
    for (;;) {
        Token p = lex.Peek();
        if (p.kind == Tok::End || p.kind == Tok::RBrace)
            return;
        Token t = lex.Next();
        if (t.kind == Tok::Semicolon)
            return;
        if (t.kind == Tok::LBrace) {
            SkipBlockBody(lex, t);
            return;
        }
    }
}

// Values normally sit on the keyword's line. A value on a later line is taken
// only while the statement still lacks values; otherwise the ';' at the end
// of the keyword's line is reported missing and the next line starts a new
// statement.
bool Parser::ReadValues(Lexer& lex, const Token& kw, size_t need, std::vector<Token>& values) {
    for (;;) {
        Token p = lex.Peek();
        if (p.kind == Tok::Word || p.kind == Tok::String) {
            int line = values.empty() ? kw.end_line : values.back().end_line;
            if (p.loc.line != line && values.size() >= need)
                break;
            values.push_back(lex.Next());
            continue;
        }
        if (p.kind == Tok::Error) {
            lex.Next();
            diags_.Error(p.loc, p.text);
            SkipStatement(lex);
            return false;
        }
        break;
    }
    Token p = lex.Peek();
    if (p.kind == Tok::Semicolon) {
        lex.Next();
        return true;
    }
    const Token& last = values.empty() ? kw : values.back();
    diags_.Error(EndOf(last), "missing ';' after '" + kw.text + "' statement");
    return true;
}

void Parser::Expect(Lexer& lex, Tok kind, const std::string& what) {
    Token t = lex.Next();
    if (t.kind != kind)
        diags_.Error(t.loc, "expected " + std::string(TokName(kind)) + " " + what + ", got " +
                                t.Describe());
}

void Parser::ParseTopLevel(Lexer& lex) {
    for (;;) {
        if (diags_.TooMany())
            return;
        Token t = lex.Next();
        switch (t.kind) {
        case Tok::End:
            return;
        case Tok::Semicolon:
            continue;
        case Tok::Error:
            diags_.Error(t.loc, t.text);
            continue;
        case Tok::RBrace:
            diags_.Error(t.loc, "unexpected '}' (no block is open here)");
            continue;
        case Tok::LBrace:
            diags_.Error(t.loc, "unexpected '{'");
            SkipBlockBody(lex, t);
            continue;
        case Tok::String:
        case Tok::Word:
            break;
        }
        if (t.kind == Tok::Word && t.text == "include")
            ParseInclude(lex, t);
        else if (t.kind == Tok::Word && t.text == "global")
            ParseGlobal(lex, t);
        else if (t.kind == Tok::Word && t.text == "common")
            ParseCommon(lex, t);
        else if (t.kind == Tok::Word && t.text == "resource")
            ParseResource(lex, t);
        else if (t.kind == Tok::Word && t.text == "skip")
            SkipStatement(lex);
        else {
            std::string hint =
                DidYouMean(t.text, {"include", "global", "common", "resource", "skip"});
            if (hint.empty() && (IsSectionWord(t.text) || t.text == "on"))
                hint = "'" + t.text + "' sections belong inside 'common' or 'resource'";
            diags_.Error(
                t.loc, "expected 'global', 'common', 'resource' or 'include', got " + t.Describe(),
                hint);
            SkipStatement(lex);
        }
    }
}

void Parser::ParseInclude(Lexer& lex, const Token& kw) {
    std::vector<Token> v;
    if (!ReadValues(lex, kw, 1, v))
        return;
    if (v.size() != 1) {
        diags_.Error(v.empty() ? EndOf(kw) : v[1].loc, "'include' takes one file name or pattern");
        return;
    }
    if (int(stack_.size()) > kMaxIncludeDepth) {
        diags_.Error(v[0].loc,
                     "includes nested more than " + std::to_string(kMaxIncludeDepth) + " deep",
                     "check for an include loop");
        return;
    }
    const std::string& current = kw.loc.file;
    std::string pattern = JoinPath(DirName(current), v[0].text);
    std::vector<std::string> files;
    if (HasGlobMeta(pattern))
        files = fs_.Glob(pattern); // no match is fine: an empty drbd.d/
    else
        files.push_back(pattern);
    for (const std::string& f : files) {
        if (diags_.TooMany())
            return;
        std::string canon = fs_.Canonical(f);
        if (std::find(stack_.begin(), stack_.end(), canon) != stack_.end()) {
            diags_.Error(v[0].loc, "include loop: '" + f + "' is already being read",
                         "remove the include that leads back to this file");
            continue;
        }
        ParseFile(f, &v[0].loc);
    }
}

void Parser::ParseGlobal(Lexer& lex, const Token& kw) {
    if (config_.has_global)
        diags_.Error(kw.loc, "duplicate 'global' section", "merge the two 'global' sections");
    config_.has_global = true;
    Token open = lex.Next();
    if (open.kind != Tok::LBrace) {
        diags_.Error(open.loc, "expected '{' after 'global', got " + open.Describe());
        SkipStatement(lex);
        return;
    }
    for (;;) {
        if (diags_.TooMany())
            return;
        Token p = lex.Peek();
        if (p.kind == Tok::End) {
            diags_.Error(p.loc, "missing '}' to close 'global' (opened at line " +
                                    std::to_string(kw.loc.line) + ")");
            return;
        }
        if (p.kind == Tok::Word && StartsOuterBlock(lex)) {
            diags_.Error(p.loc, "missing '}' to close 'global' (opened at line " +
                                    std::to_string(kw.loc.line) + ")");
            return;
        }
        Token t = lex.Next();
        if (t.kind == Tok::RBrace)
            return;
        if (t.kind == Tok::Semicolon)
            continue;
        if (t.kind != Tok::Word) {
            diags_.Error(t.loc, "expected an option name, got " + t.Describe());
            if (t.kind == Tok::LBrace)
                SkipBlockBody(lex, t);
            continue;
        }
        ParseOption(lex, t, "global", Section::Global, config_.global);
    }
}

void Parser::ParseCommon(Lexer& lex, const Token& kw) {
    if (config_.has_common)
        diags_.Error(kw.loc, "duplicate 'common' section", "merge the two 'common' sections");
    config_.has_common = true;
    Token open = lex.Next();
    if (open.kind != Tok::LBrace) {
        diags_.Error(open.loc, "expected '{' after 'common', got " + open.Describe());
        SkipStatement(lex);
        return;
    }
    ParseBody(lex, kw, "'common'", Scope::Common, config_.common, nullptr, nullptr);
}

void Parser::ParseResource(Lexer& lex, const Token& kw) {
    Token name = lex.Next();
    if (name.kind != Tok::Word && name.kind != Tok::String) {
        diags_.Error(name.loc, "expected a resource name after 'resource', got " + name.Describe());
        if (name.kind == Tok::LBrace)
            SkipBlockBody(lex, name);
        else
            SkipStatement(lex);
        return;
    }
    Token open = lex.Next();
    if (open.kind != Tok::LBrace) {
        diags_.Error(open.loc,
                     "expected '{' after 'resource " + name.text + "', got " + open.Describe());
        SkipStatement(lex);
        return;
    }
    Resource res;
    res.name = name.text;
    res.loc = name.loc;
    ParseBody(lex, kw, "resource '" + name.text + "'", Scope::Resource, res.options, &res, nullptr);
    config_.resources.push_back(std::move(res));
}

void Parser::ParseHost(Lexer& lex, const Token& kw, Resource& res) {
    HostSection host;
    host.loc = kw.loc;
    if (kw.text == "_this_host")
        host.kind = HostSection::Kind::ThisHost;
    else if (kw.text == "_remote_host")
        host.kind = HostSection::Kind::RemoteHost;
    else
        host.kind = HostSection::Kind::On;
    for (;;) {
        Token p = lex.Peek();
        if (p.kind != Tok::Word && p.kind != Tok::String)
            break;
        host.names.push_back(lex.Next().text);
    }
    if (host.kind == HostSection::Kind::On && host.names.empty())
        diags_.Error(EndOf(kw), "expected a host name after 'on'");
    if (host.kind != HostSection::Kind::On && !host.names.empty())
        diags_.Error(kw.loc, "'" + kw.text + "' takes no host name");
    Token open = lex.Next();
    if (open.kind != Tok::LBrace) {
        diags_.Error(open.loc, "expected '{' after '" + kw.text + "', got " + open.Describe());
        SkipStatement(lex);
        return;
    }
    std::string what = "'" + kw.text;
    for (const std::string& n : host.names)
        what += " " + n;
    ParseBody(lex, kw, what + "'", Scope::Host, host.options, &res, &host);
    res.hosts.push_back(std::move(host));
}

void Parser::ParseFloating(Lexer& lex, const Token& kw, Resource& res) {
    HostSection host;
    host.kind = HostSection::Kind::Floating;
    host.loc = kw.loc;
    std::vector<Token> words;
    for (;;) {
        Token p = lex.Peek();
        if (p.kind != Tok::Word && p.kind != Tok::String)
            break;
        words.push_back(lex.Next());
    }
    AddressSpec addr;
    if (words.empty()) {
        diags_.Error(EndOf(kw), "expected an address after 'floating'");
    } else if (ParseAddressWords(words, addr)) {
        host.address = addr;
        host.names.push_back(addr.addr);
    }
    Token t = lex.Next();
    if (t.kind == Tok::LBrace) {
        ParseBody(lex, kw, "'floating'", Scope::Host, host.options, &res, &host);
    } else if (t.kind != Tok::Semicolon) {
        diags_.Error(t.loc, "expected ';' or '{' after the floating address, got " + t.Describe());
        SkipStatement(lex);
        return;
    }
    res.hosts.push_back(std::move(host));
}

bool Parser::StartsOuterBlock(Lexer& lex) {
    Lexer look = lex;
    Token a = look.Next();
    Token b = look.Next();
    if (a.kind != Tok::Word)
        return false;
    if (a.text == "resource" || a.text == "on")
        return b.kind == Tok::Word || b.kind == Tok::String;
    if (a.text == "global" || a.text == "common" || a.text == "volume" || IsSectionWord(a.text) ||
        a.text == "_this_host" || a.text == "_remote_host")
        return b.kind == Tok::LBrace;
    return false;
}

void Parser::ParseBody(Lexer& lex, const Token& open, const std::string& what, Scope scope,
                       OptionList& opts, Resource* res, HostSection* host) {
    std::optional<Location> volume_seen;
    auto missing_brace = [&](const Location& at) {
        diags_.Error(at, "missing '}' to close " + what + " (opened at line " +
                             std::to_string(open.loc.line) + ")");
    };
    for (;;) {
        if (diags_.TooMany())
            return;
        Token p = lex.Peek();
        if (p.kind == Tok::End) {
            missing_brace(p.loc);
            return;
        }
        if (p.kind == Tok::Word &&
            (p.text == "resource" || p.text == "common" || p.text == "global") &&
            StartsOuterBlock(lex)) {
            missing_brace(p.loc);
            return;
        }
        if ((scope == Scope::Host || scope == Scope::Volume) && p.kind == Tok::Word &&
            p.text == "on" && StartsOuterBlock(lex)) {
            missing_brace(p.loc);
            return;
        }
        Token t = lex.Next();
        if (t.kind == Tok::RBrace)
            return;
        if (t.kind == Tok::Semicolon)
            continue;
        if (t.kind == Tok::Error) {
            diags_.Error(t.loc, t.text);
            continue;
        }
        if (t.kind != Tok::Word) {
            diags_.Error(t.loc, "expected a keyword, got " + t.Describe());
            if (t.kind == Tok::LBrace)
                SkipBlockBody(lex, t);
            else
                SkipStatement(lex);
            continue;
        }
        const std::string& w = t.text;
        bool block = lex.Peek().kind == Tok::LBrace;
        if (IsSectionWord(w) && block) {
            if ((scope == Scope::Host || scope == Scope::Volume) && w != "disk") {
                diags_.Error(t.loc, "a '" + w + "' section is not allowed in " + what,
                             "move it to the resource or to 'common'");
                lex.Next();
                SkipBlockBody(lex, t);
                continue;
            }
            ParseOptionBlock(lex, t, opts);
        } else if (scope != Scope::Common && w == "device") {
            ParseDevice(lex, t, host ? host->device : res->device);
        } else if (scope != Scope::Common && (w == "disk")) {
            ParseDisk(lex, t, host ? host->disk : res->disk);
        } else if (scope != Scope::Common && (w == "meta-disk" || w == "flexible-meta-disk")) {
            ParseMetaDisk(lex, t, host ? host->meta_disk : res->meta_disk);
        } else if (scope == Scope::Host && w == "address") {
            ParseAddress(lex, t, host->address);
        } else if ((scope == Scope::Common || scope == Scope::Resource) && w == "protocol") {
            // 8.3 placed the protocol at resource level; it lives in net now.
            std::vector<Token> v;
            if (!ReadValues(lex, t, 1, v))
                continue;
            if (v.size() != 1) {
                diags_.Error(v.empty() ? EndOf(t) : v[1].loc, "'protocol' takes one value");
                continue;
            }
            std::string err;
            const OptionSpec* spec = FindOption(Section::Net, "protocol");
            if (auto val = ParseValue(*spec, v[0].text, err))
                SetOption(opts, spec, *val, t);
            else
                diags_.Error(v[0].loc, err);
        } else if (scope == Scope::Resource &&
                   (w == "on" || w == "_this_host" || w == "_remote_host")) {
            ParseHost(lex, t, *res);
        } else if (scope == Scope::Resource && w == "floating") {
            ParseFloating(lex, t, *res);
        } else if (w == "skip") {
            SkipStatement(lex);
        } else if (w == "volume" && (scope == Scope::Resource || scope == Scope::Host)) {
            ParseVolume(lex, t, volume_seen, opts, res, host);
        } else if (w == "volume") {
            diags_.Error(t.loc, "'volume' is not allowed in " + what);
            SkipStatement(lex);
        } else if (w == "stacked-on-top-of" || w == "connection" || w == "connection-mesh" ||
                   w == "proxy" || w == "node-id") {
            diags_.Error(t.loc, "'" + w + "' is not supported by nbr");
            SkipStatement(lex);
        } else if (scope == Scope::Resource && w == "address") {
            diags_.Error(t.loc, "'address' belongs in an 'on HOST' section");
            SkipStatement(lex);
        } else if (FindOptionAnywhere(w)) {
            const OptionSpec* spec = FindOptionAnywhere(w);
            diags_.Error(t.loc, "option '" + w + "' outside of a section",
                         "put it in a '" + std::string(SectionName(spec->section)) +
                             " { }' section");
            SkipStatement(lex);
        } else {
            std::vector<std::string_view> words = {"net",     "disk",     "startup",
                                                   "options", "handlers", "syncer"};
            if (scope != Scope::Common)
                words.insert(words.end(), {"device", "meta-disk"});
            if (scope == Scope::Host)
                words.push_back("address");
            if (scope == Scope::Resource || scope == Scope::Host)
                words.push_back("volume");
            if (scope == Scope::Resource)
                words.insert(words.end(), {"on", "floating"});
            diags_.Error(t.loc, "unknown keyword '" + w + "' in " + what, DidYouMean(w, words));
            SkipStatement(lex);
        }
    }
}

// DRBD 8.4 files often wrap the storage in 'volume 0 { }'. One volume is
// accepted and read as if its statements were written around it.
void Parser::ParseVolume(Lexer& lex, const Token& kw, std::optional<Location>& seen,
                         OptionList& opts, Resource* res, HostSection* host) {
    Token number = lex.Next();
    int vnr = 0;
    if (number.kind != Tok::Word || !ParseNumber(number.text, 65535, vnr)) {
        diags_.Error(number.loc,
                     "expected a volume number after 'volume', got " + number.Describe());
        if (number.kind == Tok::LBrace)
            SkipBlockBody(lex, number);
        else
            SkipStatement(lex);
        return;
    }
    if (lex.Peek().kind != Tok::LBrace) {
        Token t = lex.Next();
        diags_.Error(t.loc, "expected '{' after 'volume " + number.text + "', got " + t.Describe());
        SkipStatement(lex);
        return;
    }
    Token open = lex.Next();
    if (seen) {
        Diagnostic& d = diags_.Error(kw.loc, "an nbr resource has one volume; this is a second one",
                                     "make each volume a resource of its own");
        d.notes.push_back({*seen, "the first volume is here"});
        SkipBlockBody(lex, open);
        return;
    }
    seen = kw.loc;
    ParseBody(lex, kw, "'volume " + number.text + "'", Scope::Volume, opts, res, host);
}

void Parser::ParseOptionBlock(Lexer& lex, const Token& kw, OptionList& opts) {
    lex.Next(); // '{'
    std::optional<Section> section = SectionOf(kw.text);
    if (kw.text == "syncer")
        diags_.Warning(kw.loc, "the 'syncer' section is obsolete",
                       "its options moved to the 'disk' and 'net' sections ('rate' is now "
                       "'resync-rate'); 'drbdadm dump' prints the new form");
    for (;;) {
        if (diags_.TooMany())
            return;
        Token p = lex.Peek();
        if (p.kind == Tok::End || (p.kind == Tok::Word && StartsOuterBlock(lex))) {
            diags_.Error(p.loc, "missing '}' to close the '" + kw.text +
                                    "' section (opened at line " + std::to_string(kw.loc.line) +
                                    ")");
            return;
        }
        Token t = lex.Next();
        if (t.kind == Tok::RBrace)
            return;
        if (t.kind == Tok::Semicolon)
            continue;
        if (t.kind != Tok::Word) {
            diags_.Error(t.loc, "expected an option name, got " + t.Describe());
            if (t.kind == Tok::LBrace)
                SkipBlockBody(lex, t);
            else if (t.kind != Tok::Error)
                SkipStatement(lex);
            continue;
        }
        ParseOption(lex, t, kw.text, section.value_or(Section::Disk), opts);
    }
}

void Parser::SetOption(OptionList& opts, const OptionSpec* spec, std::string value,
                       const Token& at) {
    if (const OptionValue* old = opts.Find(spec)) {
        Diagnostic& d = diags_.Error(at.loc, "'" + std::string(spec->name) + "' is set twice");
        d.notes.push_back({old->loc, "first set here"});
        return;
    }
    if (spec->obsolete)
        diags_.Warning(at.loc, "'" + std::string(spec->name) + "' is obsolete and ignored");
    opts.Set({spec, std::move(value), at.loc});
}

void Parser::ParseOption(Lexer& lex, const Token& kw, std::string_view block, Section section,
                         OptionList& opts) {
    const std::string& name = kw.text;
    const OptionSpec* spec = nullptr;
    bool negated = false;
    for (const Alias& a : AliasTable())
        if (a.old_section == block && a.old_name == name)
            spec = FindOption(a.section, a.name);
    if (!spec && block != "syncer")
        spec = FindOption(section, name);
    if (!spec && name.starts_with("no-") && block != "syncer") {
        const OptionSpec* s = FindOption(section, std::string_view(name).substr(3));
        if (s && s->type == Type::Bool) {
            spec = s;
            negated = true;
        }
    }
    if (!spec) {
        std::vector<std::string_view> names;
        if (block == "syncer") {
            for (const Alias& a : AliasTable())
                if (a.old_section == "syncer")
                    names.push_back(a.old_name);
        } else {
            for (const OptionSpec& o : OptionTable())
                if (o.section == section)
                    names.push_back(o.name);
        }
        std::string hint = DidYouMean(name, names);
        const OptionSpec* elsewhere = FindOptionAnywhere(name);
        if (hint.empty() && elsewhere && block != "syncer")
            hint =
                "'" + name + "' belongs in the '" + SectionName(elsewhere->section) + "' section";
        diags_.Error(kw.loc,
                     "unknown option '" + name + "' in the '" + std::string(block) + "' section",
                     hint);
        SkipStatement(lex);
        return;
    }
    std::vector<Token> v;
    size_t need = (spec->type == Type::Bool) ? 0 : 1;
    if (!ReadValues(lex, kw, need, v))
        return;
    std::string value;
    if (spec->type == Type::Bool && v.empty()) {
        value = negated ? "no" : "yes";
    } else if (negated) {
        diags_.Error(v[0].loc, "'" + name + "' takes no value");
        return;
    } else if (v.empty()) {
        diags_.Error(EndOf(kw), "'" + name + "' needs a value");
        return;
    } else if (v.size() > 1) {
        diags_.Error(v[1].loc, "'" + name + "' takes one value, got " + std::to_string(v.size()),
                     v[1].loc.line != kw.loc.line ? "" : "quote values that contain spaces");
        return;
    } else {
        std::string err;
        auto parsed = ParseValue(*spec, v[0].text, err);
        if (!parsed) {
            diags_.Error(v[0].loc, err);
            return;
        }
        value = *parsed;
    }
    SetOption(opts, spec, value, kw);
}

void Parser::ParseDevice(Lexer& lex, const Token& kw, std::optional<DeviceSpec>& out) {
    std::vector<Token> v;
    if (!ReadValues(lex, kw, 1, v))
        return;
    DeviceSpec dev;
    dev.loc = kw.loc;
    auto bad = [&](const Location& at, const std::string& msg) {
        diags_.Error(at, msg,
                     "write 'device /dev/nbN;', 'device minor N;' or 'device PATH minor N;'");
    };
    if (v.empty()) {
        bad(EndOf(kw), "'device' needs a value");
        return;
    }
    size_t i = 0;
    if (v[0].text != "minor" || v.size() == 1) {
        dev.path = v[0].text;
        i = 1;
    }
    if (i < v.size()) {
        if (v[i].text != "minor" || i + 2 != v.size()) {
            bad(v[i].loc, "unexpected " + v[i].Describe() + " in 'device'");
            return;
        }
        if (!ParseNumber(v[i + 1].text, kMaxMinor, dev.minor)) {
            bad(v[i + 1].loc, "invalid minor number '" + v[i + 1].text + "'");
            return;
        }
    }
    if (dev.minor < 0) {
        std::string_view p = dev.path;
        if (!p.starts_with("/dev/nb") || !ParseNumber(p.substr(7), kMaxMinor, dev.minor)) {
            bad(v[0].loc, "cannot tell the minor number of '" + dev.path + "'");
            return;
        }
    }
    if (dev.path.empty())
        dev.path = "/dev/nb" + std::to_string(dev.minor);
    if (dev.path[0] != '/') {
        bad(v[0].loc, "device '" + dev.path + "' is not an absolute path");
        return;
    }
    if (out) {
        Diagnostic& d = diags_.Error(kw.loc, "'device' is set twice");
        d.notes.push_back({out->loc, "first set here"});
        return;
    }
    out = dev;
}

void Parser::ParseDisk(Lexer& lex, const Token& kw, std::optional<DiskSpec>& out) {
    std::vector<Token> v;
    if (!ReadValues(lex, kw, 1, v))
        return;
    if (v.size() != 1) {
        diags_.Error(v.empty() ? EndOf(kw) : v[1].loc,
                     "'disk' takes one path (or a '{' to start a disk section)");
        return;
    }
    if (v[0].text.empty() || v[0].text[0] != '/') {
        diags_.Error(v[0].loc, "disk '" + v[0].text + "' is not an absolute path");
        return;
    }
    if (out) {
        Diagnostic& d = diags_.Error(kw.loc, "'disk' is set twice");
        d.notes.push_back({out->loc, "first set here"});
        return;
    }
    out = DiskSpec{v[0].text, kw.loc};
}

void Parser::ParseMetaDisk(Lexer& lex, const Token& kw, std::optional<MetaDiskSpec>& out) {
    std::vector<Token> v;
    if (!ReadValues(lex, kw, 1, v))
        return;
    MetaDiskSpec md;
    md.loc = kw.loc;
    const char* hint = "write 'meta-disk internal;', 'meta-disk PATH;' or 'meta-disk PATH [N];'";
    if (v.empty() || v.size() > 2) {
        diags_.Error(v.empty() ? EndOf(kw) : v[2].loc,
                     "'" + kw.text + "' takes a path or 'internal'", hint);
        return;
    }
    std::string path = v[0].text;
    std::string index;
    if (v.size() == 2) {
        index = v[1].text;
    } else if (size_t b = path.find('['); b != std::string::npos && b > 0) {
        index = path.substr(b);
        path = path.substr(0, b);
    }
    if (path == "internal" && kw.text != "flexible-meta-disk") {
        if (!index.empty()) {
            diags_.Error(v.back().loc, "'meta-disk internal' takes no index", hint);
            return;
        }
    } else {
        md.internal = false;
        md.path = path;
        if (path.empty() || path[0] != '/') {
            diags_.Error(v[0].loc, "meta-disk '" + path + "' is not an absolute path", hint);
            return;
        }
        if (!index.empty()) {
            if (index.size() < 3 || index.front() != '[' || index.back() != ']' ||
                !ParseNumber(std::string_view(index).substr(1, index.size() - 2), 255, md.index)) {
                diags_.Error(v.back().loc, "invalid meta-disk index '" + index + "'", hint);
                return;
            }
        }
    }
    if (out) {
        Diagnostic& d = diags_.Error(kw.loc, "'meta-disk' is set twice");
        d.notes.push_back({out->loc, "first set here"});
        return;
    }
    out = md;
}

bool Parser::ParseAddressWords(const std::vector<Token>& w, AddressSpec& out) {
    const char* hint = "write 'address 10.0.0.1:7788;' or 'address ipv6 [fd00::1]:7788;'";
    out.loc = w[0].loc;
    size_t i = 0;
    if (w.size() == 2) {
        const std::string& af = w[0].text;
        if (af == "ssocks" || af == "sdp" || af == "ssl") {
            diags_.Error(w[0].loc, "address family '" + af + "' is not supported", hint);
            return false;
        }
        if (af != "ipv4" && af != "ipv6") {
            diags_.Error(w[0].loc, "unknown address family '" + af + "'", hint);
            return false;
        }
        out.family = af;
        i = 1;
    } else if (w.size() != 1) {
        diags_.Error(w[2].loc, "too many words in address", hint);
        return false;
    }
    const Token& t = w[i];
    std::string_view s = t.text;
    size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) {
        diags_.Error(t.loc, "address '" + t.text + "' has no port", hint);
        return false;
    }
    std::string_view host = s.substr(0, colon);
    if (!ParseNumber(s.substr(colon + 1), 65535, out.port) || out.port == 0) {
        diags_.Error(t.loc, "invalid port in address '" + t.text + "'", hint);
        return false;
    }
    if (host.starts_with('[')) {
        if (i == 0)
            out.family = "ipv6";
        if (out.family != "ipv6" || host.size() < 2 || host.back() != ']') {
            diags_.Error(t.loc, "invalid address '" + t.text + "'", hint);
            return false;
        }
        host = host.substr(1, host.size() - 2);
    } else if (out.family == "ipv6") {
        diags_.Error(t.loc, "IPv6 addresses are written in brackets: [" + std::string(host) + "]",
                     hint);
        return false;
    }
    out.addr = std::string(host);
    unsigned char buf[16];
    if (inet_pton(out.family == "ipv6" ? AF_INET6 : AF_INET, out.addr.c_str(), buf) != 1) {
        diags_.Error(t.loc, "invalid " + out.family + " address '" + out.addr + "'", hint);
        return false;
    }
    return true;
}

void Parser::ParseAddress(Lexer& lex, const Token& kw, std::optional<AddressSpec>& out) {
    std::vector<Token> v;
    if (!ReadValues(lex, kw, 1, v))
        return;
    if (v.empty()) {
        diags_.Error(EndOf(kw), "'address' needs a value",
                     "write 'address 10.0.0.1:7788;' or 'address ipv6 [fd00::1]:7788;'");
        return;
    }
    AddressSpec addr;
    if (!ParseAddressWords(v, addr))
        return;
    if (out) {
        Diagnostic& d = diags_.Error(kw.loc, "'address' is set twice");
        d.notes.push_back({out->loc, "first set here"});
        return;
    }
    addr.loc = kw.loc;
    out = addr;
}

} // namespace nbr::conf
