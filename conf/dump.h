// Canonical drbd.conf output: includes expanded, obsolete names replaced,
// options in table order with normalised values. Parsing the output again
// gives the same model, and dumping that gives the same text.
#pragma once

#include "conf/model.h"

#include <string>

namespace nbr::conf {

// with_origin adds a '# file:line' comment above each resource.
std::string Dump(const Config& config, bool with_origin = true);
std::string DumpResource(const Resource& res);

} // namespace nbr::conf
