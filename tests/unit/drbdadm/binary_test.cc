// The installed shape: the drbdadm binary, a real config file and a fake
// drbdsetup (a shell script that logs its arguments) run through fork/exec.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/wait.h>

namespace {

namespace fs = std::filesystem;

class Binary : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("drbdadm-test-" + std::to_string(getpid()));
        fs::create_directories(dir);
        std::ofstream(dir / "drbdsetup") << "#!/bin/sh\n"
                                            "echo \"$*\" >> \""
                                         << (dir / "log").string()
                                         << "\"\n"
                                            "case \"$2\" in show) exit 10;; status) echo "
                                            "'{\"role\": \"Secondary\", \"peer_role\": "
                                            "\"Primary\"}';; esac\n";
        fs::permissions(dir / "drbdsetup", fs::perms::owner_all);
    }
    void TearDown() override { fs::remove_all(dir); }

    int Drbdadm(const std::string& args, std::string* out = nullptr) {
        std::string cmd = std::string(DRBDADM_BINARY) + " -s " + (dir / "drbdsetup").string() +
                          " -c " + NBR_EXAMPLES_DIR + "/two-node.conf --hostname alpha " + args +
                          " > " + (dir / "out").string() + " 2>&1";
        int status = std::system(cmd.c_str());
        if (out) {
            std::stringstream ss;
            ss << std::ifstream(dir / "out").rdbuf();
            *out = ss.str();
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    std::string Log() {
        std::stringstream ss;
        ss << std::ifstream(dir / "log").rdbuf();
        return ss.str();
    }

    fs::path dir;
};

TEST_F(Binary, AdjustOnMissingMinorRunsUp) {
    EXPECT_EQ(Drbdadm("adjust r0"), 0);
    EXPECT_EQ(Log(), "/dev/nb0 show\n"
                     "new-minor 0 --resource r0\n"
                     "/dev/nb0 disk /dev/vdb internal --on-io-error=detach --resync-rate=102400\n"
                     "/dev/nb0 net ipv4:10.99.0.1:7788 ipv4:10.99.0.2:7788 C --peer-name=bravo "
                     "--cram-hmac-alg=sha256 --shared-secret=s3cr3t "
                     "--after-sb-0pri=discard-zero-changes\n");
}

TEST_F(Binary, RoleReadsJson) {
    std::string out;
    EXPECT_EQ(Drbdadm("role r0", &out), 0);
    EXPECT_EQ(out, "Secondary/Primary\n");
}

TEST_F(Binary, MissingDrbdsetup) {
    std::string out;
    fs::remove(dir / "drbdsetup");
    EXPECT_EQ(Drbdadm("primary r0", &out), 10);
    EXPECT_NE(out.find("cannot run drbdsetup"), std::string::npos) << out;
}

TEST_F(Binary, BadConfigExitsOne) {
    std::string out;
    std::string cmd = std::string(DRBDADM_BINARY) + " -c /nonexistent.conf up r0 >/dev/null 2>&1";
    int status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 1);
}

} // namespace
