#include "drbdmeta/drbdmeta.h"

#include "drbdmeta/device.h"
#include "drbdmeta/signature.h"
#include "nbr_al.h"
#include "nbr_bitmap.h"
#include "nbr_meta.h"

#include <CLI/CLI.hpp>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nbr/version.h>
#include <optional>
#include <sys/random.h>

namespace nbr::drbdmeta {

namespace {

struct Options {
    std::string device;
    std::string meta_disk;
    int meta_index = -1;
    bool internal = false;
    bool force = false;
    unsigned al_extents = NBR_AL_EXTENTS_DEFAULT;
};

// The devices a command works on; `meta` is `data` for internal metadata.
struct Devices {
    std::unique_ptr<Device> data, external;
    Device& meta() { return external ? *external : *data; }
    bool internal() const { return !external; }
};

class Tool {
  public:
    Tool(const Options& o, std::ostream& out, std::ostream& err) : o_(o), out_(out), err_(err) {}

    int CreateMd();
    int DumpMd();
    int ShowGi();
    int ApplyAl();
    int Check();

  private:
    int Open(bool writable);
    int Fail(int code, const std::string& msg) {
        err_ << "drbdmeta: " << msg << "\n";
        return code;
    }
    std::string Where() const {
        return o_.meta_disk.empty()
                   ? o_.device + " (internal)"
                   : o_.meta_disk +
                         (o_.meta_index >= 0 ? " [" + std::to_string(o_.meta_index) + "]" : "") +
                         " (external, data on " + o_.device + ")";
    }
    std::uint64_t SbOffset() {
        if (devs_.internal())
            return (devs_.data->size() & ~std::uint64_t(NBR_MD_BLOCK - 1)) - NBR_MD_BLOCK;
        return o_.meta_index < 0 ? 0 : std::uint64_t(o_.meta_index) * NBR_MD_INDEXED_SIZE;
    }
    // Reads and validates the superblock; on failure says which check.
    int LoadSb();
    int ReadBitmap(Bytes& bm);
    int WriteSb();
    int RefuseOverwrite(const struct nbr_md_layout& l);
    void PrintGi();

