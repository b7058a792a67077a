#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: vm-run must pass this status back.
echo "selftest: exiting with status 3"
exit 3
