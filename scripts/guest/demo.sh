#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of 'make demo' (stock kernel): show the loaded module, its
# parameters and its slab caches; run the demo program when one was given
# (--file demo; it arrives with /dev/kpool).

echo "demo: kernel $(uname -r); kpool loaded: $([ -d /sys/module/kpool ] && echo yes || echo no)"
for p in /sys/module/kpool/parameters/*; do
	[ -e "$p" ] && echo "demo: parameter ${p##*/} = $(cat "$p")"
done
if [ -x "$KPOOL_FILES/demo" ]; then
	"$KPOOL_FILES/demo" || exit $?
else
	echo "demo: no demo program yet; it comes with /dev/kpool and libkpool (issue 3)"
fi
echo "demo: kpool slab caches (/proc/slabinfo: name active_objs num_objs objsize objperslab pagesperslab):"
if ! grep '^kpool' /proc/slabinfo | awk '{ print "demo:   " $1, $2, $3, $4, $5, $6 }' | grep .; then
	echo "demo:   none found"
fi
