# SPDX-License-Identifier: GPL-2.0
#
# kpool: top-level commands.  The module itself is described by Kbuild.
#
#   make             build kpool.ko against KDIR (the running kernel's build tree)
#   make demo        boot Debian's stock kernel in QEMU and show kpool at work
#   make install     install kpool.ko (lib/modules/<release>/extra, depmod), libkpool,
#                    kpoolctl, the udev rule and examples (KDIR, PREFIX=/usr/local, DESTDIR)
#   make uninstall   remove what make install installed (depmod again)
#   make dkms-install   kpool's sources to /usr/src/kpool-<version>, dkms add, build, install
#   make dkms-uninstall dkms remove --all, remove /usr/src/kpool-<version>
#   make check       the test suite (lint, stock kernel, KUnit, userspace, KCSAN, harness)
#   make bench       kpool's costs against its floors and peers, in the stock kernel (QEMU);
#                    table, targets, bench/results/bench.csv and bench.png (scripts/bench)
#   make lint        checkpatch, kernel-doc, W=1, sparse
#   make deps        install the Debian packages needed (only what is missing; FOR=demo|lint|test-kernel|check)
#   make test-kernel build (or find in the cache) the debug test kernel
#   make kcsan-kernel build (or find in the cache) the KCSAN (data-race) kernel
#   make clean       remove build products from the source tree

KDIR ?= /lib/modules/$(shell uname -r)/build
SCRIPTS := $(CURDIR)/scripts

# The version, from the project's one version source, uapi/linux/kpool.h.
kpool_ver = $(shell sed -n 's/^.define[[:space:]]*KPOOL_VERSION_$(1)[[:space:]]*\([0-9]*\).*/\1/p' \
	$(CURDIR)/uapi/linux/kpool.h)
VERSION := $(call kpool_ver,MAJOR).$(call kpool_ver,MINOR).$(call kpool_ver,PATCH)

# Where things go.  DESTDIR stages an install (the module goes to
# $(DESTDIR)/lib/modules/<release>/extra, depmod -b $(DESTDIR) indexes it).
PREFIX ?= /usr/local
DESTDIR ?=
export PREFIX DESTDIR
# udev reads /usr/lib/udev/rules.d and /usr/local/lib/udev/rules.d (and /etc).
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
DOCDIR ?= $(PREFIX)/share/doc/kpool
# The release the modules of KDIR are for (what modinfo calls vermagic):
# utsrelease.h, not include/config/kernel.release, which in Debian's
# headers says the upstream version (6.1.x) instead of e.g. 6.1.0-57-amd64.
# Give KREL=<release> to uninstall the module of a kernel whose headers are gone.
KREL ?= $(shell sed -n 's/^.define UTS_RELEASE "\(.*\)"/\1/p' "$(KDIR)/include/generated/utsrelease.h" 2>/dev/null)
MODDIR = $(DESTDIR)/lib/modules/$(KREL)/extra
DEPMOD ?= depmod
# DKMS: the source tree (dkms's --sourcetree), extra dkms options (e.g.
# --dkmstree DIR --installtree DIR --no-depmod), the kernel (default: the
# running one).
DKMS ?= dkms
DKMS_SOURCE_TREE ?= /usr/src
DKMS_FLAGS ?=
DKMS_KERNEL ?=
DKMS_SRC = $(DESTDIR)$(DKMS_SOURCE_TREE)/kpool-$(VERSION)
dkms_k = $(if $(DKMS_KERNEL),-k $(DKMS_KERNEL))

.PHONY: all modules demo install uninstall install-module uninstall-module \
	install-data uninstall-data dkms-source dkms-install dkms-uninstall version \
	check bench lint deps test-kernel kcsan-kernel clean help

all: modules

modules: kdir-check
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" modules

.PHONY: kdir-check
kdir-check:
	@if [ ! -e "$(KDIR)/Makefile" ]; then \
		echo "kpool: no kernel build tree at $(KDIR)." >&2; \
		echo "  Build against another kernel with: make KDIR=/path/to/kernel/build" >&2; \
		echo "  (Debian's stock headers: make KDIR=/lib/modules/<release>/build)," >&2; \
		echo "  or let the project run everything in QEMU: make demo / make check" >&2; \
		exit 1; \
	fi

demo:
	@"$(SCRIPTS)/demo"

version:
	@echo "$(VERSION)"

install: install-module install-data
	$(MAKE) -C "$(CURDIR)/userspace" install

uninstall: uninstall-module uninstall-data
	$(MAKE) -C "$(CURDIR)/userspace" uninstall

# Never the KUnit module (KPOOL_KUNIT=n), whatever the kernel has.  The
# kernel's own modules_install skips depmod for a headers-only KDIR (no
# System.map), so depmod runs here, on $(DESTDIR) when staging.
install-module: kdir-check
	@[ -n "$(KREL)" ] || { echo "kpool: no release in $(KDIR)/include/generated/utsrelease.h" >&2; exit 1; }
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" KPOOL_KUNIT=n modules
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" KPOOL_KUNIT=n KERNELRELEASE="$(KREL)" \
		INSTALL_MOD_PATH="$(DESTDIR)" INSTALL_MOD_DIR=extra modules_install
	$(DEPMOD) $(if $(DESTDIR),-b "$(DESTDIR)") "$(KREL)"

