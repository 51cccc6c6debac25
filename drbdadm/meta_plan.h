// The drbdmeta command lines for drbdadm's metadata verbs (create-md,
// dump-md, show-gi, apply-al), from a resolved resource. Pure functions.
#pragma once

#include "conf/resolve.h"
#include "drbdadm/runner.h"

#include <string>
#include <vector>

namespace nbr::drbdadm {

// drbdmeta <disk> <verb> {--internal | --meta-disk PATH [--meta-index N]} [extra...]
Argv MetaCommand(const conf::ResolvedResource& r, const char* verb,
                 std::vector<std::string> extra = {});

} // namespace nbr::drbdadm
