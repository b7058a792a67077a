#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/bench ('make bench'), in the stock kernel with
# kpool loaded by vm-run.  Files (--file): kpool_bench.ko (the kernel
# bench), kpool_bench (the user bench, static), drm.ko, drm_shmem_helper.ko
# and vgem.ko of the stock kernel.  Arguments: the kernel bench's module
# parameters, then '--', then the user bench's arguments.
#
# Everything runs in a child cgroup with the memory controller on, where
# GFP_KERNEL_ACCOUNT and SLAB_ACCOUNT charge: the kernel bench (insmod runs
# its module_init in this shell's context) and the user bench.  Prints the
# CPU's model and string-instruction flags, the rows of both benches
# (ROW/ERROR lines), and exits non-zero if any step failed.

files=${KPOOL_FILES:?}
kparams=''
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	kparams="$kparams $1"
	shift
done
[ "$1" = -- ] && shift

rc=0
echo "INFO cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
for f in erms fsrm rep_good; do
	case " $flags " in
	*" $f "*) echo "INFO cpuflag $f yes" ;;
	*) echo "INFO cpuflag $f no" ;;
	esac
done
echo "INFO ncpus $(grep -c '^processor' /proc/cpuinfo)"
# Debian's kernel zeroes every slab object and page it hands out
# (CONFIG_INIT_ON_ALLOC_DEFAULT_ON): kmem_cache_alloc() then zeroes too.
echo "INFO kernel $(uname -r): $(dmesg | sed -n 's/.*\(mem auto-init: .*\)/\1/p' | head -n 1)"

# A memory cgroup for this shell and everything it starts.
cg=/sys/fs/cgroup
mkdir -p "$cg"
grep -q "^cgroup2 $cg " /proc/mounts || mount -t cgroup2 cgroup2 "$cg" || {
	echo "ERROR setup: cannot mount cgroup2 on $cg"
	exit 1
}
if ! echo +memory >"$cg/cgroup.subtree_control"; then
	echo "ERROR setup: cannot enable the memory controller ($(cat "$cg/cgroup.controllers"))"
	exit 1
fi
mkdir -p "$cg/kpool-bench"
echo $$ >"$cg/kpool-bench/cgroup.procs" || {
	echo "ERROR setup: cannot move into $cg/kpool-bench"
	exit 1
}
echo "INFO shell cgroup $(cat /proc/self/cgroup)"

# The kernel bench: it runs while insmod loads it, and reports in the log.
dmesg -c >/dev/null
# shellcheck disable=SC2086 # the parameters are words
if insmod "$files/kpool_bench.ko" $kparams; then
	dmesg | sed -n 's/.*kpool_bench: \(ROW\|ERROR\|TIERS\|DONE\)/\1/p' | sed 's/^TIERS/INFO kernel tiers/; s/^DONE/INFO kernel done/'
	rmmod kpool_bench || { echo "ERROR kernel,slab,rmmod,0,rmmod kpool_bench failed"; rc=1; }
else
	echo "ERROR kernel,slab,insmod,0,insmod kpool_bench.ko failed"
	rc=1
fi
echo "INFO memcg memory.current $(cat "$cg/kpool-bench/memory.current") bytes after the kernel bench"

for m in drm drm_shmem_helper vgem; do
	insmod "$files/$m.ko" || { echo "ERROR setup: insmod $m.ko failed"; rc=1; }
done
n=0
while [ ! -c /dev/dri/card0 ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done

"$files/kpool_bench" "$@" || rc=1

for m in vgem drm_shmem_helper drm; do
	rmmod "$m" || { echo "ERROR setup: rmmod $m failed"; rc=1; }
done
# Back to the root cgroup, so that the child can go.
echo $$ >"$cg/cgroup.procs"
rmdir "$cg/kpool-bench" 2>/dev/null
exit $rc
