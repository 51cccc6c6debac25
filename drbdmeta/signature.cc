#include "drbdmeta/signature.h"

#include <cstring>

namespace nbr::drbdmeta {

namespace {

bool At(const Bytes& b, std::size_t off, const char* magic, std::size_t len) {
    return off + len <= b.size() && std::memcmp(b.data() + off, magic, len) == 0;
}

std::uint32_t Le32(const Bytes& b, std::size_t off) {
    return std::uint32_t(b[off]) | std::uint32_t(b[off + 1]) << 8 |
           std::uint32_t(b[off + 2]) << 16 | std::uint32_t(b[off + 3]) << 24;
}

std::uint64_t Be(const Bytes& b, std::size_t off, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | b[off + i];
    return v;
}

// ext2/3/4: superblock at 1024, magic 0xef53 at +56.
std::optional<Signature> Ext(const Bytes& b) {
    if (b.size() < 2048 || b[1024 + 56] != 0x53 || b[1024 + 57] != 0xef)
        return std::nullopt;
    std::uint64_t blocks = Le32(b, 1024 + 4);
    std::uint32_t incompat = Le32(b, 1024 + 96);
    if (incompat & 0x80) // 64bit: high half of the block count
        blocks |= std::uint64_t(Le32(b, 1024 + 0x150)) << 32;
    std::uint64_t block_size = 1024ull << (Le32(b, 1024 + 24) & 31);
    const char* kind = (incompat & 0x40) ? "ext4" : (Le32(b, 1024 + 92) & 4) ? "ext3" : "ext2";
    return Signature{std::string("an ") + kind + " file system", blocks * block_size};
}

std::optional<Signature> Xfs(const Bytes& b) {
    if (!At(b, 0, "XFSB", 4))
        return std::nullopt;
    std::uint64_t block_size = Be(b, 4, 4), dblocks = Be(b, 8, 8);
    return Signature{"an XFS file system", block_size * dblocks};
}

} // namespace

std::optional<Signature> DetectSignature(const Bytes& b) {
    if (auto s = Ext(b))
        return s;
    if (auto s = Xfs(b))
        return s;
    if (At(b, 4096 - 10, "SWAPSPACE2", 10) || At(b, 4096 - 10, "SWAP-SPACE", 10))
        return Signature{"Linux swap space", 0};
    for (std::size_t sector = 0; sector < 4; sector++)
        if (At(b, sector * 512, "LABELONE", 8) && At(b, sector * 512 + 24, "LVM2 001", 8))
            return Signature{"an LVM2 physical volume", 0};
    if (At(b, 512, "EFI PART", 8))
        return Signature{"a GPT partition table", 0};
    if (b.size() >= 512 && b[510] == 0x55 && b[511] == 0xaa) {
        // An MBR has at least one partition entry with a type byte.
        for (int i = 0; i < 4; i++)
            if (b[446 + 16 * i + 4] != 0)
                return Signature{"an MBR partition table", 0};
    }
    return std::nullopt;
}

} // namespace nbr::drbdmeta
