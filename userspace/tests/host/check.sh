#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host tests of userspace/ (run by 'make -C userspace check', which
# builds $OUT/libcheck-{shared,static} first).  Needs no /dev/kpool and no
# VM.  Plain TAP; the last line is 'host: N passed, N failed'; the exit
# status is 1 when anything failed.
#   1. libcheck, linked against libkpool.so and against libkpool.a
#   2. libkpool.so exports exactly the functions of libkpool.map
#   3. kpool(4) and a man page for every exported function exist (a page
#      of its own or a .so link to one that documents it); every page
#      renders without a warning (groff -man -ww, and man --warnings
#      where man-db is installed); their footers take the version of
#      uapi/linux/kpool.h at install time (@KPOOL_VERSION@)
#   4. the README's code example builds statically against libkpool and,
#      without /dev/kpool, fails with a clear message and exit status 1
set -uo pipefail

: "${OUT:?}" "${ROOT:?}"
CC=${CC:-gcc}
lib=$ROOT/userspace/lib
n=0 failed=0
ok() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}
diag() { sed 's/^/# /'; }

# ---- 1. libcheck, both links
for kind in shared static; do
	out=$OUT/libcheck-$kind.out
	"$OUT/libcheck-$kind" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out")
	grep '^not ok \|^# ' "$out" | diag
	[[ $rc == 0 && $f == 0 && -n $plan && $plan == $((p + f)) ]]
	ok $? "libcheck ($kind libkpool): $p of ${plan:-?} cases passed, exit $rc"
done
if ldd "$OUT/libcheck-shared" 2>/dev/null | grep -q "=> $lib/libkpool.so.1 "; then
	ok 0 "libcheck-shared is linked to the build tree's libkpool.so.1"
else
	ldd "$OUT/libcheck-shared" 2>&1 | diag
	ok 1 "libcheck-shared is linked to the build tree's libkpool.so.1"
fi

# ---- 2. exported symbols == libkpool.map
funcs=$(sed -n 's/^[[:space:]]*\(kpool_[a-z_]*\);$/\1/p' "$lib/libkpool.map" | LC_ALL=C sort)
exported=$(nm -D --defined-only "$lib/libkpool.so" | awk '$2 ~ /^[TtWDdBbRr]$/ && $3 != "LIBKPOOL_1.0" { sub(/@.*/, "", $3); print $3 }' | LC_ALL=C sort)
if [[ -n $funcs && $funcs == "$exported" ]]; then
	ok 0 "libkpool.so exports exactly the $(wc -l <<<"$funcs") functions of libkpool.map"
else
	diff <(echo "$funcs") <(echo "$exported") | diag
	ok 1 "libkpool.so exports exactly the functions of libkpool.map (< map, > exported)"
fi
if nm -D --defined-only "$lib/libkpool.so" | grep -q ' kpool_open@@LIBKPOOL_1.0$'; then
	ok 0 "its symbols carry the version LIBKPOOL_1.0"
else
	ok 1 "its symbols carry the version LIBKPOOL_1.0"
fi

