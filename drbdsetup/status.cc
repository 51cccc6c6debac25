#include "drbdsetup/status.h"

#include "conf/options.h"
#include "nbr_proc_fmt.h"
#include "nbr_state_rules.h"
#include "nbr_sync.h"

#include <cinttypes>
#include <nbr/genl.h>
#include <nbr/state.h>
#include <nbr/wire.h>
#include <sstream>

namespace nbr::drbdsetup {

std::string RoleName(int v) {
    return nbr_role_str(nbr_role(v));
}
std::string ConnName(int v) {
    return nbr_conn_str(nbr_conn_state(v));
}
std::string DiskName(int v) {
    return nbr_disk_str(nbr_disk_state(v));
}

bool IsConnected(const Status& s) {
    return s.cstate >= NBR_C_CONNECTED;
}

bool IsSynced(const Status& s) {
    auto settled = [](int d) { return d == NBR_D_UPTODATE || d == NBR_D_DISKLESS; };
    bool idle =
        s.cstate == NBR_C_CONNECTED || s.cstate == NBR_C_VERIFYS || s.cstate == NBR_C_VERIFYT;
    return idle && settled(s.disk) && settled(s.peer_disk) &&
           !(s.disk == NBR_D_DISKLESS && s.peer_disk == NBR_D_DISKLESS);
}

std::string JsonEscape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    return out;
}

std::string GiText(const std::array<uint64_t, 4>& gi) {
    char buf[4 * 17 + 1];
    snprintf(buf, sizeof buf, "%016" PRIX64 ":%016" PRIX64 ":%016" PRIX64 ":%016" PRIX64, gi[0],
             gi[1], gi[2], gi[3]);
    return buf;
}

unsigned SyncDoneHundredths(const Status::Sync& y) {
    uint64_t total = y.total_kib;
    if (total == 0 || y.left_kib > total)
        return 0;
    uint64_t done = total - y.left_kib;
    while (total > UINT64_MAX / 10000) {
        total >>= 10;
        done >>= 10;
    }
    return unsigned(done * 10000 / total);
}

std::string SyncDoneText(const Status::Sync& y) {
    unsigned h = SyncDoneHundredths(y);
    char buf[16];
    snprintf(buf, sizeof buf, "%u.%02u", h / 100, h % 100);
    return buf;
}

namespace {

bool IsVerify(int cstate) {
    return cstate == NBR_C_VERIFYS || cstate == NBR_C_VERIFYT;
}
bool IsPausedSync(int cstate) {
    return cstate == NBR_C_PAUSEDSYNCS || cstate == NBR_C_PAUSEDSYNCT;
}

} // namespace

std::string FormatProgress(const Status::Sync& y, int cstate) {
    nbr_proc_sync p{};
    p.total_kib = y.total_kib;
    p.left_kib = y.left_kib;
    p.speed_kib = y.speed_kib;
    p.avg_speed_kib = y.avg_speed_kib;
    p.verify = IsVerify(cstate);
    p.paused = y.paused || IsPausedSync(cstate);
    char buf[256];
    int n = nbr_proc_format_sync(buf, sizeof buf, &p);
    std::string out = n > 0 ? std::string(buf, size_t(n)) : std::string();
    if (y.oos_found_kib)
        out += "\tout of sync found: " + std::to_string(*y.oos_found_kib) + "K\n";
    return out;
}

