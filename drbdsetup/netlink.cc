#include "drbdsetup/netlink.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/netlink.h>
#include <nbr/genl.h>
#include <netinet/in.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <poll.h>

namespace nbr::drbdsetup {

void NlSockDeleter::operator()(nl_sock* s) const {
    nl_socket_free(s);
}
void NlMsgDeleter::operator()(nl_msg* m) const {
    nlmsg_free(m);
}

namespace {

struct Collect {
    Reply* reply;
    bool done = false;
};

const char* kStatNames[NBR_S_MAX + 1] = {
    nullptr, "ns", "nr", "dw", "dr",  "al",    "bm",      "lo",
    "pe",    "ua", "ap", "ep", "oos", nullptr, "rs_sent", "rs_recv",
};

// A sockaddr from the kernel in drbd.conf's address syntax.
std::string AddressText(const nlattr* a) {
    char host[INET6_ADDRSTRLEN] = "?";
    if (nla_len(a) == sizeof(sockaddr_in)) {
        sockaddr_in sin;
        std::memcpy(&sin, nla_data(a), sizeof(sin));
        inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host));
        return std::string("ipv4 ") + host + ":" + std::to_string(ntohs(sin.sin_port));
    }
    if (nla_len(a) == sizeof(sockaddr_in6)) {
        sockaddr_in6 sin6;
        std::memcpy(&sin6, nla_data(a), sizeof(sin6));
        inet_ntop(AF_INET6, &sin6.sin6_addr, host, sizeof(host));
        return std::string("ipv6 [") + host + "]:" + std::to_string(ntohs(sin6.sin6_port));
    }
    return "?";
}

std::optional<Status::Net> ParseNet(nlattr** tb) {
    if (!tb[NBR_A_MY_ADDR] || !tb[NBR_A_PEER_ADDR] || !tb[NBR_A_PROTOCOL])
        return std::nullopt;
    auto u32 = [&](int a) { return tb[a] ? nla_get_u32(tb[a]) : 0u; };
    auto u8 = [&](int a) { return tb[a] ? int(nla_get_u8(tb[a])) : 0; };
    Status::Net n;
    n.local = AddressText(tb[NBR_A_MY_ADDR]);
    n.peer = AddressText(tb[NBR_A_PEER_ADDR]);
    if (tb[NBR_A_PEER_NAME])
        n.peer_name = nla_get_string(tb[NBR_A_PEER_NAME]);
    n.protocol = u8(NBR_A_PROTOCOL);
    n.auth_alg = u8(NBR_A_AUTH_ALG);
    n.integrity = u8(NBR_A_INTEGRITY_ALG);
    n.timeout = u32(NBR_A_TIMEOUT);
    n.connect_int = u32(NBR_A_CONNECT_INT);
    n.ping_int = u32(NBR_A_PING_INT);
    n.ping_timeout = u32(NBR_A_PING_TIMEOUT);
    n.max_epoch = u32(NBR_A_MAX_EPOCH_SIZE);
    auto opt_u32 = [&](int a) {
        return tb[a] ? std::optional<uint32_t>(nla_get_u32(tb[a])) : std::nullopt;
    };
    n.ko_count = opt_u32(NBR_A_KO_COUNT);
    n.sndbuf = opt_u32(NBR_A_SNDBUF_SIZE);
    n.rcvbuf = opt_u32(NBR_A_RCVBUF_SIZE);
    auto opt_u8 = [&](int a) {
        return tb[a] ? std::optional<int>(nla_get_u8(tb[a])) : std::nullopt;
    };
    n.after_sb_0pri = opt_u8(NBR_A_AFTER_SB_0PRI);
    n.after_sb_1pri = opt_u8(NBR_A_AFTER_SB_1PRI);
    n.after_sb_2pri = opt_u8(NBR_A_AFTER_SB_2PRI);
    n.always_asbp = tb[NBR_A_ALWAYS_ASBP] != nullptr;
    n.verify_alg = opt_u8(NBR_A_VERIFY_ALG);
    if (tb[NBR_A_DISCARD_NODE])
        n.discard_node = nla_get_string(tb[NBR_A_DISCARD_NODE]);
    return n;
}

