# SPDX-License-Identifier: GPL-2.0
#
# kpool: top-level commands.  The module itself is described by Kbuild.
#
#   make             build kpool.ko against KDIR (the running kernel's build tree)
#   make demo        boot Debian's stock kernel in QEMU and show kpool at work
#   make install     install libkpool and kpoolctl (PREFIX=/usr/local, DESTDIR)
#   make check       the test suite (lint, stock kernel, KUnit, userspace, KCSAN, harness)
#   make bench       kpool's costs against its floors and peers, in the stock kernel (QEMU);
#                    table, targets, bench/results/bench.csv and bench.png (scripts/bench)
#   make lint        checkpatch, kernel-doc, W=1, sparse
#   make deps        install the Debian packages needed (only what is missing)
#   make test-kernel build (or find in the cache) the debug test kernel
#   make kcsan-kernel build (or find in the cache) the KCSAN (data-race) kernel
#   make clean       remove build products from the source tree

KDIR ?= /lib/modules/$(shell uname -r)/build
SCRIPTS := $(CURDIR)/scripts

.PHONY: all modules demo install check bench lint deps test-kernel kcsan-kernel clean help

all: modules

modules:
	@if [ ! -e "$(KDIR)/Makefile" ]; then \
		echo "kpool: no kernel build tree at $(KDIR)." >&2; \
		echo "  Build against another kernel with: make KDIR=/path/to/kernel/build" >&2; \
		echo "  (Debian's stock headers: make KDIR=/lib/modules/<release>/build)," >&2; \
		echo "  or let the project run everything in QEMU: make demo / make check" >&2; \
		exit 1; \
	fi
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" modules

demo:
	@"$(SCRIPTS)/demo"

install:
	$(MAKE) -C "$(CURDIR)/userspace" install

check:
	@"$(SCRIPTS)/check"

bench:
	@"$(SCRIPTS)/bench"

lint:
	@"$(SCRIPTS)/lint"

deps:
	@"$(SCRIPTS)/deps"

test-kernel:
	@"$(SCRIPTS)/deps" --quiet
	@"$(SCRIPTS)/build-test-kernel"

kcsan-kernel:
	@"$(SCRIPTS)/deps" --quiet
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