namespace {

const char* Asb0Name(int v) {
    switch (v) {
    case NBR_ASB0_DISCONNECT:
        return "disconnect";
    case NBR_ASB0_DISCARD_YOUNGER_PRIMARY:
        return "discard-younger-primary";
    case NBR_ASB0_DISCARD_OLDER_PRIMARY:
        return "discard-older-primary";
    case NBR_ASB0_DISCARD_ZERO_CHANGES:
        return "discard-zero-changes";
    case NBR_ASB0_DISCARD_LEAST_CHANGES:
        return "discard-least-changes";
    case NBR_ASB0_DISCARD_LOCAL:
        return "discard-local";
    case NBR_ASB0_DISCARD_REMOTE:
        return "discard-remote";
    case NBR_ASB0_DISCARD_NODE:
        return "discard-node-";
    }
    return nullptr;
}

const char* Asb1Name(int v) {
    switch (v) {
    case NBR_ASB1_DISCONNECT:
        return "disconnect";
    case NBR_ASB1_CONSENSUS:
        return "consensus";
    case NBR_ASB1_VIOLENTLY_AS0P:
        return "violently-as0p";
    case NBR_ASB1_DISCARD_SECONDARY:
        return "discard-secondary";
    case NBR_ASB1_CALL_PRI_LOST_AFTER_SB:
        return "call-pri-lost-after-sb";
    }
    return nullptr;
}

const char* Asb2Name(int v) {
    switch (v) {
    case NBR_ASB2_DISCONNECT:
        return "disconnect";
    case NBR_ASB2_VIOLENTLY_AS0P:
        return "violently-as0p";
    case NBR_ASB2_CALL_PRI_LOST_AFTER_SB:
        return "call-pri-lost-after-sb";
    }
    return nullptr;
}

const char* DigestName(int v) {
    switch (v) {
    case NBR_DIGEST_CRC32C:
        return "crc32c";
    case NBR_DIGEST_SHA1:
        return "sha1";
    case NBR_DIGEST_SHA256:
        return "sha256";
    case NBR_DIGEST_MD5:
        return "md5";
    }
    return nullptr;
}

std::string StateWords(const Status& s) {
    return "role:" + RoleName(s.role) + " disk:" + DiskName(s.disk) +
           " cstate:" + ConnName(s.cstate) + " peer-role:" + RoleName(s.peer_role) +
           " peer-disk:" + DiskName(s.peer_disk);
}

std::string JsonBody(const Status& s) {
    std::ostringstream o;
    o << "\"minor\":" << s.minor << ",\"device\":\"/dev/nb" << s.minor << "\""
      << ",\"resource\":\"" << JsonEscape(s.resource) << "\""
      << ",\"role\":\"" << RoleName(s.role) << "\""
      << ",\"peer_role\":\"" << RoleName(s.peer_role) << "\""
      << ",\"cstate\":\"" << ConnName(s.cstate) << "\""
      << ",\"disk\":\"" << DiskName(s.disk) << "\""
      << ",\"peer_disk\":\"" << DiskName(s.peer_disk) << "\""
      << ",\"size_sectors\":" << s.size_sectors;
    if (s.backing)
        o << ",\"backing_dev\":\"" << JsonEscape(*s.backing) << "\"";
    if (s.gi)
        o << ",\"gi\":\"" << GiText(*s.gi) << "\"";
    if (s.md_flags)
        o << ",\"md_flags\":" << *s.md_flags;
    if (s.sync) {
        const Status::Sync& y = *s.sync;
        o << ",\"sync\":{\"verify\":" << (IsVerify(s.cstate) ? "true" : "false")
          << ",\"total_kib\":" << y.total_kib << ",\"left_kib\":" << y.left_kib
          << ",\"done\":" << SyncDoneText(y) << ",\"speed_kib\":" << y.speed_kib
          << ",\"avg_speed_kib\":" << y.avg_speed_kib << ",\"eta_s\":";
        if (y.eta_s)
            o << *y.eta_s;
        else
            o << "null";
        o << ",\"paused\":" << (y.paused || IsPausedSync(s.cstate) ? "true" : "false");
        if (y.oos_found_kib)
            o << ",\"oos_found_kib\":" << *y.oos_found_kib;
        o << "}";
    }
    o << ",\"stats\":{";
    for (size_t i = 0; i < s.stats.size(); i++)
        o << (i ? "," : "") << "\"" << s.stats[i].first << "\":" << s.stats[i].second;
    o << "}";
    return o.str();
}

} // namespace

std::string FormatHuman(const Status& s) {
    std::ostringstream o;
    o << s.resource << " nb" << s.minor << " " << StateWords(s) << " size:" << s.size_sectors / 2
      << "K";
    if (s.sync)
        o << " done:" << SyncDoneText(*s.sync);
    o << "\n   ";
    for (const auto& [name, value] : s.stats)
        o << " " << name << ":" << value;
    o << "\n";
    if (s.gi) {
        o << "    gi:" << GiText(*s.gi);
        if (s.md_flags) {
            char flags[16];
            snprintf(flags, sizeof flags, "0x%03x", *s.md_flags);
            o << " md-flags:" << flags;
        }
        o << "\n";
    }
    if (s.sync)
        o << FormatProgress(*s.sync, s.cstate);
    return o.str();
}

std::string FormatJson(const Status& s) {
    return "{" + JsonBody(s) + "}\n";
}

std::string FormatEvent(const Status& s, bool json) {
    if (json) {
        std::ostringstream o;
        o << "{\"seq\":" << s.event_seq.value_or(0) << "," << JsonBody(s) << ",\"reason\":\""
          << JsonEscape(s.reason) << "\"}\n";
        return o.str();
    }
    std::ostringstream o;
    o << "seq:" << s.event_seq.value_or(0) << " " << s.resource << " nb" << s.minor << " "
      << StateWords(s) << " reason:" << s.reason << "\n";
    return o.str();
}

std::string FormatExists(const Status& s, bool json) {
    if (json)
        return "{\"event\":\"exists\"," + JsonBody(s) + "}\n";
    std::string line =
        "exists " + s.resource + " nb" + std::to_string(s.minor) + " " + StateWords(s);
    if (s.gi)
        line += " gi:" + GiText(*s.gi);
    if (s.sync)
        line += " done:" + SyncDoneText(*s.sync);
    return line + "\n";
}

