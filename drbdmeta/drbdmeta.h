// drbdmeta: create, inspect, check and repair nbr metadata offline, with
// the kernel/lib codec the module uses. Run() is the whole tool; main()
// only passes argv and the standard streams.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace nbr::drbdmeta {

// Exit codes (documented in drbdmeta(8)).
enum ExitCode {
    kExitOk = 0,
    kExitUsage = 1,   // bad command line
    kExitIo = 2,      // a device cannot be opened, read or written
    kExitInvalid = 3, // no valid nbr metadata (the check that failed is named)
    kExitRefused = 4, // create-md would overwrite something: --force
    kExitNoRoom = 5,  // the device is too small (or too big) for the layout
};

// args exclude the program name.
int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace nbr::drbdmeta
