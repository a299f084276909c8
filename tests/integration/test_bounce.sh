#!/bin/sh
# A bounce of a reminder marks that person's address as failing (hostile
# mailbox, part 5), end to end: a reminder goes out through the real SMTP
# test server (smtpd.py), a delivery status report (RFC 3464) for it
# lands in the feedback mailbox (a real dovecot), the poll matches it to
# the sent row by the returned Message-ID, and dutyctl status and the
# digest name the officer, the address and why, in Chinese.  A bounce of
# mail dutyd never sent, and a report without Message-ID matched by its
# Final-Recipient, are checked too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

NOW="2026-11-30 09:30"		# a Monday
pretend "$NOW"
printf 'sekrit\n' > "$T/smtp.pass"
printf 'secret-pw\n' > "$T/imap.pass"
chmod 600 "$T/smtp.pass" "$T/imap.pass"
S=$(free_port)
start_smtpd "$T/smtp" "$S" --auth dutyd:sekrit
D=$(free_port)
start_dovecot "$T/dc" "$D"
cat > "$T/d.conf" <<CONF
general = { database = "$T/duty.db"; templates = "$TOP/conf/templates"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	  leaders = ["li"]; },
	{ key = "wang"; name = "王芳"; email = "wangfang@example.org";
	  leaders = ["li"]; },
	{ key = "li"; name = "李娜"; email = "lina@example.org";
	  roles = ["leader", "principal"]; }
);
smtp = { enabled = true; url = "smtp://127.0.0.1:$S"; starttls = false;
	username = "dutyd"; password_file = "$T/smtp.pass";
	from = "duty@example.org"; rate = 0; };
mailbox = { enabled = true; url = "imap://127.0.0.1:$D/INBOX";
	username = "feedback"; password_file = "$T/imap.pass"; };
digest = { enabled = false; };
CONF
C="$DUTYCTL -c $T/d.conf"
$C init > /dev/null
$C item add --problem 一 --problem-title 问题 --code 一-1 --text 措施一 \
    --owner zhang --deadline 2026-12-02 > /dev/null
$C item add --problem 一 --code 一-2 --text 措施二 --owner wang \
    --deadline 2026-12-02 > /dev/null

