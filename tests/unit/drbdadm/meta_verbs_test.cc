// drbdadm's metadata verbs: the drbdmeta command lines as golden lists,
// the refusal while the disk is attached, and the binary with fake
// drbdmeta/drbdsetup scripts.
#include "fixture.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace nbr::drbdadm {
namespace {

using Lines = std::vector<std::string>;

class MetaVerbs : public testing::Drbdadm {};

const char* kStatus0 = "drbdsetup /dev/nb0 status --json";
const char* kStatus1 = "drbdsetup /dev/nb1 status --json";

TEST_F(MetaVerbs, CreateMdInternalAndIndexed) {
    EXPECT_EQ(Run({"create-md", "r0"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{kStatus0, "drbdmeta /dev/vdb create-md --internal"}));
    EXPECT_EQ(Run({"create-md", "--force", "r1"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{kStatus1, "drbdmeta /dev/vdc create-md --meta-disk /dev/vdd "
                                           "--meta-index 0 --force"}));
}

TEST_F(MetaVerbs, FlexibleExternal) {
    fs.Add("/etc/drbd.conf", R"(resource r2 {
  device /dev/nb2; disk /dev/vde; meta-disk /dev/vdf;
  on alpha { address 10.99.0.1:7790; }
  on bravo { address 10.99.0.2:7790; }
})");
    EXPECT_EQ(Run({"dump-md", "r2"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdmeta /dev/vde dump-md --meta-disk /dev/vdf"}));
}

TEST_F(MetaVerbs, ReadOnlyVerbsAndApplyAl) {
    EXPECT_EQ(Run({"dump-md", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdmeta /dev/vdb dump-md --internal"}));
    EXPECT_EQ(Run({"show-gi", "all"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdmeta /dev/vdb show-gi --internal",
                                 "drbdmeta /dev/vdc show-gi --meta-disk /dev/vdd --meta-index 0"}));
    EXPECT_EQ(Run({"apply-al", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kStatus0, "drbdmeta /dev/vdb apply-al --internal"}));
}

TEST_F(MetaVerbs, DryRunPrints) {
    EXPECT_EQ(Run({"-d", "create-md", "r0"}), 0);
    EXPECT_EQ(out.str(), "drbdmeta /dev/vdb create-md --internal\n");
    EXPECT_EQ(runner.log, (Lines{kStatus0})); // the read-only query still runs
}

TEST_F(MetaVerbs, RefusesWhileAttached) {
    runner.OnQuery(kStatus0, 0, R"({"role": "Secondary", "disk": "UpToDate"})");
    EXPECT_EQ(Run({"create-md", "--force", "r0"}), kExitConflict);
    EXPECT_EQ(runner.log, (Lines{kStatus0}));
    EXPECT_EQ(err.str(), "drbdadm: r0: /dev/nb0 has its disk attached (UpToDate); run 'drbdadm "
                         "down r0' (or detach) before create-md\n");
    EXPECT_EQ(Run({"apply-al", "r0"}), kExitConflict);
    // A device that exists but is Diskless is fine.
    runner.OnQuery(kStatus0, 0, R"({"role": "Secondary", "disk": "Diskless"})");
    EXPECT_EQ(Run({"create-md", "r0"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{kStatus0, "drbdmeta /dev/vdb create-md --internal"}));
}

TEST_F(MetaVerbs, DrbdmetaFailureIsReported) {
    runner.FailOn("drbdmeta /dev/vdb create-md --internal", 4);
    EXPECT_EQ(Run({"create-md", "r0"}), kExitSetupFailed);
    EXPECT_EQ(err.str(), "drbdadm: 'drbdmeta /dev/vdb create-md --internal' failed with exit "
                         "code 4\n");
}

TEST_F(MetaVerbs, ForceOnlyWhereItBelongs) {
    EXPECT_EQ(Run({"dump-md", "--force", "r0"}), kExitUsage);
}

namespace fsys = std::filesystem;

TEST(MetaVerbsBinary, RunsDrbdmetaNextToIt) {
    fsys::path dir =
        fsys::temp_directory_path() / ("drbdadm-meta-test-" + std::to_string(getpid()));
    fsys::create_directories(dir);
    for (const char* tool : {"drbdsetup", "drbdmeta"}) {
        std::ofstream(dir / tool) << "#!/bin/sh\necho \"" << tool << " $*\" >> \""
                                  << (dir / "log").string() << "\"\n"
                                  << "case \"$2\" in status) exit 10;; esac\n";
        fsys::permissions(dir / tool, fsys::perms::owner_all);
    }
    std::string cmd = std::string(DRBDADM_BINARY) + " -s " + (dir / "drbdsetup").string() + " -m " +
                      (dir / "drbdmeta").string() + " -c " + NBR_EXAMPLES_DIR +
                      "/two-node.conf --hostname alpha create-md r0 > /dev/null 2>&1";
    int status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 0);
    std::stringstream log;
    log << std::ifstream(dir / "log").rdbuf();
    EXPECT_EQ(log.str(), "drbdsetup /dev/nb0 status --json\n"
                         "drbdmeta /dev/vdb create-md --internal\n");
    // Without a drbdmeta the error names it.
    fsys::remove(dir / "drbdmeta");
    cmd = std::string(DRBDADM_BINARY) + " -s " + (dir / "drbdsetup").string() + " -m " +
          (dir / "drbdmeta").string() + " -c " + NBR_EXAMPLES_DIR +
          "/two-node.conf --hostname alpha dump-md r0 > " + (dir / "out").string() + " 2>&1";
    status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 10);
    std::stringstream out;
    out << std::ifstream(dir / "out").rdbuf();
    EXPECT_NE(out.str().find("cannot run drbdmeta"), std::string::npos) << out.str();
    fsys::remove_all(dir);
}

} // namespace
} // namespace nbr::drbdadm