std::optional<Status::Sync> ParseSync(nlattr* nested) {
    nlattr* sy[NBR_SY_MAX + 1] = {};
    if (!nested || nla_parse_nested(sy, NBR_SY_MAX, nested, nullptr) != 0)
        return std::nullopt;
    auto u64 = [&](int a) {
        return sy[a] && nla_len(sy[a]) == 8 ? std::optional<uint64_t>(nla_get_u64(sy[a]))
                                            : std::nullopt;
    };
    Status::Sync y;
    y.total_kib = u64(NBR_SY_TOTAL_KIB).value_or(0);
    y.left_kib = u64(NBR_SY_LEFT_KIB).value_or(0);
    y.speed_kib = u64(NBR_SY_SPEED_KIB).value_or(0);
    y.avg_speed_kib = u64(NBR_SY_AVG_SPEED_KIB).value_or(0);
    y.eta_s = u64(NBR_SY_ETA_S);
    y.paused =
        sy[NBR_SY_PAUSED] && nla_len(sy[NBR_SY_PAUSED]) >= 1 && nla_get_u8(sy[NBR_SY_PAUSED]);
    y.oos_found_kib = u64(NBR_SY_OOS_FOUND_KIB);
    return y;
}

Status ParseStatus(nlattr** tb) {
    Status s;
    auto u8 = [&](int a) { return tb[a] ? int(nla_get_u8(tb[a])) : 0; };
    if (tb[NBR_A_MINOR])
        s.minor = nla_get_u32(tb[NBR_A_MINOR]);
    if (tb[NBR_A_RESOURCE])
        s.resource = nla_get_string(tb[NBR_A_RESOURCE]);
    s.role = u8(NBR_A_ROLE);
    s.peer_role = u8(NBR_A_PEER_ROLE);
    s.cstate = u8(NBR_A_CONN_STATE);
    s.disk = u8(NBR_A_DISK_STATE);
    s.peer_disk = u8(NBR_A_PEER_DISK_STATE);
    if (tb[NBR_A_DEV_SIZE])
        s.size_sectors = nla_get_u64(tb[NBR_A_DEV_SIZE]);
    if (tb[NBR_A_BACKING_DEV])
        s.backing = nla_get_string(tb[NBR_A_BACKING_DEV]);
    if (tb[NBR_A_SIZE_LIMIT])
        s.size_limit = nla_get_u64(tb[NBR_A_SIZE_LIMIT]);
    s.on_io_error = u8(NBR_A_ON_IO_ERROR);
    auto opt_u32 = [&](int a) {
        return tb[a] ? std::optional<uint32_t>(nla_get_u32(tb[a])) : std::nullopt;
    };
    if (tb[NBR_A_META_DEV])
        s.meta_dev = nla_get_string(tb[NBR_A_META_DEV]);
    s.meta_index = opt_u32(NBR_A_META_INDEX);
    s.al_extents = opt_u32(NBR_A_AL_EXTENTS);
    if (tb[NBR_A_MD_FLUSHES])
        s.md_flushes = nla_get_u8(tb[NBR_A_MD_FLUSHES]) != 0;
    s.resync_rate = opt_u32(NBR_A_RESYNC_RATE);
    s.c_plan_ahead = opt_u32(NBR_A_C_PLAN_AHEAD);
    s.c_max_rate = opt_u32(NBR_A_C_MAX_RATE);
    s.c_min_rate = opt_u32(NBR_A_C_MIN_RATE);
    if (tb[NBR_A_UUID_CURRENT]) {
        auto u64 = [&](int a) { return tb[a] ? uint64_t(nla_get_u64(tb[a])) : uint64_t(0); };
        s.gi = {u64(NBR_A_UUID_CURRENT), u64(NBR_A_UUID_BITMAP), u64(NBR_A_UUID_HISTORY1),
                u64(NBR_A_UUID_HISTORY2)};
    }
    s.md_flags = opt_u32(NBR_A_MD_FLAGS);
    if (tb[NBR_A_SYNC])
        s.sync = ParseSync(tb[NBR_A_SYNC]);
    s.net = ParseNet(tb);
    if (tb[NBR_A_EVENT_SEQ])
        s.event_seq = nla_get_u32(tb[NBR_A_EVENT_SEQ]);
    if (tb[NBR_A_REASON])
        s.reason = nla_get_string(tb[NBR_A_REASON]);
    if (tb[NBR_A_STATS]) {
        nlattr* st[NBR_S_MAX + 1] = {};
        if (nla_parse_nested(st, NBR_S_MAX, tb[NBR_A_STATS], nullptr) == 0)
            for (int i = 1; i <= NBR_S_MAX; i++)
                if (st[i] && kStatNames[i] && nla_len(st[i]) == 8)
                    s.stats.emplace_back(kStatNames[i], nla_get_u64(st[i]));
    }
    return s;
}

