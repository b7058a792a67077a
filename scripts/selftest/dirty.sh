#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: load a module that WARNs, leaks and inverts two locks,
# then exit 0; vm-run must call the guest dirty all the same (kernel log,
# kmemleak, the W taint, debug_locks 0).  The module stays loaded so that
# kmemleak's backtraces name it.
insmod "$KPOOL_FILES/kpool_selftest.ko" warn=1 leak=1 lockdep=1 || exit 1
echo "selftest: kpool_selftest loaded; the guest should now be dirty"
exit 0
