// The state of one device as the kernel reports it (status replies and
// events), and every way drbdsetup prints it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nbr::drbdsetup {

struct Status {
    unsigned minor = 0;
    std::string resource;
    int role = 0, peer_role = 0, cstate = 0, disk = 0, peer_disk = 0; // nbr/state.h
    uint64_t size_sectors = 0;
    // Disk configuration, when attached.
    std::optional<std::string> backing;
    uint64_t size_limit = 0; // sectors, 0 = whole disk
    int on_io_error = 0;     // enum nbr_on_io_error
    // Network configuration, once `net` was given (the secret never comes back).
    struct Net {
        std::string local, peer; // drbd.conf address syntax: "ipv4 10.0.0.1:7788"
        std::string peer_name;
        int protocol = 0, auth_alg = 0, integrity = 0; // nbr/wire.h enums
        uint32_t timeout = 0, connect_int = 0, ping_int = 0, ping_timeout = 0, max_epoch = 0;
    };
    std::optional<Net> net;
    // Counters by their /proc/drbd names (ns, nr, dw, dr, lo, pe, ua, ap, oos).
    std::vector<std::pair<std::string, uint64_t>> stats;
    // Events only.
    std::optional<uint32_t> event_seq;
    std::string reason;
};

std::string RoleName(int v);
std::string ConnName(int v);
std::string DiskName(int v);

// "r0 nb0 role:Primary disk:UpToDate ..." plus a counters line.
std::string FormatHuman(const Status& s);
// One JSON object, the members drbdadm and the agents read.
std::string FormatJson(const Status& s);
// The running configuration in drbd.conf syntax (drbdadm adjust reads it).
std::string FormatShow(const Status& s);
// One line per event.
std::string FormatEvent(const Status& s, bool json);

std::string JsonEscape(const std::string& s);

} // namespace nbr::drbdsetup
