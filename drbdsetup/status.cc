#include "drbdsetup/status.h"

#include "nbr_state_rules.h"

#include <nbr/genl.h>
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

namespace {

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
      << "K\n   ";
    for (const auto& [name, value] : s.stats)
        o << " " << name << ":" << value;
    o << "\n";
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
        o << "    }\n";
    }
    o << "    _this_host {\n";
    o << "        device minor " << s.minor << ";\n";
    if (s.backing) {
        o << "        disk \"" << *s.backing << "\";\n";
        o << "        meta-disk internal;\n";
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
