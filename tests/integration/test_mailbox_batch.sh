#!/bin/sh
# A mailbox larger than one FETCH (512 messages) against a real dovecot:
# the FETCH for the next batch is sent before the batch before is stored
# (the server writes while dutyd parses), and every message is stored
# once, whole and in order; the same with mailbox.mark_seen, whose STORE
# between messages must first read the answer sent ahead; and a server
# that announces an oversized literal inside a batch sent ahead costs
# that one message only (badimapd.py --mode huge).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

N=1100
printf 'secret-pw\n' > "$T/imap.pass"
chmod 600 "$T/imap.pass"
mkdir -p "$T/msgs"
$PY - "$T/msgs" "$N" <<'PY'
import base64, os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    subj = base64.b64encode(("来信%d" % i).encode()).decode()
    body = base64.encodebytes(("第%d封：小区道路破损，希望尽快整改。\n" % i)
        .encode()).decode().replace("\n", "\r\n")
    with open(os.path.join(d, "%04d" % i), "w") as f:
        f.write("From: r%d@example.cn\r\nTo: feedback@example.cn\r\n"
            "Subject: =?utf-8?B?%s?=\r\nDate: Tue, 01 Dec 2026 09:00:00 +0800\r\n"
            "Message-ID: <batch%d@example.cn>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s" % (i, subj, i, body))
