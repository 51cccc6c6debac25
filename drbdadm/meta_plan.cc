#include "drbdadm/meta_plan.h"

namespace nbr::drbdadm {

Argv MetaCommand(const conf::ResolvedResource& r, const char* verb,
                 std::vector<std::string> extra) {
    Argv argv = {"drbdmeta", r.disk ? r.disk->path : std::string(), verb};
    if (r.meta_disk.internal) {
        argv.push_back("--internal");
    } else {
        argv.push_back("--meta-disk");
        argv.push_back(r.meta_disk.path);
        if (r.meta_disk.index >= 0) {
            argv.push_back("--meta-index");
            argv.push_back(std::to_string(r.meta_disk.index));
        }
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

} // namespace nbr::drbdadm
