"""Build what the guests boot: kernel, root file system image and initramfs.

Three artefacts, each cached and rebuilt only when its inputs change:

* the Debian kernel whose ABI matches the installed linux-headers-amd64
  (build/vm-cache/kernel-<abi>/: vmlinuz and lib/modules), fetched with apt;
* a read-only root file system image (build/vm-cache/rootfs-<key>.img),
  a minimal Debian made by mmdebstrap from the host's own apt sources, plus
  the kernel's modules; guests open it with snapshot=on so each boot starts
  from the same state;
* the initramfs (build/vm/initramfs.cpio), remade on every build because it
  carries what this project just built: our module and tools, the guest
  agent and the guest init. It mounts the root image and switches to it.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import paths

# What the guest image holds besides Debian's minbase. Keep it sorted.
GUEST_PACKAGES = """
corosync dmsetup drbd-utils e2fsprogs fio heartbeat iperf3 iproute2
iputils-arping iputils-ping kmod libnl-3-200 libnl-genl-3-200 nftables pacemaker procps
python3 resource-agents socat util-linux xfsprogs
""".split()

# Module directories a guest never needs; leaving them out halves the image.
UNUSED_MODULE_DIRS = """
drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet
drivers/infiniband drivers/staging drivers/usb drivers/bluetooth drivers/iio
drivers/hid drivers/input drivers/isdn drivers/hwmon drivers/video drivers/mtd
drivers/net/can drivers/platform drivers/leds drivers/mfd drivers/power
sound net/wireless net/mac80211 net/bluetooth
""".split()

# Bump when build_rootfs() changes how the image is made (it is cached by
# this, the package list, the suite and the kernel ABI).
ROOTFS_RECIPE = 1

# Modules the initramfs loads to reach the root image (dependencies are
# resolved with modprobe at build time).
BOOT_MODULES = ["virtio_pci", "virtio_blk", "ext4"]


def log(msg):
    print(f"nbvm-image: {msg}", flush=True)


def sh(*cmd, **kw):
    """Run a command; on failure raise with its output."""
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({res.returncode}):\n"
                           f"{res.stdout}{res.stderr}")
    return res.stdout


def kernel_abi():
    return sh(str(paths.SOURCE / "scripts/kernel-abi")).strip()


def _digest(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


# --- kernel ---------------------------------------------------------------

def build_kernel(cache, abi):
    """Fetch linux-image-<abi>-amd64-unsigned, unpack it, trim and depmod."""
    kdir = cache / f"kernel-{abi}"
    if (kdir / ".done").exists():
        return kdir
    log(f"fetching guest kernel linux-image-{abi}-unsigned")
    shutil.rmtree(kdir, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        sh("apt-get", "download", "-q", "-o", "APT::Sandbox::User=root",
           f"linux-image-{abi}-unsigned", cwd=tmp)
        deb = next(Path(tmp).glob("linux-image-*.deb"))
        unpacked = Path(tmp) / "root"
        sh("dpkg-deb", "-x", str(deb), str(unpacked))
        kdir.mkdir(parents=True)
        shutil.copy(unpacked / f"boot/vmlinuz-{abi}", kdir / "vmlinuz")
        shutil.copy(unpacked / f"boot/config-{abi}", kdir / "config")
        mods = unpacked / "lib/modules" / abi
        for d in UNUSED_MODULE_DIRS:
            shutil.rmtree(mods / "kernel" / d, ignore_errors=True)
        (kdir / "lib/modules").mkdir(parents=True)
        shutil.move(str(mods), str(kdir / "lib/modules" / abi))
    sh("depmod", "-b", str(kdir), abi)
    (kdir / ".done").touch()
    return kdir


def boot_module_files(kdir, abi, names):
    """The .ko files (in load order) needed for `names`, via modprobe."""
    files = []
    for name in names:  # one at a time: further names would be parameters
        out = sh("modprobe", "-d", str(kdir), "-S", abi, "--show-depends", name)
        for line in out.splitlines():
            m = re.match(r"insmod (\S+)", line)
            if m and m.group(1) not in files:
                files.append(m.group(1))
    return files


# --- root file system -----------------------------------------------------

def host_sources(codename):
    """The host's Debian apt sources (one-line format) for `codename`.

    The mirror is read from apt's configuration at run time so that the
    image comes from wherever this machine gets its packages.
    """
    etc = Path(sh("apt-config", "shell", "D", "Dir::Etc/d").split("'")[1])
    files = [etc / "sources.list"] + sorted((etc / "sources.list.d").glob("*"))
    lines = []
    for f in files:
        if f.is_file() and (f.suffix in (".list", ".sources") or f.name == "sources.list"):
            lines += parse_sources(f.read_text(), deb822=f.suffix == ".sources", codename=codename)
    if not lines:
        raise RuntimeError(f"no Debian '{codename}' entries in the apt sources under {etc}")
    return "\n".join(lines) + "\n"


def parse_sources(text, deb822, codename):
    """`deb` entries of one sources file for the suites of `codename`, as
    one-line entries; third-party repositories (other suites) are left out."""
    wanted = {codename, f"{codename}-updates", f"{codename}-security"}
    lines = []
    if not deb822:
        for line in text.splitlines():
            fields = line.split("#")[0].split()
            if len(fields) < 3 or fields[0] != "deb":
                continue
            end = 1  # options: "[key=value ...]" right after "deb"
            if fields[1].startswith("["):
                while end < len(fields) and not fields[end].endswith("]"):
                    end += 1
                end += 1
            opts, rest = fields[1:end], fields[end:]
            if len(rest) >= 2 and rest[1] in wanted:
                lines.append(" ".join(["deb", *opts, *rest]))
        return lines
    for stanza in re.split(r"\n\s*\n", text):
        kv = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line:
                continue
            k, v = line.split(":", 1)
            kv[k.strip().lower()] = v.strip()
        if kv.get("enabled", "yes") == "no" or "deb" not in kv.get("types", "").split():
            continue
        signed = kv.get("signed-by")
        opts = f"[signed-by={signed}] " if signed else ""
        for uri in kv.get("uris", "").split():
            for suite in kv.get("suites", "").split():
                if suite in wanted:
                    lines.append(f"deb {opts}{uri} {suite} {kv.get('components', 'main')}")
    return lines


def codename():
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip('"')
    raise RuntimeError("cannot read VERSION_CODENAME from /etc/os-release")


def build_rootfs(cache, kdir, abi):
    suite = codename()
    sources = host_sources(suite)
    key = _digest(ROOTFS_RECIPE, suite, abi, sorted(GUEST_PACKAGES), sorted(UNUSED_MODULE_DIRS))
    img = cache / f"rootfs-{key}.img"
    if img.exists():
        return img
    for old in cache.glob("rootfs-*.img"):
        old.unlink()
    log(f"building the guest root image (mmdebstrap, about 2-3 minutes): {img.name}")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        src = Path(tmp) / "sources.list"
        src.write_text(sources)
        root = Path(tmp) / "root"
        sh("mmdebstrap", "--quiet", "--variant=minbase", "--mode=root",
           "--include=" + ",".join(GUEST_PACKAGES),
           "--dpkgopt=path-exclude=/usr/share/doc/*",
           "--dpkgopt=path-exclude=/usr/share/man/*",
           "--dpkgopt=path-exclude=/usr/share/info/*",
           "--dpkgopt=path-exclude=/usr/share/locale/*",
           "--dpkgopt=path-include=/usr/share/doc/*/copyright",
           suite, str(root), str(src))
        # The kernel's modules, so that guests can modprobe anything.
        shutil.copytree(kdir / "lib/modules" / abi, root / "lib/modules" / abi, symlinks=True)
        mb = int(sh("du", "-sm", str(root)).split()[0]) * 13 // 10 + 64
        tmpimg = Path(tmp) / "root.img"
        sh("mkfs.ext4", "-q", "-L", "nbroot", "-d", str(root), str(tmpimg), f"{mb}M")
        shutil.move(str(tmpimg), str(img))
    log(f"root image ready: {img} ({mb} MiB)")
    return img


# --- initramfs --------------------------------------------------------------

def _add(root, src, dst, mode=None):
    dst = root / dst.lstrip("/")
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst)
    if mode is not None:
        os.chmod(dst, mode)


def build_initramfs(build, kdir, abi):
    """Busybox, the boot modules and this build's payload, as a cpio."""
    out = build / "vm" / "initramfs.cpio"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        root = Path(tmp)
        _add(root, "/bin/busybox", "/bin/busybox", 0o755)
        _add(root, paths.HARNESS / "guest/initramfs-init", "/init", 0o755)
        order = []
        for ko in boot_module_files(kdir, abi, BOOT_MODULES):
            name = Path(ko).name
            _add(root, ko, f"/boot-modules/{name}")
            order.append(name)
        (root / "boot-modules/order").write_text("\n".join(order) + "\n")
        _add_payload(root / "payload", build, kdir, abi)
        files = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
        with open(out, "wb") as f:
            subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, check=True,
                           input="\n".join(files).encode(), stdout=f)
    return out


