# One entry point for building, testing and demonstrating the project.
# See README.md. Everything built goes under build/.

BUILD    ?= build
KABI     ?= $(shell scripts/kernel-abi 2>/dev/null)
KDIR     ?= /usr/src/linux-headers-$(KABI)
JOBS     ?= $(shell nproc)
CTEST    := ctest --test-dir $(BUILD) --output-on-failure
HARNESS  := vm-harness/nbvm-image

.PHONY: all userspace module image deps check check-unit check-vm demo bench install clean distclean

all: userspace module

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

userspace: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Kbuild writes its objects next to the sources, so the module is built from
# a copy under build/ and the source tree stays clean.
module:
	@test -n "$(KABI)" || { echo "no kernel headers: run 'make deps'" >&2; exit 1; }
	@mkdir -p $(BUILD)/kmod
	@cp -a kernel/. include $(BUILD)/kmod/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(BUILD)/kmod modules

# Guest kernel, root image and initramfs for the VM tests (cached; rebuilt
# only when their inputs change).
image: all
	$(HARNESS) --build $(BUILD)

check: deps all image
	$(CTEST) -L unit -j $(JOBS)
	$(CTEST) -L vm

check-unit: all
	$(CTEST) -L unit -j $(JOBS)

check-vm: image
	$(CTEST) -L vm

demo: deps all image
	vm-harness/demo --build $(BUILD)

# Speed next to the raw disk, the raw network and mainline DRBD 8.4, measured
# in the same run (tests/bench/); the table lands in build/bench/.
bench: deps all image
	tests/bench/replication_speed.py --build $(BUILD)

# DESTDIR stages the installation (packaging, or a look before installing);
# depmod then runs on the target, not here.
install: all
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(BUILD)/kmod INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(if $(DESTDIR),,depmod -a $(KABI))

# Keeps the guest image cache (build/vm-cache), which takes minutes to make.
clean:
	find $(BUILD) -mindepth 1 -maxdepth 1 ! -name vm-cache -exec rm -rf {} +

distclean:
	rm -rf $(BUILD)
