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

# The device: a character device every user may open.
if [ -c /dev/kpool ]; then
	mode=$(stat -c %a /dev/kpool)
	echo "smoke: /dev/kpool is a character device, mode $mode"
	[ "$mode" = 666 ] || { echo "smoke: /dev/kpool should be mode 666"; fail=1; }
else
	echo "smoke: /dev/kpool is missing"
	fail=1
fi

# A bad tier list must fail the load with a message that names the problem,
# and leave nothing behind: the module loads again afterwards.
if ! rmmod kpool; then
	echo "smoke: rmmod kpool failed"
	exit 1
fi
for bad in 20,10 0 10,10 ''; do
	if insmod "$KPOOL_MODULE" tiers="$bad" 2>/dev/null; then
		echo "smoke: insmod with tiers='$bad' succeeded; it must fail"
		rmmod kpool
		fail=1
	else
		echo "smoke: tiers='$bad' refused: $(dmesg | grep 'kpool: tiers:' | tail -n 1 | sed 's/^\[[^]]*\] //')"
	fi
done
if ! insmod "$KPOOL_MODULE"; then
	echo "smoke: kpool does not load again after the refused loads"
	exit 1
fi

# The example user of the in-kernel API (examples/kernel), when given:
# its load runs its checks and fails if one does not hold.  Reported on a
# line of its own (scripts/check counts it as a test of its own); it does
# not change this script's status.
ex=${KPOOL_FILES:-}/kpool_example.ko
if [ -f "$ex" ]; then
	if insmod "$ex"; then
		dmesg | grep 'kpool_example: ' | sed 's/^\[[^]]*\] /kexample: /'
		if rmmod kpool_example; then
			echo "kpool-kexample: result ok"
		else
			echo "kpool-kexample: result failed (rmmod kpool_example)"
		fi
	else
		dmesg | grep 'kpool_example: ' | sed 's/^\[[^]]*\] /kexample: /'
		echo "kpool-kexample: result failed (insmod refused: a check failed, or a symbol is missing)"
	fi
fi
exit "$fail"
