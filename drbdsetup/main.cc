// drbdsetup entry point: parse, send one request, print the answer.
#include "drbdsetup/cli.h"
#include "drbdsetup/netlink.h"
#include "drbdsetup/request.h"
#include "drbdsetup/status.h"

#include <chrono>
#include <iostream>
#include <nbr/state.h>
#include <sys/utsname.h>

namespace nbr::drbdsetup {
namespace {

int Fail(const Invocation& inv, const std::string& what) {
    std::cerr << "drbdsetup: " << VerbName(inv.verb) << ": " << what << "\n";
    return kExitKernel;
}

// Subscribe first, then list every device (on a second socket): a change
// during the listing shows up afterwards as a change line, never lost.
int Events(Netlink& nl, const Invocation& inv, const Request& dump) {
    if (!nl.Subscribe())
        return Fail(inv, nl.error());
    {
        Netlink lister;
        if (!lister.ok())
            return Fail(inv, lister.error());
        Reply r = lister.Send(dump);
        if (r.error)
            return Fail(inv, DescribeError(r));
        for (const Status& s : r.status)
            std::cout << FormatExists(s, inv.json);
        std::cout << FormatExistsEnd(inv.json) << std::flush;
    }
    Status s;
    while (nl.NextEvent(std::nullopt, s))
        std::cout << FormatEvent(s, inv.json) << std::flush;
    return Fail(inv, nl.error());
}

// Subscribe first, then ask (on a second socket, so that the reply and
// the events do not mix): no change can slip between the two. Every state
// change of the device comes as an event, so @done is checked on each.
int WaitFor(Netlink& requests, const Invocation& inv, const Request& req,
            bool (*done)(const Status&), const char* what) {
    Netlink nl;
    if (!nl.ok())
        return Fail(inv, nl.error());
    if (!nl.Subscribe())
        return Fail(inv, nl.error());
    Reply r = requests.Send(req);
    if (r.error)
        return Fail(inv, DescribeError(r));
    if (r.status.empty())
        return Fail(inv, "the kernel sent no status");
    if (done(r.status[0]))
        return kExitOk;
    std::optional<std::chrono::milliseconds> timeout;
    if (inv.timeout)
        timeout = std::chrono::seconds(*inv.timeout);
    auto deadline =
        std::chrono::steady_clock::now() + timeout.value_or(std::chrono::milliseconds(0));
    Status last = r.status[0], s;
    for (;;) {
        std::optional<std::chrono::milliseconds> left;
        if (timeout)
            left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
        if (!nl.NextEvent(left, s))
            break;
        if (s.minor != inv.minor)
            continue;
        if (done(s))
            return kExitOk;
        last = s;
    }
    if (!nl.error().empty())
        return Fail(inv, nl.error());
    std::cerr << "drbdsetup: " << VerbName(inv.verb) << ": /dev/nb" << inv.minor << " not " << what
              << " after " << *inv.timeout << " s (" << ConnName(last.cstate) << " "
              << DiskName(last.disk) << "/" << DiskName(last.peer_disk) << ")\n";
    return kExitTimeout;
}

int Run(const std::vector<std::string>& args) {
    ParseOutcome p = Parse(args);
    std::cout << p.out;
    std::cerr << p.err;
    if (!p.inv)
        return p.exit_code;
    const Invocation& inv = *p.inv;

    utsname u{};
    uname(&u);
    auto built = BuildRequest(inv, Host{u.nodename});
    if (auto* err = std::get_if<std::string>(&built)) {
        std::cerr << "drbdsetup: " << VerbName(inv.verb) << ": " << *err << "\n";
        return kExitUsage;
    }
    Request req = std::get<Request>(built);
    for (const std::string& name : req.ignored)
        std::cerr << "drbdsetup: note: --" << name
                  << " is accepted but not applied by this version of nbr\n";
    Netlink nl;
    if (!nl.ok())
        return Fail(inv, nl.error());
    switch (inv.verb) {
    case Verb::Events:
        return Events(nl, inv, req);
    case Verb::WaitConnect:
        return WaitFor(nl, inv, req, IsConnected, "connected");
    case Verb::WaitSync:
        return WaitFor(nl, inv, req, IsSynced, "in sync");
    default:
        break;
    }
    Reply r = nl.Send(req);
    if (r.error)
        return Fail(inv, DescribeError(r));
    if (inv.verb == Verb::Status || inv.verb == Verb::Show) {
        if (r.status.empty())
            return Fail(inv, "the kernel sent no status");
        const Status& s = r.status[0];
        if (inv.verb == Verb::Show)
            std::cout << FormatShow(s);
        else
            std::cout << (inv.json ? FormatJson(s) : FormatHuman(s));
    }
    return kExitOk;
}

} // namespace
} // namespace nbr::drbdsetup

int main(int argc, char** argv) {
    return nbr::drbdsetup::Run(std::vector<std::string>(argv + 1, argv + argc));
}
