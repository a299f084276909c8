#!/bin/sh
# Run every cmocka unit test program given; stop at the first failure.
set -u
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0}"
for t in "$@"; do
	echo "== $t"
	if ! "$t"; then
		echo "FAILED: $t" >&2
		exit 1
	fi
done
