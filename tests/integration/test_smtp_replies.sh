#!/bin/sh
# How dutyd reads SMTP replies from real servers (issue 15): a reply that
# comes after smtp.timeout is never read as the next message's answer;
# NetEase/Tencent/Coremail reply classes (per message, channel pause,
# channel stop), the per-connection cap and the channel rate.  Each case
# runs a scripted aiosmtpd server on 127.0.0.1.
. "$(dirname "$0")/lib.sh"

printf 'sekrit\n' > "$T/smtp.pass"
chmod 600 "$T/smtp.pass"
NOW="2026-11-30 09:30"		# a Monday
pretend "$NOW"

# conf NAME PORT [SMTP_EXTRA] [N]: ten (or N) officers, one item each, so
# one email each (p0 .. p9), through the server on PORT.
conf() {
	people=""
	i=0
	while [ $i -lt 10 ]; do
		people="$people{ key = \"p$i\"; name = \"干部$i\"; email = \"p$i@example.org\"; },
	"
		i=$((i + 1))
	done
	cat > "$T/$1.conf" <<CONF
general = { database = "$T/$1.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	$people{ key = "li"; name = "李娜"; email = "lina@example.org";
	  roles = ["leader", "principal"]; }
);
smtp = { enabled = true; url = "smtp://127.0.0.1:$2"; starttls = false;
	from = "duty@example.org"; from_name = "巡察整改办";
	connect_timeout = 3; timeout = ${TIMEOUT:-2}; ${3:-} };
outbox = { retry_min = 60; retry_max = 600; give_up = 86400; };
digest = { enabled = false; };
CONF
	c="$DUTYCTL -c $T/$1.conf"
	$c init >/dev/null
	i=0
	while [ $i -lt "${4:-10}" ]; do
		$c item add --problem 一 --problem-title "问题一" --code 一-$i --text "措施$i" \
		    --owner p$i --deadline 2026-12-02 >/dev/null
		i=$((i + 1))
	done
}

# rows NAME: "recipient=status:attempts ..." sorted.
rows() {
	sqlite3 "$T/$1.db" "select recipient || '=' || status || ':' || attempts
	    from outbox order by recipient" | tr '\n' ' ' | sed 's/ $//'
}
# status_of NAME STATUS: how many rows have STATUS.
status_of() {
	sqlite3 "$T/$1.db" "select count(*) from outbox where status = '$2'"
}
# received DIR: the recipients the server accepted, one per line.
received() {
	sed -n 's/^msg=.* to=<\([^>]*\)>.*/\1/p' "$1/log" 2>/dev/null | sort
}

