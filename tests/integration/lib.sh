# Shared helpers for the integration tests (sourced).  Each test script
# runs in its own temporary directory, starts the servers it needs on
# 127.0.0.1 and stops them by PID when it exits.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case "$B" in /*) ;; *) B="$TOP/$B" ;; esac
PY=/usr/bin/python3
# The suite reads dutyctl's English msgids; test_chinese.sh checks the
# Chinese that people get by default.
export LANGUAGE=en
unset LC_ALL LC_MESSAGES
T=$(mktemp -d "${TMPDIR:-/tmp}/dutyd-test.XXXXXX")
chmod 700 "$T"

# No test reads the wall clock: $DUTYD and $DUTYCTL pass the pretended time
# in $T/now as --now to every command (one given on the command line comes
# later and wins).  `pretend TIME` sets it; make check also runs the suite
# under faketime to prove it.
pretend() { printf '%s\n' "$1" > "$T/now"; }
pretend "2026-11-30 09:30"
mkdir -p "$T/bin"
for prog in dutyd dutyctl; do
	cat > "$T/bin/$prog" <<WRAP
#!/bin/sh
exec "$B/$prog" --now "\$(cat "$T/now")" "\$@"
WRAP
	chmod 755 "$T/bin/$prog"
done
DUTYD="$T/bin/dutyd"
DUTYCTL="$T/bin/dutyctl"
PIDS=""
PASS=0
FAIL=0
NAME=$(basename "$0" .sh)

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	if [ "$FAIL" = 0 ]; then rm -rf "$T"; else echo "(kept $T)"; fi
}
trap cleanup EXIT
# sh runs the EXIT trap only on exit: a test killed (a CI timeout, a pipe
# closed) would leave its servers on 127.0.0.1 running.
trap 'exit 130' INT TERM HUP PIPE

ok() { PASS=$((PASS + 1)); echo "ok   - $NAME: $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL - $NAME: $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# expect_eq DESCRIPTION WANT GOT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1: want [$2] got [$3]"; fi
}

# expect_in DESCRIPTION NEEDLE FILE
expect_in() {
	if grep -qF -- "$2" "$3"; then ok "$1"; else
		not_ok "$1: [$2] not in $3:"; sed 's/^/    | /' "$3" | head -20; fi
}

# A free TCP port on 127.0.0.1.
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_smtpd DIR PORT [smtpd.py options]: start and wait until it listens.
start_smtpd() {
	sd=$1; port=$2; shift 2
	mkdir -p "$sd"
	rm -f "$sd/pid"
	$PY "$TOP/tests/integration/smtpd.py" --port "$port" --dir "$sd" \
	    --pidfile "$sd/pid" "$@" >"$sd/stdout" 2>"$sd/stderr" &
	SMTPD_PID=$!
	PIDS="$PIDS $SMTPD_PID"
	i=0
	while [ ! -s "$sd/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$sd/pid" ] || { echo "smtpd did not start:"; cat "$sd/stderr"; }
}

stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	PIDS=$(echo "$PIDS" | sed "s/ $1\$//; s/ $1 / /")
	return 0
}

finish() {
	# A sanitizer report in any program's output is a failure.
	if grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$T"/*.log "$T"/*.out 2>/dev/null; then
		not_ok "sanitizer reports in the logs above"
	fi
	echo "$NAME: $PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}

# Run another project's tool with the real clock when the suite runs under
# faketime: man's seccomp sandbox breaks libfaketime, mandoc compares page
# dates with the clock, systemd-analyze verify fails under the preload.
real_clock() {
	env -u LD_PRELOAD -u FAKETIME -u DONT_FAKE_MONOTONIC "$@"
}

# newest_mail DIR N: the N emails smtpd.py wrote last into DIR (it numbers
# them 1.eml, 2.eml ...), newest first.  Not `ls -t`: mails written in the
# same second have no order by time.
newest_mail() {
	ls "$1" | sed -n 's/^\([0-9]*\)\.eml$/\1/p' | sort -rn | head -n "$2" |
	    sed "s#^\(.*\)\$#$1/\1.eml#"
}
