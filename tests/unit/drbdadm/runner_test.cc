#include "drbdadm/runner.h"
#include "drbdadm/status_json.h"

#include <gtest/gtest.h>
#include <sstream>

namespace nbr::drbdadm {
namespace {

TEST(FormatCommand, QuotesOnlyWhenNeeded) {
    EXPECT_EQ(FormatCommand({"drbdsetup", "/dev/nb0", "net", "ipv6:[fd00::1]:7788"}),
              "drbdsetup /dev/nb0 net ipv6:[fd00::1]:7788");
    EXPECT_EQ(FormatCommand({"a", "--shared-secret=it's a secret", ""}),
              "a '--shared-secret=it'\\''s a secret' ''");
}

TEST(ExecRunner, CapturesOutputAndStatus) {
    ExecRunner echo("/bin/echo");
    QueryResult q = echo.Query({"drbdsetup", "hello", "world"});
    EXPECT_EQ(q.status, 0);
    EXPECT_EQ(q.output, "hello world\n");
    ExecRunner sh("/bin/sh");
    EXPECT_EQ(sh.Execute({"drbdsetup", "-c", "exit 7"}), 7);
    EXPECT_EQ(sh.Query({"drbdsetup", "-c", "echo out; exit 3"}).status, 3);
}

TEST(ExecRunner, MissingProgram) {
    ExecRunner none("/nonexistent/drbdsetup");
    EXPECT_EQ(none.Execute({"drbdsetup", "x"}), 127);
}

TEST(DryRunRunner, PrintsExecutesAndForwardsQueries) {
    RecordingRunner rec;
    rec.OnQuery("drbdsetup /dev/nb0 show", 0, "text");
    std::ostringstream out;
    DryRunRunner dry(rec, out);
    EXPECT_EQ(dry.Execute({"drbdsetup", "/dev/nb0", "primary"}), 0);
    EXPECT_EQ(dry.Query({"drbdsetup", "/dev/nb0", "show"}).output, "text");
    EXPECT_EQ(out.str(), "drbdsetup /dev/nb0 primary\n");
    EXPECT_EQ(rec.log, std::vector<std::string>{"drbdsetup /dev/nb0 show"});
}

TEST(StatusJson, FlatObject) {
    auto f = ParseStatusJson(R"( {"role":"Primary", "minor": 3, "ok": true,
        "nested": {"a": [1, "}"]}, "esc": "a\"b"} )");
    ASSERT_TRUE(f);
    EXPECT_EQ((*f)["role"], "Primary");
    EXPECT_EQ((*f)["minor"], "3");
    EXPECT_EQ((*f)["ok"], "true");
    EXPECT_EQ((*f)["nested"], "");
    EXPECT_EQ((*f)["esc"], "a\"b");
}

TEST(StatusJson, Rejects) {
    EXPECT_FALSE(ParseStatusJson(""));
    EXPECT_FALSE(ParseStatusJson("[1]"));
    EXPECT_FALSE(ParseStatusJson("{\"a\": }"));
    EXPECT_FALSE(ParseStatusJson("{\"a\": 1} trailing"));
    EXPECT_FALSE(ParseStatusJson("{\"a\": {\"b\": 1}"));
    EXPECT_TRUE(ParseStatusJson("{}"));
}

} // namespace
} // namespace nbr::drbdadm
