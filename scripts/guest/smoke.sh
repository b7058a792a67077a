#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test (scripts/check, stock kernel): kpool is loaded and its
# parameters can be read.  Exit 0 when all is well.

fail=0
if [ ! -d /sys/module/kpool ]; then
	echo "smoke: /sys/module/kpool does not exist: kpool is not loaded"
	exit 1
fi
echo "smoke: kpool is loaded in $(uname -r), state $(cat /sys/module/kpool/initstate 2>/dev/null || echo unknown)"
if [ -d /sys/module/kpool/parameters ]; then
	for p in /sys/module/kpool/parameters/*; do
		[ -e "$p" ] || continue
		if v=$(cat "$p"); then
			echo "smoke: parameter ${p##*/} = $v"
		else
			echo "smoke: cannot read parameter ${p##*/}"
			fail=1
		fi
	done
else
	echo "smoke: kpool shows no parameters in /sys/module/kpool/parameters"
fi
if [ -e /dev/kpool ]; then
	ls -l /dev/kpool
fi
exit "$fail"
