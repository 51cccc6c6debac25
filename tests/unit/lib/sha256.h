// Minimal SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104) for the unit
// tests only: the module uses the kernel's "hmac(sha256)". Checked against
// RFC 4231 vectors in auth_test.cc.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace nbrtest {

using Digest = std::array<std::uint8_t, 32>;

Digest Sha256(std::span<const std::uint8_t> data);
Digest HmacSha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

} // namespace nbrtest
