#!/bin/sh
# A server that goes quiet (issue 15: "a configured timeout of 300 s gave
# up after about 35 s").  Every libcurl limit, the stall (low-speed) limit
# included, comes from the configured timeout: a server silent for less
# than the timeout is waited for, one silent for longer fails the attempt
# cleanly (retried, never dead, the SMTP connection dropped).
#
# The old limit was min(timeout, 30 s).  To prove a stall of more than 30 s
# is survived without waiting 30 s, dutyd runs under faketime with its
# clocks ten times fast: the servers' 4 s of silence are 40 s to dutyd,
# past the old 30 s limit and well inside the configured 90 s.
. "$(dirname "$0")/lib.sh"

SECRET="dutyd-TEST-secret-9f8e7d"
printf '%s\n' "$SECRET" > "$T/sms.secret"
chmod 600 "$T/sms.secret"
NOW="2026-11-30 09:30"		# a Monday; the items are due Tuesday
pretend "$NOW"

# Run dutyd with its clocks ten times fast (real_clock: not under the
# suite's own faketime).  ASan must otherwise come first among preloads.
fast_dutyd() {
	real_clock env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    faketime -f "+0 x10" "$B/dutyd" --now "$NOW" "$@"
}

start_httpd() {
	hd=$1; port=$2; shift 2
	mkdir -p "$hd"
	rm -f "$hd/pid"
	$PY "$TOP/tests/integration/httpd.py" --port "$port" --dir "$hd" \
	    --pidfile "$hd/pid" "$@" >"$hd/stdout" 2>"$hd/stderr" &
	HTTPD_PID=$!
	PIDS="$PIDS $HTTPD_PID"
	i=0
	while [ ! -s "$hd/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

# sms_conf NAME PORT TIMEOUT: one officer with one item, reminded by SMS.
sms_conf() {
	cat > "$T/$1.conf" <<CONF
general = { database = "$T/$1.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = ( { key = "p1"; name = "赵一"; phone = "+8613800138001"; } );
outbox = { retry_min = 60; retry_max = 600; give_up = 86400; };
reminders = { channels = [ "sms" ]; sms_from = 1; };
digest = { enabled = false; };
maildir = { path = "$T/$1-md"; };
sms = { enabled = true; provider = "aliyun"; endpoint = "http://127.0.0.1:$2/";
	access_key_id = "LTAIdutydTEST"; secret_file = "$T/sms.secret";
	sign_name = "宁海共青团"; template_reminder = "SMS_0001";
	timeout = $3; };
CONF
	chmod 600 "$T/$1.conf"
	$DUTYCTL -c "$T/$1.conf" init >/dev/null
	$DUTYCTL -c "$T/$1.conf" item add --problem 一 --problem-title "问题一" \
	    --code 一-1 --text "措施一" --owner p1 --deadline 2026-12-01 >/dev/null
}

# smtp_conf NAME PORT TIMEOUT [N]: two officers, one email each to the
# first N (2).
smtp_conf() {
	cat > "$T/$1.conf" <<CONF
general = { database = "$T/$1.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = ( { key = "p1"; name = "赵一"; email = "p1@example.org"; },
	{ key = "p2"; name = "钱二"; email = "p2@example.org"; } );
smtp = { enabled = true; url = "smtp://127.0.0.1:$2"; starttls = false;
	from = "duty@example.org"; connect_timeout = 3; timeout = $3;
	per_connection = 0; rate = 0; };
outbox = { retry_min = 60; retry_max = 600; give_up = 86400; };
digest = { enabled = false; };
CONF
	$DUTYCTL -c "$T/$1.conf" init >/dev/null
	for p in $(echo p1 p2 | cut -d' ' -f1-"${4:-2}"); do
		$DUTYCTL -c "$T/$1.conf" item add --problem 一 --problem-title "问题一" \
		    --code "一-$p" --text "措施" --owner $p --deadline 2026-12-01 >/dev/null
	done
}

rows() {
	sqlite3 "$T/$1.db" "select status || ':' || attempts from outbox
	    order by id" | tr '\n' ' ' | sed 's/ $//'
}

# elapsed START: whole seconds since START (date +%s), real time.
elapsed() { echo $(( $(real_clock date +%s) - $1 )); }

# --- HTTP (SMS provider): timeout 3 s --------------------------------------
P=$(free_port)
start_httpd "$T/s2" "$P" --provider aliyun --script stall2
sms_conf s2 "$P" 3
$DUTYD -c "$T/s2.conf" --once > "$T/s2.log" 2>&1
expect_eq "sms, timeout 3 s: a provider silent for 2 s is waited for" \
    "sent:1" "$(rows s2)"
stop_pid "$HTTPD_PID"

P=$(free_port)
start_httpd "$T/s5" "$P" --provider aliyun --script stall5
sms_conf s5 "$P" 3
t0=$(real_clock date +%s)
$DUTYD -c "$T/s5.conf" --once > "$T/s5.log" 2>&1
took=$(elapsed "$t0")
expect_eq "sms, timeout 3 s: silent for 5 s, the attempt fails, to be retried" \
    "failed:1" "$(rows s5)"
check "and it gave up after the timeout, not later (${took}s)" \
    test "$took" -le 5
sqlite3 "$T/s5.db" "select last_error from outbox" > "$T/s5.err"
expect_in "with libcurl's reason" "timed out" "$T/s5.err"
LANGUAGE=zh_CN $DUTYCTL -c "$T/s5.conf" outbox list > "$T/s5.list" 2>&1
expect_in "dutyctl outbox list: waits for a retry, marked maybe sent (Chinese)" \
    "failed    sms     p1       1   2026-11-30 09:3" "$T/s5.list"
expect_in "with the 可能重复发送 mark" "[可能重复发送]" "$T/s5.list"
stop_pid "$HTTPD_PID"

# --- HTTP, timeout 90 s, 40 s of silence (faketime x10) ---------------------
if ! command -v faketime >/dev/null; then
	not_ok "faketime is needed for the 40 s stall (make deps installs it)"
else
	P=$(free_port)
	start_httpd "$T/s40" "$P" --provider aliyun --script stall4
	sms_conf s40 "$P" 90
	fast_dutyd -c "$T/s40.conf" --once > "$T/s40.log" 2>&1
	expect_eq "sms, timeout 90 s: a provider silent for 40 s is waited for (the old 30 s stall limit gave up)" \
	    "sent:1" "$(rows s40)"
	stop_pid "$HTTPD_PID"
fi

# --- SMTP: timeout 3 s -------------------------------------------------------
P=$(free_port)
start_smtpd "$T/m2" "$P" --delay 2
smtp_conf m2 "$P" 3 1
$DUTYD -c "$T/m2.conf" --once > "$T/m2.log" 2>&1
expect_eq "smtp, timeout 3 s: a server silent for 2 s after DATA is waited for" \
    "sent:1" "$(rows m2)"
stop_pid "$SMTPD_PID"

P=$(free_port)
start_smtpd "$T/m5" "$P" --delay 5
smtp_conf m5 "$P" 3
$DUTYD -c "$T/m5.conf" --once > "$T/m5.log" 2>&1
expect_eq "smtp, timeout 3 s: silent for 5 s, no message is dead" \
    "0" "$(sqlite3 "$T/m5.db" "select count(*) from outbox where status = 'dead'")"
expect_eq "each waits for a retry, flagged as maybe sent" "2" \
    "$(sqlite3 "$T/m5.db" "select count(*) from outbox where
    status in ('failed', 'unknown') and maybe_dup = 1 and attempts = 1")"
sleep 3		# the server keeps the late messages once its delay is over
conns=$(sed -n 's/^msg=.* conn=\([^ ]*\) .*/\1/p' "$T/m5/log" | sort -u | wc -l)
expect_eq "the connection was dropped after the timeout: one per message" \
    2 "$conns"
sqlite3 "$T/m5.db" "select last_error from outbox" > "$T/m5.err"
expect_in "with the reason" "server response timeout" "$T/m5.err"
stop_pid "$SMTPD_PID"

if command -v faketime >/dev/null; then
	P=$(free_port)
	start_smtpd "$T/m40" "$P" --delay 4
	smtp_conf m40 "$P" 90 1
	fast_dutyd -c "$T/m40.conf" --once > "$T/m40.log" 2>&1
	expect_eq "smtp, timeout 90 s: a server silent for 40 s is waited for (the old 30 s stall limit gave up)" \
	    "sent:1" "$(rows m40)"
	stop_pid "$SMTPD_PID"
fi

finish
