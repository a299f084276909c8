#!/bin/sh
# The integration suite again under faketime (LD_PRELOAD): once a year
# ahead of today and once on a 调休 Saturday (2026-10-10, a working day by
# the State Council's 2026 notice).  Every command a test runs is given
# its pretended time with --now, so the real date must change nothing.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
if ! command -v faketime >/dev/null; then
	echo "faketime: not installed (make deps installs it)"
	echo "faketime: 0 passed, 1 failed"
	exit 1
fi
# ASan must come first among the preloaded libraries; faketime's is first.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
rc=0
for d in "$(date -d '+1 year' '+%Y-%m-%d') 10:00:00" "2026-10-10 10:00:00"; do
	echo "--- integration tests with the clock at $d (faketime)"
	DUTYD_TEST_FAKETIME="$d" faketime -f "@$d" \
	    sh tests/integration/run.sh "$B" || rc=1
done
exit $rc
