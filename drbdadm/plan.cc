#include "drbdadm/plan.h"

namespace nbr::drbdadm {

using conf::OptionSpec;
using conf::OptionTable;
using conf::ResolvedResource;
using conf::Target;

namespace {

// --name=value for every option of `target` set in the configuration (set
// explicitly anywhere in common/resource/host, even to its default value).
void AddOptions(Argv& argv, const ResolvedResource& r, Target target) {
    for (const OptionSpec& spec : OptionTable()) {
        if (spec.target != target)
            continue;
        if (const auto& v = r.options.Explicit(&spec))
            argv.push_back("--" + std::string(spec.name) + "=" + *v);
    }
}

bool SameMeta(const conf::MetaDiskSpec& a, const conf::MetaDiskSpec& b) {
    if (a.internal || b.internal)
        return a.internal == b.internal;
    return a.path == b.path && a.index == b.index;
}

} // namespace

Argv NewMinor(const ResolvedResource& r) {
    return {"drbdsetup", "new-minor", std::to_string(r.minor), "--resource", r.name};
}

Argv DelMinor(const ResolvedResource& r) {
    return {"drbdsetup", "del-minor", std::to_string(r.minor)};
}

Argv DeviceCommand(const ResolvedResource& r, const char* verb, std::vector<std::string> extra) {
    // Always /dev/nbN: a custom device name is only a link made by udev.
    Argv argv = {"drbdsetup", "/dev/nb" + std::to_string(r.minor), verb};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

Argv Attach(const ResolvedResource& r) {
    Argv argv = DeviceCommand(r, "disk", {r.disk ? r.disk->path : std::string()});
    if (r.meta_disk.internal) {
        argv.push_back("internal");
    } else {
        argv.push_back(r.meta_disk.path);
        argv.push_back(r.meta_disk.index < 0 ? "flexible" : std::to_string(r.meta_disk.index));
    }
    AddOptions(argv, r, Target::Disk);
    return argv;
}

Argv Connect(const ResolvedResource& r) {
    Argv argv =
        DeviceCommand(r, "net",
                      {r.local ? r.local->SetupText() : std::string(),
                       r.peer ? r.peer->SetupText() : std::string(), r.options.Get("protocol")});
    // The kernel authenticates the peer by this name (its `on` section).
    if (!r.peer_host.empty())
        argv.push_back("--peer-name=" + r.peer_host);
    AddOptions(argv, r, Target::Net);
    return argv;
}

Plan Up(const ResolvedResource& r) {
    return {NewMinor(r), Attach(r), Connect(r)};
}

Plan Down(const ResolvedResource& r) {
    return {DeviceCommand(r, "down"), DelMinor(r)};
}

// Only options the running state shows are compared: `drbdsetup show`
// prints every option the module holds, defaults included, and nothing else.
// What it cannot show (the shared secret, options the module does not keep)
// cannot be compared; changing those needs disconnect/connect or detach/attach.
std::vector<std::string> ChangedOptions(const ResolvedResource& config,
                                        const ResolvedResource& running, Target target) {
    std::vector<std::string> out;
    for (const OptionSpec& spec : OptionTable()) {
        bool relevant =
            spec.target == target || (target == Target::Net && spec.target == Target::Protocol);
        // Unset al-extents means "what the metadata was created with", not
        // the table default: the kernel may report any value then.
        if (spec.name == "al-extents" && !config.options.Explicit(&spec))
            relevant = false;
        if (relevant && running.options.Explicit(&spec) &&
            config.options.Get(&spec) != running.options.Get(&spec))
            out.emplace_back(spec.name);
    }
    return out;
}

Plan Adjust(const ResolvedResource& config, const std::optional<ResolvedResource>& running) {
    if (!running)
        return Up(config);
    const bool networked = running->peer && running->local;
    const bool reattach =
        running->disk && (running->disk->path != config.disk->path ||
                          !SameMeta(running->meta_disk, config.meta_disk) ||
                          !ChangedOptions(config, *running, Target::Disk).empty());
    const bool attach = !running->disk || reattach;
    // The kernel attaches a disk only while not connected: the nodes
    // compare generations and bitmaps when they connect.
    const bool reconnect = networked && (attach || !(*running->local == *config.local) ||
                                         !(*running->peer == *config.peer) ||
                                         !ChangedOptions(config, *running, Target::Net).empty());
    Plan plan;
    if (reconnect)
        plan.push_back(DeviceCommand(config, "disconnect"));
    if (reattach)
        plan.push_back(DeviceCommand(config, "detach"));
    if (attach)
        plan.push_back(Attach(config));
    if (!networked || reconnect)
        plan.push_back(Connect(config));
    return plan;
}

} // namespace nbr::drbdadm
