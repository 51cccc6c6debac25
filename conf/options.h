// The option table: one row per drbd.conf option. It drives parsing and
// validation, the drbdsetup command lines, `dump` output and the `adjust`
// diff, so that an option is described in exactly one place.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nbr::conf {

enum class Section { Global, Net, Disk, Startup, Options, Handlers };

const char* SectionName(Section s);

enum class Type {
    Bool,   // yes | no; a bare name means yes, "no-NAME" means no
    Int,    // decimal integer in the option's unit, range checked
    Size,   // integer with optional s/K/M/G suffix, stored in the option's unit
    Enum,   // one of a fixed list of words
    String, // any word or quoted string
};

enum class Unit {
    None,
    Seconds,
    Deciseconds, // 0.1 s, as DRBD counts timeouts
    Bytes,
    Sectors, // 512 bytes
    KiB,
    KiBPerSecond,
    Count,
};

// Human text for a unit ("0.1 seconds", "KiB/s") used in errors and docs.
const char* UnitName(Unit u);
// Bytes per unit for Size options (1 for Bytes, 512 for Sectors, 1024 for KiB).
int64_t UnitBytes(Unit u);

// Where the option goes when drbdadm runs drbdsetup.
enum class Target {
    None,     // used by drbdadm itself (startup, handlers) or not applied yet
    Disk,     // --NAME=VALUE on `drbdsetup <dev> disk`
    Net,      // --NAME=VALUE on `drbdsetup <dev> net`
    Protocol, // the positional A|B|C argument of `drbdsetup <dev> net`
};

struct OptionSpec {
    std::string_view name;
    Section section;
    Type type;
    Unit unit;
    int64_t min;
    int64_t max;
    std::string_view def; // canonical default ("" for none)
    std::span<const std::string_view> choices;
    Target target;
    std::string_view help;
    bool obsolete = false; // accepted with a warning and ignored
};

std::span<const OptionSpec> OptionTable();

// Looks an option up by name in one section; nullptr if unknown there.
const OptionSpec* FindOption(Section s, std::string_view name);
// Any section; the first match.
const OptionSpec* FindOptionAnywhere(std::string_view name);
// Index of a row in OptionTable().
size_t OptionIndex(const OptionSpec* spec);

// An old name (8.3 `syncer` section, renamed options) and where it lives now.
struct Alias {
    std::string_view old_section; // "syncer", "handlers", ...
    std::string_view old_name;
    Section section;
    std::string_view name;
};
std::span<const Alias> AliasTable();

// Parses a value written in a configuration file into its canonical form:
// Bool -> yes|no, Int/Size -> decimal in the option's unit, Enum/String as is.
// On failure returns nullopt and sets err.
std::optional<std::string> ParseValue(const OptionSpec& spec, std::string_view text,
                                      std::string& err);

// Formats a canonical value for drbd.conf output (sizes with the largest exact
// suffix, strings quoted).
std::string FormatValue(const OptionSpec& spec, const std::string& canonical);

// Words that may be written without quotes in drbd.conf output.
std::string QuoteIfNeeded(std::string_view s);
std::string QuoteAlways(std::string_view s);

// Levenshtein distance, for "did you mean" hints.
size_t EditDistance(std::string_view a, std::string_view b);

} // namespace nbr::conf
