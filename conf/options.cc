#include "conf/options.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <nbr/genl.h>
#include <vector>

namespace nbr::conf {

namespace {

using SV = std::string_view;

constexpr std::array<SV, 3> kProtocols{"A", "B", "C"};
constexpr std::array<SV, 3> kOnIoError{"pass_on", "call-local-io-error", "detach"};
constexpr std::array<SV, 3> kFencing{"dont-care", "resource-only", "resource-and-stonith"};
// A choice ending in "-NAME" takes any node name in place of NAME.
constexpr std::array<SV, 8> kAfterSb0{
    "disconnect",           "discard-younger-primary", "discard-older-primary",
    "discard-zero-changes", "discard-least-changes",   "discard-local",
    "discard-remote",       "discard-node-NAME"};
constexpr std::array<SV, 5> kAfterSb1{"disconnect", "consensus", "violently-as0p",
                                      "discard-secondary", "call-pri-lost-after-sb"};
constexpr std::array<SV, 3> kAfterSb2{"disconnect", "violently-as0p", "call-pri-lost-after-sb"};
constexpr std::array<SV, 3> kRrConflict{"disconnect", "call-pri-lost", "violently"};
constexpr std::array<SV, 3> kOnCongestion{"block", "pull-ahead", "disconnect"};
constexpr std::array<SV, 11> kReadBalancing{
    "prefer-local",          "prefer-remote", "round-robin",  "least-pending",
    "when-congested-remote", "32K-striping",  "64K-striping", "128K-striping",
    "256K-striping",         "512K-striping", "1M-striping"};
constexpr std::array<SV, 2> kNoData{"io-error", "suspend-io"};
constexpr std::array<SV, 3> kUsageCount{"yes", "no", "ask"};

constexpr int64_t kMaxI = std::numeric_limits<int32_t>::max();

using S = Section;
using T = Type;
using U = Unit;
using G = Target;

// clang-format off
const OptionSpec kTable[] = {
    // global
    {"usage-count", S::Global, T::Enum, U::None, 0, 0, "ask", kUsageCount, G::None, "accepted for compatibility; nbr never reports usage"},
    {"minor-count", S::Global, T::Int, U::Count, 1, 255, "32", {}, G::None, "number of minors to reserve"},
    {"dialog-refresh", S::Global, T::Int, U::Seconds, 0, 600, "1", {}, G::None, "refresh interval of the boot-time wait dialog"},
    {"disable-ip-verification", S::Global, T::Bool, U::None, 0, 0, "no", {}, G::None, "do not check that the local address exists"},
    {"udev-always-use-vnr", S::Global, T::Bool, U::None, 0, 0, "no", {}, G::None, "accepted for compatibility"},
    // net
    {"protocol", S::Net, T::Enum, U::None, 0, 0, "C", kProtocols, G::Protocol, "replication protocol"},
    {"timeout", S::Net, T::Int, U::Deciseconds, 1, 600, "60", {}, G::Net, "peer answer timeout"},
    {"connect-int", S::Net, T::Int, U::Seconds, 1, 120, "10", {}, G::Net, "interval between connection attempts"},
    {"ping-int", S::Net, T::Int, U::Seconds, 1, 120, "10", {}, G::Net, "keep-alive ping interval on an idle link"},
    {"ping-timeout", S::Net, T::Int, U::Deciseconds, 1, 300, "5", {}, G::Net, "time allowed for a ping answer"},
    {"ko-count", S::Net, T::Int, U::Count, 0, 200, "7", {}, G::Net, "drop a peer that misses this many timeouts on one request (0 = never)"},
    {"max-buffers", S::Net, T::Int, U::Count, 32, 131072, "2048", {}, G::Net, "receive buffers (pages) on the secondary"},
    {"max-epoch-size", S::Net, T::Int, U::Count, 1, 20000, "2048", {}, G::Net, "writes between two write barriers"},
    {"sndbuf-size", S::Net, T::Size, U::Bytes, 0, NBR_SOCKBUF_MAX, "0", {}, G::Net, "TCP send buffer (0 = auto)"},
    {"rcvbuf-size", S::Net, T::Size, U::Bytes, 0, NBR_SOCKBUF_MAX, "0", {}, G::Net, "TCP receive buffer (0 = auto)"},
    {"allow-two-primaries", S::Net, T::Bool, U::None, 0, 0, "no", {}, G::Net, "allow both nodes to be Primary"},
    {"cram-hmac-alg", S::Net, T::String, U::None, 0, 0, "", {}, G::Net, "HMAC algorithm for peer authentication"},
    {"shared-secret", S::Net, T::String, U::None, 0, 63, "", {}, G::Net, "secret for peer authentication (up to 63 characters)"},
    {"after-sb-0pri", S::Net, T::Enum, U::None, 0, 0, "disconnect", kAfterSb0, G::Net, "split-brain policy with no Primary"},
    {"after-sb-1pri", S::Net, T::Enum, U::None, 0, 0, "disconnect", kAfterSb1, G::Net, "split-brain policy with one Primary"},
    {"after-sb-2pri", S::Net, T::Enum, U::None, 0, 0, "disconnect", kAfterSb2, G::Net, "split-brain policy with two Primaries"},
    {"always-asbp", S::Net, T::Bool, U::None, 0, 0, "no", {}, G::Net, "apply after-sb policies even without a common ancestor"},
    {"rr-conflict", S::Net, T::Enum, U::None, 0, 0, "disconnect", kRrConflict, G::Net, "what to do when a resync would roll back a Primary"},
    {"data-integrity-alg", S::Net, T::String, U::None, 0, 0, "", {}, G::Net, "digest of every replicated block (testing aid)"},
    {"tcp-cork", S::Net, T::Bool, U::None, 0, 0, "yes", {}, G::Net, "batch small packets with TCP_CORK"},
    {"on-congestion", S::Net, T::Enum, U::None, 0, 0, "block", kOnCongestion, G::Net, "what protocol A does when the send buffer fills"},
    {"congestion-fill", S::Net, T::Size, U::Sectors, 0, 20971520, "0", {}, G::Net, "in-flight data that counts as congestion (0 = off)"},
    {"congestion-extents", S::Net, T::Int, U::Count, 67, 65534, "1237", {}, G::Net, "active extents that count as congestion"},
    {"csums-alg", S::Net, T::String, U::None, 0, 0, "", {}, G::Net, "checksum-based resync digest"},
    {"csums-after-crash-only", S::Net, T::Bool, U::None, 0, 0, "no", {}, G::Net, "use csums-alg only after a Primary crash"},
    {"verify-alg", S::Net, T::String, U::None, 0, 0, "crc32c", {}, G::Net, "online verify digest: crc32c, sha1, sha256 or md5"},
    {"use-rle", S::Net, T::Bool, U::None, 0, 0, "yes", {}, G::Net, "compress bitmap exchange"},
    {"socket-check-timeout", S::Net, T::Int, U::Deciseconds, 0, 300, "0", {}, G::Net, "wait for a stable connection"},
    {"unplug-watermark", S::Net, T::Int, U::Count, 1, 131072, "128", {}, G::None, "obsolete, ignored", true},
    // disk
    {"on-io-error", S::Disk, T::Enum, U::None, 0, 0, "detach", kOnIoError, G::Disk, "reaction to a lower-level I/O error"},
    {"size", S::Disk, T::Size, U::Sectors, 0, int64_t(1) << 40, "0", {}, G::Disk, "usable size (0 = whole disk)"},
    {"fencing", S::Disk, T::Enum, U::None, 0, 0, "dont-care", kFencing, G::Disk, "fencing policy"},
    {"disk-barrier", S::Disk, T::Bool, U::None, 0, 0, "no", {}, G::Disk, "order writes with barriers"},
    {"disk-flushes", S::Disk, T::Bool, U::None, 0, 0, "yes", {}, G::Disk, "order writes with flushes"},
    {"disk-drain", S::Disk, T::Bool, U::None, 0, 0, "yes", {}, G::Disk, "order writes by draining"},
    {"md-flushes", S::Disk, T::Bool, U::None, 0, 0, "yes", {}, G::Disk, "flush metadata writes"},
    {"max-bio-bvecs", S::Disk, T::Int, U::Count, 0, 128, "0", {}, G::Disk, "limit segments per request (0 = no limit)"},
    {"resync-rate", S::Disk, T::Size, U::KiBPerSecond, 1, 4194304, "250", {}, G::Disk, "resync bandwidth (fixed-rate controller)"},
    {"resync-after", S::Disk, T::String, U::None, 0, 0, "", {}, G::Disk, "resync only after this resource finished"},
    {"al-extents", S::Disk, T::Int, U::Count, 7, 65534, "1237", {}, G::Disk, "activity log size in 4 MiB extents"},
    {"al-updates", S::Disk, T::Bool, U::None, 0, 0, "yes", {}, G::Disk, "write activity log transactions"},
    {"c-plan-ahead", S::Disk, T::Int, U::Deciseconds, 0, 300, "20", {}, G::Disk, "dynamic resync controller horizon (0 = fixed rate)"},
    {"c-delay-target", S::Disk, T::Int, U::Deciseconds, 1, 100, "10", {}, G::Disk, "dynamic controller delay target"},
    {"c-fill-target", S::Disk, T::Size, U::Sectors, 0, 1048576, "100", {}, G::Disk, "dynamic controller fill target"},
    {"c-max-rate", S::Disk, T::Size, U::KiBPerSecond, 250, 4194304, "102400", {}, G::Disk, "maximum resync rate"},
    {"c-min-rate", S::Disk, T::Size, U::KiBPerSecond, 0, 4194304, "250", {}, G::Disk, "resync rate kept under application load"},
    {"disk-timeout", S::Disk, T::Int, U::Deciseconds, 0, 6000, "0", {}, G::Disk, "fail the lower disk after this long (0 = off)"},
    {"discard-zeroes-if-aligned", S::Disk, T::Bool, U::None, 0, 0, "yes", {}, G::Disk, "treat aligned discards as zeroing"},
    {"disable-write-same", S::Disk, T::Bool, U::None, 0, 0, "no", {}, G::Disk, "do not announce WRITE SAME"},
    {"rs-discard-granularity", S::Disk, T::Size, U::Bytes, 0, 1 << 20, "0", {}, G::Disk, "resync with discards of this size (0 = off)"},
    {"read-balancing", S::Disk, T::Enum, U::None, 0, 0, "prefer-local", kReadBalancing, G::Disk, "where reads are served"},
    // startup
    {"wfc-timeout", S::Startup, T::Int, U::Seconds, 0, kMaxI, "0", {}, G::None, "wait-connect timeout (0 = forever)"},
    {"degr-wfc-timeout", S::Startup, T::Int, U::Seconds, 0, kMaxI, "0", {}, G::None, "wait-connect timeout after a degraded shutdown"},
    {"outdated-wfc-timeout", S::Startup, T::Int, U::Seconds, 0, kMaxI, "0", {}, G::None, "wait-connect timeout with outdated data"},
    {"wait-after-sb", S::Startup, T::Bool, U::None, 0, 0, "no", {}, G::None, "keep waiting after a split brain"},
    {"stacked-timeouts", S::Startup, T::Bool, U::None, 0, 0, "no", {}, G::None, "accepted for compatibility"},
    {"become-primary-on", S::Startup, T::String, U::None, 0, 0, "", {}, G::None, "host that becomes Primary at boot (or 'both')"},
    // options
    {"cpu-mask", S::Options, T::String, U::None, 0, 0, "", {}, G::None, "CPUs for the kernel threads (not applied yet)"},
    {"on-no-data-accessible", S::Options, T::Enum, U::None, 0, 0, "io-error", kNoData, G::None, "I/O with no up-to-date data (not applied yet)"},
    // handlers
    {"pri-on-incon-degr", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "Primary with inconsistent data and no peer"},
    {"pri-lost-after-sb", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "Primary lost after split brain"},
    {"pri-lost", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "Primary became sync target"},
    {"fence-peer", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "fence the peer (outdate it)"},
    {"unfence-peer", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "undo fence-peer"},
    {"local-io-error", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "lower-level I/O error"},
    {"initial-split-brain", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "split brain detected"},
    {"split-brain", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "split brain not resolved automatically"},
    {"before-resync-target", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "before becoming sync target"},
    {"after-resync-target", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "after a resync as target"},
    {"before-resync-source", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "before becoming sync source"},
    {"out-of-sync", S::Handlers, T::String, U::None, 0, 0, "", {}, G::None, "online verify found differences"},
};

const Alias kAliases[] = {
    {"syncer", "rate", S::Disk, "resync-rate"},
    {"syncer", "after", S::Disk, "resync-after"},
    {"syncer", "al-extents", S::Disk, "al-extents"},
    {"syncer", "al-updates", S::Disk, "al-updates"},
    {"syncer", "c-plan-ahead", S::Disk, "c-plan-ahead"},
    {"syncer", "c-delay-target", S::Disk, "c-delay-target"},
    {"syncer", "c-fill-target", S::Disk, "c-fill-target"},
    {"syncer", "c-max-rate", S::Disk, "c-max-rate"},
    {"syncer", "c-min-rate", S::Disk, "c-min-rate"},
    {"syncer", "verify-alg", S::Net, "verify-alg"},
    {"syncer", "csums-alg", S::Net, "csums-alg"},
    {"syncer", "use-rle", S::Net, "use-rle"},
    {"syncer", "cpu-mask", S::Options, "cpu-mask"},
    {"syncer", "on-no-data-accessible", S::Options, "on-no-data-accessible"},
    {"handlers", "outdate-peer", S::Handlers, "fence-peer"},
};
// clang-format on

} // namespace

const char* SectionName(Section s) {
    switch (s) {
    case Section::Global:
        return "global";
    case Section::Net:
        return "net";
    case Section::Disk:
        return "disk";
    case Section::Startup:
        return "startup";
    case Section::Options:
        return "options";
    case Section::Handlers:
        return "handlers";
    }
    return "?";
}

const char* UnitName(Unit u) {
    switch (u) {
    case Unit::None:
        return "";
    case Unit::Seconds:
        return "seconds";
    case Unit::Deciseconds:
        return "0.1 seconds";
    case Unit::Bytes:
        return "bytes";
    case Unit::Sectors:
        return "512-byte sectors";
    case Unit::KiB:
        return "KiB";
    case Unit::KiBPerSecond:
        return "KiB/s";
    case Unit::Count:
        return "";
    }
    return "";
}

int64_t UnitBytes(Unit u) {
    switch (u) {
    case Unit::Sectors:
        return 512;
    case Unit::KiB:
    case Unit::KiBPerSecond:
        return 1024;
    default:
        return 1;
    }
}

std::span<const OptionSpec> OptionTable() {
    return kTable;
}
std::span<const Alias> AliasTable() {
    return kAliases;
}

const OptionSpec* FindOption(Section s, std::string_view name) {
    for (const OptionSpec& o : kTable)
        if (o.section == s && o.name == name)
            return &o;
    return nullptr;
}

const OptionSpec* FindOptionAnywhere(std::string_view name) {
    for (const OptionSpec& o : kTable)
        if (o.name == name)
            return &o;
    return nullptr;
}

size_t OptionIndex(const OptionSpec* spec) {
    return size_t(spec - kTable);
}

static bool ParseInt(std::string_view s, int64_t& v) {
    if (s.empty())
        return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
}

static std::string RangeText(const OptionSpec& spec) {
    std::string unit = UnitName(spec.unit);
    return std::to_string(spec.min) + " and " + std::to_string(spec.max) +
           (unit.empty() ? "" : " (" + unit + ")");
}

std::optional<std::string> ParseValue(const OptionSpec& spec, std::string_view text,
                                      std::string& err) {
    switch (spec.type) {
    case Type::Bool:
        if (text == "yes" || text == "no")
            return std::string(text);
        err = "'" + std::string(spec.name) + "' expects yes or no, got '" + std::string(text) + "'";
        return std::nullopt;
    case Type::Enum:
        for (std::string_view c : spec.choices) {
            if (c == text)
                return std::string(text);
            if (c.ends_with("-NAME")) {
                std::string_view prefix = c.substr(0, c.size() - 4);
                if (text.size() > prefix.size() && text.starts_with(prefix))
                    return std::string(text);
            }
        }
        err = "invalid value '" + std::string(text) + "' for '" + std::string(spec.name) +
              "'; expected one of:";
        for (std::string_view c : spec.choices)
            err += " " + std::string(c);
        return std::nullopt;
    case Type::String:
        if (spec.max > 0 && text.size() > size_t(spec.max)) {
            err = "'" + std::string(spec.name) + "' is longer than " + std::to_string(spec.max) +
                  " characters";
            return std::nullopt;
        }
        return std::string(text);
    case Type::Int:
    case Type::Size:
        break;
    }
    int64_t value = 0;
    std::string_view digits = text;
    int64_t mult = 0; // bytes per suffix unit; 0 = no suffix
    if (spec.type == Type::Size && !text.empty()) {
        switch (text.back()) {
        case 's':
            mult = 512;
            break;
        case 'k':
        case 'K':
            mult = 1024;
            break;
        case 'm':
        case 'M':
            mult = 1024 * 1024;
            break;
        case 'g':
        case 'G':
            mult = int64_t(1024) * 1024 * 1024;
            break;
        }
        if (mult)
            digits.remove_suffix(1);
    }
    if (!ParseInt(digits, value) || value < 0) {
        err = "'" + std::string(spec.name) + "' expects " +
              (spec.type == Type::Size ? "a size (number with optional K, M or G suffix)"
                                       : "a number") +
              ", got '" + std::string(text) + "'";
        return std::nullopt;
    }
    if (mult) {
        int64_t base = UnitBytes(spec.unit);
        if (value > std::numeric_limits<int64_t>::max() / mult) {
            err = "'" + std::string(spec.name) + "' must be between " + RangeText(spec);
            return std::nullopt;
        }
        int64_t bytes = value * mult;
        if (bytes % base != 0) {
            err = "'" + std::string(text) + "' is not a whole number of " + UnitName(spec.unit) +
                  " for '" + std::string(spec.name) + "'";
            return std::nullopt;
        }
        value = bytes / base;
    }
    if (value < spec.min || value > spec.max) {
        err = "'" + std::string(spec.name) + "' must be between " + RangeText(spec) + ", got " +
              std::to_string(value);
        return std::nullopt;
    }
    return std::to_string(value);
}

std::string FormatValue(const OptionSpec& spec, const std::string& canonical) {
    switch (spec.type) {
    case Type::String:
        return QuoteAlways(canonical);
    case Type::Size: {
        int64_t v = 0;
        if (!ParseInt(canonical, v))
            return canonical;
        int64_t bytes = v * UnitBytes(spec.unit);
        if (v != 0) {
            static constexpr std::pair<int64_t, char> kSuffixes[] = {
                {int64_t(1) << 30, 'G'}, {1 << 20, 'M'}, {1 << 10, 'K'}};
            for (auto [m, c] : kSuffixes)
                if (bytes % m == 0 && m >= UnitBytes(spec.unit))
                    return std::to_string(bytes / m) + c;
        }
        if (spec.unit == Unit::Sectors && v != 0)
            return canonical + "s";
        return canonical;
    }
    default:
        return canonical;
    }
}

std::string QuoteAlways(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string QuoteIfNeeded(std::string_view s) {
    bool plain = !s.empty();
    for (char c : s)
        plain = plain && (static_cast<unsigned char>(c) < 0x80) &&
                (std::isalnum(static_cast<unsigned char>(c)) ||
                 std::string_view("/._-:+@[]=,%~").find(c) != std::string_view::npos);
    return plain ? std::string(s) : QuoteAlways(s);
}

size_t EditDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min(
                {prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

} // namespace nbr::conf
