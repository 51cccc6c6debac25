// drbdmeta against sparse files: create-md and its refusals, dump-md,
// show-gi, apply-al and check, and that nothing is written when the
// metadata is corrupt or foreign.
#include "drbdmeta/drbdmeta.h"
#include "nbr_al.h"
#include "nbr_meta.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nbr/version.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kMiB = 1 << 20;

class Drbdmeta : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = fs::temp_directory_path() /
              ("drbdmeta-test-" + std::to_string(getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir);
        disk = (dir / "disk").string();
        Make(disk, 64 * kMiB);
    }
    void TearDown() override { fs::remove_all(dir); }

    static void Make(const std::string& path, std::uint64_t size) {
        std::ofstream(path).close();
        fs::resize_file(path, size);
    }

    int Run(std::vector<std::string> args) {
        std::ostringstream o, e;
        int rc = nbr::drbdmeta::Run(args, o, e);
        out = o.str();
        err = e.str();
        return rc;
    }

    Bytes ReadAt(const std::string& path, std::uint64_t off, std::size_t len) {
        Bytes b(len);
        std::ifstream f(path, std::ios::binary);
        f.seekg(std::streamoff(off));
        f.read(reinterpret_cast<char*>(b.data()), std::streamsize(len));
        return b;
    }
    void WriteAt(const std::string& path, std::uint64_t off, const Bytes& b) {
        std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(std::streamoff(off));
        f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
    }
    Bytes Whole(const std::string& path) { return ReadAt(path, 0, fs::file_size(path)); }

    struct nbr_md_sb Sb(std::uint64_t at) {
        Bytes b = ReadAt(disk, at, 4096);
        struct nbr_md_sb sb {};
        EXPECT_EQ(nbr_md_sb_decode(b.data(), b.size(), at, &sb, nullptr), 0);
        return sb;
    }
    void PutSb(const struct nbr_md_sb& sb) {
        Bytes b(4096);
        nbr_md_sb_encode(b.data(), b.size(), &sb);
        WriteAt(disk, sb.sb_offset, b);
    }

    fs::path dir;
    std::string disk, out, err;
    const std::uint64_t sb_at = 64 * kMiB - 4096;
};

TEST_F(Drbdmeta, VersionNeedsNoDevice) {
    EXPECT_EQ(Run({"--version"}), 0);
    EXPECT_EQ(out, "drbdmeta (nbr) " NBR_VERSION "\n");
}

TEST_F(Drbdmeta, CreateMdInternalThenRefusesToOverwrite) {
    ASSERT_EQ(Run({disk, "create-md"}), 0) << err;
    EXPECT_NE(out.find("New nbr metadata created."), std::string::npos);
    struct nbr_md_sb sb = Sb(sb_at);
    EXPECT_EQ(sb.layout, NBR_MD_INTERNAL);
    EXPECT_EQ(sb.uuid_current, NBR_UUID_JUST_CREATED);
    EXPECT_EQ(sb.flags, NBR_MDF_AL_CLEAN);
    EXPECT_EQ(sb.data_sectors, 130992u);
    EXPECT_EQ(sb.al_extents, 1237u);
    Bytes before = Whole(disk);
    EXPECT_EQ(Run({disk, "create-md"}), nbr::drbdmeta::kExitRefused);
    EXPECT_NE(err.find("already holds valid nbr metadata"), std::string::npos) << err;
    EXPECT_EQ(Whole(disk), before);
    EXPECT_EQ(Run({disk, "create-md", "--force", "--al-extents", "67"}), 0) << err;
    EXPECT_EQ(Sb(sb_at).al_extents, 67u);
    EXPECT_NE(Sb(sb_at).device_uuid, sb.device_uuid);
}