// Parses a status or event message; false when it is malformed.
bool ParseMessage(nl_msg* msg, Status& out) {
    nlattr* tb[NBR_A_MAX + 1] = {};
    static nla_policy policy[NBR_A_MAX + 1] = {};
    static bool init = [] {
        policy[NBR_A_MINOR].type = NLA_U32;
        policy[NBR_A_RESOURCE].type = NLA_STRING;
        for (int a : {NBR_A_ROLE, NBR_A_PEER_ROLE, NBR_A_CONN_STATE, NBR_A_DISK_STATE,
                      NBR_A_PEER_DISK_STATE, NBR_A_ON_IO_ERROR})
            policy[a].type = NLA_U8;
        policy[NBR_A_DEV_SIZE].type = NLA_U64;
        policy[NBR_A_SIZE_LIMIT].type = NLA_U64;
        policy[NBR_A_BACKING_DEV].type = NLA_STRING;
        policy[NBR_A_EVENT_SEQ].type = NLA_U32;
        policy[NBR_A_REASON].type = NLA_STRING;
        policy[NBR_A_STATS].type = NLA_NESTED;
        policy[NBR_A_PEER_NAME].type = NLA_STRING;
        for (int a : {NBR_A_PROTOCOL, NBR_A_AUTH_ALG, NBR_A_INTEGRITY_ALG})
            policy[a].type = NLA_U8;
        for (int a : {NBR_A_TIMEOUT, NBR_A_CONNECT_INT, NBR_A_PING_INT, NBR_A_PING_TIMEOUT,
                      NBR_A_MAX_EPOCH_SIZE, NBR_A_KO_COUNT, NBR_A_SNDBUF_SIZE, NBR_A_RCVBUF_SIZE})
            policy[a].type = NLA_U32;
        for (int a : {NBR_A_META_INDEX, NBR_A_AL_EXTENTS, NBR_A_RESYNC_RATE, NBR_A_C_PLAN_AHEAD,
                      NBR_A_C_MAX_RATE, NBR_A_C_MIN_RATE, NBR_A_MD_FLAGS})
            policy[a].type = NLA_U32;
        for (int a : {NBR_A_AFTER_SB_0PRI, NBR_A_AFTER_SB_1PRI, NBR_A_AFTER_SB_2PRI,
                      NBR_A_VERIFY_ALG, NBR_A_MD_FLUSHES})
            policy[a].type = NLA_U8;
        for (int a :
             {NBR_A_UUID_CURRENT, NBR_A_UUID_BITMAP, NBR_A_UUID_HISTORY1, NBR_A_UUID_HISTORY2})
            policy[a].type = NLA_U64;
        policy[NBR_A_META_DEV].type = NLA_STRING;
        policy[NBR_A_DISCARD_NODE].type = NLA_STRING;
        policy[NBR_A_ALWAYS_ASBP].type = NLA_FLAG;
        policy[NBR_A_SYNC].type = NLA_NESTED;
        return true;
    }();
    (void)init;
    if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NBR_A_MAX, policy) < 0)
        return false;
    out = ParseStatus(tb);
    return true;
}

int OnValid(nl_msg* msg, void* arg) {
    auto* c = static_cast<Collect*>(arg);
    Status s;
    if (ParseMessage(msg, s))
        c->reply->status.push_back(std::move(s));
    return NL_OK;
}

int OnFinish(nl_msg*, void* arg) {
    static_cast<Collect*>(arg)->done = true;
    return NL_STOP;
}

int OnAck(nl_msg*, void* arg) {
    static_cast<Collect*>(arg)->done = true;
    return NL_STOP;
}

// The kernel's extack text follows the (capped) request inside the error.
int OnError(sockaddr_nl*, nlmsgerr* err, void* arg) {
    auto* c = static_cast<Collect*>(arg);
    c->reply->error = err->error;
    c->done = true;
    auto* hdr = reinterpret_cast<nlmsghdr*>(reinterpret_cast<char*>(err) - NLMSG_HDRLEN);
    if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS))
        return NL_STOP;
    size_t off = NLMSG_HDRLEN + sizeof(*err);
    if (!(hdr->nlmsg_flags & NLM_F_CAPPED))
        off += err->msg.nlmsg_len - NLMSG_HDRLEN;
    if (off >= hdr->nlmsg_len)
        return NL_STOP;
    auto* attrs = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(hdr) + off);
    nlattr* tb[NLMSGERR_ATTR_MAX + 1] = {};
    if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, int(hdr->nlmsg_len - off), nullptr) == 0 &&
        tb[NLMSGERR_ATTR_MSG])
        c->reply->message = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
    return NL_STOP;
}

// libnl's own error codes are not errno values.
std::string NlError(int err) {
    return nl_geterror(err);
}

} // namespace

