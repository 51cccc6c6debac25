// drbdadm: reads drbd.conf and runs the drbdsetup steps for a verb.
#pragma once

#include "conf/source.h"
#include "drbdadm/runner.h"

#include <ostream>
#include <string>
#include <vector>

namespace nbr::drbdadm {

// Exit codes (documented in drbdadm(8)).
enum ExitCode {
    kExitOk = 0,
    kExitConfig = 1,          // configuration cannot be read, parsed or validated
    kExitUsage = 2,           // bad command line
    kExitUnknownResource = 3, // a named resource is not in the configuration
    kExitSetupFailed = 10,    // a drbdsetup command failed or could not be run
    kExitConflict = 11,       // the running state cannot be reconciled (adjust)
};

struct Environment {
    conf::FileSystem& fs;
    // Runs drbdsetup. Null: fork/exec the real drbdsetup.
    Runner* runner = nullptr;
    std::ostream& out;
    std::ostream& err;
    std::string hostname;                     // default for --hostname (uname -n)
    std::vector<std::string> local_addresses; // matched against 'floating'
};

// args exclude the program name.
int Run(const std::vector<std::string>& args, Environment& env);

} // namespace nbr::drbdadm
