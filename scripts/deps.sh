#!/bin/sh
# Install every Debian package the project needs on the build/test host.
# Idempotent: prints nothing and touches nothing when all are present.
set -eu

packages="
build-essential cmake pkg-config
libnl-3-dev libnl-genl-3-dev libcli11-dev libgtest-dev googletest
clang-14 libfuzzer-14-dev clang-format-14
linux-headers-amd64 kmod
qemu-system-x86 qemu-utils
mmdebstrap e2fsprogs busybox-static cpio
iproute2 iputils-ping python3
"

missing=""
for p in $packages; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages:$missing" >&2
    echo "deps: run 'make deps' as root (or install them with apt-get)" >&2
    exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
