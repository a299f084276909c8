#!/bin/sh
# Officers answer reminders by email (issue 18).  This part: a reminder
# with replies enabled carries Reply-To, the token in its subject and an
# X-Dutyd-Token header, tells the officer how to answer, and the token is
# recorded for the poller; without replies nothing changes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

NOW="2026-11-30 09:30"		# a Monday
pretend "$NOW"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/replies.key"
chmod 600 "$T/replies.key"
printf 'secret-pw\n' > "$T/imap.pass"
chmod 600 "$T/imap.pass"
IP=$(free_port)
start_dovecot "$T/dc" "$IP"
MB="mailbox = { enabled = true; url = \"imap://127.0.0.1:$IP/INBOX\";
	username = \"feedback\"; password_file = \"$T/imap.pass\"; };"

conf() { # conf NAME [replies settings]
	cat > "$T/$1.conf" <<CONF
general = { database = "$T/$1.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	  leaders = ["li"]; },
	{ key = "li"; name = "李娜"; email = "lina@example.org";
	  roles = ["leader", "principal"]; }
);
maildir = { path = "$T/$1-md"; };
digest = { enabled = false; };
${2:-}
CONF
}

ledger() {
	c="$DUTYCTL -c $T/$1.conf"
	$c init >/dev/null
	$c item add --problem 八 --problem-title "意识形态工作责任制落实不到位" \
	    --code 八-二 --text "修订意识形态工作责任清单" --owner zhang \
	    --deadline 2026-12-02 >/dev/null
	$c item add --problem 八 --code 八-三 --text "开展专题培训" \
	    --owner zhang --deadline 2026-11-20 >/dev/null
}

# --- without replies: the reminder is as before ---------------------------
conf plain
ledger plain
$DUTYD -c "$T/plain.conf" --once --now "$NOW" > "$T/plain.log" 2>&1
expect_eq "dutyd --once exits 0 (no replies)" 0 $?
f=$(grep -l "zhangwei@example.org" "$T"/plain-md/new/* | head -1)
expect_eq "no Reply-To without replies" 0 "$(grep -c '^Reply-To:' "$f")"
expect_eq "no token header without replies" 0 \
    "$(grep -c '^X-Dutyd-Token:' "$f")"
$PY "$TOP/tests/integration/mailcheck.py" --body "$f" > "$T/plain.txt"
expect_in "the old footer stays" "（本邮件由系统自动发送，请勿直接回复）" \
    "$T/plain.txt"

# --- with replies ----------------------------------------------------------
conf on "$MB replies = { enabled = true;
	address = \"duty+reply@example.org\"; key_file = \"$T/replies.key\"; };"
ledger on
$DUTYCTL -c "$T/on.conf" check-config > "$T/check.out" 2>&1
expect_eq "check-config accepts the replies section" 0 $?
$DUTYD -c "$T/on.conf" --once --now "$NOW" > "$T/on.log" 2>&1
expect_eq "dutyd --once exits 0 (replies)" 0 $?
f=$(grep -l "^To:.*zhangwei@example.org" "$T"/on-md/new/* | head -1)
expect_in "Reply-To is the replies address" \
    "Reply-To: duty+reply@example.org" "$f"
tok=$(sed -n 's/^X-Dutyd-Token: \([A-Z2-7]*\)\r*$/\1/p' "$f")
expect_eq "the token header holds 16 base32 characters" 16 "${#tok}"
$PY "$TOP/tests/integration/mailcheck.py" --body "$f" > "$T/on.txt"
expect_in "the subject ends with the token" "[#$tok] parts=" "$T/on.txt"
expect_in "the body says how to answer" "可直接回复本邮件报告办理情况" "$T/on.txt"
expect_in "with the multi-item form" "八-二 已完成：" "$T/on.txt"
expect_eq "no 请勿直接回复 when replies are on" 0 \
    "$(grep -c '请勿直接回复' "$T/on.txt")"
expect_eq "the token is recorded for the officer and both measures" \
    "zhang|1,2|reminder" \
    "$(sqlite3 "$T/on.db" "select person, items, kind from reply_token
    where token = '$tok'")"
mid=$(sqlite3 "$T/on.db" "select message_id from reply_token
    where token = '$tok'")
expect_in "bound to the email's Message-ID" "Message-Id: <$mid>" "$f"
g=$(grep -l "^To:.*lina@example.org" "$T"/on-md/new/* | head -1)
tl=$(sed -n 's/^X-Dutyd-Token: \([A-Z2-7]*\)\r*$/\1/p' "$g")
expect_eq "the leader's escalation has a token of its own" 1 \
    "$(sqlite3 "$T/on.db" "select count(*) from reply_token
    where token = '$tl' and person = 'li' and token <> '$tok'")"

# A key file others can read is refused, as for every secret.
chmod 644 "$T/replies.key"
conf bad "$MB replies = { enabled = true;
	address = \"duty+reply@example.org\"; key_file = \"$T/replies.key\"; };"
ledger bad
$DUTYD -c "$T/bad.conf" --once --now "$NOW" > "$T/bad.log" 2>&1
expect_in "a readable key file is refused with the fix" "chmod 600" \
    "$T/bad.log"
chmod 600 "$T/replies.key"
conf miss "replies = { enabled = true; };"
$DUTYCTL -c "$T/miss.conf" check-config > "$T/miss.out" 2>&1
expect_eq "replies without address and key_file is a config error" 78 $?
expect_in "and says which setting" "replies.address: required when replies.enabled is true" "$T/miss.out"
expect_in "replies need the mailbox to read the answers" \
    "replies.enabled: needs the mailbox section enabled" "$T/miss.out"

finish