TEST_F(Drbdmeta, DumpMdAndShowGi) {
    ASSERT_EQ(Run({disk, "create-md"}), 0);
    struct nbr_md_sb sb = Sb(sb_at);
    sb.uuid_current = 0xC0FFEE;
    sb.uuid_bitmap = 0xBEEF;
    sb.flags |= NBR_MDF_CONSISTENT;
    PutSb(sb);
    WriteAt(disk, sb.bm_offset, {0xff, 0x01}); // 9 bits out of sync
    ASSERT_EQ(Run({disk, "dump-md"}), 0) << err;
    for (const char* want :
         {"# nbr metadata on ", "version              1\n", "layout               internal\n",
          "superblock           byte 67104768\n",
          "data-size            130992 sectors (65496 KiB)\n",
          "current-uuid         0000000000C0FFEE\n", "bitmap-uuid          000000000000BEEF\n",
          "flags                0x0081 consistent al-clean\n",
          "activity-log         byte 67072000, 8 slots, 1237 extents of 4 MiB\n",
          "out-of-sync          9 bits (36 KiB)\n"})
        EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
    ASSERT_EQ(Run({disk, "show-gi"}), 0) << err;
    EXPECT_NE(
        out.find("0000000000C0FFEE:000000000000BEEF:0000000000000000:0000000000000000:1:0:0:0:0:0"),
        std::string::npos)
        << out;
    EXPECT_NE(out.find("changes made since generation 000000000000BEEF: 9 blocks (36 KiB)"),
              std::string::npos)
        << out;
}

TEST_F(Drbdmeta, CorruptMetadataIsNamedAndNothingIsWritten) {
    ASSERT_EQ(Run({disk, "create-md"}), 0);
    WriteAt(disk, sb_at + 2000, {0x42});
    Bytes before = Whole(disk);
    for (auto verb : {"check", "dump-md", "show-gi", "apply-al"}) {
        EXPECT_EQ(Run({disk, verb}), nbr::drbdmeta::kExitInvalid) << verb;
        EXPECT_NE(err.find("check 'crc-mismatch' failed: superblock checksum mismatch"),
                  std::string::npos)
            << err;
    }
    EXPECT_EQ(Whole(disk), before);
}

TEST_F(Drbdmeta, ForeignOrMissingMetadata) {
    EXPECT_EQ(Run({disk, "check"}), nbr::drbdmeta::kExitInvalid);
    EXPECT_NE(err.find("check 'blank' failed"), std::string::npos) << err;
    WriteAt(disk, sb_at, {0x83, 0x74, 0x02, 0x6b}); // some other magic
    EXPECT_EQ(Run({disk, "dump-md"}), nbr::drbdmeta::kExitInvalid);
    EXPECT_NE(err.find("check 'bad-magic' failed: bad magic: this is not nbr metadata"),
              std::string::npos)
        << err;
    // A resized device: the superblock is no longer at the end.
    Make(disk, 64 * kMiB);
    ASSERT_EQ(Run({disk, "create-md"}), 0);
    fs::resize_file(disk, 80 * kMiB);
    EXPECT_EQ(Run({disk, "check"}), nbr::drbdmeta::kExitInvalid);
    EXPECT_NE(err.find("check 'blank' failed"), std::string::npos) << err;
}

