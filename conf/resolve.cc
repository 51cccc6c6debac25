#include "conf/resolve.h"

#include <algorithm>
#include <map>
#include <set>

namespace nbr::conf {

EffectiveOptions::EffectiveOptions() : values_(OptionTable().size()) {}

void EffectiveOptions::Apply(const OptionList& list) {
    for (const OptionValue& v : list.items)
        values_[OptionIndex(v.spec)] = v.value;
}

const std::optional<std::string>& EffectiveOptions::Explicit(const OptionSpec* spec) const {
    return values_[OptionIndex(spec)];
}

std::string EffectiveOptions::Get(const OptionSpec* spec) const {
    const auto& v = values_[OptionIndex(spec)];
    return v ? *v : std::string(spec->def);
}

std::string EffectiveOptions::Get(std::string_view name) const {
    const OptionSpec* spec = FindOptionAnywhere(name);
    return spec ? Get(spec) : std::string();
}

const DeviceSpec* DeviceFor(const Resource& res, const HostSection& host) {
    if (host.device)
        return &*host.device;
    return res.device ? &*res.device : nullptr;
}

static bool IsPeerKind(HostSection::Kind k) {
    return k == HostSection::Kind::On || k == HostSection::Kind::Floating;
}

void ValidateConfig(const Config& config, Diagnostics& diags) {
    std::map<std::string, const Resource*> names;
    // (host, minor) and (host, family address port) already taken.
    std::map<std::pair<std::string, int>, std::pair<const Resource*, Location>> minors;
    std::map<std::pair<std::string, std::string>, std::pair<const Resource*, Location>> ports;
    for (const Resource& res : config.resources) {
        auto [it, fresh] = names.emplace(res.name, &res);
        if (!fresh) {
            Diagnostic& d = diags.Error(res.loc, "duplicate resource '" + res.name + "'",
                                        "resource names must be unique across all included files");
            d.notes.push_back({it->second->loc, "'" + res.name + "' first defined here"});
            continue;
        }
        for (const HostSection& host : res.hosts) {
            if (!IsPeerKind(host.kind))
                continue;
            for (const std::string& h : host.names) {
                const DeviceSpec* dev = DeviceFor(res, host);
                if (dev) {
                    auto [m, ok] =
                        minors.emplace(std::pair{h, dev->minor}, std::pair{&res, dev->loc});
                    if (!ok && m->second.first != &res) {
                        Diagnostic& d =
                            diags.Error(dev->loc,
                                        "resources '" + m->second.first->name + "' and '" +
                                            res.name + "' both use minor " +
                                            std::to_string(dev->minor) + " on host '" + h + "'",
                                        "give each resource its own device");
                        d.notes.push_back(
                            {m->second.second, "'" + m->second.first->name + "' uses it here"});
                    }
                }
                if (host.address) {
                    std::string key = host.address->ConfText();
                    auto [p, ok] =
                        ports.emplace(std::pair{h, key}, std::pair{&res, host.address->loc});
                    if (!ok && p->second.first != &res) {
                        Diagnostic& d =
                            diags.Error(host.address->loc,
                                        "resources '" + p->second.first->name + "' and '" +
                                            res.name + "' both use " + key + " on host '" + h + "'",
                                        "give each resource its own port");
                        d.notes.push_back(
                            {p->second.second, "'" + p->second.first->name + "' uses it here"});
                    }
                }
            }
        }
    }
    const OptionSpec* after = FindOption(Section::Disk, "resync-after");
    const OptionSpec* size = FindOption(Section::Disk, "size");
    auto check_list = [&](const OptionList& list) {
        if (const OptionValue* v = list.Find(after))
            if (!config.Find(v->value))
                diags.Error(v->loc, "resync-after names unknown resource '" + v->value + "'");
        // The bitmap and the resync work in whole 4 KiB blocks.
        if (const OptionValue* v = list.Find(size))
            if (std::stoll(v->value) % 8)
                diags.Error(v->loc,
                            "'size' must be a whole number of 4 KiB blocks, got " + v->value +
                                " sectors",
                            "round it down to a multiple of 8 sectors (4K)");
    };
    check_list(config.common);
    for (const Resource& res : config.resources) {
        check_list(res.options);
        for (const HostSection& host : res.hosts)
            check_list(host.options);
    }
}

static bool Matches(const HostSection& host, const HostInfo& info) {
    if (host.kind == HostSection::Kind::On)
        return std::find(host.names.begin(), host.names.end(), info.hostname) != host.names.end();
    if (host.kind == HostSection::Kind::Floating && host.address)
        return std::find(info.local_addresses.begin(), info.local_addresses.end(),
                         host.address->addr) != info.local_addresses.end();
    return false;
}

static std::string HostLabel(const HostSection& host) {
    std::string out;
    for (const std::string& n : host.names)
        out += (out.empty() ? "" : " ") + n;
    return out;
}

std::optional<ResolvedResource> Resolve(const Config& config, const Resource& res,
                                        const HostInfo& info, Diagnostics& diags) {
    const HostSection* self = nullptr;
    std::vector<const HostSection*> peers;
    std::string known;
    bool floating = false;
    for (const HostSection& host : res.hosts) {
        floating = floating || host.kind == HostSection::Kind::Floating;
        if (!IsPeerKind(host.kind)) {
            diags.Error(host.loc, "'_this_host' and '_remote_host' only appear in 'drbdsetup show' "
                                  "output");
            return std::nullopt;
        }
        known += (known.empty() ? "" : ", ") + HostLabel(host);
        if (Matches(host, info)) {
            if (self) {
                Diagnostic& d = diags.Error(host.loc, "resource '" + res.name +
                                                          "' has two sections for host '" +
                                                          info.hostname + "'");
                d.notes.push_back({self->loc, "the first one is here"});
                return std::nullopt;
            }
            self = &host;
        } else {
            peers.push_back(&host);
        }
    }
    if (!self) {
        diags.Error(
            res.loc,
            "resource '" + res.name + "' has no 'on' section for this host ('" + info.hostname +
                "')",
            known.empty()
                ? "add 'on " + info.hostname + " { address ...; }'"
                : "its sections are for: " + known +
                      "; the host name comes from 'uname -n' and can be overridden "
                      "with --hostname" +
                      (floating ? "; 'floating' sections match an address of this host" : ""));
        return std::nullopt;
    }
    if (peers.size() != 1) {
        diags.Error(res.loc,
                    peers.empty()
                        ? "resource '" + res.name + "' has no peer host section"
                        : "resource '" + res.name + "' has " + std::to_string(peers.size()) +
                              " peer host sections; nbr replicates between two hosts",
                    "a resource needs exactly two 'on' (or 'floating') sections");
        return std::nullopt;
    }
    const HostSection* peer = peers[0];
    ResolvedResource r;
    r.name = res.name;
    r.loc = res.loc;
    r.peer_host = HostLabel(*peer);
    bool ok = true;
    const std::string where = "in resource '" + res.name + "', host '" + HostLabel(*self) + "'";
    const DeviceSpec* dev = DeviceFor(res, *self);
    if (!dev) {
        diags.Error(self->loc, "no 'device' " + where, "add 'device /dev/nbN;'");
        ok = false;
    } else {
        r.minor = dev->minor;
        r.device = dev->path;
    }
    r.disk = self->disk ? self->disk : res.disk;
    if (!r.disk) {
        diags.Error(self->loc, "no 'disk' " + where, "add 'disk /dev/...;'");
        ok = false;
    }
    if (self->meta_disk)
        r.meta_disk = *self->meta_disk;
    else if (res.meta_disk)
        r.meta_disk = *res.meta_disk;
    else {
        diags.Error(self->loc, "no 'meta-disk' " + where, "add 'meta-disk internal;'");
        ok = false;
    }
    if (!self->address) {
        diags.Error(self->loc, "no 'address' " + where, "add 'address IP:PORT;'");
        ok = false;
    }
    if (!peer->address) {
        diags.Error(peer->loc,
                    "no 'address' for host '" + HostLabel(*peer) + "' in resource '" + res.name +
                        "'",
                    "add 'address IP:PORT;'");
        ok = false;
    }
    if (self->address && peer->address && self->address->family != peer->address->family) {
        diags.Error(peer->address->loc, "the two addresses of resource '" + res.name +
                                            "' use different address families");
        ok = false;
    }
    if (!ok)
        return std::nullopt;
    r.local = self->address;
    r.peer = peer->address;
    r.options.Apply(config.common);
    r.options.Apply(res.options);
    r.options.Apply(self->options);
    return r;
}

std::optional<ResolvedResource> ResolveRunning(const Resource& res, Diagnostics& diags) {
    const HostSection* self = nullptr;
    const HostSection* remote = nullptr;
    for (const HostSection& h : res.hosts) {
        if (h.kind == HostSection::Kind::ThisHost)
            self = &h;
        else if (h.kind == HostSection::Kind::RemoteHost)
            remote = &h;
    }
    if (!self) {
        diags.Error(res.loc, "no '_this_host' section in the running configuration");
        return std::nullopt;
    }
    ResolvedResource r;
    r.name = res.name;
    r.loc = res.loc;
    const DeviceSpec* dev = DeviceFor(res, *self);
    if (!dev) {
        diags.Error(self->loc, "no 'device' in the running configuration");
        return std::nullopt;
    }
    r.minor = dev->minor;
    r.device = dev->path;
    r.disk = self->disk ? self->disk : res.disk;
    if (self->meta_disk)
        r.meta_disk = *self->meta_disk;
    else if (res.meta_disk)
        r.meta_disk = *res.meta_disk;
    if (remote) {
        r.local = self->address;
        r.peer = remote->address;
    }
    r.options.Apply(res.options);
    r.options.Apply(self->options);
    return r;
}

} // namespace nbr::conf
