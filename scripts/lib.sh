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

# ---- Debian's stock kernel, unpacked into the cache
#
# The stock kernel is Debian's linux-image-amd64 with linux-headers-amd64,
# but nothing is installed into the host's /boot, /lib/modules or boot
# loader: kpool_stock_fetch downloads the concrete packages those two
# metapackages depend on (apt-get download) and unpacks them (dpkg-deb -x)
# into a private root,
#   $KPOOL_CACHE/stock/<release>_<debian version>/root
# with boot/vmlinuz-<release>, lib/modules/<release>/ (vgem and the other
# modules) and the headers (usr/src/linux-headers-<release>{,-common},
# usr/lib/linux-kbuild-6.1) with their absolute links made relative, so
# that make -C <root>/lib/modules/<release>/build M=... works there.
# KPOOL_STOCK_ROOT=DIR uses DIR instead (a root with boot/vmlinuz-R and
# lib/modules/R/build, R the newest release having both), without fetching;
# KPOOL_STOCK_ROOT=/ is the host's installed kernel.
KPOOL_STOCK_IMAGE_META=linux-image-amd64
KPOOL_STOCK_HEADERS_META=linux-headers-amd64

# Release of the stock kernel in root $1 (default /): the newest one that
# has both an image in $1/boot and headers in $1/lib/modules/<release>/build.
# Never hard-coded.
kpool_stock_release() {
	local root=${1:-/} d rel best=''
	root=${root%/}
	for d in "$root"/lib/modules/*/build; do
		[[ -e $d/Makefile ]] || continue
		rel=${d#"$root"/lib/modules/}
		rel=${rel%/build}
		[[ -r $root/boot/vmlinuz-$rel ]] || continue
		if [[ -z $best ]] || dpkg --compare-versions "$rel" gt "$best"; then
			best=$rel
		fi
	done
	[[ -n $best ]] || die "no stock kernel with headers found in ${root:-/} (need boot/vmlinuz-R and lib/modules/R/build there)"
	echo "$best"
}

# For each package named, its candidate's version and Depends (apt-cache
# show, one call for all): "name<TAB>version<TAB>depends", one a line.
_kpool_apt_info() {
	apt-cache show --no-all-versions "$@" 2>/dev/null | awk -F': ' '
		/^Package: / { p = $2; v = ""; d = "" }
		/^Version: / { v = $2 }
		/^Depends: / { d = $2 }
		/^$/ && p != "" { print p "\t" v "\t" d; p = "" }
		END { if (p != "") print p "\t" v "\t" d }'
}

# The package names in the Depends field $1 that match the regular
# expression $2, one a line (the first of alternatives; versions dropped).
_kpool_dep_names() {
	tr ',' '\n' <<<"$1" | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' | grep -E "$2" || true
}

# The concrete packages behind the two metapackages, as name=version, one a
# line, image first: linux-image-R, linux-headers-R, and what those headers
# need of the kernel's own packages (linux-headers-R-common,
# linux-kbuild-6.1).  linux-compiler-gcc-12-x86 is left out: it is empty, it
# only depends on the compiler, which scripts/deps installs.  Fails when
# apt does not know the metapackages (no 'apt-get update' yet).
kpool_stock_packages() {
	local info img hdr more p v
	info=$(_kpool_apt_info "$KPOOL_STOCK_IMAGE_META" "$KPOOL_STOCK_HEADERS_META")
	img=$(_kpool_dep_names "$(awk -F'\t' -v p="$KPOOL_STOCK_IMAGE_META" '$1 == p { print $3 }' <<<"$info")" '^linux-image-')
	hdr=$(_kpool_dep_names "$(awk -F'\t' -v p="$KPOOL_STOCK_HEADERS_META" '$1 == p { print $3 }' <<<"$info")" '^linux-headers-')
	[[ $(wc -w <<<"$img") == 1 && $(wc -w <<<"$hdr") == 1 ]] || return 1
	info=$(_kpool_apt_info "$img" "$hdr")
	more=$(_kpool_dep_names "$(awk -F'\t' -v p="$hdr" '$1 == p { print $3 }' <<<"$info")" '^linux-(headers|kbuild)-')
	[[ -n $more ]] || return 1
	# shellcheck disable=SC2086 # one word per package
	info+=$'\n'$(_kpool_apt_info $more)
	for p in "$img" "$hdr" $more; do
		v=$(awk -F'\t' -v p="$p" '$1 == p { print $2; exit }' <<<"$info")
		[[ -n $v ]] || return 1
		echo "$p=$v"
	done
}

# A fingerprint of what apt answers from (its package lists and its
# configuration: sources, preferences, by name, size and time) and of the
# metapackages asked about.
_kpool_apt_state() {
	find /var/lib/apt/lists /etc/apt -maxdepth 2 ! -name lock ! -path '*/partial*' \
		-printf '%p %s %T@\n' 2>/dev/null | LC_ALL=C sort | sha256sum | cut -c1-16 |
		sed "s/\$/ $KPOOL_STOCK_IMAGE_META $KPOOL_STOCK_HEADERS_META/"
}

