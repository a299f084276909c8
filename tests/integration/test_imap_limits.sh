#!/bin/sh
# The bounds on what an IMAP server may cost (hostile mailbox, parts 1-2):
# - a server that trickles a message one byte at a time (always "making
#   progress") costs one mailbox.timeout: the poll gives up with a clear
#   message, dutyd --once exits 75, and the next poll of a sane server
#   works (badimapd.py --mode trickle, then --mode normal);
# - a server that announces a {999999999} literal for a message it listed
#   as small: nothing waits for or allocates it; the message is stored
#   from its headers with a note, its neighbours are stored whole, and it
#   is never fetched again (badimapd.py --mode huge);
# - an imaps:// server that accepts TCP and then never completes the TLS
#   handshake (silent, or dripping it): one mailbox.timeout, not a hang;
#   a plain greeting instead of TLS, or data sent with STARTTLS's OK:
#   refused at once;
# - a real message over max_size in dovecot: stored from its headers with
#   a note, not fetched again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

printf 'secret-pw\n' > "$T/imap.pass"
chmod 600 "$T/imap.pass"
conf() { # conf FILE PORT [extra mailbox settings]
	cat > "$1" <<CONF
general = { database = "$T/duty.db"; templates = "$TOP/conf/templates"; };
people = ( { key = "li"; name = "李娜"; email = "lina@example.org";
	roles = ["principal"]; } );
maildir = { path = "$T/outbox"; };
mailbox = { enabled = true; url = "imap://127.0.0.1:$2/INBOX";
	username = "feedback"; password_file = "$T/imap.pass"; ${3:-} };
CONF
}
# start_bad MODE PORT [ADDR]: badimapd.py with the three messages.
start_bad() {
	rm -f "$T/bad.pid"
	$PY "$TOP/tests/integration/badimapd.py" --mode "$1" --port "$2" \
	    --addr "${3:-127.0.0.1}" \
	    --pidfile "$T/bad.pid" --log "$T/bad-$1.log" --every 0.3 \
	    --msg "$T/m1.eml" --msg "$T/m2.eml" --msg "$T/m3.eml" \
	    > "$T/bad-$1.out" 2>&1 &
	BAD_PID=$!
	PIDS="$PIDS $BAD_PID"
	i=0
	while [ ! -s "$T/bad.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
for n in 1 2 3; do
	printf 'From: r%s@example.cn\r\nSubject: =?utf-8?B?%s?=\r\nMessage-ID: <m%s@example.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
	    $n "$(printf '来信%s' $n | base64)" $n "正文$n" > "$T/m$n.eml"
done
rows() { sqlite3 "$T/duty.db" "$1"; }

# 1. A trickle: one timeout (2 s here), then the poll gives up.
P=$(free_port)
start_bad trickle "$P"
conf "$T/d.conf" "$P" "timeout = 2;"
$DUTYCTL -c "$T/d.conf" init > /dev/null
timeout 40 $DUTYD -c "$T/d.conf" --once --now "2026-12-01 10:00" > "$T/t1.log" 2>&1
expect_eq "a trickling server: dutyd --once exits 75" 75 $?
expect_in "the poll gives up with the command and the timeout" \
    "mailbox: poll failed (transient): UID FETCH: timed out: no complete answer within 2 s (mailbox.timeout)" "$T/t1.log"
n=$(grep -c "poll failed" "$T/t1.log")
expect_eq "one failure, not a retry loop" 1 "$n"
got=$(rows "SELECT count(*) || ' ' || (SELECT failures FROM mailbox_state) FROM feedback")
expect_eq "nothing stored, the failure recorded" "0 1" "$got"
$DUTYCTL -c "$T/d.conf" --now "2026-12-01 10:01" status > "$T/st1.txt" 2>&1
expect_in "dutyctl status says why" "timed out" "$T/st1.txt"
$DUTYCTL -c "$T/d.conf" --now "2026-12-01 10:01" digest preview --text > "$T/dg1.txt" 2>&1
expect_in "the digest says it in the leader's words" "邮件服务器无响应" "$T/dg1.txt"
stop_pid "$BAD_PID"

# The same server, sane now: the next poll (after the backoff) works.
start_bad normal "$P"
$DUTYD -c "$T/d.conf" --once --now "2026-12-01 11:00" > "$T/t2.log" 2>&1
expect_eq "the next poll exits 0" 0 $?
expect_in "and stores the three" "poll ok: 3 new, 0 duplicate(s), 0 unreadable" "$T/t2.log"
stop_pid "$BAD_PID"

# 2. A {999999999} literal for UID 2, listed as 300 bytes.
rm -f "$T/duty.db"*
$DUTYCTL -c "$T/d.conf" init > /dev/null
start_bad huge "$P"
timeout 40 $DUTYD -c "$T/d.conf" --once --now "2026-12-01 12:00" > "$T/h1.log" 2>&1
expect_eq "a huge literal: dutyd --once exits 0" 0 $?
expect_in "all three are stored" "poll ok: 3 new, 0 duplicate(s), 0 unreadable" "$T/h1.log"
got=$(rows "SELECT uid || ' ' || subject || ' ' || excerpt FROM feedback ORDER BY uid")
expect_eq "UIDs 1 and 3 whole, 2 from its headers" "1 来信1 正文1
2 来信2 
3 来信3 正文3" "$got"
got=$(rows "SELECT note FROM feedback WHERE uid = 2")
expect_eq "UID 2 has a note" "邮件超过 10485760 字节的上限（mailbox.max_size），只保存了信头" "$got"
got=$(rows "SELECT uidvalidity || '/' || last_uid FROM mailbox_state")
expect_eq "the poll moved past it" "42/3" "$got"
before=$(grep -c "BODY.PEEK" "$T/bad-huge.log")
$DUTYD -c "$T/d.conf" --once --now "2026-12-01 13:00" > "$T/h2.log" 2>&1
expect_in "the next poll has nothing new" "poll ok: 0 new" "$T/h2.log"
after=$(grep -c "BODY.PEEK" "$T/bad-huge.log")
expect_eq "and fetches nothing again" "$before" "$after"
stop_pid "$BAD_PID"

# 4. An imaps:// server that accepts TCP and never completes TLS: one
#    that never speaks, and one that drips its handshake a byte at a time
#    (always making progress).  Each costs one mailbox.timeout (2 s),
#    which covers connecting, the handshake and the greeting together.
for mode in silent tlsdrip; do
	rm -f "$T/duty.db"*
	start_bad "$mode" "$P"
	conf "$T/s.conf" "$P" "timeout = 2;"
	sed -i 's|url = "imap://|url = "imaps://|' "$T/s.conf"
	$DUTYCTL -c "$T/s.conf" init > /dev/null
	t0=$(date +%s)
	timeout -k 2 20 $DUTYD -c "$T/s.conf" --once --now "2026-12-01 14:00" \
	    > "$T/$mode.log" 2>&1
	rc=$?
	t=$(( $(date +%s) - t0 ))
	expect_eq "imaps, $mode: dutyd --once exits 75" 75 "$rc"
	expect_in "imaps, $mode: the poll says the handshake timed out" \
	    "TLS handshake: timed out: no complete answer within 2 s (mailbox.timeout)" \
	    "$T/$mode.log"
	expect_eq "imaps, $mode: it took one timeout, not more (took ${t}s)" \
	    yes "$([ "$t" -le 4 ] && echo yes || echo no)"
	expect_in "imaps, $mode: the server saw the connection" connected \
	    "$T/bad-$mode.log"
	stop_pid "$BAD_PID"
done
# A plain IMAP greeting where the ServerHello should be: refused at once,
# as a setting to fix (imaps:// on a plain port), not a timeout.
rm -f "$T/duty.db"*
start_bad normal "$P"
$DUTYCTL -c "$T/s.conf" init > /dev/null
timeout -k 2 20 $DUTYD -c "$T/s.conf" --once --now "2026-12-01 15:00" \
    > "$T/garbage.log" 2>&1
expect_eq "imaps, a plain greeting: dutyd --once exits 75" 75 $?
expect_in "imaps, a plain greeting: the handshake failed, fix the config" \
    "mailbox: poll failed (fix the config): 127.0.0.1 port $P: TLS handshake failed:" \
    "$T/garbage.log"
stop_pid "$BAD_PID"
# STARTTLS (imap:// to a host not loopback): a line sent with the OK,
# before the handshake, would be read as if it came over TLS: refused.
rm -f "$T/duty.db"*
start_bad inject "$P" 127.0.0.2
conf "$T/i.conf" "$P" "timeout = 2;"
sed -i 's|imap://127.0.0.1:|imap://127.0.0.2:|' "$T/i.conf"
$DUTYCTL -c "$T/i.conf" init > /dev/null
timeout -k 2 20 $DUTYD -c "$T/i.conf" --once --now "2026-12-01 15:30" \
    > "$T/inject.log" 2>&1
expect_eq "STARTTLS with data after the OK: dutyd --once exits 75" 75 $?
expect_in "STARTTLS with data after the OK: refused" \
    "STARTTLS: the server sent data before the TLS handshake" "$T/inject.log"
expect_eq "and no password was sent" 0 "$(grep -c LOGIN "$T/bad-inject.log")"
stop_pid "$BAD_PID"

# 3. A real message over max_size (64 KiB) in dovecot.
D=$(free_port)
start_dovecot "$T/dc" "$D"
$PY - "$T/big.eml" <<'PY'
import sys
body = ("这是一封很长的来信。" * 20 + "\r\n") * 600
open(sys.argv[1], "wb").write(("From: big@example.cn\r\nSubject: =?utf-8?B?5aSn6YKu5Lu2?=\r\n"
    "Message-ID: <big@example.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "\r\n" + body).encode())
PY
put_mail "$T/dc" "$T/m1.eml" a-small
put_mail "$T/dc" "$T/big.eml" b-big
rm -f "$T/duty.db"*
conf "$T/dc.conf" "$D" "max_size = 65536;"
$DUTYCTL -c "$T/dc.conf" init > /dev/null
$DUTYD -c "$T/dc.conf" --once -d --now "2026-12-02 10:00" > "$T/d1.log" 2>&1
expect_in "dovecot: both stored" "poll ok: 2 new, 0 duplicate(s), 0 unreadable" "$T/d1.log"
got=$(rows "SELECT subject || '|' || note FROM feedback WHERE uid = 2")
expect_eq "the big one from its headers, with a note" "大邮件|邮件超过 65536 字节的上限（mailbox.max_size），只保存了信头" "$got"
n=$(grep -c "BODY.PEEK\[\]" "$T/d1.log")
expect_eq "its body was never asked for (one FETCH, for UID 1)" 1 "$n"
$DUTYD -c "$T/dc.conf" --once -d --now "2026-12-02 11:00" > "$T/d2.log" 2>&1
expect_in "dovecot: the next poll has nothing new" "poll ok: 0 new" "$T/d2.log"
n=$(grep -c "UID FETCH" "$T/d2.log")
expect_eq "and sends no FETCH" 0 "$n"

finish
