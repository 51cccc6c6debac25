// drbdsetup's command line: argv -> Invocation, without any netlink, so
// that every accepted and refused command line is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nbr::drbdsetup {

enum class Verb {
    NewMinor,
    DelMinor,
    Disk,
    Detach,
    Net,
    Disconnect,
    Primary,
    Secondary,
    Down,
    Show,
    Status,
    WaitConnect,
    WaitSync,
    Events,
    Invalidate,
    InvalidateRemote,
    PauseSync,
    ResumeSync,
    Verify,
    NewCurrentUuid,
    Outdate,
};

const char* VerbName(Verb v);

// One validated --NAME=VALUE of `disk` or `net`, VALUE in the canonical
// form of the option table (conf/options.cc): yes|no, a decimal number in
// the option's unit, the enum keyword or the string.
struct Option {
    std::string name;
    std::string value;
    bool operator==(const Option&) const = default;
};

struct Invocation {
    Verb verb = Verb::Status;
    unsigned minor = 0;
    std::string resource;                 // new-minor
    std::string lower;                    // disk: backing device
    std::string meta;                     // disk: "internal" or the meta device
    std::optional<int> meta_index;        // disk with external metadata: -1 flexible, N indexed
    std::string local, peer;              // net: "ipv4:A:P" / "ipv6:[A]:P"
    std::string protocol;                 // net: A, B or C
    std::vector<Option> options;          // disk/net options, in argv order
    bool force = false;                   // primary, detach, disconnect
    bool json = false;                    // status, events
    bool discard_my_data = false;         // net
    std::string peer_name;                // net --peer-name: the peer's node name (auth)
    std::optional<unsigned> timeout;      // wait-connect, wait-sync: seconds
    std::optional<uint64_t> start_sector; // verify --start
    bool clear_bitmap = false;            // new-current-uuid --clear-bitmap
};

// What main() does with a command line: run `inv`, or print `out` / `err`
// and exit with `exit_code` (help, usage errors).
struct ParseOutcome {
    std::optional<Invocation> inv;
    int exit_code = 0;
    std::string out;
    std::string err;
};

// Exit codes, also in docs/drbdsetup.8.md.
inline constexpr int kExitOk = 0;
inline constexpr int kExitKernel = 10; // the kernel refused or failed
inline constexpr int kExitUsage = 20;  // bad command line
inline constexpr int kExitTimeout = 5; // wait-connect or wait-sync timed out

// argv without the program name. "DEV VERB ..." and "VERB DEV ..." are
// both accepted; DEV is /dev/nbN or N.
ParseOutcome Parse(const std::vector<std::string>& args);

// "/dev/nb3" or "3" -> 3; nullopt for anything else.
std::optional<unsigned> ParseDevice(const std::string& text);

} // namespace nbr::drbdsetup
