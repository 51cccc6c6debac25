// Helpers shared by the conf tests.
#pragma once

#include "conf/parser.h"
#include "conf/resolve.h"

#include <string>
#include <string_view>

namespace nbr::conf::testing {

// Parses, validates and resolves every resource for `host`; returns the
// rendered diagnostics ("" when the text is fine).
inline std::string Check(std::string_view text, const std::string& host = "alpha",
                         FileSystem* fs = nullptr) {
    ParseResult r = ParseString(text, "t.conf", fs);
    if (r.ok()) {
        ValidateConfig(r.config, r.diags);
        if (r.ok())
            for (const Resource& res : r.config.resources)
                Resolve(r.config, res, {host, {}}, r.diags);
    }
    return r.diags.Render();
}

// Parser errors only.
inline std::string Errors(std::string_view text) {
    return ParseString(text, "t.conf").diags.Render();
}

// A valid two-host resource body around `extra`.
inline std::string Res(std::string_view extra, std::string_view name = "r0", int minor = 0,
                       int port = 7788) {
    return "resource " + std::string(name) + " {\n  device /dev/nb" + std::to_string(minor) +
           ";\n  disk /dev/vdb;\n  meta-disk internal;\n  on alpha { address 10.0.0.1:" +
           std::to_string(port) + "; }\n  on bravo { address 10.0.0.2:" + std::to_string(port) +
           "; }\n" + std::string(extra) + "}\n";
}

} // namespace nbr::conf::testing