uninstall-module:
	@[ -n "$(KREL)" ] || { echo "kpool: no release in $(KDIR)/include/generated/utsrelease.h" >&2; exit 1; }
	rm -f "$(MODDIR)/kpool.ko" "$(MODDIR)/kpool.ko.xz" "$(MODDIR)/kpool.ko.zst" "$(MODDIR)/kpool.ko.gz"
	-rmdir "$(MODDIR)" 2>/dev/null
	$(DEPMOD) $(if $(DESTDIR),-b "$(DESTDIR)") "$(KREL)"

# The udev rule (active) and the examples (not active: share/doc/kpool).
install-data:
	install -d "$(DESTDIR)$(UDEVRULESDIR)" "$(DESTDIR)$(DOCDIR)/examples/udev" \
		"$(DESTDIR)$(DOCDIR)/examples/modprobe.d" "$(DESTDIR)$(DOCDIR)/examples/modules-load.d"
	install -m 0644 dist/udev/60-kpool.rules "$(DESTDIR)$(UDEVRULESDIR)/60-kpool.rules"
	install -m 0644 dist/udev/60-kpool-group.rules "$(DESTDIR)$(DOCDIR)/examples/udev/60-kpool.rules"
	install -m 0644 dist/modprobe.d/kpool.conf "$(DESTDIR)$(DOCDIR)/examples/modprobe.d/kpool.conf"
	install -m 0644 dist/modules-load.d/kpool.conf "$(DESTDIR)$(DOCDIR)/examples/modules-load.d/kpool.conf"

uninstall-data:
	rm -f "$(DESTDIR)$(UDEVRULESDIR)/60-kpool.rules" "$(DESTDIR)$(DOCDIR)/examples/udev/60-kpool.rules" \
		"$(DESTDIR)$(DOCDIR)/examples/modprobe.d/kpool.conf" \
		"$(DESTDIR)$(DOCDIR)/examples/modules-load.d/kpool.conf"
	-rmdir "$(DESTDIR)$(DOCDIR)/examples/udev" "$(DESTDIR)$(DOCDIR)/examples/modprobe.d" \
		"$(DESTDIR)$(DOCDIR)/examples/modules-load.d" "$(DESTDIR)$(DOCDIR)/examples" \
		"$(DESTDIR)$(DOCDIR)" 2>/dev/null

# DKMS builds from a copy of the module's sources (no kunit/: never the
# KUnit module), with dkms.conf made from dist/dkms.conf.in.
dkms-source:
	rm -rf "$(DKMS_SRC)"
	install -d "$(DKMS_SRC)/module" "$(DKMS_SRC)/uapi/linux"
	install -m 0644 Kbuild "$(DKMS_SRC)/Kbuild"
	install -m 0644 module/*.c module/*.h "$(DKMS_SRC)/module/"
	install -m 0644 uapi/linux/kpool.h "$(DKMS_SRC)/uapi/linux/kpool.h"
	sed 's|@VERSION@|$(VERSION)|' dist/dkms.conf.in >"$(DKMS_SRC)/dkms.conf"

dkms-install: dkms-source
	if [ -z "$$($(DKMS) status $(DKMS_FLAGS) -m kpool -v $(VERSION))" ]; then \
		$(DKMS) add $(DKMS_FLAGS) -m kpool -v $(VERSION) || exit 1; \
	fi
	$(DKMS) build $(DKMS_FLAGS) -m kpool -v $(VERSION) $(dkms_k)
	$(DKMS) install $(DKMS_FLAGS) -m kpool -v $(VERSION) $(dkms_k)

dkms-uninstall:
	if [ -n "$$($(DKMS) status $(DKMS_FLAGS) -m kpool -v $(VERSION))" ]; then \
		$(DKMS) remove $(DKMS_FLAGS) -m kpool -v $(VERSION) --all || exit 1; \
	fi
	rm -rf "$(DKMS_SRC)"

check:
	@"$(SCRIPTS)/check"

bench:
	@"$(SCRIPTS)/bench"

lint:
	@"$(SCRIPTS)/lint"

deps:
	@"$(SCRIPTS)/deps" $(FOR)

test-kernel:
	@"$(SCRIPTS)/deps" --quiet test-kernel
	@"$(SCRIPTS)/build-test-kernel"

kcsan-kernel:
	@"$(SCRIPTS)/deps" --quiet test-kernel
	@"$(SCRIPTS)/build-test-kernel" --kernel kcsan

clean:
	find "$(CURDIR)/module" "$(CURDIR)/kunit" "$(CURDIR)/scripts/selftest" "$(CURDIR)" -maxdepth 1 \
		\( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name '*.symvers' -o -name 'modules.order' \
		-o -name '.*.d' -o -name '*.dwo' -o -name '*.a' \) -type f -delete
	rm -rf "$(CURDIR)/.tmp_versions"
	$(MAKE) -C "$(CURDIR)/userspace" clean

help:
	@sed -n 's/^#   //p' "$(CURDIR)/Makefile"
