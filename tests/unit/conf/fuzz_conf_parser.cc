// libFuzzer target: any input gives diagnostics, never a crash or a hang.
// The input is both the top-level file and an includable file, so include
// loops and globs are exercised; and whatever parses cleanly must survive
// parse -> dump -> parse -> dump unchanged.
#include "conf/dump.h"
#include "conf/parser.h"
#include "conf/resolve.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 64 * 1024)
        return 0;
    std::string text(reinterpret_cast<const char*>(data), size);
    nbr::conf::MemoryFileSystem fs;
    fs.Add("/etc/drbd.conf", text);
    fs.Add("/etc/drbd.d/a.res", text);
    fs.Add("/etc/drbd.d/b.res", "resource x { }");
    nbr::conf::ParseResult r = nbr::conf::ParseFile("/etc/drbd.conf", fs);
    if (r.ok()) {
        nbr::conf::ValidateConfig(r.config, r.diags);
        for (const auto& res : r.config.resources) {
            nbr::conf::Resolve(r.config, res, {"alpha", {"10.0.0.1"}}, r.diags);
            nbr::conf::ResolveRunning(res, r.diags);
        }
    }
    (void)r.diags.Render();
    nbr::conf::ParseResult direct = nbr::conf::ParseString(text, "t.conf");
    if (direct.ok()) {
        std::string once = nbr::conf::Dump(direct.config, false);
        nbr::conf::ParseResult again = nbr::conf::ParseString(once, "dump.conf");
        if (!again.ok() || nbr::conf::Dump(again.config, false) != once)
            __builtin_trap();
    }
    return 0;
}
