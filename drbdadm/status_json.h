// Reads the flat JSON object printed by `drbdsetup <dev> status --json`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace nbr::drbdadm {

// Top-level members of a JSON object: strings unescaped, numbers, true,
// false and null as written; nested objects and arrays are skipped.
std::optional<std::map<std::string, std::string>> ParseStatusJson(std::string_view text);

} // namespace nbr::drbdadm
