#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the trinity stage (scripts/check --only trinity), run as an
# unprivileged user:
#   scripts/vm-run --user 1000 --file trinity --file libc.so.6 \
#	--file ld-linux-x86-64.so.2 --file trinity-companion \
#	scripts/guest/trinity.sh [SECONDS [stats]]
# Debian's trinity is a dynamic binary; its libraries and the dynamic
# loader come in $KPOOL_FILES and trinity runs through the loader.
#
# trinity-companion holds live kpool objects (every tier, the fallback,
# mappings, a split, a slice, an export, a mapping of a closed file, a
# child sharing the mappings) and runs trinity three times, SECONDS/3
# each (default 60 in all), 64-bit syscalls only (the test kernel has no
# IA32 emulation):
#   kpool-fds    every syscall trinity knows, with /dev/kpool (-V) as its
#                only file; besides those, only the fds trinity's ioctl
#                code needs (see below)
#   kpool-vm     ioctl, mmap, the calls on mappings and the file calls,
#                with the same fds
#   proc-holder  every syscall, all of trinity's kinds of fds (pipes, unix
#                sockets, epoll, eventfd, memfd, timerfd, perf, test
#                files, ...), and as its files the /proc/PID/task/PID
#                directory of the companion's child, whose kpool mappings
#                show in maps, smaps, pagemap and mem (the PID directory
#                itself has map_files, whose EPERM stops trinity's walk)
# then frees everything and checks STATS back at zero.  Lines for the host
# (printed by the companion, which replaces this shell):
#   kpool-trinity: run NAME ops=N ok=N failed=N secs=S crashes=N
#   trinity-companion: result ok|FAILED
# Exit status: the companion's: 0 every run counted its ops and every check
# passed, 1 otherwise; 2 setup trouble.

secs=${1:-60}
# "stats": trinity prints its errno counts per syscall after each run.  (A
# word, not --stats: vm-run's su would take an argument starting with - for
# an option of its own.)
extra=''
[ "${2:-}" = stats ] && extra=--stats
files=${KPOOL_FILES:?}
per=$((secs / 3))
[ "$per" -ge 5 ] || per=5

if [ "$(id -u)" = 0 ]; then
	echo "kpool-trinity: run me as an unprivileged user (vm-run --user 1000)"
	exit 2
fi
for f in trinity trinity-companion ld-linux-x86-64.so.2; do
	if [ ! -x "$files/$f" ]; then
		echo "kpool-trinity: $files/$f is missing"
		exit 2
	fi
done
if [ ! -c /dev/kpool ]; then
	echo "kpool-trinity: /dev/kpool is missing"
	exit 2
fi

# trinity works in ./tmp when it exists (its own habit); keep its files and
# the logs we ask it not to write there.  No file it writes may be larger
# than 64 MiB (the guest's /tmp is memory).
work=$PWD/trinity
mkdir -p "$work/tmp" || exit 2
cd "$work" || exit 2
ulimit -f 131072 2>/dev/null

trinity="$files/ld-linux-x86-64.so.2 --library-path $files $files/trinity"
# -q: no register dumps; -l off: no per-child log files (and no fsync per
# call); -C 4: four children on the guest's two CPUs; -x: the calls that
# only sleep, which waste a child's time.  Nothing else is left out to
# protect the guest: as uid 1000 trinity cannot reboot, load modules or
# signal root's processes, it avoids kill, tkill, tgkill, rt_sigqueueinfo
# and ptrace by itself, it runs in a session of its own, and the companion
# is not dumpable (no /proc/PID/mem, no ptrace).  The OOM killer takes
# trinity first (oom_score_adj 1000).
common="-q -l off -a 64 -C 4 -x pause -x rt_sigsuspend -x nanosleep -x clock_nanosleep${extra:+ $extra}"
# This trinity's ioctl code asks every fd whether it is a test file, a pipe
# or a socket by walking those object lists, and crashes (SIGSEGV in the
# child, before the call) when one of them is empty: with /dev/kpool as the
# only fd, not one ioctl would reach the kernel.  So the kpool runs keep
# those three kinds too (a quarter of the fd picks then are /dev/kpool).
# Its socket setup, in turn, crashes now and then while it probes every
# domain (the test kernel has no INET); a socket cache of unix sockets,
# trinity's own format (family, type, protocol as native ints), skips that.
kpool_fds="-V /dev/kpool --enable-fds=pseudo,testfile,pipes,sockets"
{
	# AF_UNIX (1), then SOCK_STREAM (1), SOCK_DGRAM (2), SOCK_SEQPACKET (5), 0
	printf '\001\000\000\000\001\000\000\000\000\000\000\000'
	printf '\001\000\000\000\002\000\000\000\000\000\000\000'
	printf '\001\000\000\000\005\000\000\000\000\000\000\000'
} >tmp/trinity.socketcache

echo "kpool-trinity: $(id), cwd $work, ${per}s per run"
# The companion prints "kpool-trinity: run NAME ops=N ... crashes=N"
# per run and "trinity-companion: result ok|FAILED" last.  It kills every
# other process of this user at the end (trinity's leftovers), so it
# replaces this shell.
# shellcheck disable=SC2086 # $trinity and $common are words
exec "$files/trinity-companion" \
	--run kpool-fds "$per" $trinity $common $kpool_fds --end \
	--run kpool-vm "$per" $trinity $common $kpool_fds \
		-c ioctl -c mmap -c munmap -c mremap -c mprotect -c madvise -c msync \
		-c remap_file_pages -c mlock -c munlock -c mincore -c read -c write \
		-c lseek -c newfstat -c fcntl -c dup -c dup2 -c poll -c splice \
		-c sendfile -c readv -c writev -c pread64 -c pwrite64 --end \
	--run proc-holder "$per" $trinity $common -V /proc/%HOLDER%/task/%HOLDER% --end