    const Options& o_;
    std::ostream& out_;
    std::ostream& err_;
    Devices devs_;
    struct nbr_md_sb sb_ {};
};

std::string Hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016" PRIX64, v);
    return buf;
}

int Tool::Open(bool writable) {
    devs_.data = std::make_unique<Device>(o_.device, writable);
    if (!devs_.data->ok())
        return Fail(kExitIo, devs_.data->error());
    if (!o_.meta_disk.empty()) {
        devs_.external = std::make_unique<Device>(o_.meta_disk, writable);
        if (!devs_.external->ok())
            return Fail(kExitIo, devs_.external->error());
    }
    if (devs_.meta().size() < 2 * NBR_MD_BLOCK)
        return Fail(kExitNoRoom, devs_.meta().path() + ": too small to hold metadata");
    return kExitOk;
}

int Tool::LoadSb() {
    Bytes blk;
    std::uint64_t at = SbOffset();
    if (!devs_.meta().Read(at, NBR_MD_BLOCK, blk))
        return Fail(kExitIo, devs_.meta().error());
    const char* why = "";
    int rc = nbr_md_sb_decode(blk.data(), blk.size(), at, &sb_, &why);
    if (rc == 0)
        rc = nbr_md_sb_check_devices(&sb_, devs_.meta().size(), devs_.data->size(), &why);
    if (rc)
        return Fail(kExitInvalid, Where() + ": no valid nbr metadata at byte " +
                                      std::to_string(at) + ": check '" + nbr_md_strerror(rc) +
                                      "' failed: " + why);
    return kExitOk;
}

int Tool::ReadBitmap(Bytes& bm) {
    if (!devs_.meta().Read(sb_.bm_offset, sb_.bm_bytes, bm))
        return Fail(kExitIo, devs_.meta().error());
    return kExitOk;
}

int Tool::WriteSb() {
    Bytes blk(NBR_MD_BLOCK);
    nbr_md_sb_encode(blk.data(), blk.size(), &sb_);
    if (!devs_.meta().Write(sb_.sb_offset, blk) || !devs_.meta().Sync())
        return Fail(kExitIo, devs_.meta().error());
    return kExitOk;
}

std::uint64_t CountBits(const Bytes& bm, std::uint64_t nbits) {
    return nbr_bm_count(reinterpret_cast<const __le64*>(bm.data()), nbits);
}

// ---- create-md ----

int Tool::RefuseOverwrite(const struct nbr_md_layout& l) {
    Bytes blk;
    if (!devs_.meta().Read(l.sb_offset, NBR_MD_BLOCK, blk))
        return Fail(kExitIo, devs_.meta().error());
    struct nbr_md_sb old {};
    int rc = nbr_md_sb_decode(blk.data(), blk.size(), l.sb_offset, &old, nullptr);
    if (rc == 0)
        return Fail(kExitRefused, Where() +
                                      " already holds valid nbr metadata (current "
                                      "generation " +
                                      Hex(old.uuid_current) +
                                      "); refusing to overwrite it without --force");
    if (rc != -NBR_MD_E_BLANK && rc != -NBR_MD_E_MAGIC)
        return Fail(kExitRefused, Where() + " holds damaged nbr metadata (" + nbr_md_strerror(rc) +
                                      "); refusing to overwrite it without --force");
    // Whatever starts where we would write, and, for internal metadata, a
    // file system on the data area that reaches into the metadata area.
    Bytes head;
    if (!devs_.meta().Read(l.md_offset, kSignatureBytes, head))
        return Fail(kExitIo, devs_.meta().error());
    if (auto sig = DetectSignature(head))
        return Fail(kExitRefused, Where() + ": the metadata area at byte " +
                                      std::to_string(l.md_offset) + " holds " + sig->what +
                                      "; refusing to overwrite it without --force");
    if (!devs_.data->Read(0, kSignatureBytes, head))
        return Fail(kExitIo, devs_.data->error());
    auto sig = DetectSignature(head);
    if (!sig)
        return kExitOk;
    if (devs_.internal() && (sig->end == 0 || sig->end > l.md_offset))
        return Fail(kExitRefused,
                    o_.device + " holds " + sig->what +
                        (sig->end ? " of " + std::to_string(sig->end) + " bytes" : "") +
                        "; internal metadata would overwrite its end from byte " +
                        std::to_string(l.md_offset) +
                        ". Shrink it, use external metadata, or --force to destroy it");
    if (devs_.internal())
        err_ << "drbdmeta: note: " << o_.device << " holds " << sig->what
             << " that ends before the metadata area; it is kept\n";
    return kExitOk;
}

int Tool::CreateMd() {
    if (int rc = Open(true))
        return rc;
    struct nbr_md_layout l {};
    int rc = devs_.internal() ? nbr_md_layout_internal(devs_.data->size(), NBR_AL_SLOTS_DEFAULT, &l)
                              : nbr_md_layout_external(devs_.data->size(), devs_.external->size(),
                                                       o_.meta_index, NBR_AL_SLOTS_DEFAULT, &l);
    if (rc)
        return Fail(kExitNoRoom, Where() + ": cannot lay out metadata: " + nbr_md_strerror(rc));
    if (!o_.force)
        if (int r = RefuseOverwrite(l))
            return r;
    sb_ = {};
    sb_.version = NBR_MD_VERSION;
    sb_.flags = NBR_MDF_AL_CLEAN;
    sb_.layout = l.kind;
    sb_.sb_offset = l.sb_offset;
    sb_.md_offset = l.md_offset;
    sb_.md_size = l.md_size;
    sb_.data_sectors = l.data_sectors;
    sb_.uuid_current = NBR_UUID_JUST_CREATED;
    if (getrandom(&sb_.device_uuid, sizeof sb_.device_uuid, 0) != sizeof sb_.device_uuid)
        return Fail(kExitIo, "getrandom failed");
    sb_.al_offset = l.al_offset;
    sb_.al_slots = l.al_slots;
    sb_.al_extents = o_.al_extents;
    sb_.bm_offset = l.bm_offset;
    sb_.bm_bytes = l.bm_bytes;
    sb_.bm_bytes_per_bit = NBR_BM_BYTES_PER_BIT;
    const char* why = "";
    if ((rc = nbr_md_sb_check(&sb_, &why)))
        return Fail(kExitUsage, std::string("invalid metadata parameters: ") + why);
    // The AL ring and the bitmap first, the superblock last: a crash in
    // between leaves no superblock that points at stale areas.
    Bytes zero(std::size_t(l.al_slots) * NBR_MD_BLOCK, 0);
    if (!devs_.meta().Write(l.al_offset, zero))
        return Fail(kExitIo, devs_.meta().error());
    Bytes bm(1 << 20, 0);
    for (std::uint64_t off = 0; off < l.bm_bytes; off += bm.size()) {
        bm.resize(std::min<std::uint64_t>(bm.size(), l.bm_bytes - off));
        if (!devs_.meta().Write(l.bm_offset + off, bm))
            return Fail(kExitIo, devs_.meta().error());
    }
    if (!devs_.meta().Sync())
        return Fail(kExitIo, devs_.meta().error());
    if ((rc = WriteSb()))
        return rc;
    out_ << "Writing nbr metadata on " << Where() << ": data " << l.data_sectors / 2
         << " KiB, metadata " << l.md_size / 1024 << " KiB at byte " << l.md_offset << "\n"
         << "New nbr metadata created.\n";
    return kExitOk;
}

// ---- dump-md / show-gi ----

std::string FlagNames(std::uint32_t f) {
    static const std::pair<std::uint32_t, const char*> names[] = {
        {NBR_MDF_CONSISTENT, "consistent"},
        {NBR_MDF_WAS_UP_TO_DATE, "was-up-to-date"},
        {NBR_MDF_PRIMARY_IND, "primary"},
        {NBR_MDF_CONNECTED_IND, "connected"},
        {NBR_MDF_PEER_OUTDATED, "peer-outdated"},
        {NBR_MDF_FULL_SYNC, "full-sync-required"},
        {NBR_MDF_CRASHED_PRIMARY, "crashed-primary"},
        {NBR_MDF_AL_CLEAN, "al-clean"},
        {NBR_MDF_SPLIT_AS_PRIMARY, "split-as-primary"},
    };
    std::string s;
    for (auto [bit, name] : names)
        if (f & bit)
            s += std::string(s.empty() ? "" : " ") + name;
    return s.empty() ? "-" : s;
}

int Tool::DumpMd() {
    if (int rc = Open(false))
        return rc;
    if (int rc = LoadSb())
        return rc;
    Bytes bm;
    if (int rc = ReadBitmap(bm))
        return rc;
    std::uint64_t nbits = nbr_bm_bits(sb_.data_sectors), set = CountBits(bm, nbits);
    char line[160];
    auto row = [&](const char* k, const std::string& v) {
        std::snprintf(line, sizeof line, "%-20s %s\n", k, v.c_str());
        out_ << line;
    };
    out_ << "# nbr metadata on " << Where() << "\n";
    row("version", std::to_string(sb_.version));
    row("layout", sb_.layout == NBR_MD_INTERNAL ? "internal" : "external");
    row("device-uuid", Hex(sb_.device_uuid));
    row("superblock", "byte " + std::to_string(sb_.sb_offset));
    row("metadata-area",
        "byte " + std::to_string(sb_.md_offset) + ", " + std::to_string(sb_.md_size) + " bytes");
    row("data-size", std::to_string(sb_.data_sectors) + " sectors (" +
                         std::to_string(sb_.data_sectors / 2) + " KiB)");
    row("last-agreed-size", std::to_string(sb_.la_size_sect) + " sectors");
    row("current-uuid", Hex(sb_.uuid_current));
    row("bitmap-uuid", Hex(sb_.uuid_bitmap));
    row("history-uuids", Hex(sb_.uuid_history[0]) + " " + Hex(sb_.uuid_history[1]));
    char flags[16];
    std::snprintf(flags, sizeof flags, "0x%04x", sb_.flags);
    row("flags", std::string(flags) + " " + FlagNames(sb_.flags));
    row("activity-log", "byte " + std::to_string(sb_.al_offset) + ", " +
                            std::to_string(sb_.al_slots) + " slots, " +
                            std::to_string(sb_.al_extents) + " extents of 4 MiB");
    row("bitmap", "byte " + std::to_string(sb_.bm_offset) + ", " + std::to_string(sb_.bm_bytes) +
                      " bytes, " + std::to_string(nbits) + " bits of " +
                      std::to_string(sb_.bm_bytes_per_bit) + " bytes");
    row("out-of-sync", std::to_string(set) + " bits (" + std::to_string(set * 4) + " KiB)");
    return kExitOk;
}

void Tool::PrintGi() {
    out_ << "\n"
            "+--<  Current data generation UUID  >-\n"
            "|                +--<  Bitmap's base data generation UUID  >-\n"
            "|                |                +--<  younger history UUID  >-\n"
            "|                |                |                +--<  older history UUID  >-\n"
            "V                V                V                V\n";
    out_ << Hex(sb_.uuid_current) << ":" << Hex(sb_.uuid_bitmap) << ":" << Hex(sb_.uuid_history[0])
         << ":" << Hex(sb_.uuid_history[1]) << ":" << (sb_.flags & NBR_MDF_CONSISTENT ? 1 : 0)
         << ":" << (sb_.flags & NBR_MDF_WAS_UP_TO_DATE ? 1 : 0) << ":"
         << (sb_.flags & NBR_MDF_PRIMARY_IND ? 1 : 0) << ":"
         << (sb_.flags & NBR_MDF_CRASHED_PRIMARY ? 1 : 0) << ":"
         << (sb_.flags & NBR_MDF_PEER_OUTDATED ? 1 : 0) << ":"
         << (sb_.flags & NBR_MDF_FULL_SYNC ? 1 : 0) << "\n";
    // One legend line per flag column, leftmost first.
    static const char* const legend[] = {
        "consistent",      "was up-to-date",    "primary (not cleanly demoted)",
        "crashed primary", "peer was outdated", "full sync required"};
    const std::size_t col = 4 * 16 + 4; // where the flags start
    out_ << std::string(col, ' ') << "^ ^ ^ ^ ^ ^\n";
    for (std::size_t i = 0; i < 6; i++) {
        std::string line = std::string(col - 36, ' ') + "-<  " + legend[i] + "  >";
        line.resize(col + 2 * i, '-');
        line += '+';
        for (std::size_t j = i + 1; j < 6; j++)
            line += " |";
        out_ << line << "\n";
    }
    out_ << "\n";
}

int Tool::ShowGi() {
    if (int rc = Open(false))
        return rc;
    if (int rc = LoadSb())
        return rc;
    Bytes bm;
    if (int rc = ReadBitmap(bm))
        return rc;
    std::uint64_t set = CountBits(bm, nbr_bm_bits(sb_.data_sectors));
    PrintGi();
    if (sb_.uuid_current == NBR_UUID_JUST_CREATED)
        out_ << "The disk is freshly created: it has never been part of a data generation.\n"
                "The first connect needs 'primary --force' on the node whose data wins\n"
                "(a full sync follows) or 'new-current-uuid --clear-bitmap' on blank disks.\n";
    else
        out_ << "Current generation " << Hex(sb_.uuid_current) << ".\n";
    if (sb_.uuid_bitmap)
        out_ << "The bitmap records changes made since generation " << Hex(sb_.uuid_bitmap) << ": "
             << set << " blocks (" << set * 4
             << " KiB) to resync against a peer still at that generation.\n";
    else
        out_ << "The bitmap is not tracking an older generation (" << set
             << " blocks marked out of sync).\n";
    for (std::uint64_t h : sb_.uuid_history)
        if (h)
            out_ << "History: " << Hex(h) << " (an earlier generation; a peer there needs a "
                 << "bitmap resync from this disk)\n";
    out_ << "Data is " << (sb_.flags & NBR_MDF_CONSISTENT ? "consistent" : "Inconsistent")
         << (sb_.flags & NBR_MDF_CONSISTENT ? "" : " (a resync target, or never synced)") << ".\n";
    if (sb_.flags & (NBR_MDF_PRIMARY_IND | NBR_MDF_CRASHED_PRIMARY))
        out_ << "The node was Primary when it stopped: its activity log marks what must be "
                "resynced ('apply-al').\n";
    return kExitOk;
}

// ---- apply-al ----

int Tool::ApplyAl() {
    if (int rc = Open(true))
        return rc;
    if (int rc = LoadSb())
        return rc;
    if (sb_.flags & NBR_MDF_AL_CLEAN) {
        out_ << "The activity log is clean: nothing to apply.\n";
        return kExitOk;
    }
    std::vector<std::unique_ptr<struct nbr_al_txn>> txns(sb_.al_slots);
    std::vector<const struct nbr_al_txn*> ring(sb_.al_slots, nullptr);
    for (std::uint32_t i = 0; i < sb_.al_slots; i++) {
        Bytes blk;
        if (!devs_.meta().Read(sb_.al_offset + std::uint64_t(i) * NBR_MD_BLOCK, NBR_MD_BLOCK, blk))
            return Fail(kExitIo, devs_.meta().error());
        txns[i] = std::make_unique<struct nbr_al_txn>();
        const char* why = "";
        int rc = nbr_al_decode(blk.data(), blk.size(), i, sb_.al_slots, sb_.al_extents,
                               txns[i].get(), &why);
        // Unused and torn (crc) blocks are expected; anything else is not ours.
        if (rc == -NBR_MD_E_BLANK || rc == -NBR_MD_E_CRC)
            continue;
        if (rc)
            return Fail(kExitInvalid, Where() + ": activity-log block " + std::to_string(i) +
                                          ": check '" + nbr_md_strerror(rc) + "' failed: " + why +
                                          "; nothing was written");
        ring[i] = txns[i].get();
    }
    std::vector<std::uint32_t> table(sb_.al_extents);
    u64 next = 0;
    const char* why = "";
    if (int rc =
            nbr_al_replay(ring.data(), sb_.al_slots, table.data(), sb_.al_extents, &next, &why))
        return Fail(kExitInvalid, Where() + ": check '" + nbr_md_strerror(rc) + "' failed: " + why +
                                      "; nothing was written");
    Bytes bm;
    if (int rc = ReadBitmap(bm))
        return rc;
    std::uint64_t nbits = nbr_bm_bits(sb_.data_sectors), newly = 0, extents = 0;
    auto* words = reinterpret_cast<__le64*>(bm.data());
    for (std::uint32_t e : table) {
        if (e == NBR_AL_EXTENT_NONE)
            continue;
        u64 first, last;
        nbr_al_extent_bits(e, &first, &last);
        newly += nbr_bits_set(words, nbits, first, last);
        extents++;
    }
    // Bitmap first, then the superblock that says the log is applied.
    if (!devs_.meta().Write(sb_.bm_offset, bm) || !devs_.meta().Sync())
        return Fail(kExitIo, devs_.meta().error());
    if (sb_.flags & NBR_MDF_PRIMARY_IND)
        sb_.flags = (sb_.flags & ~NBR_MDF_PRIMARY_IND) | NBR_MDF_CRASHED_PRIMARY;
    sb_.flags |= NBR_MDF_AL_CLEAN;
    if (int rc = WriteSb())
        return rc;
    out_ << "Applied the activity log (transactions up to " << (next ? next - 1 : 0)
         << "): " << extents << " active extents, " << newly << " bits newly marked out of sync ("
         << CountBits(bm, nbits) << " in total).\n";
    return kExitOk;
}

// ---- check ----

int Tool::Check() {
    if (int rc = Open(false))
        return rc;
    if (int rc = LoadSb())
        return rc;
    struct nbr_al_txn txn;
    for (std::uint32_t i = 0; i < sb_.al_slots; i++) {
        Bytes blk;
        if (!devs_.meta().Read(sb_.al_offset + std::uint64_t(i) * NBR_MD_BLOCK, NBR_MD_BLOCK, blk))
            return Fail(kExitIo, devs_.meta().error());
        const char* why = "";
        int rc = nbr_al_decode(blk.data(), blk.size(), i, sb_.al_slots, sb_.al_extents, &txn, &why);
        if (rc && rc != -NBR_MD_E_BLANK && !(rc == -NBR_MD_E_CRC && (sb_.flags & NBR_MDF_AL_CLEAN)))
            return Fail(kExitInvalid, Where() + ": activity-log block " + std::to_string(i) +
                                          ": check '" + nbr_md_strerror(rc) + "' failed: " + why);
    }
    Bytes bm;
    if (int rc = ReadBitmap(bm))
        return rc;
    std::uint64_t nbits = nbr_bm_bits(sb_.data_sectors);
    std::uint64_t total = CountBits(bm, std::uint64_t(bm.size()) * 8);
    std::uint64_t used = CountBits(bm, nbits);
    if (total != used)
        return Fail(kExitInvalid,
                    Where() + ": check 'bitmap-padding' failed: " + std::to_string(total - used) +
                        " bits are set beyond the end of the data");
    out_ << Where() << ": metadata OK (current generation " << Hex(sb_.uuid_current) << ", " << used
         << " bits out of sync)\n";
    return kExitOk;
}

} // namespace

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Options o;
    CLI::App app{"drbdmeta - create and inspect nbr metadata", "drbdmeta"};
    app.require_subcommand(1);
    app.fallthrough();
    app.set_version_flag("-V,--version", std::string("drbdmeta (nbr) " NBR_VERSION));
    app.footer("Exit codes: 0 ok, 1 usage, 2 I/O error, 3 no valid metadata, "
               "4 refused (--force), 5 no room. See drbdmeta(8).");
    app.add_option("device", o.device, "Backing (data) device or file")->required();
    auto* internal =
        app.add_flag("--internal", o.internal, "Metadata at the end of DEVICE (the default)");
    auto* meta = app.add_option("--meta-disk", o.meta_disk, "External metadata device");
    meta->excludes(internal);
    app.add_option("--meta-index", o.meta_index, "Index of a 128 MiB slot on --meta-disk")
        ->check(CLI::Range(0, 255))
        ->needs(meta);
    struct Cmd {
        const char* name;
        const char* help;
        int (Tool::*fn)();
    };
    const Cmd cmds[] = {
        {"create-md", "Write new, empty metadata", &Tool::CreateMd},
        {"dump-md", "Print every superblock field and the number of out-of-sync bits",
         &Tool::DumpMd},
        {"show-gi", "Print the generation identifiers and what they mean", &Tool::ShowGi},
        {"apply-al", "Mark the activity log's extents out of sync (after a Primary crash)",
         &Tool::ApplyAl},
        {"check", "Validate the metadata and print the first problem", &Tool::Check},
    };
    for (const Cmd& c : cmds) {
        CLI::App* sub = app.add_subcommand(c.name, c.help);
        if (std::string_view(c.name) == "create-md") {
            sub->add_flag("--force", o.force,
                          "Overwrite existing metadata or a detected file system");
            sub->add_option("--al-extents", o.al_extents, "Activity-log size in 4 MiB extents")
                ->check(
                    CLI::Range(NBR_AL_EXTENTS_MIN, NBR_AL_CONTEXT * (NBR_AL_SLOTS_DEFAULT - 1)));
        }
    }
    try {
        std::vector<std::string> rev(args.rbegin(), args.rend());
        app.parse(rev);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e, out, err);
        return code == 0 ? kExitOk : kExitUsage;
    }
    Tool tool(o, out, err);
    for (const Cmd& c : cmds)
        if (app.got_subcommand(c.name))
            return (tool.*c.fn)();
    return kExitUsage;
}

} // namespace nbr::drbdmeta
