#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the KUnit stage (run by scripts/check through vm-run):
#   scripts/vm-run --file <build>/kpool_test.ko scripts/guest/kunit.sh
# kpool.ko is already loaded; loading kpool_test.ko runs its suites.
#
# The suites' KTAP is taken from the kernel log rather than from
# /sys/kernel/debug/kunit/<suite>/results: in 6.1 each case keeps only
# 512 bytes of log there (KUNIT_LOG_SIZE), so a case with several failed
# expectations or many parameters loses its own result line.  The kernel
# log has everything; a suite loaded from a module prints no top-level
# header and numbers its result by a global counter, so this script adds
# "KTAP version 1" and "1..<suites>" and renumbers the suites' result lines.
#
# Output: the document between the lines
#   kpool-kunit: KTAP begin
#   kpool-kunit: KTAP end
# Exit status: 0 all suites ok, 1 a suite failed, 2 no suites ran or the
# test module could not be loaded or unloaded.

ko=${KPOOL_FILES:?}/kpool_test.ko
if [ ! -f "$ko" ]; then
	echo "kunit.sh: $ko is missing"
	exit 2
fi
for d in /sys/kernel/debug/kunit/*/; do
	[ -d "$d" ] && echo "kunit.sh: note: suites already registered: $d"
done

mark="kpool-kunit: loading kpool_test.ko $$ $(cat /proc/uptime)"
echo "$mark" >/dev/kmsg
rc=0
if ! insmod "$ko"; then
	echo "kunit.sh: insmod $ko failed"
	rc=2
fi
dmesg >/tmp/kunit-dmesg.txt
if [ -d /sys/module/kpool_test ] && ! rmmod kpool_test; then
	echo "kunit.sh: rmmod kpool_test failed"
	rc=2
fi

# The log after our mark, without timestamps.
awk -v mark="$mark" 'found { print; next } index($0, mark) { found = 1 }' \
	/tmp/kunit-dmesg.txt | sed 's/^\[[ 0-9.]*\] //' >/tmp/kunit-log.txt
suites=$(grep -c '^    # Subtest: ' /tmp/kunit-log.txt)
if [ "$suites" -eq 0 ]; then
	echo "kunit.sh: no KUnit suite ran"
	rc=2
fi
echo "kpool-kunit: KTAP begin"
echo "KTAP version 1"
echo "1..$suites"
awk '
/^(ok|not ok) [0-9]+ / {
	n++
	word = ($1 == "ok") ? "ok" : "not ok"
	rest = $0
	sub(/^(ok|not ok) [0-9]+ /, "", rest)
	print word " " n " " rest
	next
}
{ print }' /tmp/kunit-log.txt
echo "kpool-kunit: KTAP end"

if [ "$rc" -eq 0 ] && grep -q '^not ok ' /tmp/kunit-log.txt; then
	rc=1
fi
exit "$rc"
