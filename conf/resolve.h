// Whole-file validation and the view of one resource from one host, with
// options inherited common -> resource -> host.
#pragma once

#include "conf/model.h"

#include <optional>
#include <string>
#include <vector>

namespace nbr::conf {

// Effective option values, one slot per row of OptionTable().
class EffectiveOptions {
  public:
    EffectiveOptions();
    void Apply(const OptionList& list);
    // The value set in the configuration, if any.
    const std::optional<std::string>& Explicit(const OptionSpec* spec) const;
    // The value set in the configuration, or the table default.
    std::string Get(const OptionSpec* spec) const;
    std::string Get(std::string_view name) const;

  private:
    std::vector<std::optional<std::string>> values_;
};

struct ResolvedResource {
    std::string name;
    Location loc;
    int minor = -1;
    std::string device;
    std::optional<DiskSpec> disk; // absent: diskless (running state only)
    MetaDiskSpec meta_disk;
    std::optional<AddressSpec> local; // absent: not connected (running state only)
    std::optional<AddressSpec> peer;
    std::string peer_host;
    EffectiveOptions options;
};

struct HostInfo {
    std::string hostname;                     // uname -n or --hostname
    std::vector<std::string> local_addresses; // for 'floating' sections
};

// Checks that hold for the whole file regardless of the host: duplicate
// resources, two resources on one device or one address:port of a host,
// resync-after naming an unknown resource.
void ValidateConfig(const Config& config, Diagnostics& diags);

// The resource as seen from `host`; reports an error and returns nullopt if
// the host has no section, there is not exactly one peer, or something
// required is missing.
std::optional<ResolvedResource> Resolve(const Config& config, const Resource& res,
                                        const HostInfo& host, Diagnostics& diags);

// A resource block printed by `drbdsetup <dev> show` (with _this_host and
// optionally _remote_host sections).
std::optional<ResolvedResource> ResolveRunning(const Resource& res, Diagnostics& diags);

// The device of a resource for one host section (host value or inherited).
const DeviceSpec* DeviceFor(const Resource& res, const HostSection& host);

} // namespace nbr::conf