// One case per signature create-md must not destroy without --force.
TEST_F(Drbdmeta, RefusesFileSystemsAndPartitionTables) {
    struct Case {
        const char* name;
        std::uint64_t off;
        Bytes bytes;
        const char* says;
    };
    const Case cases[] = {
        {"ext4", 1024, {}, "holds an ext4 file system"},
        {"xfs",
         0,
         {'X', 'F', 'S', 'B', 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x40, 0},
         "holds an XFS file system"},
        {"swap", 4086, {'S', 'W', 'A', 'P', 'S', 'P', 'A', 'C', 'E', '2'}, "Linux swap space"},
        {"lvm", 512, {'L', 'A', 'B', 'E', 'L', 'O', 'N', 'E'}, "an LVM2 physical volume"},
        {"gpt", 512, {'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T'}, "a GPT partition table"},
        {"mbr", 446, {}, "an MBR partition table"},
    };
    for (const Case& c : cases) {
        Make(disk, 64 * kMiB);
        if (std::string(c.name) == "ext4") {
            Bytes sb(1024, 0);
            sb[4] = 0x00, sb[5] = 0x40; // 16384 blocks
            sb[24] = 2;                 // of 4 KiB: the whole 64 MiB
            sb[56] = 0x53, sb[57] = 0xef;
            sb[96] = 0x40; // extents: ext4
            WriteAt(disk, c.off, sb);
        } else if (std::string(c.name) == "mbr") {
            Bytes mbr(66, 0);
            mbr[4] = 0x83;
            mbr[64] = 0x55, mbr[65] = 0xaa;
            WriteAt(disk, c.off, mbr);
        } else {
            WriteAt(disk, c.off, c.bytes);
            if (std::string(c.name) == "lvm")
                WriteAt(disk, 512 + 24, {'L', 'V', 'M', '2', ' ', '0', '0', '1'});
        }
        Bytes before = Whole(disk);
        EXPECT_EQ(Run({disk, "create-md"}), nbr::drbdmeta::kExitRefused) << c.name;
        EXPECT_NE(err.find(c.says), std::string::npos) << c.name << ": " << err;
        EXPECT_NE(err.find("--force"), std::string::npos) << err;
        EXPECT_EQ(Whole(disk), before) << c.name;
        EXPECT_EQ(Run({disk, "create-md", "--force"}), 0) << c.name << ": " << err;
    }
}

TEST_F(Drbdmeta, SmallFileSystemBeforeTheMetadataIsKept) {
    Bytes sb(1024, 0);
    sb[4] = 0x00, sb[5] = 0x20; // 8192 blocks of 4 KiB = 32 MiB < data area
    sb[24] = 2;
    sb[56] = 0x53, sb[57] = 0xef;
    WriteAt(disk, 1024, sb);
    EXPECT_EQ(Run({disk, "create-md"}), 0) << err;
    EXPECT_NE(err.find("ends before the metadata area; it is kept"), std::string::npos) << err;
    EXPECT_EQ(ReadAt(disk, 1024 + 56, 2), (Bytes{0x53, 0xef}));
}

TEST_F(Drbdmeta, ExternalFlexibleAndIndexed) {
    std::string md = (dir / "md").string();
    Make(md, 1 * kMiB);
    ASSERT_EQ(Run({disk, "create-md", "--meta-disk", md}), 0) << err;
    ASSERT_EQ(Run({disk, "dump-md", "--meta-disk", md}), 0) << err;
    EXPECT_NE(out.find("layout               external\n"), std::string::npos) << out;
    EXPECT_NE(out.find("data-size            131072 sectors"), std::string::npos) << out;
    EXPECT_NE(out.find("superblock           byte 0\n"), std::string::npos) << out;
    // The data device has no metadata of its own.
    EXPECT_EQ(Run({disk, "check"}), nbr::drbdmeta::kExitInvalid);
    Make(md, 300 * kMiB);
    EXPECT_EQ(Run({disk, "create-md", "--meta-disk", md, "--meta-index", "2"}),
              nbr::drbdmeta::kExitNoRoom);
    ASSERT_EQ(Run({disk, "create-md", "--meta-disk", md, "--meta-index", "1"}), 0) << err;
    ASSERT_EQ(Run({disk, "check", "--meta-disk", md, "--meta-index", "1"}), 0) << err;
    EXPECT_EQ(Run({disk, "check", "--meta-disk", md, "--meta-index", "0"}),
              nbr::drbdmeta::kExitInvalid);
    EXPECT_EQ(Run({disk, "check", "--internal", "--meta-disk", md}), nbr::drbdmeta::kExitUsage);
}