std::string FormatExistsEnd(bool json) {
    return json ? "{\"event\":\"exists-end\"}\n" : "exists -\n";
}

namespace {

// "    name value;" for an option the kernel reported, in drbd.conf form.
void ShowOption(std::ostringstream& o, conf::Section section, const char* name,
                const std::optional<uint32_t>& v) {
    if (!v)
        return;
    const conf::OptionSpec* spec = conf::FindOption(section, name);
    o << "        " << name << " "
      << (spec ? conf::FormatValue(*spec, std::to_string(*v)) : std::to_string(*v)) << ";\n";
}

} // namespace

// Every option the module holds, defaults included, and nothing else:
// drbdadm adjust compares exactly the options shown (never the secret).
std::string FormatShow(const Status& s) {
    std::ostringstream o;
    o << "resource " << s.resource << " {\n";
    if (s.backing) {
        o << "    disk {\n";
        o << "        on-io-error " << (s.on_io_error == NBR_IOERR_PASS_ON ? "pass_on" : "detach")
          << ";\n";
        o << "        size " << s.size_limit << "s;\n";
        ShowOption(o, conf::Section::Disk, "al-extents", s.al_extents);
        if (s.md_flushes)
            o << "        md-flushes " << (*s.md_flushes ? "yes" : "no") << ";\n";
        ShowOption(o, conf::Section::Disk, "resync-rate", s.resync_rate);
        ShowOption(o, conf::Section::Disk, "c-plan-ahead", s.c_plan_ahead);
        ShowOption(o, conf::Section::Disk, "c-max-rate", s.c_max_rate);
        ShowOption(o, conf::Section::Disk, "c-min-rate", s.c_min_rate);
        o << "    }\n";
    }
    if (s.net) {
        const Status::Net& n = *s.net;
        o << "    net {\n";
        o << "        protocol " << char('A' + n.protocol - NBR_PROT_A) << ";\n";
        o << "        cram-hmac-alg \"" << (n.auth_alg == NBR_AUTH_HMAC_SHA256 ? "sha256" : "")
          << "\";\n";
        o << "        data-integrity-alg \""
          << (n.integrity == NBR_INTEGRITY_CRC32C ? "crc32c" : "") << "\";\n";
        o << "        timeout " << n.timeout << ";\n";
        o << "        connect-int " << n.connect_int << ";\n";
        o << "        ping-int " << n.ping_int << ";\n";
        o << "        ping-timeout " << n.ping_timeout << ";\n";
        o << "        max-epoch-size " << n.max_epoch << ";\n";
        ShowOption(o, conf::Section::Net, "ko-count", n.ko_count);
        ShowOption(o, conf::Section::Net, "sndbuf-size", n.sndbuf);
        ShowOption(o, conf::Section::Net, "rcvbuf-size", n.rcvbuf);
        if (n.after_sb_0pri) {
            const char* name = Asb0Name(*n.after_sb_0pri);
            if (name && *n.after_sb_0pri == NBR_ASB0_DISCARD_NODE)
                o << "        after-sb-0pri " << name << n.discard_node << ";\n";
            else if (name)
                o << "        after-sb-0pri " << name << ";\n";
            // A kernel that reports the policies reports the flag too.
            o << "        always-asbp " << (n.always_asbp ? "yes" : "no") << ";\n";
        }
        if (const char* name = n.after_sb_1pri ? Asb1Name(*n.after_sb_1pri) : nullptr)
            o << "        after-sb-1pri " << name << ";\n";
        if (const char* name = n.after_sb_2pri ? Asb2Name(*n.after_sb_2pri) : nullptr)
            o << "        after-sb-2pri " << name << ";\n";
        if (const char* name = n.verify_alg ? DigestName(*n.verify_alg) : nullptr)
            o << "        verify-alg \"" << name << "\";\n";
        o << "    }\n";
    }
    o << "    _this_host {\n";
    o << "        device minor " << s.minor << ";\n";
    if (s.backing) {
        o << "        disk \"" << *s.backing << "\";\n";
        if (!s.meta_dev)
            o << "        meta-disk internal;\n";
        else if (!s.meta_index)
            o << "        meta-disk " << conf::QuoteIfNeeded(*s.meta_dev) << ";\n";
        else
            o << "        meta-disk " << conf::QuoteIfNeeded(*s.meta_dev) << " [" << *s.meta_index
              << "];\n";
    }
    if (s.net)
        o << "        address " << s.net->local << ";\n";
    o << "    }\n";
    if (s.net)
        o << "    _remote_host {\n        address " << s.net->peer << ";\n    }\n";
    o << "}\n";
    return o.str();
}

} // namespace nbr::drbdsetup
