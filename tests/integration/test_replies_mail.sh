#!/bin/sh
# Officers answer reminders by email (issue 18), end to end against a real
# dovecot (the replies mailbox) and a real SMTP server: a progress note
# with an attachment becomes a note plus evidence; a 销号 request waits
# (待认定, no more reminders) until the leader replies 同意, and the item
# is then done with that evidence; each bad input applies nothing and
# gets at most one answer (none for an auto-reply), and a replayed
# message is dropped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

sh "$TOP/tests/integration/mkcert.sh" "$T/certs" >/dev/null
printf 'sekrit\n' > "$T/smtp.pass"
printf 'secret-pw\n' > "$T/imap.pass"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/replies.key"
chmod 600 "$T/smtp.pass" "$T/imap.pass" "$T/replies.key"
NOW="2026-11-30 09:30"		# a Monday
pretend "$NOW"

IP=$(free_port)
start_dovecot "$T/dc" "$IP"
SP=$(free_port)
start_smtpd "$T/s" "$SP" --tls-cert "$T/certs/server.pem" \
    --tls-key "$T/certs/server.key" --require-starttls --auth dutyd:sekrit

cat > "$T/d.conf" <<CONF
general = { database = "$T/d.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	  leaders = ["li"]; },
	{ key = "wang"; name = "王芳"; email = "wangfang@example.org";
	  leaders = ["li"]; },
	{ key = "li"; name = "李娜"; email = "lina@example.org";
	  roles = ["leader", "principal"]; }
);
smtp = { enabled = true; url = "smtp://127.0.0.1:$SP"; username = "dutyd";
	password_file = "$T/smtp.pass"; from = "duty@example.org";
	from_name = "巡察整改办"; ca_file = "$T/certs/ca.pem"; rate = 0; };
mailbox = { enabled = true; url = "imap://127.0.0.1:$IP/INBOX";
	username = "feedback"; password_file = "$T/imap.pass";
	max_size = 200000; poll_interval = 60; };
replies = { enabled = true; address = "feedback+reply@example.org";
	key_file = "$T/replies.key"; max_attachment = 65536; };
digest = { enabled = false; };
CONF
C="$DUTYCTL -c $T/d.conf"
$C init >/dev/null
$C item add --problem 八 --problem-title "意识形态工作责任制落实不到位" \
    --code 八-二 --text "修订意识形态工作责任清单" --owner zhang \
    --deadline 2026-12-02 >/dev/null
$C item add --problem 八 --code 八-三 --text "开展专题培训" --owner zhang \
    --deadline 2026-11-20 >/dev/null
$C item add --problem 九 --problem-title "基层组织建设薄弱" --code 九-一 \
    --text "整顿软弱涣散基层党组织" --owner wang --deadline 2026-12-01 \
    >/dev/null

