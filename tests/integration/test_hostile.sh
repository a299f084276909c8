#!/bin/sh
# The feedback mailbox is open to anyone (issue 14), against a real
# dovecot on 127.0.0.1:
# - a message whose body forges FETCH responses for the UIDs after it
#   leaves the next two messages as they are (literals are taken by
#   their byte count);
# - two distinct messages that share a Message-ID are both stored;
# - the three size attacks (a 1.2 MB Subject of broken encoded words,
#   ~1,000,000 parts, 200,000 nested "Content-Type :" levels), and two
#   more (2,000,000 header lines, a 9 MB line), are stored with a note,
#   within the memory bound: at most 64 MiB above an idle poll's peak RSS
#   (getrusage of the child; skipped under ASan, whose allocator keeps
#   freed memory in quarantine).  Their time is measured by make bench;
#   here the poll must just finish (timeout 120 s);
# - bounces, auto-replies and the office's own mail are classified and
#   left out of the digest's count; feedback close and spam are audited;
# - every session in dovecot's log sent ID.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

P=$(free_port)
start_dovecot "$T/dc" "$P"
printf 'secret-pw\n' > "$T/imap.pass"
chmod 600 "$T/imap.pass"
cat > "$T/d.conf" <<CONF
general = { database = "$T/duty.db"; templates = "$TOP/conf/templates"; };
people = ( { key = "li"; name = "李娜"; email = "lina@example.org";
	roles = ["principal"]; } );
maildir = { path = "$T/outbox"; };
mailbox = { enabled = true; url = "imap://127.0.0.1:$P/INBOX";
	username = "feedback"; password_file = "$T/imap.pass"; };
CONF
$DUTYCTL -c "$T/d.conf" init > /dev/null

# Peak RSS (KiB) and exit code of one dutyd --once at pretended time $1.
poll() { # poll TIME LOG
	$PY - "$DUTYD" "$T/d.conf" "$1" "$2" <<'PY'
import resource, subprocess, sys
d, conf, now, log = sys.argv[1:5]
r = subprocess.run(["timeout", "120", d, "-c", conf, "--once", "--now", now],
    stdout=subprocess.DEVNULL, stderr=open(log, "w"))
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)
PY
}
rows() { # rows SQL
	sqlite3 "$T/duty.db" "$1"
}

# 1. A plain message, polled alone: the idle peak.
printf 'From: a@example.cn\r\nSubject: first\r\nMessage-ID: <first@example.cn>\r\n\r\nhello\r\n' \
    > "$T/first.eml"
put_mail "$T/dc" "$T/first.eml" a-first
set -- $(poll "2026-12-01 10:00" "$T/p1.log")
idle=$1
expect_eq "the first poll exits 0" 0 "$2"

# 2. Forged FETCH responses in a body, then two real messages; one FETCH
# asks for all three.
$PY - "$T/dc/home/Maildir/new" <<'PY'
import os, sys
d = sys.argv[1]
fake = ("Subject: forged\r\nFrom: evil@example.com\r\n\r\nforged text\r\n")
body = ""
for uid in (3, 4, 5):
    body += "* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n" % (uid, uid, len(fake), fake)
body += "A0001 OK done\r\n3 OK done\r\n"
m = ("From: attacker@example.com\r\nSubject: forger\r\n"
     "Message-ID: <forger@example.com>\r\n\r\n" + body)
open(os.path.join(d, "b-forger"), "w").write(m)
for n, who in ((1, "王芳"), (2, "赵强")):
    m = ("From: r%d@example.cn\r\nSubject: =?utf-8?B?%s?=\r\n"
         "Message-ID: <real%d@example.cn>\r\nContent-Type: text/plain; "
         "charset=utf-8\r\n\r\n%s反映：小区路灯不亮。\r\n" % (n,
         __import__("base64").b64encode(("真实来信%d" % n).encode()).decode(),
         n, who))
    open(os.path.join(d, "c-real%d" % n), "w", encoding="utf-8").write(m)
PY
chmod 644 "$T/dc/home/Maildir/new/"*
set -- $(poll "2026-12-01 11:00" "$T/p2.log")
expect_in "the forger and the next two are stored" "poll ok: 3 new, 0 duplicate(s), 0 unreadable" "$T/p2.log"
got=$(rows "SELECT uid || ' ' || subject || ' ' || excerpt FROM feedback WHERE uid IN (3, 4) ORDER BY uid")
expect_eq "UIDs 3 and 4 are the real messages, intact" "3 真实来信1 王芳反映：小区路灯不亮。
4 真实来信2 赵强反映：小区路灯不亮。" "$got"
n=$(rows "SELECT count(*) FROM feedback WHERE subject = 'forged'")
expect_eq "no row comes from the forged responses" 0 "$n"
got=$(rows "SELECT substr(excerpt, 1, 18) FROM feedback WHERE uid = 2")
expect_eq "the forger's body is stored as its text" "* 3 FETCH (UID 3 B" "$got"

# 3. Two distinct messages, one Message-ID: both stored.  The same bytes
# read again (UIDVALIDITY change) are still one row.
for n in 1 2; do
	printf 'From: s%s@example.cn\r\nSubject: same id %s\r\nMessage-ID: <same@example.cn>\r\n\r\ntext %s\r\n' \
	    $n $n $n > "$T/same$n.eml"
	put_mail "$T/dc" "$T/same$n.eml" d-same$n
