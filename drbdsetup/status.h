// The state of one device as the kernel reports it (status replies and
// events), and every way drbdsetup prints it.
#pragma once

#include <array>
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
    // External metadata (absent: internal); index absent = flexible.
    std::optional<std::string> meta_dev;
    std::optional<uint32_t> meta_index;
    // Disk options, each only when the kernel reports it (canonical units
    // of conf/options.cc: extents, KiB/s, 0.1 s).
    std::optional<uint32_t> al_extents, resync_rate, c_plan_ahead, c_max_rate, c_min_rate;
    std::optional<bool> md_flushes;
    // Generation identifiers: current, bitmap, history1, history2.
    std::optional<std::array<uint64_t, 4>> gi;
    std::optional<uint32_t> md_flags; // NBR_MDF_*
    // While a resync or online verify runs (NBR_A_SYNC).
    struct Sync {
        uint64_t total_kib = 0, left_kib = 0, speed_kib = 0, avg_speed_kib = 0;
        std::optional<uint64_t> eta_s;
        bool paused = false;
        std::optional<uint64_t> oos_found_kib; // verify
    };
    std::optional<Sync> sync;
    // Network configuration, once `net` was given (the secret never comes back).
    struct Net {
        std::string local, peer; // drbd.conf address syntax: "ipv4 10.0.0.1:7788"
        std::string peer_name;
        int protocol = 0, auth_alg = 0, integrity = 0; // nbr/wire.h enums
        uint32_t timeout = 0, connect_int = 0, ping_int = 0, ping_timeout = 0, max_epoch = 0;
        // ko-count, sndbuf-size, rcvbuf-size, when the kernel reports them.
        std::optional<uint32_t> ko_count, sndbuf, rcvbuf;
        // Split-brain and verify options, when the kernel reports them.
        std::optional<int> after_sb_0pri, after_sb_1pri, after_sb_2pri; // enum nbr_asb0/1/2
        bool always_asbp = false;
        std::optional<int> verify_alg; // enum nbr_digest_alg
        std::string discard_node;      // after-sb-0pri discard-node-NAME
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

// What wait-connect waits for: the peer is there (Connected or beyond).
bool IsConnected(const Status& s);
// What wait-sync waits for: connected, no resync running or pending, and
// every disk the pair has UpToDate (online verify does not count as sync).
bool IsSynced(const Status& s);

// "r0 nb0 role:Primary disk:UpToDate ..." plus a counters line, the
// generation identifiers and, while syncing, /proc/drbd's progress lines.
std::string FormatHuman(const Status& s);
// "C0A4...:0000...:...:..." (16 hex digits each, as DRBD's show-gi).
std::string GiText(const std::array<uint64_t, 4>& gi);
// Percent done in hundredths (2530 = 25.30%), 0 when nothing to do.
unsigned SyncDoneHundredths(const Status::Sync& sync);
// "25.30" for drbdadm status' done:.
std::string SyncDoneText(const Status::Sync& sync);
// The two /proc/drbd progress lines (tab-indented), for cstate.
std::string FormatProgress(const Status::Sync& sync, int cstate);
// One JSON object, the members drbdadm and the agents read.
std::string FormatJson(const Status& s);
// The running configuration in drbd.conf syntax (drbdadm adjust reads it).
std::string FormatShow(const Status& s);
// One line per event.
std::string FormatEvent(const Status& s, bool json);
// One line per existing device at the start of `events` ("exists ..."),
// and the line that ends that list ("exists -").
std::string FormatExists(const Status& s, bool json);
std::string FormatExistsEnd(bool json);

std::string JsonEscape(const std::string& s);

} // namespace nbr::drbdsetup