# --- 1. a late reply never answers the next message -------------------------
# Every third message is answered after smtp.timeout (2 s) with 554.  The
# server never kept those; no message it never received may end dead.
P=$(free_port)
start_smtpd "$T/late" "$P" --late-every 3 --late-code 554 --late-delay 3
conf late "$P" "per_connection = 0; rate = 0;"
$DUTYD -c "$T/late.conf" --once > "$T/late.log" 2>&1
expect_eq "a late 554 kills no message" 0 "$(status_of late dead)"
sent=$(sqlite3 "$T/late.db" "select recipient from outbox
    where status = 'sent' order by recipient")
expect_eq "every message the server kept is sent, no other" \
    "$(received "$T/late")" "$sent"
expect_eq "the late messages wait for a retry, flagged as maybe sent" 3 \
    "$(sqlite3 "$T/late.db" "select count(*) from outbox where
    status = 'failed' and maybe_dup = 1")"
stop_pid "$SMTPD_PID"

# --- 2. a login denied (535) stops the channel; nothing is dead ------------
printf 'web-password\n' > "$T/wrong.pass"
chmod 600 "$T/wrong.pass"
P=$(free_port)
start_smtpd "$T/auth" "$P" --auth dutyd:sekrit
conf auth "$P" "username = \"dutyd\"; password_file = \"$T/wrong.pass\";"
$DUTYD -c "$T/auth.conf" --once > "$T/auth.log" 2>&1
expect_eq "535: no message is dead or spends an attempt" \
    "0 0 10" "$(status_of auth dead) $(sqlite3 "$T/auth.db" \
    'select sum(attempts) from outbox') $(status_of auth pending)"
expect_eq "535: the admin is told once" 1 \
    "$(grep -c 'channel email stopped until the admin acts' "$T/auth.log")"
expect_eq "535: one login tried, not one per message" 1 \
    "$(grep -c 'login' "$T/auth.log")"
$DUTYCTL -c "$T/auth.conf" status > "$T/auth.status" 2>&1
expect_in "status: the channel is stopped" "channel:     email 已停止发送" \
    "$T/auth.status"
expect_in "status: the cause in Chinese names the 授权码" \
    "原因：发信账号登录被拒绝（535）：请检查 smtp.username 和 smtp.password_file；126/163邮箱须用客户端授权码" \
    "$T/auth.status"
expect_in "status: the server's reply" "服务器答复：smtp: 535" "$T/auth.status"
$DUTYCTL -c "$T/auth.conf" digest preview --to li > "$T/auth.digest" 2>&1
expect_in "digest: the leader reads that mail is not going, and why, in Chinese" \
    "发信账号登录被拒绝（535）：请检查 smtp.username 和 smtp.password_file；126/163邮箱须用客户端授权码" \
    "$T/auth.digest"
expect_in "digest: and that the queue is kept" \
    "以下发送通道暂停，待发的提醒保留，恢复后自动发出" "$T/auth.digest"
# The admin puts the 授权码 in the file: the queue goes by itself.
printf 'sekrit\n' > "$T/wrong.pass"
pretend "2026-11-30 10:05"
$DUTYD -c "$T/auth.conf" --once > "$T/auth2.log" 2>&1
expect_eq "fixed: all ten go, one attempt each" \
    "10 10" "$(status_of auth sent) $(sqlite3 "$T/auth.db" \
    'select sum(attempts) from outbox')"
expect_in "fixed: the channel is said to resume" "channel email resumed" \
    "$T/auth2.log"
$DUTYCTL -c "$T/auth.conf" status > "$T/auth2.status" 2>&1
expect_eq "fixed: status shows no paused channel" 0 \
    "$(grep -c '^channel:' "$T/auth2.status")"
stop_pid "$SMTPD_PID"
pretend "$NOW"

# --- 550 User has no permission after three messages: 7 kept, none dead ----
P=$(free_port)
start_smtpd "$T/perm" "$P" --reply "MAIL:4-5:550 User has no permission"
conf perm "$P"
$DUTYD -c "$T/perm.conf" --once > "$T/perm.log" 2>&1
expect_eq "550 no permission: 3 sent, 7 kept, none dead, no attempt spent" \
    "3 7 0 3" "$(status_of perm sent) $(status_of perm pending) \
$(status_of perm dead) $(sqlite3 "$T/perm.db" 'select sum(attempts) from outbox')"
$DUTYCTL -c "$T/perm.conf" status > "$T/perm.status" 2>&1
expect_in "status: SMTP is not enabled for the account" \
    "发信账号没有开通SMTP服务" "$T/perm.status"
# Still refused at the next try (30 min on): one message tried, paused again.
pretend "2026-11-30 10:00"
$DUTYD -c "$T/perm.conf" --once > "$T/perm2.log" 2>&1
expect_eq "still refused: the admin is not told again" 0 \
    "$(grep -c '<3>\|stopped until' "$T/perm2.log")"
expect_eq "still refused: one message tried" 1 \
    "$(grep -c 'refused mail=' "$T/perm/log" | sed 's/^2$/1/')"
pretend "2026-11-30 10:31"
$DUTYD -c "$T/perm.conf" --once > "$T/perm3.log" 2>&1
expect_eq "the admin turned SMTP on: all ten sent" 10 "$(status_of perm sent)"
stop_pid "$SMTPD_PID"
pretend "$NOW"

# --- 451 MI:SFQ: the channel pauses 15 minutes, the queue is kept ----------
P=$(free_port)
start_smtpd "$T/sfq" "$P" --reply \
    "MAIL:4-4:451 MI:SFQ 163 smtp14,EsCowACXnq5 Sender quota exceeded"
conf sfq "$P"
$DUTYD -c "$T/sfq.conf" --once > "$T/sfq.log" 2>&1
expect_eq "MI:SFQ: 3 sent, 7 kept without an attempt" "3 7 3" \
    "$(status_of sfq sent) $(status_of sfq pending) \
$(sqlite3 "$T/sfq.db" 'select sum(attempts) from outbox')"
# (Measured from the refusal: the attempt may end a second after the
# round began.)
expect_eq "MI:SFQ: the seven wait 15 minutes" "900 7" \
    "$(sqlite3 "$T/sfq.db" "select (p.until - p.since) || ' ' || (select
    count(*) from outbox where status = 'pending' and
    next_attempt_at = p.until) from channel_pause p")"
$DUTYCTL -c "$T/sfq.conf" status > "$T/sfq.status" 2>&1
expect_in "status: the quota is used up" \
    "email 已暂停（2026-11-30 09:30起，下次尝试 2026-11-30 09:45）" \
    "$T/sfq.status"
expect_in "status: the quota cause" "发信额度已用完（451 MI:SFQ）" \
    "$T/sfq.status"
pretend "2026-11-30 09:46"
$DUTYD -c "$T/sfq.conf" --once > "$T/sfq2.log" 2>&1
expect_eq "MI:SFQ: after the pause all ten sent, one attempt each" "10 10" \
    "$(status_of sfq sent) $(sqlite3 "$T/sfq.db" \
    'select sum(attempts) from outbox')"
stop_pid "$SMTPD_PID"
pretend "$NOW"

# --- 451 MI:DMC after 3 on a connection: reconnect and go on ---------------
P=$(free_port)
start_smtpd "$T/dmc" "$P" --per-conn \
    "3:451 MI:DMC 4.3.2 Too many mails on this connection"
conf dmc "$P" "per_connection = 0;"
$DUTYD -c "$T/dmc.conf" --once > "$T/dmc.log" 2>&1
expect_eq "MI:DMC: all ten sent in one run, one attempt each" "10 10" \
    "$(status_of dmc sent) $(sqlite3 "$T/dmc.db" \
    'select sum(attempts) from outbox')"
expect_eq "MI:DMC: on four connections" 4 \
    "$(sed -n 's/^msg=.* conn=\([^ ]*\).*/\1/p' "$T/dmc/log" | sort -u | wc -l)"
stop_pid "$SMTPD_PID"
# With smtp.per_connection = 3 the server never has to say it.
P=$(free_port)
start_smtpd "$T/cap" "$P" --per-conn \
    "3:451 MI:DMC 4.3.2 Too many mails on this connection"
conf cap "$P" "per_connection = 3;"
$DUTYD -c "$T/cap.conf" --once > "$T/cap.log" 2>&1
expect_eq "per_connection = 3: all sent, never refused" "10 0" \
    "$(status_of cap sent) $(grep -c refused "$T/cap/log")"
stop_pid "$SMTPD_PID"

# --- smtp.rate: at most that many a minute; the rest wait, no attempt -------
P=$(free_port)
start_smtpd "$T/rate" "$P"
conf rate "$P" "rate = 4;"
$DUTYD -c "$T/rate.conf" --once > "$T/rate.log" 2>&1
expect_eq "rate = 4: four sent, six wait without an attempt" "4 6 4" \
    "$(status_of rate sent) $(status_of rate pending) \
$(sqlite3 "$T/rate.db" 'select sum(attempts) from outbox')"
pretend "2026-11-30 09:32"	# a minute after the first four, and more
$DUTYD -c "$T/rate.conf" --once > "$T/rate2.log" 2>&1
expect_eq "a minute on, four more" 8 "$(status_of rate sent)"
stop_pid "$SMTPD_PID"
pretend "$NOW"

# --- DT:SPM: 451 retried after 2 minutes or more, 554 dead with a hint ------
P=$(free_port)
start_smtpd "$T/spm" "$P" \
    --reply "RCPT:1-1:451 DT:SPM 163 smtp10, please try again" \
    --reply "RCPT:2-2:554 DT:SPM 163 smtp10, mail content denied"
conf spm "$P" "per_connection = 0;"
$DUTYD -c "$T/spm.conf" --once > "$T/spm.log" 2>&1
expect_eq "451 DT:SPM: retried, not before 2 minutes" "failed 1" \
    "$(sqlite3 "$T/spm.db" "select status, next_attempt_at - created_at
    >= 120 from outbox where recipient = 'p0@example.org'" | tr '|' ' ')"
expect_in "451 DT:SPM: the reason says so" "约2分钟后重试" "$T/spm.log"
expect_eq "554 DT:SPM: dead" dead "$(sqlite3 "$T/spm.db" "select status
    from outbox where recipient = 'p1@example.org'")"
expect_in "554 DT:SPM: the hint says what to change" \
    "请修改模板措辞、减少链接" "$T/spm.log"
expect_eq "the other eight sent" 8 "$(status_of spm sent)"
stop_pid "$SMTPD_PID"

# --- the end-of-round commit meets a busy database -------------------------
# Another writer holds the lock past the busy timeout (15 s against 10 s)
# while the server takes its time with the one message: the server's 250
# came, so the message must never go again.
P=$(free_port)
start_smtpd "$T/busy" "$P" --delay 3
TIMEOUT=10 conf busy "$P" "" 1
$DUTYD -c "$T/busy.conf" --once > "$T/busy.log" 2>&1 &
bpid=$!
sleep 1
$PY - "$T/busy.db" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
time.sleep(15)
db.execute("ROLLBACK")
PY
lpid=$!
wait "$bpid"
wait "$lpid"
expect_in "the busy commit is reported" "database is locked" "$T/busy.log"
$DUTYD -c "$T/busy.conf" --once > "$T/busy2.log" 2>&1
expect_eq "the accepted message went once, and is sent" "1 sent 0" \
    "$(grep -c '^msg=' "$T/busy/log") $(sqlite3 "$T/busy.db" \
    "select status || ' ' || maybe_dup from outbox")"
expect_eq "nothing is said to be sent again" 0 \
    "$(grep -c 'sending again' "$T/busy2.log")"
stop_pid "$SMTPD_PID"

# --- a dropped connection shows libcurl's reason, not a stale errno --------
P=$(free_port)
start_smtpd "$T/drop" "$P" --drop-after-data
conf drop "$P" "" 1
$DUTYD -c "$T/drop.conf" --once > "$T/drop.log" 2>&1
expect_in "the reason is libcurl's" \
    "Failure when receiving data from the peer (response reading failed)" \
    "$T/drop.log"
expect_eq "no errno left over from another call" 0 \
    "$(grep -c 'errno' "$T/drop.log")"
stop_pid "$SMTPD_PID"

finish