# ---- 3. man pages
hdr=$ROOT/uapi/linux/kpool.h
ver=$(sed -n 's/^#define KPOOL_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*\([0-9]*\).*/\2/p' "$hdr" | paste -sd.)
missing=() undocumented=()
for f in $funcs; do
	page=$lib/man/$f.3
	if [[ ! -f $page ]]; then
		missing+=("$f")
		continue
	fi
	target=$(sed -n 's/^\.so man3\/\(.*\)$/\1/p' "$page" | head -n 1)
	[[ -n $target ]] && page=$lib/man/$target
	# The page (its own, or the one its link leads to) names the function
	# under NAME and declares it under SYNOPSIS.
	if ! sed -n '/^\.SH NAME/,/^\.SH SYNOPSIS/p' "$page" 2>/dev/null | grep -qw -- "$f" ||
		! sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$page" | grep -q -- "[ *]$f("; then
		undocumented+=("$f")
	fi
done
if ((${#undocumented[@]} == 0)); then
	ok 0 "every function's page names it under NAME and declares it under SYNOPSIS"
else
	ok 1 "not named and declared by their pages: ${undocumented[*]}"
fi
if [[ -f $lib/man/kpool.4 ]]; then
	ok 0 "the device has its page, kpool(4)"
else
	ok 1 "no kpool(4) page: userspace/lib/man/kpool.4"
fi
if ((${#missing[@]} == 0)); then
	ok 0 "every exported function has a page in userspace/lib/man/"
else
	ok 1 "no man page for: ${missing[*]}"
fi
pages=("$lib"/libkpool.3 "$lib"/man/*.[34] "$ROOT"/userspace/tools/kpoolctl.1)
for page in "${pages[@]}"; do
	[[ -f $page ]] || continue
	name=${page#"$ROOT"/}
	if head -n 3 "$page" | grep -q '^\.so '; then
		target=$(sed -n 's/^\.so man[0-9]\/\(.*\)$/\1/p' "$page" | head -n 1)
		[[ -f $lib/man/$target || -f $lib/$target ]]
		ok $? "$name: .so link to an existing page ($target)"
		continue
	fi
	# The page as it will be installed (the version put in), rendered
	# with every groff warning on; any output on stderr fails it.
	err=$(sed "s/@KPOOL_VERSION@/$ver/g" "$page" |
		LC_ALL=C.UTF-8 MANWIDTH=80 groff -man -ww -z -Tutf8 2>&1 >/dev/null)
	if command -v man >/dev/null; then
		sed "s/@KPOOL_VERSION@/$ver/g" "$page" >"$OUT/page.tmp"
		err+=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$OUT/page.tmp" 2>&1 >/dev/null)
	fi
	if [[ -z $err ]]; then
		ok 0 "$name renders without warnings (groff -man -ww, man --warnings)"
	else
		diag <<<"$err"
		ok 1 "$name renders without warnings (groff -man -ww)"
	fi
done
for page in "$lib"/libkpool.3 "$lib"/man/*.[34]; do
	[[ -f $page ]] || continue
	head -n 3 "$page" | grep -q '^\.so ' && continue
	grep -q '^\.TH .*@KPOOL_VERSION@' "$page"
	ok $? "${page#"$ROOT"/}: its footer's version comes from the header (@KPOOL_VERSION@, now $ver)"
done

# The installed pages: every one, the version put in.
inst=$OUT/install
rm -rf "$inst"
if make -s -C "$lib" install DESTDIR="$inst" PREFIX=/usr >"$OUT/install.log" 2>&1; then
	bad=()
	for f in $funcs; do
		[[ -s $inst/usr/share/man/man3/$f.3 ]] || bad+=("$f.3")
	done
	[[ -s $inst/usr/share/man/man4/kpool.4 ]] || bad+=(kpool.4)
	if grep -rq '@KPOOL_VERSION@' "$inst/usr/share/man"; then
		bad+=("@KPOOL_VERSION@ left in: $(grep -rl '@KPOOL_VERSION@' "$inst/usr/share/man" | xargs -n1 basename | paste -sd' ')")
	fi
	if ! grep -q "^\.TH KPOOL 4 .* \"kpool $ver\"" "$inst/usr/share/man/man4/kpool.4" 2>/dev/null; then
		bad+=("kpool.4's footer does not say kpool $ver")
	fi
	if ((${#bad[@]} == 0)); then
		ok 0 "make install puts every page in man3 and man4 with version $ver"
	else
		ok 1 "make install: ${bad[*]}"
	fi
else
	diag <"$OUT/install.log"
	ok 1 "make install DESTDIR=... of userspace/lib failed"
fi
rm -rf "$inst"

# ---- 4. the README example, without /dev/kpool
ex=$OUT/readme_example.c
sed -n '/^<!-- readme-example: begin/,/^<!-- readme-example: end/p' "$ROOT/README.md" |
	sed -e '1,2d' -e '$d' | sed -e '$d' >"$ex"
if [[ -s $ex ]] && $CC -std=gnu11 -static -Wall -Wextra -Werror -I"$ROOT/uapi" -I"$lib" \
	-o "$OUT/readme_example" "$ex" "$lib/libkpool.a" >"$OUT/readme.log" 2>&1; then
	ok 0 "the README example builds statically against libkpool.a with -Wall -Wextra -Werror"
	if [[ -e /dev/kpool ]]; then
		echo "ok $((++n)) - # SKIP /dev/kpool exists on this host (the VM's user stage runs the example)"
	else
		"$OUT/readme_example" >"$OUT/readme.out" 2>"$OUT/readme.err"
		rc=$?
		diag <"$OUT/readme.err"
		[[ $rc == 1 && ! -s $OUT/readme.out ]] && grep -q '^kpool_open /dev/kpool: .*no /dev/kpool' "$OUT/readme.err"
		ok $? "without /dev/kpool the README example says so on stderr and exits 1 (status $rc)"
	fi
else
	diag <"$OUT/readme.log"
	ok 1 "the README example builds statically against libkpool.a (no example between the markers?)"
fi

echo "1..$n"
echo "host: $((n - failed)) passed, $failed failed"
((failed == 0))
