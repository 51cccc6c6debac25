// drbdadm entry point: the real environment (files, uname, local addresses,
// drbdsetup) around nbr::drbdadm::Run().
#include "drbdadm/drbdadm.h"

#include <ifaddrs.h>
#include <iostream>
#include <memory>
#include <netdb.h>
#include <sys/utsname.h>

namespace {

std::vector<std::string> LocalAddresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0)
        return out;
    std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> guard(list, freeifaddrs);
    for (ifaddrs* a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr)
            continue;
        int family = a->ifa_addr->sa_family;
        if (family != AF_INET && family != AF_INET6)
            continue;
        char host[NI_MAXHOST];
        socklen_t len = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
        if (getnameinfo(a->ifa_addr, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0) {
            std::string s = host;
            out.push_back(s.substr(0, s.find('%'))); // drop the IPv6 scope
        }
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    nbr::conf::RealFileSystem fs;
    utsname u{};
    uname(&u);
    nbr::drbdadm::Environment env{fs, nullptr, std::cout, std::cerr, u.nodename, LocalAddresses()};
    return nbr::drbdadm::Run(std::vector<std::string>(argv + 1, argv + argc), env);
}
