// The drbd.conf parser: one Parse<Thing> per statement, all errors
// collected in a Diagnostics object.
#pragma once

#include "conf/lexer.h"
#include "conf/model.h"
#include "conf/source.h"

#include <string>
#include <string_view>
#include <vector>

namespace nbr::conf {

struct ParseResult {
    Config config;
    Diagnostics diags;
    bool ok() const { return !diags.HasErrors(); }
};

// Parses a file and everything it includes.
ParseResult ParseFile(const std::string& path, FileSystem& fs);

// Parses text as if it were the file `file`; includes are looked up in fs
// (none can be found when fs is null). Meant for tests and `drbdsetup show`.
ParseResult ParseString(std::string_view text, const std::string& file = "drbd.conf",
                        FileSystem* fs = nullptr);

class Parser {
  public:
    static constexpr int kMaxIncludeDepth = 16;
    static constexpr int kMaxFiles = 256;

    Parser(FileSystem& fs, Diagnostics& diags, Config& config)
        : fs_(fs), diags_(diags), config_(config) {}

    // `from` is the include statement that names the file (null at top level).
    void ParseFile(const std::string& path, const Location* from);
    void ParseText(const std::string& file, std::string_view text);

  private:
    // Volume: the single 'volume N { }' an nbr resource (or host section) may have.
    enum class Scope { Common, Resource, Host, Volume };

    void ParseTopLevel(Lexer& lex);
    void ParseInclude(Lexer& lex, const Token& kw);
    void ParseGlobal(Lexer& lex, const Token& kw);
    void ParseCommon(Lexer& lex, const Token& kw);
    void ParseResource(Lexer& lex, const Token& kw);
    void ParseHost(Lexer& lex, const Token& kw, Resource& res);
    void ParseFloating(Lexer& lex, const Token& kw, Resource& res);
    // The statements of a common, resource or host body up to its '}'.
    void ParseBody(Lexer& lex, const Token& open, const std::string& what, Scope scope,
                   OptionList& opts, Resource* res, HostSection* host);
    void ParseVolume(Lexer& lex, const Token& kw, std::optional<Location>& seen, OptionList& opts,
                     Resource* res, HostSection* host);
    void ParseOptionBlock(Lexer& lex, const Token& kw, OptionList& opts);
    void ParseOption(Lexer& lex, const Token& kw, std::string_view block, Section section,
                     OptionList& opts);
    void ParseDevice(Lexer& lex, const Token& kw, std::optional<DeviceSpec>& out);
    void ParseDisk(Lexer& lex, const Token& kw, std::optional<DiskSpec>& out);
    void ParseMetaDisk(Lexer& lex, const Token& kw, std::optional<MetaDiskSpec>& out);
    void ParseAddress(Lexer& lex, const Token& kw, std::optional<AddressSpec>& out);
    bool ParseAddressWords(const std::vector<Token>& words, AddressSpec& out);
    void SetOption(OptionList& opts, const OptionSpec* spec, std::string value, const Token& at);

    // Reads "v1 v2 ... ;" after a keyword; see parser.cc for the rule that
    // spots a missing ';' at the end of a line.
    bool ReadValues(Lexer& lex, const Token& kw, size_t need, std::vector<Token>& values);
    // Skips to the end of the current statement (';' or a whole { } block).
    void SkipStatement(Lexer& lex);
    // Skips a block whose '{' was just consumed.
    void SkipBlockBody(Lexer& lex, const Token& open);
    // True if the next tokens start a block that cannot belong inside an
    // option block, which means its '}' is missing.
    bool StartsOuterBlock(Lexer& lex);
    void Expect(Lexer& lex, Tok kind, const std::string& what);

    FileSystem& fs_;
    Diagnostics& diags_;
    Config& config_;
    std::vector<std::string> stack_; // canonical names of the files being parsed
    int files_ = 0;
};

} // namespace nbr::conf
