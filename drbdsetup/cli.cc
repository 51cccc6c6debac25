#include "drbdsetup/cli.h"

#include "conf/options.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <nbr/version.h>
#include <sstream>

namespace nbr::drbdsetup {

namespace {

struct VerbInfo {
    Verb verb;
    const char* name;
    bool takes_device; // DEV positional (vs. a minor number or nothing)
    const char* help;
};

constexpr VerbInfo kVerbs[] = {
    {Verb::NewMinor, "new-minor", false, "Create /dev/nbN for a resource"},
    {Verb::DelMinor, "del-minor", false, "Delete an unconfigured, closed /dev/nbN"},
    {Verb::Disk, "disk", true, "Attach a backing device"},
    {Verb::Detach, "detach", true, "Detach the backing device"},
    {Verb::Net, "net", true, "Configure the network and start connecting"},
    {Verb::Disconnect, "disconnect", true, "Close the connection (StandAlone)"},
    {Verb::Primary, "primary", true, "Promote the device to Primary"},
    {Verb::Secondary, "secondary", true, "Demote the device to Secondary (fails while open)"},
    {Verb::Down, "down", true, "Demote, disconnect and detach; the minor stays"},
    {Verb::Show, "show", true, "Print the running configuration in drbd.conf syntax"},
    {Verb::Status, "status", true, "Print the device state"},
    {Verb::WaitConnect, "wait-connect", true, "Wait until the device is connected"},
    {Verb::WaitSync, "wait-sync", true,
     "Wait until the device is connected and in sync (no resync running, both disks UpToDate)"},
    {Verb::Events, "events", false,
     "Print every device's state ('exists' lines), then state changes as they happen"},
    {Verb::Invalidate, "invalidate", true,
     "Discard the local data: resync all of it from the peer (this node becomes SyncTarget)"},
    {Verb::InvalidateRemote, "invalidate-remote", true,
     "Resync all of the peer's data from this node (this node becomes SyncSource)"},
    {Verb::PauseSync, "pause-sync", true, "Hold a running or pending resync"},
    {Verb::ResumeSync, "resume-sync", true, "Release a resync held by pause-sync"},
    {Verb::Verify, "verify", true,
     "Compare the data with the peer's (online verify); differing blocks are marked out of sync"},
    {Verb::NewCurrentUuid, "new-current-uuid", true,
     "Start a new data generation (--clear-bitmap: skip the initial sync of blank disks)"},
    {Verb::Outdate, "outdate", true, "Mark the local data Outdated: it cannot be promoted"},
};

const VerbInfo* FindVerb(const std::string& name) {
    for (const VerbInfo& v : kVerbs)
        if (name == v.name)
            return &v;
    return nullptr;
}

std::string Usage(const std::string& what) {
    return "drbdsetup: " + what + "\nTry 'drbdsetup --help'.\n";
}

ParseOutcome UsageError(const std::string& what) {
    ParseOutcome o;
    o.exit_code = kExitUsage;
    o.err = Usage(what);
    return o;
}

// --NAME=VALUE (or --NAME for a yes/no option) of `section`.
bool ParseOption(const std::string& arg, conf::Section section, Invocation& inv, std::string& err) {
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
        err = "unexpected argument '" + arg + "'";
        return false;
    }
    std::string body = arg.substr(2);
    size_t eq = body.find('=');
    std::string name = body.substr(0, eq);
    const conf::OptionSpec* spec = conf::FindOption(section, name);
    if (!spec || (spec->target != conf::Target::Disk && spec->target != conf::Target::Net)) {
        err = "unknown " + std::string(conf::SectionName(section)) + " option '--" + name + "'";
        return false;
    }
    std::string text;
    if (eq == std::string::npos) {
        if (spec->type != conf::Type::Bool) {
            err = "'--" + name + "' needs a value: --" + name + "=VALUE";
            return false;
        }
        text = "yes";
    } else {
        text = body.substr(eq + 1);
    }
    std::optional<std::string> v = conf::ParseValue(*spec, text, err);
    if (!v)
        return false;
    inv.options.push_back({name, *v});
    return true;
}

// Puts the verb first: "DEV VERB ..." -> "VERB DEV ...".
std::vector<std::string> VerbFirst(const std::vector<std::string>& args) {
    if (args.size() >= 2 && !FindVerb(args[0]) && args[0].rfind("-", 0) != 0 && FindVerb(args[1])) {
        std::vector<std::string> out = {args[1], args[0]};
        out.insert(out.end(), args.begin() + 2, args.end());
        return out;
    }
    return args;
}

bool ParseMinor(const std::string& text, unsigned& minor) {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), minor);
    return ec == std::errc() && p == text.data() + text.size();
}

