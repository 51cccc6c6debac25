// Source locations, diagnostics and the file-system interface of the
// drbd.conf parser.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nbr::conf {

// A position in a configuration file; line and column count from 1.
struct Location {
    std::string file;
    int line = 0;
    int column = 0;
};

enum class Severity { Error, Warning };

struct Note {
    Location loc;
    std::string message;
};

struct Diagnostic {
    Severity severity = Severity::Error;
    Location loc;
    std::string message;
    std::string hint;
    std::vector<Note> notes;
};

// Collects errors and warnings instead of stopping at the first one, and
// renders them as "file:line:col: message", the offending line and a caret.
class Diagnostics {
  public:
    // After this many errors the parser stops reading further input; errors
    // and warnings beyond this many are counted but not kept.
    static constexpr size_t kMaxErrors = 50;

    Diagnostic& Error(const Location& loc, std::string message, std::string hint = {});
    Diagnostic& Warning(const Location& loc, std::string message, std::string hint = {});

    // Remembers the text of a file so that Render() can quote its lines.
    void AddSource(const std::string& file, std::string text);

    bool HasErrors() const { return errors_ > 0; }
    size_t ErrorCount() const { return errors_; }
    bool TooMany() const { return errors_ >= kMaxErrors; }
    const std::vector<Diagnostic>& All() const { return diags_; }

    std::string Render() const;
    std::string Render(const Diagnostic& d) const;

  private:
    std::string Quote(const Location& loc) const;

    std::vector<Diagnostic> diags_;
    std::map<std::string, std::string> sources_;
    size_t errors_ = 0;
    size_t warnings_ = 0;
    Diagnostic discarded_; // what Error()/Warning() return beyond the limits
};

// What the parser needs from the file system, so that tests and the fuzzer
// can run on files held in memory.
class FileSystem {
  public:
    virtual ~FileSystem() = default;
    // Reads a whole regular file; on failure returns false and sets err.
    virtual bool ReadFile(const std::string& path, std::string& out, std::string& err) = 0;
    // Existing paths matching a glob pattern, sorted.
    virtual std::vector<std::string> Glob(const std::string& pattern) = 0;
    // A name that is the same for every path of one file (include loops).
    virtual std::string Canonical(const std::string& path) = 0;
};

class RealFileSystem : public FileSystem {
  public:
    // Files larger than this are refused (a configuration is a few KiB).
    static constexpr size_t kMaxFileSize = 4 << 20;

    bool ReadFile(const std::string& path, std::string& out, std::string& err) override;
    std::vector<std::string> Glob(const std::string& pattern) override;
    std::string Canonical(const std::string& path) override;
};

class MemoryFileSystem : public FileSystem {
  public:
    void Add(const std::string& path, std::string text) { files_[path] = std::move(text); }

    bool ReadFile(const std::string& path, std::string& out, std::string& err) override;
    std::vector<std::string> Glob(const std::string& pattern) override;
    std::string Canonical(const std::string& path) override;

  private:
    std::map<std::string, std::string> files_;
};

// Lexical path helpers shared by the parser and the file systems.
std::string DirName(const std::string& path);
std::string JoinPath(const std::string& dir, const std::string& rel);
bool HasGlobMeta(std::string_view pattern);

} // namespace nbr::conf