# run TIME NAME: one daemon tick at TIME, its log in $T/NAME.log.
run() {
	pretend "$1"
	$DUTYD -c "$T/d.conf" --once > "$T/$2.log" 2>&1
}
# sent_to ADDR: the newest email the SMTP server got for ADDR.
sent_to() {
	grep -l "^To:.*$1" $(newest_mail "$T/s" 100000) 2>/dev/null | head -1
}
nsent() { ls "$T"/s/*.eml 2>/dev/null | wc -l; }
# mail N ARGS...: write reply N with mkreply.py and deliver it.
mail() {
	mn=$1; shift
	$PY "$TOP/tests/integration/mkreply.py" "$T/r$mn.eml" "$@"
	put_mail "$T/dc" "$T/r$mn.eml" "r$mn"
}
q() { sqlite3 "$T/d.db" "$1"; }

# --- the reminders --------------------------------------------------------
run "$NOW" tick1
expect_eq "three reminders went out" 3 "$(nsent)"
rz=$(sent_to zhangwei@example.org)
TZ_=$(sed -n 's/^X-Dutyd-Token: \([A-Z2-7]*\)\r*$/\1/p' "$rz")
MZ=$(sed -n 's/^Message-Id: <\(.*\)>\r*$/\1/p' "$rz")
SZ=$($PY -c 'import email,sys,email.policy
m=email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default)
print(m["Subject"])' "$rz")
expect_eq "the officer's reminder has a token" 16 "${#TZ_}"
rw=$(sent_to wangfang@example.org)
TW=$(sed -n 's/^X-Dutyd-Token: \([A-Z2-7]*\)\r*$/\1/p' "$rw")

# --- a progress note with an attachment -----------------------------------
mail 1 --from "张伟 <zhangwei@example.org>" --subject "回复：$SZ" \
    --message-id r1@phone.example --in-reply-to "$MZ" \
    --body "八-二 进展：已召开专题会议，完成清单起草\n\n发自我的iPhone\n\n------------------ 原始邮件 ------------------\n销号" \
    --attach "会议纪要.pdf:5000"
run "2026-11-30 10:00" tick2
expect_in "the poll saw one progress note" "reply: 1 progress note(s)" \
    "$T/tick2.log"
expect_eq "it is not 群众意见" 0 "$(q 'select count(*) from feedback')"
expect_eq "the note is in the measure's history, with the Message-ID" \
    "measure.progress|progress=已召开专题会议，完成清单起草; message_id=r1@phone.example" \
    "$(q "select action, after from audit where object = '八-二' and action = 'measure.progress'")"
$C item show 八-二 > "$T/show1.out" 2>&1
expect_in "the attachment is the measure's evidence" "会议纪要.pdf" \
    "$T/show1.out"
h=$(sha256sum < "$T/r1.eml" >/dev/null; q "select hash from evidence_file")
$C evidence get "$h" -o "$T/got.pdf" >/dev/null 2>&1
$PY -c 'import sys
d=bytes((i*7+len("会议纪要.pdf"))%251 for i in range(5000))
sys.exit(0 if open(sys.argv[1],"rb").read()==d else 1)' "$T/got.pdf"
expect_eq "the evidence file holds the attachment's bytes" 0 $?
a=$(sent_to zhangwei@example.org)
$PY "$TOP/tests/integration/mailcheck.py" --body "$a" > "$T/a1.txt"
expect_in "the officer is answered" "subject=【已收到】八-二进展情况已记录" \
    "$T/a1.txt"
expect_in "the answer quotes the note" "已收到您对八-二的进展报告" "$T/a1.txt"
expect_in "and says the file was kept" "附件1个已作为佐证材料存档" "$T/a1.txt"

# --- a 销号 request, approved by the leader's reply -------------------------
mail 2 --from "zhangwei@example.org" --subject "Re: $SZ" \
    --message-id r2@phone.example \
    --body "八-二 已完成：清单已印发\n> 原文" --attach "印发通知.pdf:3000"
run "2026-11-30 10:30" tick3
expect_in "the request is pending" "1 request(s) pending" "$T/tick3.log"
$C reply list --status pending > "$T/pending.out" 2>&1
expect_in "reply list shows it pending" "pending (待认定)" "$T/pending.out"
$C digest preview --text --to li > "$T/digest.txt" 2>&1
expect_in "the digest lists what officers reported" \
    "八-二 张伟：已召开专题会议，完成清单起草（附件1个）" "$T/digest.txt"
expect_in "and what waits for approval" "待认定的申请1项" "$T/digest.txt"
expect_in "with the request" "八-二 张伟申请销号：清单已印发" "$T/digest.txt"
$C item show 八-二 > "$T/show2.out" 2>&1
expect_in "item show lists the pending request" "pending (待认定)" "$T/show2.out"
expect_in "and the progress note" "已召开专题会议，完成清单起草" "$T/show2.out"
expect_eq "the measure is still open" "open" \
    "$(q "select status from measure where code = '八-二'")"
ask=$(sent_to lina@example.org)
$PY "$TOP/tests/integration/mailcheck.py" --body "$ask" > "$T/ask.txt"
expect_in "the leader is asked" "subject=【待认定】张伟申请八-二销号 [#" \
    "$T/ask.txt"
expect_in "the request says how to answer" "不同意：原因" "$T/ask.txt"
TL=$(sed -n 's/^X-Dutyd-Token: \([A-Z2-7]*\)\r*$/\1/p' "$ask")
ML=$(sed -n 's/^Message-Id: <\(.*\)>\r*$/\1/p' "$ask")
expect_in "the request is answerable" "Reply-To: feedback+reply@example.org" \
    "$ask"
# Reminders stop while it is pending (八-二 is due 2026-12-02: the
# 1-working-day stage falls on 12-01).
n0=$(nsent)
run "2026-12-01 09:30" tick4
newest_mail "$T/s" $(( $(nsent) - n0 )) > "$T/new4"
$PY "$TOP/tests/integration/mailcheck.py" --body $(cat "$T/new4") > "$T/tick4.txt"
expect_in "the other item is still reminded" "【已逾期" "$T/tick4.txt"
if grep -q "修订意识形态工作责任清单" "$T/tick4.txt"; then
	not_ok "no reminder about 八-二 while its 销号 is pending"
else
	ok "no reminder about 八-二 while its 销号 is pending"
fi
mail 3 --from "李娜 <lina@example.org>" --subject "回复：【待认定】 [#$TL]" \
    --message-id r3@leader.example --in-reply-to "$ML" --body "同意"
run "2026-12-01 10:00" tick5
expect_eq "the leader's 同意 closes the measure" "done" \
    "$(q "select status from measure where code = '八-二'")"
expect_eq "closed by the leader" "li" \
    "$(q "select closed_by from measure where code = '八-二'")"
expect_eq "with both files as its evidence" 2 \
    "$(q "select count(*) from evidence_file e join measure m on m.id = e.measure_id where m.code = '八-二'")"
expect_eq "the decision is audited with the leader's Message-ID" 1 \
    "$(q "select count(*) from audit where action = 'reply.approve' and after like '%message_id=r3@leader.example%'")"
d=$(sent_to zhangwei@example.org)
$PY "$TOP/tests/integration/mailcheck.py" --body "$d" > "$T/dec.txt"
expect_in "the officer is told" "subject=【认定结果】八-二销号申请已同意" \
    "$T/dec.txt"

# --- bad input: each applies nothing --------------------------------------
hist() { q "select count(*) from audit where action like 'measure.%' or action like 'evidence.%'"; }
H0=$(hist)
answers() { q "select count(*) from outbox where kind = 'reply-answer' and person = '$1'"; }
AZ=$(answers zhang)
AL=$(answers li)
bad() { # bad N WHY ARGS...: deliver, tick, expect the refusal WHY
	bn=$1; why=$2; shift 2
	mail "b$bn" "$@"
	run "2026-12-02 1$bn:00" "bad$bn"
	expect_eq "bad $bn ($why): refused with the reason" "refused|$why" \
	    "$(q "select status, reason from reply order by id desc limit 1")"
}
bad 1 token-unknown --from zhangwei@example.org \
    --subject "Re: 提醒 [#AAAAAAAAAAAAAAAA]" --message-id b1@x \
    --body "八-三 进展：已落实"
bad 2 code-other --from zhangwei@example.org --subject "Re: $SZ" \
    --message-id b2@x --body "九-一 进展：替王芳报告"
bad 3 from --from "attacker@evil.example" --subject "Re: $SZ" \
    --message-id b3@x --body "八-三 已完成：伪造"
bad 4 code-unknown --from zhangwei@example.org --subject "Re: $SZ" \
    --message-id b4@x --body "十-九 进展：不存在"
bad 5 unparsed --from zhangwei@example.org --subject "Re: $SZ" \
    --message-id b5@x --body "你好，这个怎么填？"
bad 6 attachment --from zhangwei@example.org --subject "Re: $SZ" \
    --message-id b6@x --body "八-三 进展：见附件" --attach "大文件.pdf:100000"
bad 7 auto --from zhangwei@example.org --subject "自动回复: $SZ" \
    --message-id b7@x --body "我正在休假" --auto
bad 8 from --from "lina@example.org" --subject "Re: $SZ" \
    --message-id b8@x --body "八-三 已完成：代为申请"
bad 9 too-large --from zhangwei@example.org --subject "Re: $SZ" \
    --message-id b9@x --body "八-三 进展：见附件" --attach "扫描件.pdf:300000"
expect_eq "no bad input touched the ledger" "$H0" "$(hist)"
expect_eq "八-三 is still open" "open" \
    "$(q "select status from measure where code = '八-三'")"
expect_eq "none of them became 群众意见" 0 "$(q 'select count(*) from feedback')"
expect_eq "no evidence file was added" 2 "$(q 'select count(*) from evidence_file')"
# Answers: one each to zhang (1 2 4 5 6 9) and li (8); none to the
# forger (3) or the auto-reply (7).  zhang's sixth in a day is not
# answered: at most 5 a day.
expect_eq "nothing goes to the forged address" 0 \
    "$(grep -c 'attacker@evil.example' "$T/s/log")"
expect_eq "answers: 5 to the officer (the daily cap)" "$((AZ + 5))" \
    "$(answers zhang)"
expect_eq "and 1 to the leader" "$((AL + 1))" "$(answers li)"
expect_in "the sixth is not answered, and the log says why" \
    "reply: no answer to zhang: 5 answers today already" "$T/bad9.log"
grep -l "reply-answer" "$T"/s/*.eml > "$T/answers"
$PY "$TOP/tests/integration/mailcheck.py" --body $(cat "$T/answers") > "$T/bad.txt"
expect_in "a wrong token is explained" "编号无效或已被修改" "$T/bad.txt"
expect_in "another person's item is explained" "措施九-一不在您回复的这封提醒邮件中" "$T/bad.txt"
expect_in "an unknown code is explained" "台账中没有措施“十-九”" "$T/bad.txt"
expect_in "an unreadable first line is explained, with an example" \
    "申请延期至2027-01-15：原因" "$T/bad.txt"
expect_in "a large attachment is explained" "附件过大或过多" "$T/bad.txt"
expect_in "the leader is told she answered someone else's reminder" \
    "这封提醒邮件不是发给您的邮箱的" "$T/bad.txt"
expect_in "the refusals are logged with the reason" "reply: refused (auto)" \
    "$T/bad7.log"

# --- a replayed message is dropped ----------------------------------------
N1=$(answers zhang)
put_mail "$T/dc" "$T/r1.eml" "r1-again"
run "2026-12-03 10:00" replay
expect_in "the replay is dropped" "reply: replayed message dropped" \
    "$T/replay.log"
expect_eq "it adds no second note" 1 \
    "$(q "select count(*) from audit where action = 'measure.progress'")"
expect_eq "and gets no answer" "$N1" "$(answers zhang)"
# The same token may be used again for a new message (officers reply
# more than once).
mail 10 --from zhangwei@example.org --subject "Re: $SZ" \
    --message-id r10@phone.example --body "八-三 进展：培训方案已定"
run "2026-12-03 11:00" again
expect_eq "a second answer with the same token is recorded" 2 \
    "$(q "select count(*) from audit where action = 'measure.progress'")"

# --- approve and reject from the command line -----------------------------
mail 11 --from wangfang@example.org --subject "Re: 提醒 [#$TW]" \
    --message-id r11@x --body "申请延期至2027-01-15：需协调资金"
run "2026-12-03 12:00" tick11
$C item reject 九-一 > "$T/rej0.out" 2>&1
expect_eq "item reject needs --reason" 64 $?
$C item reject 九-一 --reason "理由不充分" > "$T/rej.out" 2>&1
expect_in "item reject says the officer is told" "request rejected" \
    "$T/rej.out"
expect_eq "the deadline stays" "2026-12-01" \
    "$(q "select deadline from measure where code = '九-一'")"
$C item approve 九-一 > "$T/app.out" 2>&1
expect_eq "nothing left to approve" 65 $?
mail 12 --from wangfang@example.org --subject "Re: 提醒 [#$TW]" \
    --message-id r12@x --body "申请延期至2027-01-15：资金已协调，需要施工期"
run "2026-12-03 13:00" tick12
ask2=$(sent_to lina@example.org)
TL2=$(sed -n 's/^X-Dutyd-Token: \([A-Z2-7]*\)\r*$/\1/p' "$ask2")
$C item approve 九-一 > "$T/app.out" 2>&1
expect_in "item approve" "request approved" "$T/app.out"
mail 13 --from lina@example.org --subject "Re: 【待认定】 [#$TL2]" \
    --message-id r13@leader.example --body "不同意：还要再看看"
run "2026-12-03 13:30" tick13b
expect_eq "a 不同意 after the office approved changes nothing" \
    "refused|decided-already" \
    "$(q "select status, reason from reply order by id desc limit 1")"
expect_eq "the deadline moved" "2027-01-15" \
    "$(q "select deadline from measure where code = '九-一'")"
run "2026-12-03 14:00" tick13
d=$(sent_to wangfang@example.org)
$PY "$TOP/tests/integration/mailcheck.py" --body "$d" > "$T/w.txt"
expect_in "the officer is told of the new deadline" "时限已调整为2027-01-15" \
    "$T/w.txt"

# --- mailbox.mark_seen: a reply handled is \Seen like any other mail ------
sed -i 's/max_size = 200000; poll_interval = 60; };/max_size = 200000; poll_interval = 60; mark_seen = true; };/' "$T/d.conf"
mail 14 --from zhangwei@example.org --subject "Re: $SZ" \
    --message-id r14@phone.example --body "八-三 进展：培训讲义已印发"
run "2026-12-03 15:00" seen
expect_eq "the reply was applied" "applied|" \
    "$(q "select status, reason from reply where message_id = 'r14@phone.example'")"
expect_eq "mark_seen = true marks the handled reply seen" 1 \
    "$(ls "$T/dc/home/Maildir/cur" | grep -c '^r14:2,.*S' || true)"
sed -i 's/ mark_seen = true;//' "$T/d.conf"

# --- replies.require_dkim: the receiving server's word ---------------------
sed -i 's/max_attachment = 65536; };/max_attachment = 65536; require_dkim = true; };/' "$T/d.conf"
$C check-config > "$T/dk0.out" 2>&1
expect_in "require_dkim needs authserv_id" \
    "replies.require_dkim: needs replies.authserv_id" "$T/dk0.out"
sed -i 's/require_dkim = true; };/require_dkim = true; authserv_id = "mx.example.org"; };/' "$T/d.conf"
mail 20 --from zhangwei@example.org --subject "Re: $SZ" --message-id d1@x \
    --body "八-三 进展：无签名"
run "2026-12-04 10:00" dk1
expect_eq "no Authentication-Results: refused" "refused|dkim" \
    "$(q "select status, reason from reply order by id desc limit 1")"
mail 21 --from zhangwei@example.org --subject "Re: $SZ" --message-id d2@x \
    --header "Authentication-Results: mx.evil.example; dkim=pass header.d=example.org" \
    --body "八-三 进展：别人的服务器说通过"
run "2026-12-04 11:00" dk2
expect_eq "another server's Authentication-Results: refused" "refused|dkim" \
    "$(q "select status, reason from reply order by id desc limit 1")"
mail 22 --from zhangwei@example.org --subject "Re: $SZ" --message-id d3@x \
    --header "Authentication-Results: mx.example.org; dkim=fail header.d=example.org" \
    --body "八-三 进展：签名不对"
run "2026-12-04 12:00" dk3
expect_eq "dkim=fail: refused" "refused|dkim" \
    "$(q "select status, reason from reply order by id desc limit 1")"
mail 23 --from zhangwei@example.org --subject "Re: $SZ" --message-id d4@x \
    --header "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org header.s=s1" \
    --body "八-三 进展：签名通过"
run "2026-12-04 13:00" dk4
expect_eq "dkim=pass for the sender's domain from our server: applied" \
    "applied|" "$(q "select status, reason from reply order by id desc limit 1")"

finish