// Checks what CLI11 cannot: devices, disk/net options, meta-disk form.
std::optional<std::string> Finish(const VerbInfo& v, const std::string& dev,
                                  const std::vector<std::string>& extras, Invocation& inv) {
    if (v.takes_device || v.verb == Verb::DelMinor || v.verb == Verb::NewMinor) {
        std::optional<unsigned> minor = v.takes_device ? ParseDevice(dev) : std::nullopt;
        if (!v.takes_device) {
            unsigned m = 0;
            if (ParseMinor(dev, m))
                minor = m;
        }
        if (!minor)
            return std::string(v.takes_device ? "expected /dev/nbN or a minor number, got '"
                                              : "expected a minor number, got '") +
                   dev + "'";
        inv.minor = *minor;
    }
    std::string err;
    for (const std::string& e : extras) {
        if (v.verb == Verb::Disk && !ParseOption(e, conf::Section::Disk, inv, err))
            return err;
        if (v.verb == Verb::Net && !ParseOption(e, conf::Section::Net, inv, err))
            return err;
        if (v.verb != Verb::Disk && v.verb != Verb::Net)
            return "unexpected argument '" + e + "'";
    }
    if (v.verb == Verb::Disk) {
        if (inv.meta == "internal") {
            if (inv.meta_index)
                return "'internal' metadata takes no index";
        } else if (!inv.meta_index) {
            return "external metadata needs an index: disk LOWER META-DEV {flexible|N}";
        } else if (inv.meta.empty() || inv.meta[0] != '/') {
            return "metadata device '" + inv.meta + "' is not an absolute path (or 'internal')";
        } else if (inv.meta == inv.lower) {
            return "metadata device '" + inv.meta +
                   "' is the backing device itself; use 'internal' for metadata at its end";
        }
    }
    if (v.verb == Verb::Net && inv.protocol != "A" && inv.protocol != "B" && inv.protocol != "C")
        return "protocol must be A, B or C, got '" + inv.protocol + "'";
    return std::nullopt;
}

} // namespace

const char* VerbName(Verb v) {
    for (const VerbInfo& i : kVerbs)
        if (i.verb == v)
            return i.name;
    return "?";
}

std::optional<unsigned> ParseDevice(const std::string& text) {
    std::string digits = text;
    if (digits.rfind("/dev/nb", 0) == 0)
        digits = digits.substr(7);
    unsigned minor = 0;
    if (digits.empty() || digits[0] == '+' || !ParseMinor(digits, minor))
        return std::nullopt;
    return minor;
}

