#!/bin/sh
# The feedback mailbox against a real dovecot on 127.0.0.1: the corpus in
# tests/data/mail stored field by field, the ID command in dovecot's log,
# a second poll that fetches nothing, a UIDVALIDITY change without
# duplicates, a message full of lines like IMAP command tags, backoff when
# the server is down, IMAPS with the test CA and a refused untrusted
# certificate, and dutyctl feedback list/show/assign/answer/add.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

P=$(free_port)
start_dovecot "$T/dc" "$P"
N=0	# the corpus's size
for f in "$TOP"/tests/data/mail/*.eml; do
	put_mail "$T/dc" "$f" "$(basename "$f" .eml)"
	N=$((N + 1))
done
printf 'secret-pw\n' > "$T/imap.pass"
chmod 600 "$T/imap.pass"

conf() { # conf FILE URL [extra mailbox settings]
	cat > "$1" <<CONF
general = { database = "$T/duty.db"; templates = "$TOP/conf/templates"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhangwei@example.org"; },
	{ key = "li"; name = "李娜"; email = "lina@example.org"; roles = ["principal"]; }
);
maildir = { path = "$T/outbox"; };
mailbox = { enabled = true; url = "$2"; username = "feedback";
	password_file = "$T/imap.pass"; max_size = 65536; ${3:-} };
CONF
}
conf "$T/d.conf" "imap://127.0.0.1:$P/INBOX"
C="$DUTYCTL -c $T/d.conf --now 2026-12-01"
$C init > /dev/null

# Every session dovecot saw sent ID after its login (NetEase refuses
# sessions without it).
expect_id_every_session() { # NAME LOG
	logins=$(grep -c "imap-login: Info: Login:" "$2")
	ids=$(grep -c "ID sent: name=dutyd" "$2")
	expect_eq "$1: every session ($logins) sent ID" "$logins" "$ids"
}

# 1. First poll: every corpus message, stored exactly.
$DUTYD -c "$T/d.conf" --once --now "2026-12-01 10:00" > "$T/poll1.log" 2>&1
expect_eq "dutyd --once exits 0" 0 $?
expect_in "the poll stores all $N" "poll ok: $N new, 0 duplicate(s)" "$T/poll1.log"
$C feedback list --json > "$T/list.json" 2> "$T/list.err"
$PY "$TOP/tests/integration/check_feedback.py" "$T/list.json" \
    "$TOP/tests/data/mail" 65536 > "$T/check.out" 2>&1
expect_eq "stored fields match the corpus" 0 $?
expect_in "no field differs" "0 mismatch(es) in $N rows" "$T/check.out"
expect_in "ID reached dovecot after login" \
    "ID sent: name=dutyd, version=1.0, vendor=dutyd" "$T/dc/dovecot.log"
flags=$(ls "$T/dc/home/Maildir/cur" | grep -c ',S' || true)
expect_eq "no message was marked seen (BODY.PEEK)" 0 "$flags"

# 2. Second poll: nothing new, no FETCH at all.
$DUTYD -c "$T/d.conf" --once -d --now "2026-12-01 11:00" > "$T/poll2.log" 2>&1
expect_in "second poll finds nothing" "poll ok: 0 new, 0 duplicate(s)" "$T/poll2.log"
$C digest preview --text > "$T/dg2.txt" 2>&1
expect_in "the digest's mailbox line is Chinese" "，收取正常" "$T/dg2.txt"
n=$(grep -c "UID FETCH" "$T/poll2.log")
expect_eq "second poll sends no UID FETCH" 0 "$n"
n=$(grep -c "net: > " "$T/poll2.log")
expect_eq "second poll: (LOGIN not logged) ID, EXAMINE, LOGOUT" 3 "$n"
n=$(grep -c "secret-pw" "$T/poll2.log")
expect_eq "the password is not in the debug log" 0 "$n"

# 3. A poll before the interval is up does not touch the server.
$DUTYD -c "$T/d.conf" --once -d --now "2026-12-01 11:05" > "$T/poll3.log" 2>&1
n=$(grep -c "mailbox: poll" "$T/poll3.log")
expect_eq "no poll inside poll_interval" 0 "$n"

# 4. A new message whose body is full of lines that look like libcurl's
# command tags (A000 OK ... A999 OK): the read ends early, dutyd notices
# the short literal, reconnects and reads it whole.  It comes between
# two plain messages, so one FETCH asks for all three: those after it,
# cut from that answer, are fetched alone, not taken for expunged.
{
	printf 'From: tags@example.com\r\nSubject: tag lines\r\n'
	printf 'Message-ID: <tags@example.com>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0800\r\n\r\n'
	i=0; while [ $i -lt 1000 ]; do printf 'A%03d OK done\r\n' $i; i=$((i + 1)); done
	printf 'the real end\r\n'
} > "$T/tags.eml"
for w in before after; do
	printf 'From: %s@example.com\r\nSubject: %s tags\r\nMessage-ID: <%s@example.com>\r\n\r\nplain %s\r\n' \
	    $w $w $w $w > "$T/$w.eml"
done
put_mail "$T/dc" "$T/before.eml" zz-1-before
put_mail "$T/dc" "$T/tags.eml" zz-2-tags
put_mail "$T/dc" "$T/after.eml" zz-3-after
$DUTYD -c "$T/d.conf" --once -d --now "2026-12-01 12:00" > "$T/poll4.log" 2>&1
expect_in "the tag-line message is stored, and its neighbours" \
    "poll ok: 3 new, 0 duplicate(s), 0 unreadable" "$T/poll4.log"
expect_in "they were asked for in one FETCH" "UID FETCH $((N + 1)):$((N + 3)) (UID BODY.PEEK[])" "$T/poll4.log"
$C feedback list --json > "$T/list.json"
got=$($PY -c 'import json,sys; r=[x for x in json.load(open(sys.argv[1])) if x["subject"]=="tag lines"]; print(len(r), r[0]["excerpt"][:16] if r else "")' "$T/list.json")
expect_eq "its excerpt starts at the first line" "1 A000 OK done A00" "$got"

# 5. UIDVALIDITY changes: re-read, nothing duplicated.
doveadm -c "$DOVECOT_CONF" mailbox update --uid-validity 4242 -u feedback INBOX \
    > "$T/doveadm.out" 2>&1
$DUTYD -c "$T/d.conf" --once --now "2026-12-01 13:00" > "$T/poll5.log" 2>&1
expect_in "the UIDVALIDITY change is noticed" "UIDVALIDITY changed" "$T/poll5.log"
expect_in "re-read without duplicates" "poll ok: 0 new, $((N + 3)) duplicate(s)" "$T/poll5.log"
n=$(sqlite3 "$T/duty.db" "SELECT count(*) FROM feedback")
expect_eq "still $((N + 3)) rows" $((N + 3)) "$n"
n=$(sqlite3 "$T/duty.db" "SELECT uidvalidity || '/' || last_uid FROM mailbox_state")
expect_eq "state follows the new UIDVALIDITY" "4242/$((N + 3))" "$n"

# 6. dutyctl feedback.
id=$(sqlite3 "$T/duty.db" "SELECT id FROM feedback WHERE message_id = 'm20@example.cn'")
$C feedback show "$id" > "$T/show20.out" 2>&1
expect_in "show says a CST date was read as Beijing time" "（信中日期未写时区，按本地时区估计）" "$T/show20.out"
$C feedback show 1 > "$T/show.out" 2>&1
expect_in "show decodes the subject" "主题：关于朱镕基路段路灯不亮的反映" "$T/show.out"
$C feedback assign 1 --owner zhang > "$T/assign.out" 2>&1
expect_in "assign: 15 working days from Tue 2026-12-01" "答复期限 2026-12-22" "$T/assign.out"
$C feedback answer 1 --text "路灯已于12月3日修复" > "$T/out" 2>&1
expect_in "answer" "已答复" "$T/out"
$C feedback answer 1 --text again > "$T/out" 2>&1
expect_eq "answering twice is refused (65)" 65 $?
expect_in "and says why" "feedback 1 is already answered" "$T/out"
$C feedback assign 2 --owner nobody > "$T/out" 2>&1
expect_eq "assign to an unknown person exits 65" 65 $?
expect_in "and names the person" 'no person "nobody"' "$T/out"
$C feedback assign 99 --owner zhang > "$T/out" 2>&1
expect_in "assign of a missing id says so" "no feedback 99" "$T/out"
$C feedback assign 2 --owner zhang --deadline 2026-13-01 > "$T/out" 2>&1
expect_in "a bad deadline is refused" "--deadline: not a date" "$T/out"
n=$(sqlite3 "$T/duty.db" "SELECT status FROM feedback WHERE id = 2")
expect_eq "refusals leave the row as it was" new "$n"
$C feedback add --from "赵先生 13800000000" --subject "来电" --text "反映路灯问题" > "$T/out" 2>&1
expect_in "add records phone feedback" "feedback $((N + 4)) 已登记" "$T/out"
$C feedback add --from x --text "$(printf 'a\001b')" > "$T/out" 2>&1
expect_in "control characters are refused" "--text: control characters" "$T/out"
$C feedback list --overdue --now "2026-12-23" > /dev/null 2>&1
$DUTYCTL -c "$T/d.conf" --now "2026-12-23" feedback assign 3 --owner li > /dev/null
$DUTYCTL -c "$T/d.conf" --now "2027-02-01" feedback list --overdue > "$T/out" 2>&1
expect_in "overdue lists feedback past its deadline" "1 message(s)" "$T/out"
n=$(sqlite3 "$T/duty.db" "SELECT group_concat(action) FROM audit WHERE action LIKE 'feedback.a%s%' ")
expect_eq "assign and answer are audited" "feedback.assign,feedback.answer,feedback.assign" "$n"

expect_id_every_session "after the polls" "$T/dc/dovecot.log"

# 7. The server goes away: the poll fails, backs off, dutyd carries on.
stop_pid "$DOVECOT_PID"
$DUTYD -c "$T/d.conf" --once --now "2026-12-02 10:00" > "$T/poll7.log" 2>&1
expect_eq "dutyd --once says the poll could not finish (75)" 75 $?
expect_in "the failure is logged with its retry" "mailbox: poll failed (transient)" "$T/poll7.log"
n=$(sqlite3 "$T/duty.db" "SELECT failures FROM mailbox_state")
expect_eq "the failure is recorded" 1 "$n"
$DUTYCTL -c "$T/d.conf" --now "2026-12-02 10:05" digest preview --text > "$T/dg7.txt" 2>&1
expect_in "the digest says it in the leader's words" "，无法连接邮件服务器（已连续失败1次）" "$T/dg7.txt"
if grep -q "poll failed\|Connection refused\|errno" "$T/dg7.txt"; then
	not_ok "no technical text in the digest's mailbox line"
else ok "no technical text in the digest's mailbox line"; fi
$DUTYCTL -c "$T/d.conf" --now "2026-12-02 10:05" status > "$T/st7.txt" 2>&1
expect_in "the detail is in dutyctl status" "mailbox:" "$T/st7.txt"

# 8. IMAPS with the test CA; an untrusted certificate is refused.
sh "$TOP/tests/integration/mkcert.sh" "$T/certs"
P2=$(free_port); S2=$(free_port)
start_dovecot "$T/dc2" "$P2" "$S2" "$T/certs/server.pem" "$T/certs/server.key"
put_mail "$T/dc2" "$TOP/tests/data/mail/05-utf8-alternative.eml" m05
rm -f "$T/duty.db"*
conf "$T/tls.conf" "imaps://127.0.0.1:$S2/INBOX" "ca_file = \"$T/certs/ca.pem\"; mark_seen = true;"
$DUTYCTL -c "$T/tls.conf" init > /dev/null
$DUTYD -c "$T/tls.conf" --once --now "2026-12-03 10:00" > "$T/tls.log" 2>&1
expect_in "imaps with the private CA works" "poll ok: 1 new" "$T/tls.log"
flags=$(ls "$T/dc2/home/Maildir/cur" | grep -c ':2,S' || true)
expect_eq "mark_seen = true marks the fetched mail seen" 1 "$flags"
rm -f "$T/duty.db"*
conf "$T/bad-tls.conf" "imaps://127.0.0.1:$S2/INBOX" "ca_file = \"$T/certs/self.pem\";"
$DUTYCTL -c "$T/bad-tls.conf" init > /dev/null
$DUTYD -c "$T/bad-tls.conf" --once --now "2026-12-03 10:00" > "$T/bad-tls.log" 2>&1
expect_in "an untrusted certificate is refused" "set mailbox.ca_file" "$T/bad-tls.log"
n=$(sqlite3 "$T/duty.db" "SELECT count(*) FROM feedback")
expect_eq "nothing is stored from it" 0 "$n"

# 9. STARTTLS: imap:// to a host that is not loopback (127.0.0.2, a
# relay to the same dovecot) upgrades to TLS before the login, under the
# same deadline and checks as imaps.
R=$(free_port)
$PY - "$R" "$P2" "$T/relay.ready" <<'PY' > "$T/relay.out" 2>&1 &
import socket, sys, threading
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.2", int(sys.argv[1])))
ls.listen(5)
open(sys.argv[3], "w").write("ready\n")
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass
while True:
    c, _ = ls.accept()
    u = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    for a, b in ((c, u), (u, c)):
        threading.Thread(target=pipe, args=(a, b), daemon=True).start()
PY
PIDS="$PIDS $!"
i=0
while [ ! -s "$T/relay.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
tls_logins() { grep -c 'Login: user=<feedback>.*, TLS' "$T/dc2/dovecot.log"; }
n0=$(tls_logins)
rm -f "$T/duty.db"*
conf "$T/stls.conf" "imap://127.0.0.2:$R/INBOX" "ca_file = \"$T/certs/ca.pem\";"
$DUTYCTL -c "$T/stls.conf" init > /dev/null
timeout -k 2 30 $DUTYD -c "$T/stls.conf" --once -d --now "2026-12-03 11:00" \
    > "$T/stls.log" 2>&1
expect_in "STARTTLS with the private CA works" "poll ok: 1 new" "$T/stls.log"
expect_in "STARTTLS was asked for" "net: > 1 STARTTLS" "$T/stls.log"
expect_eq "dovecot saw the login over TLS" "$((n0 + 1))" "$(tls_logins)"
rm -f "$T/duty.db"*
conf "$T/bad-stls.conf" "imap://127.0.0.2:$R/INBOX" "ca_file = \"$T/certs/self.pem\";"
$DUTYCTL -c "$T/bad-stls.conf" init > /dev/null
timeout -k 2 30 $DUTYD -c "$T/bad-stls.conf" --once --now "2026-12-03 11:00" \
    > "$T/bad-stls.log" 2>&1
expect_in "STARTTLS: an untrusted certificate is refused" "set mailbox.ca_file" \
    "$T/bad-stls.log"

finish