PY
conf() { # conf FILE URL [extra mailbox settings]
	cat > "$1" <<CONF
general = { database = "$T/duty.db"; templates = "$TOP/conf/templates"; };
people = ( { key = "li"; name = "李娜"; email = "lina@example.org";
	roles = ["principal"]; } );
maildir = { path = "$T/outbox"; };
mailbox = { enabled = true; url = "$2"; username = "feedback";
	password_file = "$T/imap.pass"; ${3:-} };
CONF
}
rows() { sqlite3 "$T/duty.db" "$1"; }
# Every row's subject is its UID's ("来信N"), each UID once.
expect_all_stored() { # NAME
	got=$(rows "SELECT count(*) || ' ' || count(DISTINCT uid) || ' ' ||
	    sum(subject = '来信' || uid) FROM feedback")
	expect_eq "$1: $N rows, $N UIDs, each its own subject" "$N $N $N" "$got"
}
line_of() { grep -n -F -- "$1" "$2" | head -1 | cut -d: -f1; }

# 1. dovecot, 1,100 messages: three FETCHes, the next one sent ahead.
P=$(free_port)
start_dovecot "$T/dc" "$P"
cp "$T"/msgs/* "$T/dc/home/Maildir/new/" && chmod 644 "$T"/dc/home/Maildir/new/*
conf "$T/d.conf" "imap://127.0.0.1:$P/INBOX"
$DUTYCTL -c "$T/d.conf" init > /dev/null
$DUTYD -c "$T/d.conf" --once -d --now "2026-12-01 10:00" > "$T/p1.log" 2>&1
expect_eq "dutyd --once exits 0" 0 $?
expect_in "the poll stores all $N" "poll ok: $N new, 0 duplicate(s), 0 unreadable" "$T/p1.log"
expect_all_stored "dovecot"
expect_in "the first batch is 512 messages" "UID FETCH 1:512 (UID BODY.PEEK[])" "$T/p1.log"
expect_in "the last batch is the rest" "UID FETCH 1025:1100 (UID BODY.PEEK[])" "$T/p1.log"
ahead=$(line_of "UID FETCH 513:1024 (UID BODY.PEEK[])" "$T/p1.log")
first=$(line_of "mailbox: uid=1 stored" "$T/p1.log")
if [ -n "$ahead" ] && [ -n "$first" ] && [ "$ahead" -lt "$first" ]; then
	ok "the second FETCH is sent before the first message is stored"
else
	not_ok "the second FETCH is sent before the first message is stored (lines $ahead, $first)"
fi
ahead=$(line_of "UID FETCH 1025:1100 (UID BODY.PEEK[])" "$T/p1.log")
last=$(line_of "mailbox: uid=1024 stored" "$T/p1.log")
if [ -n "$ahead" ] && [ -n "$last" ] && [ "$ahead" -lt "$last" ]; then
	ok "the third FETCH is sent before the second batch is stored"
else
	not_ok "the third FETCH is sent before the second batch is stored (lines $ahead, $last)"
fi
n=$(grep -c "LOGOUT" "$T/p1.log")
expect_eq "one session, logged out after the last answer" 1 "$n"
$DUTYD -c "$T/d.conf" --once -d --now "2026-12-01 11:00" > "$T/p2.log" 2>&1
n=$(grep -c "BODY.PEEK" "$T/p2.log")
expect_eq "the next poll fetches nothing" 0 "$n"

# 2. mark_seen: a STORE after each message, the answer sent ahead read
#    first; every message stored and marked seen.
P2=$(free_port)
start_dovecot "$T/dc2" "$P2"
cp "$T"/msgs/* "$T/dc2/home/Maildir/new/" && chmod 644 "$T"/dc2/home/Maildir/new/*
rm -f "$T/duty.db"*
conf "$T/s.conf" "imap://127.0.0.1:$P2/INBOX" "mark_seen = true;"
$DUTYCTL -c "$T/s.conf" init > /dev/null
$DUTYD -c "$T/s.conf" --once --now "2026-12-01 10:00" > "$T/s1.log" 2>&1
expect_eq "mark_seen: dutyd --once exits 0" 0 $?
expect_all_stored "mark_seen"
seen=$(ls "$T/dc2/home/Maildir/cur" | grep -c ':2,S' || true)
expect_eq "mark_seen: every message marked seen" "$N" "$seen"

# 3. A literal of 999999999 bytes announced for UID 700, inside the batch
#    sent ahead: that batch is read one message at a time, UID 700 from
#    its headers with a note, everything else whole, and the batches after
#    it in one FETCH again.
rm -f "$T/duty.db"* "$T/bad.pid"
P3=$(free_port)
set --
for f in "$T"/msgs/*; do set -- "$@" --msg "$f"; done
$PY "$TOP/tests/integration/badimapd.py" --mode huge --huge-uid 700 \
    --port "$P3" --pidfile "$T/bad.pid" --log "$T/bad.log" "$@" \
    > "$T/bad.out" 2>&1 &
BAD_PID=$!
PIDS="$PIDS $BAD_PID"
i=0
while [ ! -s "$T/bad.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# mailbox.timeout is 30 s, and the server stalls after the announcement:
# waiting for the literal would cost one timeout (killed at 20 s: 124).
conf "$T/h.conf" "imap://127.0.0.1:$P3/INBOX" "timeout = 30;"
$DUTYCTL -c "$T/h.conf" init > /dev/null
timeout 20 $DUTYD -c "$T/h.conf" --once -d --now "2026-12-01 10:00" > "$T/h1.log" 2>&1
expect_eq "huge literal ahead: dutyd --once exits 0, waiting for nothing" 0 $?
expect_all_stored "huge literal ahead"
got=$(rows "SELECT count(*) FROM feedback WHERE note IS NOT NULL")
expect_eq "one message has a note" 1 "$got"
got=$(rows "SELECT uid FROM feedback WHERE note LIKE '%max_size%'")
expect_eq "it is UID 700, stored from its headers" 700 "$got"
got=$(rows "SELECT count(*) FROM feedback WHERE excerpt LIKE '第' || uid || '封%'")
expect_eq "every other message is whole" $((N - 1)) "$got"
expect_in "the batch sent ahead was asked for" "UID FETCH 513:1024 (UID BODY.PEEK[])" "$T/bad.log"
expect_in "then one at a time" "UID FETCH 699 (UID BODY.PEEK[])" "$T/bad.log"
expect_in "and the batch after it whole again" "UID FETCH 1025:1100 (UID BODY.PEEK[])" "$T/bad.log"
stop_pid "$BAD_PID"

finish