Netlink::Netlink() : sock_(nl_socket_alloc()) {
    if (!sock_) {
        error_ = "cannot allocate a netlink socket";
        return;
    }
    if (int err = genl_connect(sock_.get()); err < 0) {
        error_ = "cannot open a generic netlink socket: " + NlError(err);
        return;
    }
    int one = 1;
    // Error text from the kernel, and acks without a copy of the request.
    setsockopt(nl_socket_get_fd(sock_.get()), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(nl_socket_get_fd(sock_.get()), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    family_ = genl_ctrl_resolve(sock_.get(), NBR_GENL_NAME);
    if (family_ < 0)
        error_ = "the nbr kernel module is not loaded (generic netlink family '" +
                 std::string(NBR_GENL_NAME) + "' not found); run 'modprobe nbr'";
}

Reply Netlink::Send(const Request& r) {
    Reply reply;
    NlMsg msg(nlmsg_alloc());
    if (!msg) {
        reply.error = -ENOMEM;
        return reply;
    }
    // A dump ends with NLMSG_DONE; a plain request with an ack.
    if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family_, 0,
                     r.dump ? NLM_F_DUMP : NLM_F_ACK, r.cmd, NBR_GENL_VERSION)) {
        reply.error = -ENOMEM;
        return reply;
    }
    for (const Attr& a : r.attrs) {
        if (nla_put(msg.get(), a.type, int(a.data.size()), a.data.data()) < 0) {
            reply.error = -EMSGSIZE;
            return reply;
        }
    }
    if (int err = nl_send_auto(sock_.get(), msg.get()); err < 0) {
        reply.error = -EIO;
        reply.message = "sending the request failed: " + NlError(err);
        return reply;
    }
    Collect c{&reply};
    std::unique_ptr<nl_cb, decltype(&nl_cb_put)> cb(nl_cb_alloc(NL_CB_DEFAULT), nl_cb_put);
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, OnValid, &c);
    nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, OnFinish, &c);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, OnAck, &c);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, OnError, &c);
    while (!c.done) {
        int err = nl_recvmsgs(sock_.get(), cb.get());
        if (err < 0 && !c.done) {
            reply.error = -EIO;
            reply.message = "receiving the reply failed: " + NlError(err);
            break;
        }
    }
    return reply;
}

bool Netlink::Subscribe() {
    int grp = genl_ctrl_resolve_grp(sock_.get(), NBR_GENL_NAME, NBR_GENL_MCGRP_EVENTS);
    if (grp < 0) {
        error_ = "cannot find the nbr event group: " + NlError(grp);
        return false;
    }
    nl_socket_disable_seq_check(sock_.get());
    if (int err = nl_socket_add_membership(sock_.get(), grp); err < 0) {
        error_ = "cannot join the nbr event group: " + NlError(err);
        return false;
    }
    return true;
}

namespace {
// Events are unsolicited: they carry sequence number 0.
int NoSeqCheck(nl_msg*, void*) {
    return NL_OK;
}

int OnEvent(nl_msg* msg, void* arg) {
    auto* out = static_cast<std::vector<Status>*>(arg);
    Status s;
    if (genlmsghdr* g = genlmsg_hdr(nlmsg_hdr(msg));
        g->cmd == NBR_ADM_EVENT && ParseMessage(msg, s))
        out->push_back(std::move(s));
    return NL_OK;
}
} // namespace

bool Netlink::NextEvent(std::optional<std::chrono::milliseconds> timeout, Status& out) {
    auto deadline = timeout ? std::chrono::steady_clock::now() + *timeout
                            : std::chrono::steady_clock::time_point::max();
    while (pending_.empty()) {
        int ms = -1;
        if (timeout) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            ms = int(left.count());
        }
        pollfd p{nl_socket_get_fd(sock_.get()), POLLIN, 0};
        int n = poll(&p, 1, ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_ = std::string("poll: ") + strerror(errno);
            return false;
        }
        if (n == 0)
            continue;
        std::unique_ptr<nl_cb, decltype(&nl_cb_put)> cb(nl_cb_alloc(NL_CB_DEFAULT), nl_cb_put);
        nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, OnEvent, &pending_);
        nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, NoSeqCheck, nullptr);
        if (int err = nl_recvmsgs(sock_.get(), cb.get()); err < 0) {
            error_ = "receiving events failed: " + NlError(err) +
                     (err == -NLE_NOMEM ? " (events were lost)" : "");
            return false;
        }
    }
    out = std::move(pending_.front());
    pending_.erase(pending_.begin());
    return true;
}

std::string DescribeError(const Reply& r) {
    std::string text = strerror(-r.error);
    if (r.error == -EPERM)
        text += " (configuring nbr needs root: CAP_NET_ADMIN and CAP_SYS_ADMIN)";
    if (!r.message.empty())
        text += ": " + r.message;
    return text;
}

} // namespace nbr::drbdsetup
