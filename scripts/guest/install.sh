#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The install stage's guest side (scripts/check, stock kernel, vm-run
# --no-load): kpool loaded the way a user loads an installed module.
#   install.sh VERSION
# $KPOOL_FILES holds
#   install-modules.tar  lib/modules/<release>/ of 'make install DESTDIR=...'
#                        (extra/kpool.ko and depmod's indexes)
#   dkms-modules.tar     lib/modules/<release>/ of a DKMS build and install
#                        (updates/dkms/kpool.ko), indexed by depmod -b
#   smoke.sh             scripts/guest/smoke.sh
#   kpool.conf           the modprobe.d example make install installs
#   install-client       scripts/guest/install-client.c, built (static)
#                        against the staged install with pkg-config's flags
# For each tree in turn: unpack it as /lib/modules, 'modprobe kpool',
# /sys/module/kpool/version must be VERSION, smoke.sh and install-client
# must pass; with the
# DKMS tree also modprobe with the modprobe.d example's options.
# Prints 'kpool-install: ok - ...' or 'kpool-install: not ok - ...' per
# check (scripts/check counts them); exits 1 when one failed.

want=$1
rel=$(uname -r)
fail=0
ok() { echo "kpool-install: ok - $*"; }
notok() { echo "kpool-install: not ok - $*"; fail=1; }

# tree TAR MODULE LABEL: unpack TAR as /lib/modules, modprobe kpool, which
# must be MODULE (relative to /lib/modules/<release>), check its version,
# run the smoke test; kpool is left loaded.
tree() {
	rm -rf /lib/modules
	mkdir -p /lib
	if ! tar -C / -xf "$KPOOL_FILES/$1"; then
		notok "$3: unpacking $1 failed"
		return 1
	fi
	if ! grep -q "^$2:" "/lib/modules/$rel/modules.dep" 2>/dev/null; then
		notok "$3: /lib/modules/$rel/modules.dep has no line for $2"
		return 1
	fi
	if ! modprobe kpool; then
		notok "$3: modprobe kpool failed"
		return 1
	fi
	v=$(cat /sys/module/kpool/version 2>/dev/null)
	if [ "$v" = "$want" ]; then
		ok "$3: modprobe kpool loads $2 in $rel, /sys/module/kpool/version is $v"
	else
		notok "$3: /sys/module/kpool/version is '$v', want '$want'"
	fi
	if KPOOL_MODULE=/lib/modules/$rel/$2 sh "$KPOOL_FILES/smoke.sh"; then
		ok "$3: smoke test passes on the modprobe'd module"
	else
		notok "$3: smoke test failed (above)"
	fi
	if "$KPOOL_FILES/install-client"; then
		ok "$3: install-client (libkpool from the staged install) allocates, writes, reads, frees"
	else
		notok "$3: install-client failed (above)"
	fi
}

if tree install-modules.tar extra/kpool.ko 'make install'; then
	if modprobe -r kpool && [ ! -d /sys/module/kpool ]; then
		ok "make install: modprobe -r kpool unloads it"
	else
		notok "make install: modprobe -r kpool did not unload it"
		rmmod kpool 2>/dev/null
	fi
fi

if tree dkms-modules.tar updates/dkms/kpool.ko DKMS; then
	# The modprobe.d example's options, as modprobe reads them at boot.
	rmmod kpool
	mkdir -p /etc/modprobe.d
	cp "$KPOOL_FILES/kpool.conf" /etc/modprobe.d/kpool.conf
	want_tiers=$(sed -n 's/^options kpool .*tiers=\([^ ]*\).*/\1/p' /etc/modprobe.d/kpool.conf)
	if modprobe kpool && [ -n "$want_tiers" ] &&
		[ "$(cat /sys/module/kpool/parameters/tiers)" = "$want_tiers" ]; then
		ok "DKMS: modprobe kpool applies the modprobe.d example (tiers=$want_tiers)"
	else
		notok "DKMS: the modprobe.d example's tiers ($want_tiers) were not applied: $(cat /sys/module/kpool/parameters/tiers 2>&1)"
	fi
	rm -f /etc/modprobe.d/kpool.conf
fi
exit "$fail"
