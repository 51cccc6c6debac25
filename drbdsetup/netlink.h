// The generic netlink side of drbdsetup: RAII for libnl's socket and
// message, one request with its reply or error, and the event stream.
#pragma once

#include "drbdsetup/request.h"
#include "drbdsetup/status.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct nl_sock;
struct nl_msg;

namespace nbr::drbdsetup {

// The kernel's answer to one request.
struct Reply {
    int error = 0;              // negative errno, 0 on success
    std::string message;        // extack text, if the kernel gave one
    std::vector<Status> status; // GET_STATUS replies
};

struct NlSockDeleter {
    void operator()(nl_sock* s) const;
};
struct NlMsgDeleter {
    void operator()(nl_msg* m) const;
};
using NlSock = std::unique_ptr<nl_sock, NlSockDeleter>;
using NlMsg = std::unique_ptr<nl_msg, NlMsgDeleter>;

class Netlink {
  public:
    // Connects and resolves the "nbr" family; on failure error() says why.
    Netlink();
    const std::string& error() const { return error_; }
    bool ok() const { return error_.empty(); }

    Reply Send(const Request& r);

    // Joins the event group; after that this object only listens (send
    // requests through another one). NextEvent() waits up to `timeout`
    // (forever when nullopt) and returns false on timeout; error() is set
    // when the socket fails.
    bool Subscribe();
    bool NextEvent(std::optional<std::chrono::milliseconds> timeout, Status& out);

  private:
    NlSock sock_;
    int family_ = -1;
    std::string error_;
    std::vector<Status> pending_;
};

// "No such device (no device nb3 (create it with new-minor))" style text.
std::string DescribeError(const Reply& r);

} // namespace nbr::drbdsetup