# 1. The reminders go out through the SMTP server.
$DUTYD -c "$T/d.conf" --once > "$T/send.log" 2>&1
n=$(grep -c '^msg=' "$T/smtp/log")
expect_eq "the two reminders were accepted by the SMTP server" 2 "$n"
mid=$(sqlite3 "$T/duty.db" "SELECT message_id FROM outbox WHERE person = 'zhang' AND status = 'sent'")
f=$(grep -l "zhangwei@example.org" "$T"/smtp/*.eml | head -1)
check "the Message-ID the server got is the outbox's" grep -qi "^Message-ID: <$mid>" "$f"

# 2. The receiving server bounces zhang's; a DSN for it, and one for
# mail dutyd never sent, land in the feedback mailbox.
dsn() { # dsn FILE NAME MESSAGE-ID RCPT STATUS DIAG
	printf 'From: MAILER-DAEMON@mx.example.org\r\nTo: duty@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <%s@mx.example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.example.org.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; %s\r\nOriginal-Recipient: rfc822;%s\r\nAction: %s\r\nStatus: %s\r\nDiagnostic-Code: smtp; %s\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: duty@example.org\r\nTo: %s\r\nSubject: reminder\r\n%s\r\n--B--\r\n' \
	    "$2" "$4" "$4" "${ACTION:-failed}" "$5" "$6" "$4" "$3" > "$1"
}
dsn "$T/b1.eml" b1 "Message-ID: <$mid>" zhangwei@example.org 5.1.1 \
    "550 5.1.1 <zhangwei@example.org>: User not found"
dsn "$T/b2.eml" b2 "Message-ID: <other@elsewhere.example>" \
    lina@example.org 5.2.2 "552 5.2.2 Mailbox full"
put_mail "$T/dc" "$T/b1.eml" a-b1
put_mail "$T/dc" "$T/b2.eml" a-b2
$DUTYD -c "$T/d.conf" --once --now "2026-11-30 10:00" > "$T/poll1.log" 2>&1
expect_in "the poll stores both" "poll ok: 2 new" "$T/poll1.log"
got=$(sqlite3 "$T/duty.db" "SELECT group_concat(kind) FROM feedback")
expect_eq "both are bounces, not 群众意见" "bounce,bounce" "$got"
$C --now "2026-11-30 10:05" status > "$T/status.txt" 2>&1
expect_in "dutyctl status names the officer, the address and why" \
    "bounced:     张伟 <zhangwei@example.org> is failing: 退信：收件人地址不存在（smtp; 550 5.1.1 <zhangwei@example.org>: User not found）" \
    "$T/status.txt"
n=$(grep -c "is failing" "$T/status.txt")
expect_eq "a bounce of mail dutyd never sent marks no one" 1 "$n"
expect_in "the log says so, the address masked" "mailbox: a bounce says zh" "$T/poll1.log"
$C --now "2026-11-30 10:05" digest preview --text --to li > "$T/digest.txt" 2>&1
expect_in "the digest's delivery section names them in Chinese" \
    "张伟 zhangwei@example.org：退信：收件人地址不存在" "$T/digest.txt"
expect_in "and says how many" "被退信的邮箱1个" "$T/digest.txt"
if grep -q "提醒均已送达" "$T/digest.txt"; then
	not_ok "the digest does not say every reminder arrived"
else ok "the digest does not say every reminder arrived"; fi

# 3. A delay notice (Action: delayed) for wang's reminder marks nothing;
# a report without the original's Message-ID is matched by its
# Final-Recipient to the last email sent there.
wmid=$(sqlite3 "$T/duty.db" "SELECT message_id FROM outbox WHERE person = 'wang'")
ACTION=delayed dsn "$T/b4.eml" b4 "Message-ID: <$wmid>" wangfang@example.org \
    4.4.1 "451 4.4.1 timed out, still trying"
put_mail "$T/dc" "$T/b4.eml" a-b4
$DUTYD -c "$T/d.conf" --once --now "2026-11-30 10:30" > "$T/poll15.log" 2>&1
$C --now "2026-11-30 10:35" status > "$T/status15.txt" 2>&1
n=$(grep -c "is failing" "$T/status15.txt")
expect_eq "a delay notice marks no one" 1 "$n"
dsn "$T/b3.eml" b3 "" wangfang@example.org 5.2.2 \
    "552 5.2.2 Mailbox full"
put_mail "$T/dc" "$T/b3.eml" a-b3
$DUTYD -c "$T/d.conf" --once --now "2026-11-30 11:00" > "$T/poll2.log" 2>&1
$C --now "2026-11-30 11:05" status > "$T/status2.txt" 2>&1
expect_in "matched by Final-Recipient, the reason in Chinese" \
    "王芳 <wangfang@example.org> is failing: 退信：收件人邮箱已满（smtp; 552 5.2.2 Mailbox full）" \
    "$T/status2.txt"

# The admin fixes 张伟's address: the old one's bounce is no longer news,
# in dutyctl status or in the digest; 王芳's still is.
sed -i 's/zhangwei@example.org/zhang.wei@example.org/' "$T/d.conf"
$C --now "2026-11-30 11:10" status > "$T/status3.txt" 2>&1
expect_eq "after the address is changed, its bounce is no longer shown" 0 \
    "$(grep -c 'zhangwei@example.org' "$T/status3.txt")"
expect_in "another person's still is" "王芳 <wangfang@example.org> is failing" \
    "$T/status3.txt"
$C --now "2026-11-30 11:10" digest preview --text --to li > "$T/digest3.txt" 2>&1
expect_in "the digest counts only that one" "被退信的邮箱1个" "$T/digest3.txt"
expect_eq "and does not name the old address" 0 \
    "$(grep -c 'zhangwei@example.org' "$T/digest3.txt")"

# 4. One report for several recipients (a group of fields each, RFC
# 3464): every failed one is recorded against its own person (zhang by
# the returned Message-ID and his address, wang by hers), the delayed
# one is not.  The state of the parts above is cleared first.
sed -i 's/zhang.wei@example.org/zhangwei@example.org/' "$T/d.conf"
sqlite3 "$T/duty.db" "DELETE FROM daemon_state WHERE name LIKE 'bounce:%'"
printf 'From: MAILER-DAEMON@mx.example.org\r\nTo: duty@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b5@mx.example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nThree recipients.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; zhangwei@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\nOriginal-Recipient: rfc822;lina@example.org\r\nAction: delayed\r\nFinal-Recipient: rfc822; lina@example.org\r\nStatus: 4.4.1\r\n\r\nAction: failed\r\nStatus: 5.2.1\r\nFinal-Recipient: rfc822; WangFang@example.org\r\nDiagnostic-Code: smtp; 550 5.2.1 account disabled\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: duty@example.org\r\nTo: zhangwei@example.org\r\nSubject: reminder\r\nMessage-ID: <%s>\r\nStatus: RO\r\n\r\n--B--\r\n' \
    "$mid" > "$T/b5.eml"
put_mail "$T/dc" "$T/b5.eml" a-b5
$DUTYD -c "$T/d.conf" --once --now "2026-11-30 11:30" > "$T/poll4.log" 2>&1
expect_in "the multi-recipient report is stored" "poll ok: 1 new" "$T/poll4.log"
$C --now "2026-11-30 11:35" status > "$T/status4.txt" 2>&1
expect_in "its first failed recipient is recorded" \
    "张伟 <zhangwei@example.org> is failing: 退信：收件人地址不存在（smtp; 550 5.1.1 no such user）" \
    "$T/status4.txt"
expect_in "and its third, with its own reason" \
    "王芳 <wangfang@example.org> is failing: 退信：收件人邮箱已停用（smtp; 550 5.2.1 account disabled）" \
    "$T/status4.txt"
expect_eq "the delayed one is not" 2 "$(grep -c 'is failing' "$T/status4.txt")"
expect_eq "the log names each failed one" 2 \
    "$(grep -c 'mailbox: a bounce says' "$T/poll4.log")"

finish