# Make the absolute symbolic links under root $1 relative to it, so that
# they point into the root and not at the host.
_kpool_relink_root() {
	local root=$1 l t
	while IFS= read -r -d '' l; do
		t=$(readlink "$l")
		ln -sfn "$(realpath -s -m --relative-to="$(dirname "$l")" "$root$t")" "$l"
	done < <(find "$root" -type l -lname '/*' -print0)
}

# Make sure Debian's current stock kernel is unpacked in the cache, and print
# its root on stdout (see above).  With KPOOL_STOCK_ROOT set, print that and
# do nothing else.  A second call finds the root and does nothing; when a
# newer kernel has been unpacked, the older ones are removed.  Needs apt's
# package lists (as root they are updated once if they lack the kernel;
# otherwise the newest root already in the cache is used, with a warning).
kpool_stock_fetch() {
	local top=$KPOOL_CACHE/stock state pkgs rel dir tmp log p f hdr
	if [[ -n ${KPOOL_STOCK_ROOT:-} ]]; then
		[[ -d $KPOOL_STOCK_ROOT ]] || die "KPOOL_STOCK_ROOT=$KPOOL_STOCK_ROOT is not a directory"
		echo "$KPOOL_STOCK_ROOT"
		return 0
	fi
	# The answer of kpool_stock_packages changes only with apt's lists and
	# configuration: kept in $top/resolved (state on its first line), as
	# each apt-cache call can take a second.
	state=$(_kpool_apt_state)
	if [[ -f $top/resolved && $(head -n 1 "$top/resolved") == "$state" ]]; then
		pkgs=$(tail -n +2 "$top/resolved")
	else
		pkgs=$(kpool_stock_packages) || pkgs=''
		if [[ -z $pkgs ]] && ((EUID == 0)); then
			info "apt does not know $KPOOL_STOCK_IMAGE_META/$KPOOL_STOCK_HEADERS_META: apt-get update"
			apt-get update -qq >&2 || true
			pkgs=$(kpool_stock_packages) || pkgs=''
			state=$(_kpool_apt_state)
		fi
		if [[ -n $pkgs ]] && mkdir -p "$top" 2>/dev/null; then
			if ! { printf '%s\n%s\n' "$state" "$pkgs" >"$top/resolved.$$" &&
				mv -f "$top/resolved.$$" "$top/resolved"; } 2>/dev/null; then
				rm -f "$top/resolved.$$"
			fi
		fi
	fi
	if [[ -z $pkgs ]]; then
		dir=$(find "$top" -mindepth 1 -maxdepth 1 -type d -exec test -f '{}/.kpool-unpacked' ';' -print 2>/dev/null |
			LC_ALL=C sort -V | tail -n 1)
		[[ -n $dir ]] || die "apt knows no $KPOOL_STOCK_IMAGE_META/$KPOOL_STOCK_HEADERS_META (run: apt-get update as root), and none is unpacked in $top"
		warn "apt knows no $KPOOL_STOCK_IMAGE_META/$KPOOL_STOCK_HEADERS_META; using the cached $dir"
		echo "$dir/root"
		return 0
	fi
	# linux-image-6.1.0-NN-amd64=6.1.x-y -> 6.1.0-NN-amd64_6.1.x-y
	p=$(head -n 1 <<<"$pkgs")
	rel=${p%%=*}
	rel=${rel#linux-image-}
	rel=${rel%-unsigned}
	dir=$top/${rel}_${p#*=}
	if [[ -f $dir/.kpool-unpacked && $(cat "$dir/.kpool-unpacked") == "$pkgs" ]]; then
		echo "$dir/root"
		return 0
	fi
	mkdir -p "$top"
	exec 7>"$top/.lock"
	flock 7
	if [[ ! -f $dir/.kpool-unpacked || $(cat "$dir/.kpool-unpacked") != "$pkgs" ]]; then
		tmp=$dir.tmp
		log=$top/fetch.log
		rm -rf "$tmp" "$dir"
		mkdir -p "$tmp/debs" "$tmp/root"
		info "unpacking Debian's stock kernel $rel into $dir (apt-get download ${pkgs//$'\n'/ })"
		# shellcheck disable=SC2086 # one word per package
		if ! (cd "$tmp/debs" && apt-get download $pkgs) >"$log" 2>&1; then
			show_tail "$log" 20
			exec 7>&-
			die "apt-get download of the stock kernel failed (log: $log)"
		fi
		for f in "$tmp"/debs/*.deb; do
			dpkg-deb -x "$f" "$tmp/root" >>"$log" 2>&1 || {
				show_tail "$log" 20
				exec 7>&-
				die "dpkg-deb -x $f failed (log: $log)"
			}
		done
		_kpool_relink_root "$tmp/root"
		# The headers' Makefile includes the common half by absolute path.
		hdr=$tmp/root/usr/src/linux-headers-$rel
		sed -i "s|^include /usr/src/\(linux-headers-[^/]*\)/Makefile\$|include ../\1/Makefile|" "$hdr/Makefile"
		if grep -q '^include /' "$hdr/Makefile" || [[ ! -r $tmp/root/boot/vmlinuz-$rel ]] ||
			[[ ! -e $tmp/root/lib/modules/$rel/build/Makefile ]]; then
			exec 7>&-
			die "the unpacked stock kernel in $tmp lacks boot/vmlinuz-$rel or working headers"
		fi
		rm -rf "$tmp/debs"
		echo "$pkgs" >"$tmp/.kpool-unpacked"
		mv "$tmp" "$dir"
		# Older kernels unpacked here are of no more use.
		find "$top" -mindepth 1 -maxdepth 1 -type d ! -path "$dir" -exec rm -rf '{}' +
		info "stock kernel $rel unpacked in $dir/root"
	fi
	exec 7>&-
	echo "$dir/root"
}

# Select a kernel to run or build against.  Sets KPOOL_KIND
# (test|kcsan|stock), KPOOL_KDIR (tree or headers for M= builds),
# KPOOL_BZIMAGE (what QEMU boots), KPOOL_KREL (its release), KPOOL_KMODDIR
# (the kernel's module directory, lib/modules/<release>, stock only; empty
# for the others, which have no modules of their own) and KPOOL_KID (a name
# for per-kernel directories).  The test and KCSAN kernels are built first
# if they are not in the cache; the stock kernel is fetched
# (kpool_stock_fetch) and KPOOL_STOCK_ROOT is set to its root.
kpool_select_kernel() {
	KPOOL_KIND=$1
	case $KPOOL_KIND in
	test | kcsan)
		KPOOL_KDIR=$(kpool_need_kernel "$KPOOL_KIND")
		[[ -d $KPOOL_KDIR ]] || die "building the $KPOOL_KIND kernel failed"
		KPOOL_BZIMAGE=$KPOOL_KDIR/arch/x86/boot/bzImage
		KPOOL_KREL=$(cat "$KPOOL_KDIR/include/config/kernel.release")
		KPOOL_KMODDIR=''
		KPOOL_KID=$KPOOL_KIND-$(basename "$(dirname "$KPOOL_KDIR")")
		;;
	stock)
		local root
		root=$(kpool_stock_fetch) || exit
		export KPOOL_STOCK_ROOT=$root
		root=${root%/}
		KPOOL_KREL=$(kpool_stock_release "$KPOOL_STOCK_ROOT") || exit
		KPOOL_KMODDIR=$root/lib/modules/$KPOOL_KREL
		KPOOL_KDIR=$KPOOL_KMODDIR/build
		KPOOL_BZIMAGE=$root/boot/vmlinuz-$KPOOL_KREL
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
