#include "drbdsetup/request.h"

#include "nbr_codec.h"
#include "nbr_sync.h"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <nbr/genl.h>
#include <nbr/wire.h>
#include <netinet/in.h>

namespace nbr::drbdsetup {

namespace {

template <typename T> Attr Raw(uint16_t type, T v) {
    Attr a{type, std::vector<uint8_t>(sizeof v)};
    std::memcpy(a.data.data(), &v, sizeof v);
    return a;
}

bool ToU64(const std::string& s, uint64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
}

// Disk options the module applies; the rest are reported as ignored.
std::optional<std::string> DiskOption(const Option& o, Request& r) {
    if (o.name == "on-io-error") {
        if (o.value == "detach")
            r.attrs.push_back(U8(NBR_A_ON_IO_ERROR, NBR_IOERR_DETACH));
        else if (o.value == "pass_on")
            r.attrs.push_back(U8(NBR_A_ON_IO_ERROR, NBR_IOERR_PASS_ON));
        else
            return "on-io-error " + o.value + " is not supported; use detach or pass_on";
        return std::nullopt;
    }
    if (o.name == "md-flushes") {
        r.attrs.push_back(U8(NBR_A_MD_FLUSHES, o.value == "yes"));
        return std::nullopt;
    }
    if (o.name == "size") {
        uint64_t sectors = 0;
        if (!ToU64(o.value, sectors))
            return "size: bad value '" + o.value + "'";
        if (sectors % 8)
            return "size: " + o.value +
                   " sectors is not a whole number of 4 KiB blocks (a multiple of 8 sectors)";
        r.attrs.push_back(U64(NBR_A_SIZE_LIMIT, sectors));
        return std::nullopt;
    }
    // Canonical values are already in the kernel's unit (conf/options.cc):
    // extents, KiB/s, 0.1 s.
    struct U32Opt {
        const char* name;
        uint16_t attr;
    };
    static constexpr U32Opt kU32[] = {
        {"al-extents", NBR_A_AL_EXTENTS},     {"resync-rate", NBR_A_RESYNC_RATE},
        {"c-plan-ahead", NBR_A_C_PLAN_AHEAD}, {"c-max-rate", NBR_A_C_MAX_RATE},
        {"c-min-rate", NBR_A_C_MIN_RATE},
    };
    for (const U32Opt& u : kU32) {
        if (o.name == u.name) {
            uint64_t v = 0;
            if (!ToU64(o.value, v) || v > UINT32_MAX)
                return o.name + ": bad value '" + o.value + "'";
            r.attrs.push_back(U32(u.attr, uint32_t(v)));
            return std::nullopt;
        }
    }
    r.ignored.push_back(o.name);
    return std::nullopt;
}

struct Keyword {
    const char* word;
    uint8_t value;
};

// after-sb-* keywords -> enum nbr_asb0/1/2 (kernel/lib/nbr_sync.h).
constexpr Keyword kAsb0[] = {
    {"disconnect", NBR_ASB0_DISCONNECT},
    {"discard-younger-primary", NBR_ASB0_DISCARD_YOUNGER_PRIMARY},
    {"discard-older-primary", NBR_ASB0_DISCARD_OLDER_PRIMARY},
    {"discard-zero-changes", NBR_ASB0_DISCARD_ZERO_CHANGES},
    {"discard-least-changes", NBR_ASB0_DISCARD_LEAST_CHANGES},
    {"discard-local", NBR_ASB0_DISCARD_LOCAL},
    {"discard-remote", NBR_ASB0_DISCARD_REMOTE},
};
constexpr Keyword kAsb1[] = {
    {"disconnect", NBR_ASB1_DISCONNECT},
    {"consensus", NBR_ASB1_CONSENSUS},
    {"violently-as0p", NBR_ASB1_VIOLENTLY_AS0P},
    {"discard-secondary", NBR_ASB1_DISCARD_SECONDARY},
    {"call-pri-lost-after-sb", NBR_ASB1_CALL_PRI_LOST_AFTER_SB},
};
constexpr Keyword kAsb2[] = {
    {"disconnect", NBR_ASB2_DISCONNECT},
    {"violently-as0p", NBR_ASB2_VIOLENTLY_AS0P},
    {"call-pri-lost-after-sb", NBR_ASB2_CALL_PRI_LOST_AFTER_SB},
};
constexpr Keyword kDigests[] = {
    {"crc32c", NBR_DIGEST_CRC32C},
    {"sha1", NBR_DIGEST_SHA1},
    {"sha256", NBR_DIGEST_SHA256},
    {"md5", NBR_DIGEST_MD5},
};

template <size_t N> std::optional<uint8_t> Lookup(const Keyword (&table)[N], const std::string& w) {
    for (const Keyword& k : table)
        if (w == k.word)
            return k.value;
    return std::nullopt;
}

constexpr const char* kDiscardNode = "discard-node-";

std::optional<std::string> AfterSb(const Option& o, Request& r) {
    std::optional<uint8_t> v;
    uint16_t attr = 0;
    if (o.name == "after-sb-0pri") {
        attr = NBR_A_AFTER_SB_0PRI;
        if (o.value.rfind(kDiscardNode, 0) == 0) {
            std::string node = o.value.substr(std::string(kDiscardNode).size());
            if (!nbr_name_valid(node.c_str()))
                return "after-sb-0pri " + o.value + ": '" + node + "' is not a valid node name";
            r.attrs.push_back(Str(NBR_A_DISCARD_NODE, node));
            v = NBR_ASB0_DISCARD_NODE;
        } else {
            v = Lookup(kAsb0, o.value);
        }
    } else if (o.name == "after-sb-1pri") {
        attr = NBR_A_AFTER_SB_1PRI;
        v = Lookup(kAsb1, o.value);
    } else {
        attr = NBR_A_AFTER_SB_2PRI;
        v = Lookup(kAsb2, o.value);
    }
    if (!v)
        return o.name + " " + o.value + " is not supported by this version of nbr";
    r.attrs.push_back(U8(attr, *v));
    return std::nullopt;
}

// Net options the module applies, in units the kernel takes.
std::optional<std::string> NetOption(const Option& o, Request& r) {
    struct U32Opt {
        const char* name;
        uint16_t attr;
    };
    static constexpr U32Opt kU32[] = {
        {"timeout", NBR_A_TIMEOUT},
        {"connect-int", NBR_A_CONNECT_INT},
        {"ping-int", NBR_A_PING_INT},
        {"ping-timeout", NBR_A_PING_TIMEOUT},
        {"max-epoch-size", NBR_A_MAX_EPOCH_SIZE},
        {"ko-count", NBR_A_KO_COUNT},
        {"sndbuf-size", NBR_A_SNDBUF_SIZE},
        {"rcvbuf-size", NBR_A_RCVBUF_SIZE},
    };
    for (const U32Opt& u : kU32) {
        if (o.name == u.name) {
            uint64_t v = 0;
            if (!ToU64(o.value, v) || v > UINT32_MAX)
                return o.name + ": bad value '" + o.value + "'";
            r.attrs.push_back(U32(u.attr, uint32_t(v)));
            return std::nullopt;
        }
    }
    if (o.name == "cram-hmac-alg") {
        if (o.value == "sha256" || o.value == "hmac(sha256)")
            r.attrs.push_back(U8(NBR_A_AUTH_ALG, NBR_AUTH_HMAC_SHA256));
        else
            return "cram-hmac-alg " + o.value + " is not supported; use sha256";
        return std::nullopt;
    }
    if (o.name == "shared-secret") {
        if (o.value.empty() || o.value.size() > NBR_SECRET_MAX)
            return "shared-secret must be 1 to " + std::to_string(NBR_SECRET_MAX) + " characters";
        r.attrs.push_back({NBR_A_SHARED_SECRET, {o.value.begin(), o.value.end()}});
        return std::nullopt;
    }
    if (o.name == "after-sb-0pri" || o.name == "after-sb-1pri" || o.name == "after-sb-2pri")
        return AfterSb(o, r);
    if (o.name == "always-asbp") {
        if (o.value == "yes")
            r.attrs.push_back(Flag(NBR_A_ALWAYS_ASBP));
        return std::nullopt;
    }
    if (o.name == "verify-alg") {
        if (o.value.empty())
            return std::nullopt;
        if (std::optional<uint8_t> alg = Lookup(kDigests, o.value))
            r.attrs.push_back(U8(NBR_A_VERIFY_ALG, *alg));
        else
            return "verify-alg " + o.value + " is not supported; use crc32c, sha1, sha256 or md5";
        return std::nullopt;
    }
    if (o.name == "data-integrity-alg") {
        if (o.value == "crc32c")
            r.attrs.push_back(U8(NBR_A_INTEGRITY_ALG, NBR_INTEGRITY_CRC32C));
        else if (!o.value.empty())
            return "data-integrity-alg " + o.value + " is not supported; use crc32c";
        return std::nullopt;
    }
    r.ignored.push_back(o.name);
    return std::nullopt;
}

std::optional<std::string> BuildNet(const Invocation& inv, const Host& host, Request& r) {
    for (const auto& [text, attr] :
         {std::pair{inv.local, NBR_A_MY_ADDR}, std::pair{inv.peer, NBR_A_PEER_ADDR}}) {
        auto addr = ParseAddress(text);
        if (auto* err = std::get_if<std::string>(&addr))
            return *err;
        r.attrs.push_back({uint16_t(attr), std::get<std::vector<uint8_t>>(addr)});
    }
    if (!nbr_name_valid(host.node_name.c_str()))
        return "this node's name '" + host.node_name + "' is not a valid node name";
    r.attrs.push_back(Str(NBR_A_MY_NAME, host.node_name));
    if (!inv.peer_name.empty()) {
        if (!nbr_name_valid(inv.peer_name.c_str()))
            return "--peer-name '" + inv.peer_name + "' is not a valid node name";
        r.attrs.push_back(Str(NBR_A_PEER_NAME, inv.peer_name));
    }
    r.attrs.push_back(U8(NBR_A_PROTOCOL, uint8_t(inv.protocol[0] - 'A' + NBR_PROT_A)));
    bool secret = false, alg = false;
    for (const Option& o : inv.options) {
        if (auto err = NetOption(o, r))
            return err;
        secret |= o.name == "shared-secret" && !o.value.empty();
        alg |= o.name == "cram-hmac-alg";
    }
    if (secret != alg)
        return "shared-secret and cram-hmac-alg go together: set both or neither";
    if (inv.discard_my_data)
        r.attrs.push_back(Flag(NBR_A_DISCARD_MY_DATA));
    return std::nullopt;
}

} // namespace

Attr U8(uint16_t type, uint8_t v) {
    return Raw(type, v);
}
Attr U32(uint16_t type, uint32_t v) {
    return Raw(type, v);
}
Attr U64(uint16_t type, uint64_t v) {
    return Raw(type, v);
}
Attr Flag(uint16_t type) {
    return Attr{type, {}};
}
Attr Str(uint16_t type, const std::string& s) {
    Attr a{type, {s.begin(), s.end()}};
    a.data.push_back(0);
    return a;
}

std::variant<std::vector<uint8_t>, std::string> ParseAddress(const std::string& text) {
    std::string bad = "bad address '" + text + "': expected ipv4:ADDR:PORT or ipv6:[ADDR]:PORT";
    std::string host, port;
    bool v6 = false;
    if (text.rfind("ipv4:", 0) == 0) {
        std::string rest = text.substr(5);
        size_t colon = rest.rfind(':');
        if (colon == std::string::npos)
            return bad;
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    } else if (text.rfind("ipv6:[", 0) == 0) {
        std::string rest = text.substr(6);
        size_t close = rest.find("]:");
        if (close == std::string::npos)
            return bad;
        host = rest.substr(0, close);
        port = rest.substr(close + 2);
        v6 = true;
    } else {
        return bad;
    }
    uint64_t p = 0;
    if (!ToU64(port, p) || p == 0 || p > 65535)
        return "bad port in '" + text + "': expected 1-65535";
    if (!v6) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(uint16_t(p));
        if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1)
            return bad;
        std::vector<uint8_t> out(sizeof sa);
        std::memcpy(out.data(), &sa, sizeof sa);
        return out;
    }
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(uint16_t(p));
    if (inet_pton(AF_INET6, host.c_str(), &sa.sin6_addr) != 1)
        return bad;
    std::vector<uint8_t> out(sizeof sa);
    std::memcpy(out.data(), &sa, sizeof sa);
    return out;
}