done
poll "2026-12-01 12:00" "$T/p3.log" > /dev/null
expect_in "both messages with one Message-ID are new" "poll ok: 2 new" "$T/p3.log"
got=$(rows "SELECT group_concat(subject, '|') FROM feedback WHERE message_id = 'same@example.cn'")
expect_eq "both are stored" "same id 1|same id 2" "$got"
doveadm -c "$DOVECOT_CONF" mailbox update --uid-validity 777 -u feedback INBOX \
    > "$T/doveadm.out" 2>&1
poll "2026-12-01 13:00" "$T/p4.log" > /dev/null
expect_in "re-read after a UIDVALIDITY change: nothing new" "poll ok: 0 new, 6 duplicate(s)" "$T/p4.log"

# 4. Not 群众意见: a bounce, an auto-reply and the office's own mail are
# kept, classified, and left out of the digest's count; a message can be
# closed with a reason and another marked spam, both audited.
cat >> "$T/d.conf" <<CONF
smtp = { enabled = false; from = "duban@office.example.cn"; };
CONF
printf 'From: MAILER-DAEMON@mx.example.cn\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b1@mx>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n--r\r\n\r\nfailed\r\n--r--\r\n' > "$T/bounce.eml"
printf 'From: someone@example.cn\r\nSubject: =?utf-8?B?6Ieq5Yqo5Zue5aSN77ya5L2g5aW9?=\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <a1@x>\r\n\r\naway\r\n' > "$T/auto.eml"
printf 'From: duban@office.example.cn\r\nSubject: reminder\r\nMessage-ID: <o1@x>\r\n\r\nours\r\n' > "$T/own.eml"
put_mail "$T/dc" "$T/bounce.eml" d1-bounce
put_mail "$T/dc" "$T/auto.eml" d2-auto
put_mail "$T/dc" "$T/own.eml" d3-own
poll "2026-12-01 14:00" "$T/p5.log" > /dev/null
expect_in "the three are stored" "poll ok: 3 new" "$T/p5.log"
got=$(rows "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM feedback WHERE message_id IN ('b1@mx', 'a1@x', 'o1@x') ORDER BY uid)")
expect_eq "classified: bounce, auto-reply, own" "bounce auto own" "$got"
$DUTYCTL -c "$T/d.conf" --now "2026-12-01 15:00" digest preview > "$T/digest.txt" 2>&1
n=$(rows "SELECT count(*) FROM feedback WHERE kind = 'citizen'")
expect_in "the digest counts only the $n citizen messages" "新收${n}条" "$T/digest.txt"
expect_in "the digest marks a date the mail did not give" "（时间为估计）" "$T/digest.txt"
id=$(rows "SELECT id FROM feedback WHERE message_id = 'b1@mx'")
$DUTYCTL -c "$T/d.conf" feedback close "$id" --reason "退信，不需答复" > "$T/close.out" 2>&1
expect_in "feedback close says so" "已办结" "$T/close.out"
$DUTYCTL -c "$T/d.conf" feedback close "$id" --reason again > "$T/close2.out" 2>&1
expect_eq "closing twice is refused (65)" 65 $?
id=$(rows "SELECT id FROM feedback WHERE subject = 'forger'")
$DUTYCTL -c "$T/d.conf" feedback spam "$id" > "$T/spam.out" 2>&1
expect_in "feedback spam says so" "已标记为垃圾邮件" "$T/spam.out"
$DUTYCTL -c "$T/d.conf" feedback show "$id" > "$T/show.out" 2>&1
expect_in "show says what kind it is" "类别：垃圾邮件（不计入周报）" "$T/show.out"
got=$(rows "SELECT group_concat(action, ' ') FROM audit WHERE action IN ('feedback.close', 'feedback.spam')")
expect_eq "close and spam are audited" "feedback.close feedback.spam" "$got"

# 5. The size attacks, each alone in a poll.
$PY "$TOP/tests/data/attacks.py" "$T/att"
i=0
for a in subject-words many-parts deep-nest many-headers long-line; do
	i=$((i + 1))
	put_mail "$T/dc" "$T/att/$a.eml" "e-$i-$a"
	set -- $(poll "2026-12-0$((i + 2)) 10:00" "$T/att-$a.log")
	expect_eq "$a: dutyd --once exits 0" 0 "$2"
	expect_in "$a: stored" "poll ok: 1 new" "$T/att-$a.log"
	case "$B" in
	*asan*) ok "$a: memory bound (not measured under ASan)" ;;
	*) over=$((($1 - idle) / 1024))
	   if [ "$over" -le 64 ]; then ok "$a: peak RSS ${over} MiB over idle (<= 64)"
	   else not_ok "$a: peak RSS ${over} MiB over idle (> 64)"; fi ;;
	esac
done
got=$(rows "SELECT count(*) FROM feedback WHERE note LIKE '%邮件结构过于复杂%'")
expect_eq "the three structure attacks have a note" 3 "$got"
got=$(rows "SELECT length(subject) <= 2000 FROM feedback WHERE message_id = 'words@example.com'")
expect_eq "the 1.2 MB subject is stored cut" 1 "$got"

# 6. Every session dovecot saw sent ID after its login.
logins=$(grep -c "imap-login: Info: Login:" "$T/dc/dovecot.log")
ids=$(grep -c "ID sent: name=dutyd" "$T/dc/dovecot.log")
expect_eq "every session ($logins) sent ID" "$logins" "$ids"

finish
