// Invocation -> the one generic netlink request it stands for, as a list
// of attributes. No socket here: the exact bytes are unit-tested.
#pragma once

#include "drbdsetup/cli.h"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace nbr::drbdsetup {

struct Attr {
    uint16_t type = 0;
    std::vector<uint8_t> data; // payload as the kernel reads it (host order)
    bool operator==(const Attr&) const = default;
};

struct Request {
    uint8_t cmd = 0;   // enum nbr_genl_cmd
    bool dump = false; // every device (NLM_F_DUMP), not one
    std::vector<Attr> attrs;
    // Options that are valid drbd.conf settings but that this module does
    // not apply; main() prints one note each.
    std::vector<std::string> ignored;
};

// What the local node is called (uname -n), for the net request.
struct Host {
    std::string node_name;
};

// The request for every verb (for `events`: the status dump it prints
// before listening). A string on bad input that the command-line parser
// cannot judge alone.
std::variant<Request, std::string> BuildRequest(const Invocation& inv, const Host& host);

// "ipv4:10.0.0.1:7788" / "ipv6:[fd00::1]:7788" -> struct sockaddr_in(6)
// bytes; a string on error.
std::variant<std::vector<uint8_t>, std::string> ParseAddress(const std::string& text);

Attr U8(uint16_t type, uint8_t v);
Attr U32(uint16_t type, uint32_t v);
Attr U64(uint16_t type, uint64_t v);
Attr Str(uint16_t type, const std::string& s);
Attr Flag(uint16_t type);

} // namespace nbr::drbdsetup
