#include "drbdadm/drbdadm.h"

#include "conf/dump.h"
#include "conf/parser.h"
#include "conf/resolve.h"
#include "drbdadm/meta_plan.h"
#include "drbdadm/plan.h"
#include "drbdadm/status_json.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <nbr/version.h>
#include <optional>

namespace nbr::drbdadm {

namespace {

using conf::ResolvedResource;

struct Options {
    std::string config_file = "/etc/drbd.conf";
    bool dry_run = false;
    std::string hostname;
    std::string drbdsetup;
    std::string drbdmeta;
    std::vector<std::string> resources;
    bool force = false;
    bool discard_my_data = false;
    bool clear_bitmap = false;       // new-current-uuid
    std::string start;               // verify --start=SECTOR
    std::optional<unsigned> timeout; // wait-sync --timeout=SECONDS
};

struct Context {
    const conf::Config& config;
    const Options& opts;
    Runner& runner;
    std::ostream& out;
    std::ostream& err;
};

struct Target {
    const conf::Resource& res;
    const ResolvedResource& r;
};

int RunPlan(Context& ctx, const Plan& plan) {
    for (const Argv& argv : plan) {
        int status = ctx.runner.Execute(argv);
        if (status != 0) {
            ctx.err << "drbdadm: '" << FormatCommand(argv) << "' failed with exit code " << status
                    << "\n";
            return kExitSetupFailed;
        }
    }
    return kExitOk;
}

int DoUp(Context& c, const Target& t) {
    return RunPlan(c, Up(t.r));
}
int DoDown(Context& c, const Target& t) {
    return RunPlan(c, Down(t.r));
}
// After a reboot the minor does not exist yet: attach creates it, so that
// a disk can be inspected (oos, show-gi) before the resource connects.
int DoAttach(Context& c, const Target& t) {
    if (c.runner.Query(DeviceCommand(t.r, "status", {"--json"})).status != 0)
        return RunPlan(c, {NewMinor(t.r), Attach(t.r)});
    return RunPlan(c, {Attach(t.r)});
}
int DoDetach(Context& c, const Target& t) {
    return RunPlan(c, {DeviceCommand(t.r, "detach")});
}
int DoConnect(Context& c, const Target& t) {
    Argv argv = Connect(t.r);
    if (c.opts.discard_my_data)
        argv.push_back("--discard-my-data");
    return RunPlan(c, {argv});
}
int DoDisconnect(Context& c, const Target& t) {
    return RunPlan(c, {DeviceCommand(t.r, "disconnect")});
}
int DoPrimary(Context& c, const Target& t) {
    return RunPlan(c, {DeviceCommand(t.r, "primary",
                                     c.opts.force ? std::vector<std::string>{"--force"}
                                                  : std::vector<std::string>{})});
}
int DoSecondary(Context& c, const Target& t) {
    return RunPlan(c, {DeviceCommand(t.r, "secondary")});
}
int DoInvalidate(Context& c, const Target& t) {
    return RunPlan(c, {DeviceCommand(t.r, "invalidate")});
}
int DoInvalidateRemote(Context& c, const Target& t) {
    return RunPlan(c, {DeviceCommand(t.r, "invalidate-remote")});
}
int DoPauseSync(Context& c, const Target& t) {
    return RunPlan(c, {DeviceCommand(t.r, "pause-sync")});
}
int DoResumeSync(Context& c, const Target& t) {
    return RunPlan(c, {DeviceCommand(t.r, "resume-sync")});
}
int DoVerify(Context& c, const Target& t) {
    std::vector<std::string> extra;
    if (!c.opts.start.empty())
        extra.push_back("--start=" + c.opts.start);
    return RunPlan(c, {DeviceCommand(t.r, "verify", extra)});
}
int DoNewCurrentUuid(Context& c, const Target& t) {
    return RunPlan(c,
                   {DeviceCommand(t.r, "new-current-uuid",
                                  c.opts.clear_bitmap ? std::vector<std::string>{"--clear-bitmap"}
                                                      : std::vector<std::string>{})});
}
int DoOutdate(Context& c, const Target& t) {
    return RunPlan(c, {DeviceCommand(t.r, "outdate")});
}
int DoStatus(Context& c, const Target& t) {
    return RunPlan(c, {DeviceCommand(t.r, "status")});
}

int DoWaitConnect(Context& c, const Target& t) {
    std::vector<std::string> extra;
    std::string timeout = t.r.options.Get("wfc-timeout");
    if (timeout != "0")
        extra.push_back("--timeout=" + timeout);
    return RunPlan(c, {DeviceCommand(t.r, "wait-connect", extra)});
}

// A resync may take hours: no limit unless asked for (wfc-timeout is for
// the connection only).
int DoWaitSync(Context& c, const Target& t) {
    std::vector<std::string> extra;
    if (c.opts.timeout)
        extra.push_back("--timeout=" + std::to_string(*c.opts.timeout));
    return RunPlan(c, {DeviceCommand(t.r, "wait-sync", extra)});
}

// role, cstate, dstate: one field pair of `drbdsetup <dev> status --json`.
int PrintState(Context& c, const Target& t, const char* field, const char* peer_field) {
    Argv argv = DeviceCommand(t.r, "status", {"--json"});
    QueryResult q = c.runner.Query(argv);
    if (q.status != 0) {
        c.err << "drbdadm: '" << FormatCommand(argv) << "' failed with exit code " << q.status
              << "\n";
        return kExitSetupFailed;
    }
    auto fields = ParseStatusJson(q.output);
    if (!fields || !fields->count(field)) {
        c.err << "drbdadm: cannot read '" << field << "' from the output of '"
              << FormatCommand(argv) << "'\n";
        return kExitSetupFailed;
    }
    c.out << (*fields)[field];
    if (peer_field) {
        auto it = fields->find(peer_field);
        c.out << "/" << (it == fields->end() || it->second.empty() ? "Unknown" : it->second);
    }
    c.out << "\n";
    return kExitOk;
}

int DoRole(Context& c, const Target& t) {
    return PrintState(c, t, "role", "peer_role");
}
int DoCstate(Context& c, const Target& t) {
    return PrintState(c, t, "cstate", nullptr);
}
int DoDstate(Context& c, const Target& t) {
    return PrintState(c, t, "disk", "peer_disk");
}

int DoAdjust(Context& c, const Target& t) {
    Argv show = DeviceCommand(t.r, "show");
    QueryResult q = c.runner.Query(show);
    std::optional<ResolvedResource> running;
    if (q.status == 0) {
        std::string name = "'" + FormatCommand(show) + "'";
        conf::ParseResult parsed = conf::ParseString(q.output, name);
        if (parsed.ok() && parsed.config.resources.size() != 1)
            parsed.diags.Error({name, 0, 0}, "expected exactly one resource");
        if (parsed.ok())
            running = conf::ResolveRunning(parsed.config.resources[0], parsed.diags);
        if (!parsed.ok() || !running) {
            c.err << parsed.diags.Render()
                  << "drbdadm: cannot understand the running configuration of " << t.r.device
                  << "\n";
            return kExitConflict;
        }
        if (running->name != t.r.name) {
            c.err << "drbdadm: " << t.r.device << " belongs to resource '" << running->name
                  << "', not '" << t.r.name << "'\n";
            return kExitConflict;
        }
    }
    return RunPlan(c, Adjust(t.r, running));
}

// create-md and apply-al rewrite the metadata under a running device's
// feet: refuse while the kernel has the disk attached.
int RefuseIfAttached(Context& c, const Target& t, const char* verb) {
    QueryResult q = c.runner.Query(DeviceCommand(t.r, "status", {"--json"}));
    if (q.status != 0)
        return kExitOk; // no such minor: nothing is attached
    auto fields = ParseStatusJson(q.output);
    std::string disk = fields && fields->count("disk") ? (*fields)["disk"] : "";
    if (disk == "Diskless")
        return kExitOk;
    c.err << "drbdadm: " << t.r.name << ": " << t.r.device << " has its disk attached ("
          << (disk.empty() ? "state unknown" : disk) << "); run 'drbdadm down " << t.r.name
          << "' (or detach) before " << verb << "\n";
    return kExitConflict;
}

int DoCreateMd(Context& c, const Target& t) {
    if (int rc = RefuseIfAttached(c, t, "create-md"))
        return rc;
    // The activity log is sized at creation; attach may use at most that.
    std::vector<std::string> extra;
    if (const auto& al = t.r.options.Explicit(conf::FindOption(conf::Section::Disk, "al-extents")))
        extra.push_back("--al-extents=" + *al);
    if (c.opts.force)
        extra.push_back("--force");
    return RunPlan(c, {MetaCommand(t.r, "create-md", extra)});
}
int DoApplyAl(Context& c, const Target& t) {
    if (int rc = RefuseIfAttached(c, t, "apply-al"))
        return rc;
    return RunPlan(c, {MetaCommand(t.r, "apply-al")});
}
int DoDumpMd(Context& c, const Target& t) {
    return RunPlan(c, {MetaCommand(t.r, "dump-md")});
}
int DoShowGi(Context& c, const Target& t) {
    return RunPlan(c, {MetaCommand(t.r, "show-gi")});
}

int DoDump(Context& c, const Target& t) {
    c.out << "# " << t.res.loc.file << ":" << t.res.loc.line << "\n" << conf::DumpResource(t.res);
    return kExitOk;
}

int DoShDev(Context& c, const Target& t) {
    c.out << t.r.device << "\n";
    return kExitOk;
}
int DoShMinor(Context& c, const Target& t) {
    c.out << t.r.minor << "\n";
    return kExitOk;
}
int DoShLlDev(Context& c, const Target& t) {
    c.out << t.r.disk->path << "\n";
    return kExitOk;
}
int DoShMdDev(Context& c, const Target& t) {
    c.out << (t.r.meta_disk.internal ? t.r.disk->path : t.r.meta_disk.path) << "\n";
    return kExitOk;
}
int DoShIp(Context& c, const Target& t) {
    c.out << t.r.local->addr << "\n";
    return kExitOk;
}

enum class Args { Resources, None };

struct Verb {
    const char* name;
    const char* help;
    const char* details; // the drbdsetup commands it runs
    int (*fn)(Context&, const Target&);
    Args args = Args::Resources;
};

// clang-format off
const Verb kVerbs[] = {
    {"up", "Create the device, attach the disk and connect to the peer",
     "Runs: drbdsetup new-minor N --resource R; drbdsetup /dev/nbN disk ...; drbdsetup /dev/nbN net ...", DoUp},
    {"down", "Disconnect, detach and delete the device",
     "Runs: drbdsetup /dev/nbN down; drbdsetup del-minor N", DoDown},
    {"attach", "Attach the backing disk and its metadata",
     "Runs: drbdsetup /dev/nbN disk LOWER META [INDEX] [--disk-options] (after drbdsetup "
     "new-minor when the device does not exist yet)",
     DoAttach},
    {"detach", "Detach the backing disk (the device goes Diskless)",
     "Runs: drbdsetup /dev/nbN detach", DoDetach},
    {"connect", "Configure the network and start connecting to the peer",
     "Runs: drbdsetup /dev/nbN net LOCAL PEER PROTOCOL [--net-options] [--discard-my-data]",
     DoConnect},
    {"disconnect", "Drop the connection (the device goes StandAlone)",
     "Runs: drbdsetup /dev/nbN disconnect", DoDisconnect},
    {"primary", "Promote to Primary",
     "Runs: drbdsetup /dev/nbN primary [--force]", DoPrimary},
    {"secondary", "Demote to Secondary",
     "Runs: drbdsetup /dev/nbN secondary", DoSecondary},
    {"adjust", "Change the running device to match the configuration",
     "Reads the running configuration with 'drbdsetup /dev/nbN show' and runs only the commands "
     "that differ: a missing device gets a full 'up', a changed disk or disk option "
     "'detach' + 'disk', a changed address or net option 'disconnect' + 'net'. Check with -d first.",
     DoAdjust},
    {"role", "Print the roles, local/peer (Primary/Secondary)",
     "Reads 'drbdsetup /dev/nbN status --json'", DoRole},
    {"cstate", "Print the connection state (Connected, WFConnection ...)",
     "Reads 'drbdsetup /dev/nbN status --json'", DoCstate},
    {"dstate", "Print the disk states, local/peer (UpToDate/UpToDate)",
     "Reads 'drbdsetup /dev/nbN status --json'", DoDstate},
    {"status", "Print the status of the device (with resync progress, done:PERCENT)",
     "Runs: drbdsetup /dev/nbN status", DoStatus},
    {"invalidate", "Discard the local data and resync all of it from the peer",
     "Runs: drbdsetup /dev/nbN invalidate. This node becomes SyncTarget; without a "
     "connection the whole disk is marked out of sync (Inconsistent).", DoInvalidate},
    {"invalidate-remote", "Resync all of the peer's data from this node",
     "Runs: drbdsetup /dev/nbN invalidate-remote. Needs a connected peer and UpToDate local "
     "data; this node becomes SyncSource.", DoInvalidateRemote},
    {"pause-sync", "Hold a running or pending resync",
     "Runs: drbdsetup /dev/nbN pause-sync", DoPauseSync},
    {"resume-sync", "Release a resync held by pause-sync",
     "Runs: drbdsetup /dev/nbN resume-sync", DoResumeSync},
    {"verify", "Online verify: compare the data with the peer's, mark differing blocks",
     "Runs: drbdsetup /dev/nbN verify [--start=SECTOR]. Blocks found different are marked "
     "out of sync; 'drbdadm disconnect' then 'connect' resyncs them.", DoVerify},
    {"new-current-uuid", "Start a new data generation",
     "Runs: drbdsetup /dev/nbN new-current-uuid [--clear-bitmap]. With --clear-bitmap on a "
     "new pair whose disks are both blank, the initial full sync is skipped.",
     DoNewCurrentUuid},
    {"outdate", "Mark the local data Outdated (it cannot be promoted)",
     "Runs: drbdsetup /dev/nbN outdate. Refused while Primary or connected to a Primary.",
     DoOutdate},
    {"wait-connect", "Wait until the peer is connected (startup wfc-timeout)",
     "Runs: drbdsetup /dev/nbN wait-connect [--timeout=SECONDS]", DoWaitConnect},
    {"wait-sync", "Wait until the pair is connected and in sync (no resync left)",
     "Runs: drbdsetup /dev/nbN wait-sync [--timeout=SECONDS]. Returns once the device is "
     "Connected with both disks UpToDate; fails (exit 10) after --timeout seconds (default: "
     "no limit).", DoWaitSync},
    {"create-md", "Write new metadata on the backing (or meta) disk",
     "Runs: drbdmeta DISK create-md {--internal | --meta-disk MD [--meta-index N]} "
     "[--al-extents=N] [--force]. "
     "Refuses while the disk is attached; drbdmeta refuses to overwrite valid metadata or a "
     "file system without --force.", DoCreateMd},
    {"dump-md", "Print the metadata: every field, the UUIDs, the out-of-sync count",
     "Runs: drbdmeta DISK dump-md {--internal | --meta-disk MD [--meta-index N]}", DoDumpMd},
    {"show-gi", "Print the generation identifiers and what they mean",
     "Runs: drbdmeta DISK show-gi {--internal | --meta-disk MD [--meta-index N]}", DoShowGi},
    {"apply-al", "Mark the activity log's extents out of sync (after a Primary crash)",
     "Runs: drbdmeta DISK apply-al {--internal | --meta-disk MD [--meta-index N]}. "
     "Refuses while the disk is attached.", DoApplyAl},
    {"dump", "Print the parsed configuration in canonical form",
     "With no resource or 'all', prints the whole configuration", DoDump},
    {"sh-dev", "Print the device name (/dev/nbN)", "", DoShDev},
    {"sh-minor", "Print the minor number", "", DoShMinor},
    {"sh-ll-dev", "Print the backing (lower-level) disk", "", DoShLlDev},
    {"sh-md-dev", "Print the metadata device", "", DoShMdDev},
    {"sh-ip", "Print this host's replication address", "", DoShIp},
    {"sh-resources", "Print the names of all resources", "", nullptr, Args::None},
};
// clang-format on

constexpr const char* kFooter =
    "Resources: one or more names from the configuration, or 'all'.\n"
    "Exit codes: 0 success, 1 configuration error, 2 usage error, 3 unknown resource,\n"
    "10 a drbdsetup or drbdmeta command failed, 11 the running state conflicts with the\n"
    "configuration (or the disk is attached for create-md/apply-al).\n"
    "See drbdadm(8) and drbd.conf(5).";

std::optional<std::vector<const conf::Resource*>>
Select(const conf::Config& config, const std::vector<std::string>& names, std::ostream& err) {
    std::vector<const conf::Resource*> out;
    for (const std::string& n : names) {
        if (n == "all") {
            for (const conf::Resource& r : config.resources)
                out.push_back(&r);
            continue;
        }
        const conf::Resource* r = config.Find(n);
        if (!r) {
            err << "drbdadm: '" << n << "' is not a resource in " << config.file << "\n";
            return std::nullopt;
        }
        out.push_back(r);
    }
    return out;
}

} // namespace

int Run(const std::vector<std::string>& args, Environment& env) {
    Options opts;
    CLI::App app{"drbdadm - administer nbr replicated block devices from drbd.conf", "drbdadm"};
    app.fallthrough();
    app.require_subcommand(1);
    app.footer(kFooter);
    app.set_version_flag("-V,--version", std::string("drbdadm (nbr) " NBR_VERSION));
    app.add_option("-c,--config-file", opts.config_file, "Configuration file")
        ->capture_default_str();
    app.add_flag("-d,--dry-run", opts.dry_run,
                 "Print the drbdsetup commands instead of running them");
    app.add_option("--hostname", opts.hostname, "Host name to look for in 'on' sections")
        ->default_str("uname -n");
    app.add_option("-s,--drbdsetup", opts.drbdsetup,
                   "drbdsetup program (default: next to drbdadm, else from PATH)");
    app.add_option("-m,--drbdmeta", opts.drbdmeta,
                   "drbdmeta program (default: next to drbdadm, else from PATH)");
    for (const Verb& v : kVerbs) {
        CLI::App* sub = app.add_subcommand(v.name, v.help);
        if (*v.details)
            sub->footer(v.details);
        if (v.args == Args::Resources) {
            auto* opt = sub->add_option("resources", opts.resources, "Resource names or 'all'");
            if (std::string_view(v.name) != "dump")
                opt->required();
        }
        if (std::string_view(v.name) == "connect")
            sub->add_flag("--discard-my-data", opts.discard_my_data,
                          "After a split brain: this node's changes are thrown away and it "
                          "becomes the sync target");
        if (std::string_view(v.name) == "create-md")
            sub->add_flag("--force", opts.force,
                          "Overwrite existing metadata or a detected file system");
        if (std::string_view(v.name) == "primary")
            sub->add_flag("--force", opts.force,
                          "Promote even without up-to-date data (becomes the sync source)");
        if (std::string_view(v.name) == "new-current-uuid")
            sub->add_flag("--clear-bitmap", opts.clear_bitmap,
                          "Both disks are blank (or identical): mark them in sync, no full sync");
        if (std::string_view(v.name) == "verify")
            sub->add_option("--start", opts.start,
                            "First sector to verify (512-byte units), to resume a verify");
        if (std::string_view(v.name) == "wait-sync")
            sub->add_option("--timeout", opts.timeout, "Give up after this many seconds");
    }
    try {
        std::vector<std::string> rev(args.rbegin(), args.rend());
        app.parse(rev);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e, env.out, env.err);
        return code == 0 ? kExitOk : kExitUsage;
    }
    const Verb* verb = nullptr;
    for (const Verb& v : kVerbs)
        if (app.got_subcommand(v.name))
            verb = &v;
    if (opts.hostname.empty())
        opts.hostname = env.hostname;

