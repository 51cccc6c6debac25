// Runs drbdadm::Run() against an in-memory /etc/drbd.conf and a recording
// Runner.
#pragma once

#include "conf/source.h"
#include "drbdadm/drbdadm.h"

#include <gtest/gtest.h>
#include <sstream>

namespace nbr::drbdadm::testing {

inline const char* kConfig = R"(global { usage-count no; }
common {
  protocol C;
  net { cram-hmac-alg sha256; shared-secret "s3cr3t"; }
  disk { resync-rate 100M; }
}
resource r0 {
  device    /dev/nb0;
  disk      /dev/vdb;
  meta-disk internal;
  on alpha { address 10.99.0.1:7788; }
  on bravo { address 10.99.0.2:7788; }
  net     { after-sb-0pri discard-zero-changes; }
  disk    { on-io-error detach; }
  handlers { fence-peer "/usr/lib/nb/fence-peer"; }
  startup { wfc-timeout 30; degr-wfc-timeout 10; }
}
resource r1 {
  device    minor 1;
  disk      /dev/vdc;
  meta-disk /dev/vdd [0];
  on alpha { address ipv6 [fd00::1]:7789; }
  on bravo { address ipv6 [fd00::2]:7789; }
  net     { protocol A; timeout 90; }
}
)";

class Drbdadm : public ::testing::Test {
  protected:
    void SetUp() override { fs.Add("/etc/drbd.conf", kConfig); }

    int Run(std::vector<std::string> args) {
        out.str("");
        err.str("");
        runner.log.clear();
        Environment env{fs, &runner, out, err, "alpha", {}};
        return drbdadm::Run(args, env);
    }

    conf::MemoryFileSystem fs;
    RecordingRunner runner;
    std::ostringstream out, err;
};

} // namespace nbr::drbdadm::testing
