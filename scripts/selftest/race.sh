#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness self-test for the KCSAN kernel: load a module whose two kthreads
# race on one plain int for a second, then exit 0; vm-run must call the
# guest dirty all the same ('BUG: KCSAN: data-race in ...').
insmod "$KPOOL_FILES/kpool_selftest.ko" race=1 || exit 1
echo "selftest: kpool_selftest raced; the guest should now be dirty"
exit 0
