# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# (SC2034: the variables set here are used by the scripts that source it.)
#
# Helpers shared by the kpool harness scripts.  Source it from bash:
#
#	. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Nothing here depends on where the repository lives: every path is
# computed at run time from this file's location or from the environment.

# Repository root (this file lives in <root>/scripts/).
KPOOL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything built outside the repository goes here.
if [[ -z ${KPOOL_CACHE:-} && -z ${XDG_CACHE_HOME:-} && -z ${HOME:-} ]]; then
	HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
fi
KPOOL_CACHE=${KPOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kpool}
# Debian package that carries the test kernel's source.
KPOOL_SRC_PKG=linux-source-6.1
KPOOL_SRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
# The test kernel's config fragment, and what the KCSAN kernel changes in it.
KPOOL_FRAGMENT=$KPOOL_ROOT/kunit/test-kernel.config
KPOOL_KCSAN_FRAGMENT=$KPOOL_ROOT/kunit/kcsan.config

kpool_prog=$(basename "$0")

# Exit statuses of scripts/vm-run besides the program's own (see its --help).
KPOOL_EXIT_USAGE=2
KPOOL_EXIT_DIRTY=120
KPOOL_EXIT_NORESULT=121
KPOOL_EXIT_SETUP=122

# Colour only on a terminal.
if [[ -t 2 ]]; then
	_kc_red=$'\e[31m' _kc_grn=$'\e[32m' _kc_yel=$'\e[33m' _kc_off=$'\e[0m'
else
	_kc_red='' _kc_grn='' _kc_yel='' _kc_off=''
fi

info() { printf '%s: %s\n' "$kpool_prog" "$*" >&2; }
warn() { printf '%s%s: warning: %s%s\n' "$_kc_yel" "$kpool_prog" "$*" "$_kc_off" >&2; }
error() { printf '%s%s: error: %s%s\n' "$_kc_red" "$kpool_prog" "$*" "$_kc_off" >&2; }
die() { printf '%s%s: error: %s%s\n' "$_kc_red" "$kpool_prog" "$*" "$_kc_off" >&2; exit "${KPOOL_DIE_STATUS:-1}"; }
say_ok() { printf '%sok%s - %s\n' "$_kc_grn" "$_kc_off" "$*"; }
say_fail() { printf '%snot ok%s - %s\n' "$_kc_red" "$_kc_off" "$*"; }

# Print the tail of a log file, framed, to stderr.
show_tail() {
	local file=$1 lines=${2:-40}
	{
		printf -- '----- last %s lines of %s -----\n' "$lines" "$file"
		tail -n "$lines" "$file" || true
		printf -- '----- end of %s -----\n' "$file"
	} >&2
}

# Version of the installed source package, e.g. 6.1.192-2.
kpool_src_version() {
	dpkg-query -W -f='${Version}' "$KPOOL_SRC_PKG" 2>/dev/null ||
		die "$KPOOL_SRC_PKG is not installed (run: make deps)"
}

# The kernels the project builds from $KPOOL_SRC_PKG (scripts/build-test-kernel):
#   test   kunit/test-kernel.config (KASAN, kmemleak, lockdep, ...)
#   kcsan  the same with kunit/kcsan.config applied on top (KCSAN, no KASAN)
# Their fragments, in the order applied, one a line.
kpool_kernel_fragments() {
	case $1 in
	test) echo "$KPOOL_FRAGMENT" ;;
	kcsan) printf '%s\n' "$KPOOL_FRAGMENT" "$KPOOL_KCSAN_FRAGMENT" ;;
	*) die "unknown kernel flavour '$1' (want test or kcsan)" ;;
	esac
}

# A built kernel's cache key: a hash of its config fragments, the source
# package version, the compiler and the script that builds it.
kpool_kernel_key() {
	local f
	{
		echo "src=$(kpool_src_version)"
		echo "cc=$(gcc --version | head -n 1)"
		[[ $1 == test ]] || echo "flavour=$1"
		kpool_kernel_fragments "$1" | while IFS= read -r f; do
			sha256sum <"$f"
		done
		sha256sum <"$KPOOL_ROOT/scripts/build-test-kernel"
	} | sha256sum | cut -c1-16
}

# Where flavour $1's trees are cached: $KPOOL_CACHE/<flavour>-kernel/<key>.
kpool_kernel_top() {
	echo "$KPOOL_CACHE/$1-kernel"
}

# Directory of flavour $1's built tree (usable as KDIR) for the current
# fragments and source; it may not exist yet (see scripts/build-test-kernel).
kpool_kernel_dir() {
	echo "$(kpool_kernel_top "$1")/$(kpool_kernel_key "$1")/linux"
}

# Make sure flavour $1 is built, then print its tree on stdout.
kpool_need_kernel() {
	"$KPOOL_ROOT/scripts/build-test-kernel" --kernel "$1" --quiet | tail -n 1
}

# The test kernel's (flavour test) key, tree, build.
kpool_test_kernel_key() { kpool_kernel_key test; }
kpool_test_kernel_dir() { kpool_kernel_dir test; }
kpool_need_test_kernel() { kpool_need_kernel test; }

