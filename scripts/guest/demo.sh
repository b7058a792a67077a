#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of 'make demo' (stock kernel, kpool loaded by vm-run): say
# where we are, run the demo program, then show kpoolctl.  Both come with
# --file (built by scripts/demo).  Exit status: the demo's, else
# kpoolctl's, else 0.

demo=$KPOOL_FILES/demo
ctl=$KPOOL_FILES/kpoolctl
for f in "$demo" "$ctl"; do
	if [ ! -x "$f" ]; then
		echo "demo: $f is missing (scripts/demo builds it)"
		exit 1
	fi
done

params=''
for p in /sys/module/kpool/parameters/*; do
	[ -r "$p" ] && params="$params${params:+ }${p##*/}=$(cat "$p")"
done
kernel="Debian's stock kernel"
[ "$KPOOL_KERNEL" = test ] && kernel="the project's test kernel"
echo "kpool.ko is loaded in $kernel $(uname -r), running in QEMU"
echo "  parameters: $params"
caches=$(awk '/^kpool-/ { print $1 }' /proc/slabinfo 2>/dev/null | sort -t- -k2 -n | tr '\n' ' ')
[ -n "$caches" ] && echo "  slab caches, one per tier: ${caches% }"
echo

# vgem, when scripts/demo found it: the demo hands it a dma-buf.
vgem=''
if [ -f "$KPOOL_FILES/vgem.ko" ]; then
	vgem=1
	for m in drm drm_shmem_helper vgem; do
		insmod "$KPOOL_FILES/$m.ko" || vgem=''
	done
	n=0
	while [ -n "$vgem" ] && [ ! -c /dev/dri/card0 ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
fi

"$demo"
status=$?
if [ -n "$vgem" ]; then
	for m in vgem drm_shmem_helper drm; do
		rmmod "$m" || status=1
	done
fi

echo
echo "== kpoolctl, the command-line tool (kpoolctl --help) =="
for cmd in "tier 5000" "tier 3M" "zero-check"; do
	echo "\$ kpoolctl $cmd"
	# shellcheck disable=SC2086 # word splitting wanted
	"$ctl" $cmd || { s=$?; [ "$status" -ne 0 ] || status=$s; }
done
exit "$status"
