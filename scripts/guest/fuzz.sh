#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the coverage-guided fuzzer (userspace/fuzz), run by
# scripts/fuzz and 'scripts/check --only fuzz' through vm-run:
#
#   scripts/vm-run --kernel test --file userspace/fuzz/build/kpool_fuzz \
#	[--file kpool.ko] [--file corpus.tar] scripts/guest/fuzz.sh run [SECONDS [SEED]]
#	fuzz SECONDS (default 75) with -seed=SEED (default 1), starting from
#	the corpus in corpus.tar; print the crash inputs (base64), the
#	unique PCs and kpool's section addresses for the host
#   ... scripts/guest/fuzz.sh merge [SECONDS [SEED]]
#	the same, then print the corpus minimized by -merge=1 -use_counters=0
#   scripts/vm-run --kernel test --file userspace/fuzz/build/kpool_fuzz \
#	--file CRASH... scripts/guest/fuzz.sh replay
#	run each given input once, every operation traced
#
# kpool is reloaded with max_file_bytes=16 MiB and max_file_handles=256
# (random sizes must not exhaust the guest, a batch of 1 MiB buffers stops
# at 16 of them, which slub_debug and KASAN make slow; EDQUOT and EMFILE
# come up),
# from $KPOOL_FILES/kpool.ko when given (scripts/fuzz passes one built with
# debug info, to map PCs to lines), else from $KPOOL_MODULE.  It stays
# loaded, so that vm-run's own rmmod and kmemleak checks apply after.
#
# Lines for the host: "kpool-fuzz: section NAME ADDR", "kpool-fuzz-pcs: PC..."
# (hex, eight a line), "kpool-fuzz: artifact NAME" ... base64 ...
# "kpool-fuzz: artifact end", and "kpool-fuzz: corpus NAME" likewise.
# Exit status: the fuzzer's (0: no crash, no leak, STATS back at zero),
# 2 when the setup failed.

mode=${1:-run}
seconds=${2:-75}
seed=${3:-1}
files=${KPOOL_FILES:?}
fuzzer=$files/kpool_fuzz
params="max_file_bytes=16777216 max_file_handles=256"

if [ ! -x "$fuzzer" ]; then
	echo "kpool-fuzz: no $fuzzer (pass --file userspace/fuzz/build/kpool_fuzz)"
	exit 2
fi

module=$KPOOL_MODULE
[ -f "$files/kpool.ko" ] && module=$files/kpool.ko
if [ -d /sys/module/kpool ] && ! rmmod kpool; then
	echo "kpool-fuzz: cannot unload kpool to reload it with $params"
	exit 2
fi
# shellcheck disable=SC2086 # the parameters are words
if ! insmod "$module" $params; then
	echo "kpool-fuzz: insmod $module $params failed"
	exit 2
fi
n=0
while [ ! -c /dev/kpool ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
if [ ! -e /sys/kernel/debug/kcov ]; then
	echo "kpool-fuzz: warning: no /sys/kernel/debug/kcov: no coverage to guide the fuzzer"
fi

# Print file $2 framed as "kpool-fuzz: $1 NAME", base64, "... end".
emit() {
	echo "kpool-fuzz: $1 ${2##*/}"
	base64 "$2"
	echo "kpool-fuzz: $1 end"
}

if [ "$mode" = replay ]; then
	rc=0
	for f in "$files"/*; do
		case ${f##*/} in
		kpool_fuzz | kpool.ko | corpus.tar) continue ;;
		esac
		echo "kpool-fuzz: replaying ${f##*/}"
		KPOOL_FUZZ_TRACE=${KPOOL_FUZZ_TRACE:-1} "$fuzzer" -error_exitcode=1 "$f" 2>&1 || rc=1
	done
	exit $rc
fi

case $mode in
run | merge) ;;
*) echo "kpool-fuzz: unknown mode $mode (run, merge or replay)"; exit 2 ;;
esac

work=$PWD/kpool-fuzz
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
if [ -f "$files/corpus.tar" ]; then
	tar -xf "$files/corpus.tar" -C "$work/seeds"
fi
echo "kpool-fuzz: $(find "$work/seeds" -type f | wc -l) seed inputs, $seconds s, seed $seed"

# The section addresses, to turn PCs into offsets in kpool.ko.
for s in /sys/module/kpool/sections/.text*; do
	[ -f "$s" ] && echo "kpool-fuzz: section ${s##*/} $(cat "$s")"
done

# -timeout: one input may run a few 64 MiB allocations, zeroed, under
# KASAN and TCG; anything near 30 s is a hang.
KPOOL_FUZZ_PCS=$work/pcs "$fuzzer" -seed="$seed" -max_total_time="$seconds" \
	-max_len=512 -timeout=30 -rss_limit_mb=768 -error_exitcode=1 \
	-timeout_exitcode=3 -print_final_stats=1 -reload=0 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds" 2>&1
rc=$?
echo "kpool-fuzz: fuzzer exit status $rc"
echo "kpool-fuzz: the corpus grew by $(find "$work/corpus" -type f | wc -l) inputs"

for f in "$work"/artifacts/*; do
	[ -f "$f" ] || continue
	emit artifact "$f"
	echo "kpool-fuzz: the operations of ${f##*/}:"
	KPOOL_FUZZ_TRACE=1 "$fuzzer" "$f" 2>&1 | head -n 300
done

if [ -f "$work/pcs" ]; then
	echo "kpool-fuzz: $(wc -l <"$work/pcs") unique PCs"
	awk '{ l = l " " $1 } NR % 8 == 0 { print "kpool-fuzz-pcs:" l; l = "" }
		END { if (l != "") print "kpool-fuzz-pcs:" l }' "$work/pcs"
fi

if [ "$mode" = merge ] && [ "$rc" = 0 ]; then
	mkdir -p "$work/min"
	# -use_counters=0: one input per PC reached, not per hit count, so
	# the committed corpus stays a few dozen files.
	"$fuzzer" -merge=1 -use_counters=0 -max_len=512 -timeout=30 \
		"$work/min" "$work/seeds" "$work/corpus" 2>&1 | tail -n 3
	for f in "$work"/min/*; do
		[ -f "$f" ] && emit corpus "$f"
	done
fi
exit $rc
