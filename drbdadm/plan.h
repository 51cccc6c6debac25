// The drbdsetup command lines for each drbdadm step, computed from a
// resolved resource and the option table. Pure functions: no I/O.
#pragma once

#include "conf/resolve.h"
#include "drbdadm/runner.h"

#include <optional>
#include <vector>

namespace nbr::drbdadm {

using Plan = std::vector<Argv>;

Argv NewMinor(const conf::ResolvedResource& r);
Argv DelMinor(const conf::ResolvedResource& r);
// drbdsetup <dev> disk <lower> {internal | <meta> {<index>|flexible}} [--disk-option=value...]
Argv Attach(const conf::ResolvedResource& r);
// drbdsetup <dev> net <local> <peer> <protocol> [--net-option=value...]
Argv Connect(const conf::ResolvedResource& r);
// drbdsetup <dev> <verb> [extra...]
Argv DeviceCommand(const conf::ResolvedResource& r, const char* verb,
                   std::vector<std::string> extra = {});

Plan Up(const conf::ResolvedResource& r);
Plan Down(const conf::ResolvedResource& r);

// What `adjust` must run to bring the running state (nullopt: the minor does
// not exist) to the configuration. Only options whose drbdsetup target is the
// disk or net command are compared, each with its table default filled in.
Plan Adjust(const conf::ResolvedResource& config,
            const std::optional<conf::ResolvedResource>& running);

// Names of the options that differ between config and running for a target.
std::vector<std::string> ChangedOptions(const conf::ResolvedResource& config,
                                        const conf::ResolvedResource& running, conf::Target target);

} // namespace nbr::drbdadm
