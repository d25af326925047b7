# SPDX-License-Identifier: GPL-2.0
#
# syncsock: the front end.  Kbuild holds the kbuild rules.
#
#   make                 syncsock.ko for KDIR, and the user-space programs
#   make modules         syncsock.ko for KDIR (default: the running kernel)
#   make userspace       libsyncsock, syncsockctl, syncsock-bench, tests
#   make install         install the module (+ depmod) and the programs
#   make dkms-install    register the module with DKMS
#   make deb             Debian packages: syncsock-dkms and syncsock-tools (build/deb/)
#   make check           every test, on the host and in the guest kernels
#   make demo            boot a guest, load the module, show it working
#   make bench           the full syncsock-bench matrix in guests, and its report
#   make torture         the torture campaign (DURATION=2h, KERNELS=6.12,debug,debug-rt,
#                        QUICK=1 for one short pass); resumable, report in build/torture/
#   make vm-shell KERNEL=6.1|6.12|debug   an interactive test guest
#   make style           checkpatch --strict and sparse on the module
#   make deps            install what the project needs (Debian packages)

KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD ?= $(CURDIR)/build
KERNEL ?= 6.12
VERSION := 0.1
# The tree's kernel release (KDIR=/lib/modules/R/build is R, not "build"),
# as the modules' vermagic has it (Debian's 6.1 headers say 6.1.N in
# include/config/kernel.release, and 6.1.0-N-FLAVOUR in utsrelease.h).
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
KOUT = $(BUILD)/kmod/$(KREL)
PREFIX ?= /usr/local

all: modules userspace

modules:
	scripts/build-module.sh $(KDIR) $(KOUT)
	@echo "built $(KOUT)/module/syncsock.ko"

userspace:
	cmake -S userspace -B $(BUILD)/userspace -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNCSOCK_WERROR=ON >/dev/null
	cmake --build $(BUILD)/userspace -j$$(nproc)

# DESTDIR: a staging root (packages, tests); depmod then is the package's
# business, not ours.
install: modules userspace
	$(MAKE) -C $(KDIR) M=$(KOUT) INSTALL_MOD_PATH="$(abspath $(DESTDIR))" \
		INSTALL_MOD_DIR=updates modules_install
	$(if $(DESTDIR),,depmod -a $(KREL))
	DESTDIR="$(abspath $(DESTDIR))" cmake --install $(BUILD)/userspace --prefix $(PREFIX)
	$(if $(DESTDIR),,ldconfig)

dkms-install:
	rm -rf /usr/src/syncsock-$(VERSION)
	mkdir -p /usr/src/syncsock-$(VERSION)
	cp -r Kbuild module uapi /usr/src/syncsock-$(VERSION)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >/usr/src/syncsock-$(VERSION)/dkms.conf
	dkms add -m syncsock -v $(VERSION)
	dkms build -m syncsock -v $(VERSION)
	dkms install -m syncsock -v $(VERSION)

deps:
	scripts/deps.sh

deb:
	scripts/deb.sh

check:
	python3 scripts/check.py

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

torture:
	python3 scripts/torture.py $(if $(QUICK),--quick)

vm-shell:
	scripts/vm-shell.sh $(KERNEL)

style:
	scripts/style.sh

clean:
	rm -rf $(BUILD)

.PHONY: all modules userspace install dkms-install deps deb check demo bench torture vm-shell style clean