# Release of Debian's stock kernel: the newest one that has both an image in
# /boot and headers in /lib/modules/<release>/build.  Never hard-coded.
kpool_stock_release() {
	local d rel best=''
	for d in /lib/modules/*/build; do
		[[ -e $d/Makefile ]] || continue
		rel=${d#/lib/modules/}
		rel=${rel%/build}
		[[ -r /boot/vmlinuz-$rel ]] || continue
		if [[ -z $best ]] || dpkg --compare-versions "$rel" gt "$best"; then
			best=$rel
		fi
	done
	[[ -n $best ]] || die "no stock kernel with headers found (need /boot/vmlinuz-R and /lib/modules/R/build; run: make deps)"
	echo "$best"
}

# Select a kernel to run or build against.  Sets KPOOL_KIND
# (test|kcsan|stock), KPOOL_KDIR (tree or headers for M= builds),
# KPOOL_BZIMAGE (what QEMU boots), KPOOL_KREL (its release) and KPOOL_KID
# (a name for per-kernel directories).  The test and KCSAN kernels are
# built first if they are not in the cache.
kpool_select_kernel() {
	KPOOL_KIND=$1
	case $KPOOL_KIND in
	test | kcsan)
		KPOOL_KDIR=$(kpool_need_kernel "$KPOOL_KIND")
		[[ -d $KPOOL_KDIR ]] || die "building the $KPOOL_KIND kernel failed"
		KPOOL_BZIMAGE=$KPOOL_KDIR/arch/x86/boot/bzImage
		KPOOL_KREL=$(cat "$KPOOL_KDIR/include/config/kernel.release")
		KPOOL_KID=$KPOOL_KIND-$(basename "$(dirname "$KPOOL_KDIR")")
		;;
	stock)
		KPOOL_KREL=$(kpool_stock_release)
		KPOOL_KDIR=/lib/modules/$KPOOL_KREL/build
		KPOOL_BZIMAGE=/boot/vmlinuz-$KPOOL_KREL
		KPOOL_KID=stock-$KPOOL_KREL
		;;
	*) die "unknown kernel '$KPOOL_KIND' (want test, kcsan or stock)" ;;
	esac
	[[ -r $KPOOL_BZIMAGE ]] || die "kernel image $KPOOL_BZIMAGE is not readable"
}

# The module's source files (relative to the repository root), one a line:
# Kbuild plus the C, header and assembler files under module/, kunit/, uapi/.
kpool_module_sources() {
	(
		cd "$KPOOL_ROOT" || exit 1
		[[ -f Kbuild ]] && echo Kbuild
		for d in module kunit uapi; do
			[[ -d $d ]] || continue
			find "$d" -type f \( -name '*.[chS]' -o -name Kbuild -o -name Makefile \) -print
		done | LC_ALL=C sort
	)
}

# Build kpool.ko (and kpool_test.ko when the kernel has KUnit) for the
# kernel chosen by kpool_select_kernel, in a per-kernel copy of the sources:
#   kpool_build_module [NAME [extra make args...]]
# NAME (default "module") names the copy,
# $KPOOL_CACHE/build/<kernel>/<checkout>/NAME, where <checkout> is a hash of
# the checkout's location, so that two checkouts (worktrees, a fresh clone
# beside the work tree) never build over each other; it is printed on stdout.  A build is skipped when the sources, the kernel
# and the make arguments are those of the last good build there; the build
# log is NAME.log beside it, and its tail is shown on failure.
kpool_checkout_tag() {
	printf '%s' "$KPOOL_ROOT" | sha256sum | cut -c1-12
}

kpool_build_module() {
	local name=${1:-module} dir log key f
	shift || true
	dir=$KPOOL_CACHE/build/$KPOOL_KID/$(kpool_checkout_tag)/$name
	log=$dir.log
	[[ -f $KPOOL_ROOT/Kbuild ]] || die "no Kbuild in $KPOOL_ROOT"
	mkdir -p "$(dirname "$dir")"
	exec 8>"$dir.lock"
	flock 8
	key=$({
		echo "kdir=$KPOOL_KDIR args=$*"
		sha256sum <"$KPOOL_KDIR/Module.symvers"
		kpool_module_sources | while IFS= read -r f; do
			echo "$f $(sha256sum <"$KPOOL_ROOT/$f")"
		done
	} | sha256sum | cut -c1-32)
	if [[ -f $dir/.kpool-built && $(cat "$dir/.kpool-built") == "$key" && -f $dir/kpool.ko ]]; then
		exec 8>&-
		echo "$dir"
		return 0
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	kpool_module_sources | while IFS= read -r f; do
		mkdir -p "$dir/$(dirname "$f")"
		cp -p "$KPOOL_ROOT/$f" "$dir/$f"
	done
	info "building kpool for the $KPOOL_KIND kernel ($KPOOL_KREL) in $dir"
	if ! make -C "$KPOOL_KDIR" M="$dir" -j"$(nproc)" "$@" modules >"$log" 2>&1; then
		show_tail "$log" 60
		exec 8>&-
		error "building kpool for the $KPOOL_KIND kernel failed (log: $log)"
		return 1
	fi
	echo "$key" >"$dir/.kpool-built"
	exec 8>&-
	echo "$dir"
}