    conf::ParseResult parsed = conf::ParseFile(opts.config_file, env.fs);
    // Whole-file checks only use what did parse, so they run even after
    // syntax errors; per-host resolution needs a complete model.
    conf::ValidateConfig(parsed.config, parsed.diags);
    conf::HostInfo host{opts.hostname, env.local_addresses};
    std::vector<std::optional<ResolvedResource>> resolved;
    if (parsed.ok())
        for (const conf::Resource& r : parsed.config.resources)
            resolved.push_back(conf::Resolve(parsed.config, r, host, parsed.diags));
    env.err << parsed.diags.Render();
    if (!parsed.ok()) {
        env.err << "drbdadm: " << parsed.diags.ErrorCount() << " error"
                << (parsed.diags.ErrorCount() == 1 ? "" : "s") << " in the configuration; "
                << "nothing was done\n";
        return kExitConfig;
    }
    const conf::Config& config = parsed.config;

    if (verb->args == Args::None) {
        std::string line;
        for (const conf::Resource& r : config.resources)
            line += (line.empty() ? "" : " ") + r.name;
        env.out << line << "\n";
        return kExitOk;
    }
    if (std::string_view(verb->name) == "dump" &&
        (opts.resources.empty() ||
         std::find(opts.resources.begin(), opts.resources.end(), "all") != opts.resources.end())) {
        env.out << conf::Dump(config);
        return kExitOk;
    }
    auto selected = Select(config, opts.resources, env.err);
    if (!selected)
        return kExitUnknownResource;

    std::unique_ptr<Runner> exec, exec_meta, router;
    Runner* base = env.runner;
    if (!base) {
        exec = std::make_unique<ExecRunner>(opts.drbdsetup.empty() ? LocateDrbdsetup()
                                                                   : opts.drbdsetup);
        exec_meta = std::make_unique<ExecRunner>(opts.drbdmeta.empty() ? LocateTool("drbdmeta")
                                                                       : opts.drbdmeta);
        router = std::make_unique<ToolRouter>(*exec, *exec_meta);
        base = router.get();
    }
    std::optional<DryRunRunner> dry;
    if (opts.dry_run)
        dry.emplace(*base, env.out);
    Runner& runner = dry ? static_cast<Runner&>(*dry) : *base;

    Context ctx{config, opts, runner, env.out, env.err};
    int result = kExitOk;
    for (const conf::Resource* res : *selected) {
        size_t index = size_t(res - config.resources.data());
        int rc = verb->fn(ctx, Target{*res, *resolved[index]});
        if (rc != kExitOk && result == kExitOk)
            result = rc;
    }
    return result;
}

} // namespace nbr::drbdadm
