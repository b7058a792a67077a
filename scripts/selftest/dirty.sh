#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: load a module that WARNs and leaks, then exit 0;
# vm-run must call the guest dirty all the same.  The module stays loaded
# so that kmemleak's backtraces name it.
insmod "$KPOOL_FILES/kpool_selftest.ko" warn=1 leak=1 || exit 1
echo "selftest: kpool_selftest loaded; the guest should now be dirty"
exit 0
