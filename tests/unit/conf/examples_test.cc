// Every configuration in conf/examples/ parses, validates and resolves for
// both hosts, and parse -> dump -> parse is stable for each.
#include "conf/dump.h"
#include "conf/parser.h"
#include "conf/resolve.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace nbr::conf {
namespace {

std::vector<std::string> Examples() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(NBR_EXAMPLES_DIR))
        if (e.path().extension() == ".conf")
            out.push_back(e.path().string());
    out.push_back(std::string(NBR_EXAMPLES_DIR) + "/include/drbd.conf");
    std::sort(out.begin(), out.end());
    return out;
}

TEST(Examples, CorpusIsThere) {
    EXPECT_GE(Examples().size(), 7u);
}

TEST(Examples, ParseValidateAndResolve) {
    RealFileSystem fs;
    for (const std::string& file : Examples()) {
        SCOPED_TRACE(file);
        ParseResult r = ParseFile(file, fs);
        ValidateConfig(r.config, r.diags);
        EXPECT_FALSE(r.diags.HasErrors()) << r.diags.Render();
        EXPECT_FALSE(r.config.resources.empty());
        for (const char* host : {"alpha", "bravo"}) {
            // floating.conf picks hosts by address.
            HostInfo info{host, {host == std::string("alpha") ? "10.99.0.1" : "10.99.0.2"}};
            for (const Resource& res : r.config.resources)
                EXPECT_TRUE(Resolve(r.config, res, info, r.diags)) << r.diags.Render();
        }
    }
}

TEST(Examples, DumpRoundTripIsStable) {
    RealFileSystem fs;
    for (const std::string& file : Examples()) {
        SCOPED_TRACE(file);
        ParseResult first = ParseFile(file, fs);
        ASSERT_TRUE(first.ok()) << first.diags.Render();
        std::string dumped = Dump(first.config, false);
        ParseResult second = ParseString(dumped, "dump.conf");
        ASSERT_TRUE(second.ok()) << second.diags.Render() << dumped;
        EXPECT_EQ(Dump(second.config, false), dumped);
        EXPECT_EQ(second.config.resources.size(), first.config.resources.size());
    }
}

TEST(Examples, IncludeLayoutReadsAllFiles) {
    RealFileSystem fs;
    ParseResult r = ParseFile(std::string(NBR_EXAMPLES_DIR) + "/include/drbd.conf", fs);
    ASSERT_TRUE(r.ok()) << r.diags.Render();
    ASSERT_EQ(r.config.resources.size(), 2u);
    EXPECT_EQ(r.config.resources[0].name, "r0");
    EXPECT_EQ(r.config.resources[1].name, "r1");
    EXPECT_TRUE(r.config.has_global);
    EXPECT_EQ(r.config.common.Find("resync-rate")->value, "33792");
}

} // namespace
} // namespace nbr::conf

namespace nbr::conf {
namespace {

// drbd.conf(5) documents every row of the option table.
TEST(Docs, ManPageListsEveryOption) {
    std::ifstream in(NBR_DOCS_DIR "/drbd.conf.5.md");
    ASSERT_TRUE(in) << "cannot open drbd.conf.5.md";
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    for (const OptionSpec& o : OptionTable())
        EXPECT_NE(text.find("| `" + std::string(o.name) + "` |"), std::string::npos) << o.name;
}

} // namespace
} // namespace nbr::conf