std::variant<Request, std::string> BuildRequest(const Invocation& inv, const Host& host) {
    Request r;
    auto minor = [&] { r.attrs.push_back(U32(NBR_A_MINOR, inv.minor)); };
    switch (inv.verb) {
    case Verb::NewMinor:
        if (!nbr_name_valid(inv.resource.c_str()))
            return "resource name '" + inv.resource +
                   "' is invalid: 1-63 printable characters, no spaces or '/'";
        r.cmd = NBR_ADM_NEW_MINOR;
        minor();
        r.attrs.push_back(Str(NBR_A_RESOURCE, inv.resource));
        break;
    case Verb::DelMinor:
        r.cmd = NBR_ADM_DEL_MINOR;
        minor();
        break;
    case Verb::Disk:
        if (inv.lower.empty() || inv.lower.size() >= NBR_PATH_MAX)
            return "backing device path must be 1 to " + std::to_string(NBR_PATH_MAX - 1) +
                   " characters";
        r.cmd = NBR_ADM_ATTACH;
        minor();
        r.attrs.push_back(Str(NBR_A_BACKING_DEV, inv.lower));
        if (inv.meta != "internal") {
            if (inv.meta.size() >= NBR_PATH_MAX)
                return "metadata device path must be 1 to " + std::to_string(NBR_PATH_MAX - 1) +
                       " characters";
            r.attrs.push_back(Str(NBR_A_META_DEV, inv.meta));
            if (inv.meta_index && *inv.meta_index >= 0)
                r.attrs.push_back(U32(NBR_A_META_INDEX, uint32_t(*inv.meta_index)));
        }
        for (const Option& o : inv.options)
            if (auto err = DiskOption(o, r))
                return *err;
        break;
    case Verb::Detach:
    case Verb::Disconnect:
    case Verb::Primary:
        r.cmd = inv.verb == Verb::Detach       ? NBR_ADM_DETACH
                : inv.verb == Verb::Disconnect ? NBR_ADM_DISCONNECT
                                               : NBR_ADM_PRIMARY;
        minor();
        if (inv.force)
            r.attrs.push_back(Flag(NBR_A_FORCE));
        break;
    case Verb::Net:
        r.cmd = NBR_ADM_CONNECT;
        minor();
        if (auto err = BuildNet(inv, host, r))
            return *err;
        break;
    case Verb::Secondary:
        r.cmd = NBR_ADM_SECONDARY;
        minor();
        break;
    case Verb::Down:
        r.cmd = NBR_ADM_DOWN;
        minor();
        break;
    case Verb::Show:
    case Verb::Status:
    case Verb::WaitConnect:
    case Verb::WaitSync:
        r.cmd = NBR_ADM_GET_STATUS;
        minor();
        break;
    case Verb::Invalidate:
    case Verb::InvalidateRemote:
    case Verb::PauseSync:
    case Verb::ResumeSync:
    case Verb::Outdate:
        r.cmd = inv.verb == Verb::Invalidate         ? NBR_ADM_INVALIDATE
                : inv.verb == Verb::InvalidateRemote ? NBR_ADM_INVALIDATE_REMOTE
                : inv.verb == Verb::PauseSync        ? NBR_ADM_PAUSE_SYNC
                : inv.verb == Verb::ResumeSync       ? NBR_ADM_RESUME_SYNC
                                                     : NBR_ADM_OUTDATE;
        minor();
        break;
    case Verb::Verify:
        r.cmd = NBR_ADM_VERIFY;
        minor();
        if (inv.start_sector)
            r.attrs.push_back(U64(NBR_A_START_SECTOR, *inv.start_sector));
        break;
    case Verb::NewCurrentUuid:
        r.cmd = NBR_ADM_NEW_CURRENT_UUID;
        minor();
        if (inv.clear_bitmap)
            r.attrs.push_back(Flag(NBR_A_CLEAR_BITMAP));
        break;
    case Verb::Events:
        // The initial "exists" lines: every device's status (a dump).
        r.cmd = NBR_ADM_GET_STATUS;
        r.dump = true;
        break;
    }
    return r;
}

} // namespace nbr::drbdsetup