TEST_F(Drbdmeta, ApplyAlMarksTheHotExtents) {
    ASSERT_EQ(Run({disk, "create-md", "--al-extents", "67"}), 0);
    struct nbr_md_sb sb = Sb(sb_at);
    EXPECT_EQ(Run({disk, "apply-al"}), 0);
    EXPECT_NE(out.find("clean: nothing to apply"), std::string::npos) << out;
    // A Primary that crashed with extents 0, 3 and 15 (the last, partial) active.
    std::vector<std::uint32_t> table(67);
    nbr_al_table_init(table.data(), 67);
    table[5] = 0, table[6] = 3, table[7] = 15;
    std::uint16_t slots[] = {5, 6, 7};
    struct nbr_al_txn txn;
    ASSERT_EQ(nbr_al_txn_build(&txn, 0, table.data(), 67, slots, 3), 0);
    Bytes blk(4096);
    ASSERT_EQ(nbr_al_encode(blk.data(), blk.size(), &txn), 4096);
    WriteAt(disk, sb.al_offset, blk);
    sb.flags = NBR_MDF_CONSISTENT | NBR_MDF_PRIMARY_IND;
    sb.uuid_current = 0x1234;
    PutSb(sb);
    ASSERT_EQ(Run({disk, "apply-al"}), 0) << err;
    // 16374 bits: extents 0 and 3 whole, extent 15 holds bits 15360..16373.
    EXPECT_NE(out.find("3 active extents, 3062 bits newly marked out of sync"), std::string::npos)
        << out;
    struct nbr_md_sb after = Sb(sb_at);
    EXPECT_EQ(after.flags, NBR_MDF_CONSISTENT | NBR_MDF_CRASHED_PRIMARY | NBR_MDF_AL_CLEAN);
    ASSERT_EQ(Run({disk, "dump-md"}), 0);
    EXPECT_NE(out.find("out-of-sync          3062 bits"), std::string::npos) << out;
    ASSERT_EQ(Run({disk, "check"}), 0) << err;
    // Applying again finds a clean log.
    ASSERT_EQ(Run({disk, "apply-al"}), 0);
    EXPECT_NE(out.find("nothing to apply"), std::string::npos);
}

TEST_F(Drbdmeta, ApplyAlRefusesACorruptLog) {
    ASSERT_EQ(Run({disk, "create-md", "--al-extents", "67"}), 0);
    struct nbr_md_sb sb = Sb(sb_at);
    std::vector<std::uint32_t> table(67);
    nbr_al_table_init(table.data(), 67);
    struct nbr_al_txn txn;
    ASSERT_EQ(nbr_al_txn_build(&txn, 1, table.data(), 67, nullptr, 0), 0); // seq 1 in slot 0
    Bytes blk(4096);
    ASSERT_EQ(nbr_al_encode(blk.data(), blk.size(), &txn), 4096);
    WriteAt(disk, sb.al_offset, blk);
    sb.flags &= ~NBR_MDF_AL_CLEAN;
    PutSb(sb);
    Bytes before = Whole(disk);
    EXPECT_EQ(Run({disk, "apply-al"}), nbr::drbdmeta::kExitInvalid);
    EXPECT_NE(err.find("activity-log block 0: check 'al-wrong-slot' failed"), std::string::npos)
        << err;
    EXPECT_EQ(Whole(disk), before);
    EXPECT_EQ(Run({disk, "check"}), nbr::drbdmeta::kExitInvalid);
}

TEST_F(Drbdmeta, UsageAndIoErrors) {
    EXPECT_EQ(Run({}), nbr::drbdmeta::kExitUsage);
    EXPECT_EQ(Run({disk}), nbr::drbdmeta::kExitUsage);
    EXPECT_EQ(Run({disk, "frobnicate"}), nbr::drbdmeta::kExitUsage);
    EXPECT_EQ(Run({(dir / "missing").string(), "check"}), nbr::drbdmeta::kExitIo);
    EXPECT_NE(err.find("No such file or directory"), std::string::npos) << err;
    Make(disk, 20 * 4096);
    EXPECT_EQ(Run({disk, "create-md"}), 0) << err; // 20 blocks: 9 of metadata
    Make(disk, 10 * 4096);
    EXPECT_EQ(Run({disk, "create-md"}), nbr::drbdmeta::kExitNoRoom);
}

TEST_F(Drbdmeta, Binary) {
    std::string cmd = std::string(DRBDMETA_BINARY) + " " + disk + " create-md > " +
                      (dir / "out").string() + " 2>&1";
    int status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 0);
    status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 4);
    cmd = std::string(DRBDMETA_BINARY) + " --help > /dev/null";
    EXPECT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 0);
}

} // namespace
