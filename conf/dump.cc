#include "conf/dump.h"

namespace nbr::conf {

namespace {

constexpr Section kSectionOrder[] = {Section::Options, Section::Net, Section::Disk,
                                     Section::Startup, Section::Handlers};

void Indent(std::string& out, int level) {
    out.append(size_t(level) * 4, ' ');
}

void DumpSection(std::string& out, const OptionList& opts, Section s, int level) {
    std::string body;
    for (const OptionSpec& spec : OptionTable()) {
        if (spec.section != s)
            continue;
        if (const OptionValue* v = opts.Find(&spec)) {
            Indent(body, level + 1);
            body += std::string(spec.name) + " " + FormatValue(spec, v->value) + ";\n";
        }
    }
    if (body.empty())
        return;
    Indent(out, level);
    out += std::string(SectionName(s)) + " {\n" + body;
    Indent(out, level);
    out += "}\n";
}

void DumpSections(std::string& out, const OptionList& opts, int level) {
    for (Section s : kSectionOrder)
        DumpSection(out, opts, s, level);
}

std::string DeviceText(const DeviceSpec& d) {
    if (d.path == "/dev/nb" + std::to_string(d.minor))
        return d.path;
    return QuoteIfNeeded(d.path) + " minor " + std::to_string(d.minor);
}

std::string MetaText(const MetaDiskSpec& m) {
    if (m.internal)
        return "internal";
    std::string out = QuoteIfNeeded(m.path);
    if (m.index >= 0)
        out += " [" + std::to_string(m.index) + "]";
    return out;
}

void DumpStorage(std::string& out, const std::optional<DeviceSpec>& dev,
                 const std::optional<DiskSpec>& disk, const std::optional<MetaDiskSpec>& md,
                 int level) {
    if (dev) {
        Indent(out, level);
        out += "device " + DeviceText(*dev) + ";\n";
    }
    if (disk) {
        Indent(out, level);
        out += "disk " + QuoteIfNeeded(disk->path) + ";\n";
    }
    if (md) {
        Indent(out, level);
        out += "meta-disk " + MetaText(*md) + ";\n";
    }
}

void DumpHost(std::string& out, const HostSection& h) {
    Indent(out, 1);
    switch (h.kind) {
    case HostSection::Kind::On:
        out += "on";
        for (const std::string& n : h.names)
            out += " " + QuoteIfNeeded(n);
        break;
    case HostSection::Kind::Floating:
        out += "floating " + (h.address ? h.address->ConfText() : std::string("?"));
        break;
    case HostSection::Kind::ThisHost:
        out += "_this_host";
        break;
    case HostSection::Kind::RemoteHost:
        out += "_remote_host";
        break;
    }
    out += " {\n";
    DumpStorage(out, h.device, h.disk, h.meta_disk, 2);
    if (h.address && h.kind != HostSection::Kind::Floating) {
        Indent(out, 2);
        out += "address " + h.address->ConfText() + ";\n";
    }
    DumpSections(out, h.options, 2);
    Indent(out, 1);
    out += "}\n";
}

} // namespace

std::string DumpResource(const Resource& res) {
    std::string out = "resource " + QuoteIfNeeded(res.name) + " {\n";
    DumpStorage(out, res.device, res.disk, res.meta_disk, 1);
    DumpSections(out, res.options, 1);
    for (const HostSection& h : res.hosts)
        DumpHost(out, h);
    return out + "}\n";
}

std::string Dump(const Config& config, bool with_origin) {
    std::string out;
    if (config.has_global) {
        out += "global {\n";
        for (const OptionSpec& spec : OptionTable())
            if (const OptionValue* v = config.global.Find(&spec))
                out += "    " + std::string(spec.name) + " " + FormatValue(spec, v->value) + ";\n";
        out += "}\n";
    }
    if (config.has_common) {
        out += out.empty() ? "" : "\n";
        out += "common {\n";
        DumpSections(out, config.common, 1);
        out += "}\n";
    }
    for (const Resource& res : config.resources) {
        out += out.empty() ? "" : "\n";
        if (with_origin)
            out += "# " + res.loc.file + ":" + std::to_string(res.loc.line) + "\n";
        out += DumpResource(res);
    }
    return out;
}

} // namespace nbr::conf