def _add_payload(payload, build, kdir, abi):
    """Copied over the root image at boot: /opt/nbr and module indexes."""
    opt = payload / "opt/nbr"
    _add(payload, paths.HARNESS / "guest/agent.py", "/opt/nbr/agent.py", 0o755)
    _add(payload, paths.HARNESS / "guest/init", "/opt/nbr/init", 0o755)
    (opt / "bin").mkdir(parents=True, exist_ok=True)
    for tool in paths.guest_tools(build):
        _add(payload, tool, f"/opt/nbr/bin/{tool.name}", 0o755)
    kos = sorted((build / "kmod").glob("*.ko")) if (build / "kmod").is_dir() else []
    if not kos:
        return
    # Put our module under extra/ and rebuild the module indexes over the
    # kernel's tree (hard links keep this cheap), so `modprobe nbr` works.
    modroot = build / "vm" / "modroot"
    shutil.rmtree(modroot, ignore_errors=True)
    shutil.copytree(kdir / "lib", modroot / "lib", copy_function=os.link)
    extra = modroot / "lib/modules" / abi / "extra"
    extra.mkdir()
    for ko in kos:
        shutil.copy(ko, extra / ko.name)
        # /usr/lib: the root image has merged /usr (/lib is a symlink).
        _add(payload, ko, f"/usr/lib/modules/{abi}/extra/{ko.name}")
    sh("depmod", "-b", str(modroot), abi)
    for index in (modroot / "lib/modules" / abi).glob("modules.*"):
        _add(payload, index, f"/usr/lib/modules/{abi}/{index.name}")


# --- entry point --------------------------------------------------------------

def build_all(build):
    build = Path(build).resolve()
    cache = build / "vm-cache"
    cache.mkdir(parents=True, exist_ok=True)
    abi = kernel_abi()
    kdir = build_kernel(cache, abi)
    rootfs = build_rootfs(cache, kdir, abi)
    initrd = build_initramfs(build, kdir, abi)
    manifest = build / "vm" / "images"
    manifest.write_text(f"abi={abi}\nkernel={kdir / 'vmlinuz'}\nrootfs={rootfs}\ninitrd={initrd}\n")
    return manifest


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="nbvm-image", description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="build directory (default: build)")
    args = ap.parse_args(argv)
    try:
        manifest = build_all(args.build)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print(f"nbvm-image: error: {e}", file=sys.stderr)
        return 1
    log(f"images ready ({manifest})")
    return 0
