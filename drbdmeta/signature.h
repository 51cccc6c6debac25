// Signatures of data that create-md must not overwrite by accident.
#pragma once

#include "drbdmeta/device.h"

#include <optional>
#include <string>

namespace nbr::drbdmeta {

struct Signature {
    std::string what;      // "an ext4 file system", "a GPT partition table", ...
    std::uint64_t end = 0; // bytes it claims from its start, 0 = unknown/whole device
};

// The first 64 KiB of a region: what it holds, if anything we know of:
// ext2/3/4, XFS, Linux swap, an LVM2 physical volume, a GPT or MBR
// partition table, DRBD metadata.
std::optional<Signature> DetectSignature(const Bytes& head);

constexpr std::size_t kSignatureBytes = 64 * 1024;

} // namespace nbr::drbdmeta
