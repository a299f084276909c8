#!/bin/sh
# Run every integration test script against the binaries in build dir $1.
set -u
export B=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
pass=0
fail=0
for t in tests/integration/test_*.sh; do
	out=$(sh "$t" 2>&1)
	rc=$?
	echo "$out"
	p=$(echo "$out" | sed -n 's/^.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/^.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	[ "$rc" = 0 ] || [ "${f:-0}" != 0 ] || fail=$((fail + 1))
done
echo "integration: $pass passed, $fail failed"
[ "$fail" = 0 ]
