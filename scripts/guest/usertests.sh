#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the userspace stage (run by scripts/check through vm-run):
#   scripts/vm-run --file <build>/ioctls --file <build>/mmap ... \
#	scripts/guest/usertests.sh [NAME...]
# Runs every test binary in $KPOOL_FILES (or only the NAMEs given), each as
# a process of its own, one after the other, and frames its TAP output:
#   kpool-user: begin NAME
#   ... the binary's TAP ...
#   kpool-user: end NAME status=N ms=T
# then a last line "kpool-user: summary ...".
#
# Module parameters: a test that needs kpool loaded with other parameters
# is listed in params_for(); kpool is reloaded with them before the test
# and with the defaults after it.  Tests that unload kpool themselves
# (lifecycle) are run last, and kpool is loaded again if they left it out.
# The script always ends with kpool loaded with its defaults, so that
# vm-run's own 'rmmod kpool' check applies.
#
# Exit status: 0 every test passed (or skipped), 1 one failed, 2 setup
# trouble (no tests, kpool could not be loaded).

files=${KPOOL_FILES:?}
module=${KPOOL_MODULE:?}
# Seconds one test may take before it is killed.
per_test_timeout=${KPOOL_USER_TIMEOUT:-150}

# Parameters a test needs (empty: the defaults).
params_for() {
	case $1 in
	quota) echo "max_file_handles=8 max_file_bytes=131072 max_buffer_size=32768" ;;
	# Random sizes up to max_buffer_size must not exhaust the 1 GiB guest.
	fuzz) echo "max_file_bytes=67108864 max_file_handles=4096" ;;
	userquota) echo "max_user_bytes=1048576 max_file_bytes=524288" ;;
	tierpages) echo "tiers=256,5000,1048576" ;;
	*) echo "" ;;
	esac
}

# Order: tests that reload or unload kpool come last.
order_of() {
	case $1 in
	quota | fuzz | userquota | tierpages) echo 8 ;;
	lifecycle) echo 9 ;;
	*) echo 5 ;;
	esac
}

loaded_params=''
ms() {
	# /proc/uptime in hundredths of a second, as milliseconds
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# Load kpool with parameters $1 (unloading it first if it is loaded with
# others).  Returns non-zero when that fails.
load_with() {
	want=$1
	if [ -d /sys/module/kpool ] && [ "$loaded_params" = "$want" ]; then
		return 0
	fi
	if [ -d /sys/module/kpool ] && ! rmmod kpool; then
		echo "kpool-user: cannot unload kpool to load it with '$want'"
		return 1
	fi
	# shellcheck disable=SC2086 # the parameters are words
	if ! insmod "$module" $want; then
		echo "kpool-user: insmod kpool.ko $want failed"
		return 1
	fi
	loaded_params=$want
	# devtmpfs makes the node; wait for it
	n=0
	while [ ! -c /dev/kpool ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

if [ $# -gt 0 ]; then
	names="$*"
else
	names=''
	for f in "$files"/*; do
		[ -f "$f" ] && [ -x "$f" ] && names="$names ${f##*/}"
	done
fi
list=$(for n in $names; do echo "$(order_of "$n") $n"; done | sort -k1,1n -k2,2 | cut -d' ' -f2)
if [ -z "$list" ]; then
	echo "kpool-user: no test binaries in $files"
	exit 2
fi

# vm-run loaded kpool with the defaults.
if [ ! -d /sys/module/kpool ] && ! load_with ''; then
	exit 2
fi

# Scratch directories, one per test, under vm-run's working directory.
scratch=$PWD/kpool-user
total=0 passed=0 failed=0 skipped=0 failed_names=''
for name in $list; do
	bin=$files/$name
	if [ ! -x "$bin" ]; then
		echo "kpool-user: $name: no such test"
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		continue
	fi
	total=$((total + 1))
	params=$(params_for "$name")
	echo "kpool-user: begin $name${params:+ (kpool loaded with $params)}"
	if ! load_with "$params"; then
		echo "kpool-user: end $name status=125 ms=0"
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		continue
	fi
	t0=$(ms)
	# In a session (and process group) of its own, so that whatever it
	# leaves running can be killed; killed itself when too slow.
	dir=$scratch/$name
	mkdir -p "$dir"
	# shellcheck disable=SC2016 # expanded by the inner shell
	setsid sh -c 'echo $$ >"$0"; cd "$1" && exec timeout -s KILL "$2" "$3"' \
		"$dir.pgid" "$dir" "$per_test_timeout" "$bin" </dev/null 2>&1
	rc=$?
	t1=$(ms)
	if [ -s "$dir.pgid" ] && kill -s KILL -"$(cat "$dir.pgid")" 2>/dev/null; then
		echo "kpool-user: $name left processes running; killed them (counted as a failure)"
		[ "$rc" -eq 0 ] && rc=126
		sleep 0.2
	fi
	echo "kpool-user: end $name status=$rc ms=$((t1 - t0))"
	case $rc in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)) ;;
	*)
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		;;
	esac
	# The test may have unloaded kpool (lifecycle): load it again.
	if [ ! -d /sys/module/kpool ]; then
		echo "kpool-user: $name left kpool unloaded; loading it again"
		loaded_params=unknown
	fi
done

if ! load_with ''; then
	echo "kpool-user: could not load kpool with its defaults at the end"
	failed=$((failed + 1))
fi
echo "kpool-user: summary tests=$total passed=$passed failed=$failed skipped=$skipped${failed_names:+ failed:$failed_names}"
[ "$failed" -eq 0 ]