ParseOutcome Parse(const std::vector<std::string>& raw) {
    std::vector<std::string> args = VerbFirst(raw);
    if (!args.empty() && args[0].rfind("-", 0) != 0 && !FindVerb(args[0])) {
        const std::string& word = args.size() >= 2 && ParseDevice(args[0]) ? args[1] : args[0];
        return UsageError("unknown command '" + word + "'");
    }
    CLI::App app{"drbdsetup - configure nbr replicated block devices (one kernel request each)",
                 "drbdsetup"};
    app.require_subcommand(1);
    app.set_version_flag("-V,--version", std::string("drbdsetup (nbr) " NBR_VERSION));
    app.footer("DEV is /dev/nbN or the minor number N. 'drbdsetup COMMAND --help' for details.");

    Invocation inv;
    std::string dev;
    std::string index_text;
    std::string start_text;
    const VerbInfo* chosen = nullptr;
    std::vector<std::pair<const VerbInfo*, CLI::App*>> subs;
    for (const VerbInfo& v : kVerbs) {
        CLI::App* sub = app.add_subcommand(v.name, v.help);
        subs.emplace_back(&v, sub);
        switch (v.verb) {
        case Verb::NewMinor:
            sub->add_option("minor", dev, "Minor number N of /dev/nbN")->required();
            sub->add_option("--resource", inv.resource, "Resource name")->required();
            break;
        case Verb::DelMinor:
            sub->add_option("minor", dev, "Minor number N of /dev/nbN")->required();
            break;
        case Verb::Events:
            sub->add_flag("--json", inv.json, "One JSON object per line");
            break;
        default:
            sub->add_option("device", dev, "/dev/nbN or N")->required();
            break;
        }
        switch (v.verb) {
        case Verb::Disk:
            sub->add_option("lower", inv.lower, "Backing block device")->required();
            sub->add_option("meta", inv.meta, "'internal', or the metadata device")->required();
            sub->add_option("index", index_text,
                            "With a meta device: 'flexible' (or -1) for flexible external "
                            "metadata, N for slot N of an indexed meta device");
            sub->allow_extras();
            sub->footer("Options: --NAME=VALUE for the disk options of drbd.conf(5).");
            break;
        case Verb::Net:
            sub->add_option("local", inv.local, "ipv4:ADDR:PORT or ipv6:[ADDR]:PORT")->required();
            sub->add_option("peer", inv.peer, "ipv4:ADDR:PORT or ipv6:[ADDR]:PORT")->required();
            sub->add_option("protocol", inv.protocol, "A, B or C")->required();
            sub->add_flag("--discard-my-data", inv.discard_my_data,
                          "After a split brain, give up this node's changes");
            sub->add_option("--peer-name", inv.peer_name,
                            "The peer's node name, checked during authentication");
            sub->allow_extras();
            sub->footer("Options: --NAME=VALUE for the net options of drbd.conf(5).");
            break;
        case Verb::Primary:
            sub->add_flag("--force", inv.force,
                          "Declare the local data UpToDate (first promotion of a new pair)");
            break;
        case Verb::Detach:
            sub->add_flag("--force", inv.force, "Detach even a Primary's only disk");
            break;
        case Verb::Disconnect:
            sub->add_flag("--force", inv.force,
                          "Disconnect even a Primary whose data is on the peer");
            break;
        case Verb::Status:
            sub->add_flag("--json", inv.json, "One JSON object");
            break;
        case Verb::WaitConnect:
        case Verb::WaitSync:
            sub->add_option("--timeout", inv.timeout, "Give up after this many seconds");
            break;
        case Verb::Verify:
            sub->add_option("--start", start_text,
                            "First sector to verify (512-byte units, default 0); resumes an "
                            "interrupted verify");
            break;
        case Verb::NewCurrentUuid:
            sub->add_flag("--clear-bitmap", inv.clear_bitmap,
                          "Both disks are blank or identical: mark them in sync without a "
                          "full sync");
            break;
        default:
            break;
        }
    }

    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForVersion& e) {
        ParseOutcome o;
        o.out = std::string(e.what()) + "\n";
        return o;
    } catch (const CLI::CallForHelp& e) {
        ParseOutcome o;
        std::ostringstream out;
        const CLI::App* target = &app;
        for (auto& [info, sub] : subs)
            if (sub->parsed())
                target = sub;
        out << target->help();
        o.out = out.str();
        return o;
    } catch (const CLI::ParseError& e) {
        return UsageError(e.what());
    }
    std::vector<std::string> extras;
    for (auto& [info, sub] : subs) {
        if (sub->parsed()) {
            chosen = info;
            extras = sub->remaining();
        }
    }
    if (!chosen)
        return UsageError("no command given");
    inv.verb = chosen->verb;
    if (!index_text.empty()) {
        int idx = -1;
        if (index_text != "flexible") {
            auto [p, ec] =
                std::from_chars(index_text.data(), index_text.data() + index_text.size(), idx);
            if (ec != std::errc() || p != index_text.data() + index_text.size() || idx < -1)
                return UsageError("disk: metadata index must be 'flexible', -1 (flexible) or a "
                                  "number >= 0, got '" +
                                  index_text + "'");
        }
        inv.meta_index = idx;
    }
    if (!start_text.empty()) {
        uint64_t sector = 0;
        auto [p, ec] =
            std::from_chars(start_text.data(), start_text.data() + start_text.size(), sector);
        if (ec != std::errc() || p != start_text.data() + start_text.size())
            return UsageError("verify: --start must be a sector number (512-byte units, >= 0), "
                              "got '" +
                              start_text + "'");
        inv.start_sector = sector;
    }
    if (std::optional<std::string> err = Finish(*chosen, dev, extras, inv))
        return UsageError(std::string(chosen->name) + ": " + *err);
    ParseOutcome o;
    o.inv = std::move(inv);
    return o;
}

} // namespace nbr::drbdsetup
