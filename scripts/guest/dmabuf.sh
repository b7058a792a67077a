#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the stock kernel's dma-buf run (scripts/check): load vgem
# and what it needs (drm.ko, drm_shmem_helper.ko, vgem.ko, copied from the
# stock kernel's modules with --file), then run the dmabuf test, whose vgem
# part imports a kpool dma-buf into a real DRM driver.  The modules are
# unloaded again at the end, so that vm-run's own checks see only kpool.
#   scripts/vm-run --kernel stock --file drm.ko --file drm_shmem_helper.ko \
#	--file vgem.ko --file <build>/dmabuf --file <build>/rdonly scripts/guest/dmabuf.sh

files=${KPOOL_FILES:?}
for m in drm drm_shmem_helper vgem; do
	if ! insmod "$files/$m.ko"; then
		echo "dmabuf: insmod $m.ko failed"
		exit 2
	fi
done
n=0
while [ ! -c /dev/dri/card0 ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
# Framed as scripts/guest/usertests.sh frames each test; rdonly (read-only
# sharing) runs here too, so that it is proven in the stock kernel as well.
rc=0
for t in dmabuf rdonly; do
	[ -x "$files/$t" ] || continue
	echo "kpool-user: begin $t"
	"$files/$t"
	s=$?
	echo "kpool-user: end $t status=$s ms=0"
	[ $s -eq 0 ] || rc=$s
done
for m in vgem drm_shmem_helper drm; do
	rmmod "$m" || { echo "dmabuf: rmmod $m failed"; rc=3; }
done
exit $rc
