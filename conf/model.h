// The configuration model: what drbd.conf says, as written (before host
// resolution and inheritance).
#pragma once

#include "conf/options.h"
#include "conf/source.h"

#include <optional>
#include <string>
#include <vector>

namespace nbr::conf {

struct OptionValue {
    const OptionSpec* spec = nullptr;
    std::string value; // canonical, see ParseValue()
    Location loc;
};

// The options set in one scope (global, common, a resource, a host section),
// for all of its sections. Each option appears at most once.
struct OptionList {
    std::vector<OptionValue> items;

    const OptionValue* Find(const OptionSpec* spec) const;
    const OptionValue* Find(std::string_view name) const;
    // Adds or replaces; returns the previous entry's location if replaced.
    void Set(OptionValue v);
};

// "device /dev/nb0;", "device minor 0;" or "device /dev/data minor 0;".
struct DeviceSpec {
    std::string path; // always set; /dev/nbN when only a minor was given
    int minor = -1;
    Location loc;
};

struct DiskSpec {
    std::string path;
    Location loc;
};

// "meta-disk internal;", "meta-disk /dev/md;" (flexible external) or
// "meta-disk /dev/md [2];" (indexed external).
struct MetaDiskSpec {
    bool internal = true;
    std::string path;
    int index = -1; // -1: flexible
    Location loc;
};

// "address [ipv4|ipv6] ADDR:PORT;"
struct AddressSpec {
    std::string family = "ipv4";
    std::string addr; // without brackets
    int port = 0;
    Location loc;

    // "ipv4 10.0.0.1:7788" / "ipv6 [fd00::1]:7788" as drbd.conf writes it.
    std::string ConfText() const;
    // "ipv4:10.0.0.1:7788" / "ipv6:[fd00::1]:7788" as drbdsetup takes it.
    std::string SetupText() const;
    bool operator==(const AddressSpec& o) const {
        return family == o.family && addr == o.addr && port == o.port;
    }
};

struct HostSection {
    enum class Kind {
        On,         // on NAME [NAME...] { ... }
        Floating,   // floating ADDRESS { ... } / floating ADDRESS;
        ThisHost,   // _this_host { ... }   (drbdsetup show output)
        RemoteHost, // _remote_host { ... } (drbdsetup show output)
    };
    Kind kind = Kind::On;
    std::vector<std::string> names;
    Location loc;
    std::optional<DeviceSpec> device;
    std::optional<DiskSpec> disk;
    std::optional<MetaDiskSpec> meta_disk;
    std::optional<AddressSpec> address;
    OptionList options; // disk { } inside the host section
};

struct Resource {
    std::string name;
    Location loc;
    std::optional<DeviceSpec> device;
    std::optional<DiskSpec> disk;
    std::optional<MetaDiskSpec> meta_disk;
    OptionList options;
    std::vector<HostSection> hosts;
};

struct Config {
    std::string file; // the top-level file
    bool has_global = false;
    bool has_common = false;
    OptionList global;
    OptionList common;
    std::vector<Resource> resources;

    const Resource* Find(std::string_view name) const;
};

} // namespace nbr::conf
