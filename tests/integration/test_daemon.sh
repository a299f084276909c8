#!/bin/sh
# The daemon's lifecycle as an admin meets it: dutyctl status before and
# after, SIGHUP with a valid and an invalid config, a second daemon on the
# same database, SIGTERM in the middle of a batch to a slow real SMTP
# server, secret-file, credential and config-file modes, log forgery from
# a config value and a CSV cell, and dutyctl backup while the daemon runs.
. "$(dirname "$0")/lib.sh"

NOW="2026-11-30 09:30"		# a Monday
pretend "$NOW"
printf 'sekrit\n' > "$T/smtp.pass"
chmod 600 "$T/smtp.pass"

# wait_for FILE TEXT: up to 10 s for TEXT to appear in FILE.
wait_for() {
	i=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

# maildir_conf NAME MAILDIR [EXTRA]: a config writing email to MAILDIR.
maildir_conf() {
	cat > "$T/$1.conf" <<CONF
general = { database = "$T/d.db"; templates = "$TOP/conf/templates"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	  leaders = ["li"]; },
	{ key = "li"; name = "李娜"; email = "lina@example.org";
	  roles = ["leader", "principal"]; }
);
maildir = { path = "$2"; };
${3:-}
$(case "${3:-}" in *digest*) ;; *) echo 'digest = { enabled = false; };' ;; esac)
CONF
}

# --- dutyctl status before anything ran ------------------------------------
maildir_conf d "$T/md1"
C="$DUTYCTL -c $T/d.conf"
$C init > /dev/null
$C --now "$NOW" item add --problem 一 --problem-title "问题一" --code 一-1 \
    --text "措施一" --owner zhang --deadline 2026-12-01 > /dev/null
$C status > "$T/status0.out" 2>&1
expect_in "status: the daemon is not running" "daemon:      not running" "$T/status0.out"
expect_in "status: no planning run yet" "last plan:   never" "$T/status0.out"
expect_in "status: no wakeup yet" "next wakeup: never" "$T/status0.out"
expect_in "status: backlog by state" "outbox:      0 pending, 0 sending, 0 sent" "$T/status0.out"
expect_in "status: mailbox never polled" "mailbox:     never polled" "$T/status0.out"
expect_in "status: no digest yet" "last digest: never" "$T/status0.out"

# --- the daemon runs; status; a second daemon is refused --------------------
JOURNAL_STREAM=1:1 $DUTYD -c "$T/d.conf" --now "$NOW" > "$T/d.log" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
wait_for "$T/d.log" "started"
wait_for "$T/d.log" "outbox: sent"
expect_eq "the first reminder is written" 1 "$(ls "$T/md1/new" | wc -l)"
$C status > "$T/status1.out" 2>&1
expect_in "status names the daemon's pid" "daemon:      running (pid $DPID)" "$T/status1.out"
expect_in "status shows the last planning run" "last plan:   2026-11-30 09:30: 1 reminder stage(s) due" "$T/status1.out"
expect_in "status shows the next wakeup" "next wakeup: 2026-12-01 09:00" "$T/status1.out"
expect_in "status counts the sent message" "0 pending, 0 sending, 1 sent" "$T/status1.out"
$DUTYD -c "$T/d.conf" --now "$NOW" > "$T/second.log" 2>&1
expect_eq "a second daemon on the same database exits 75" 75 $?
expect_in "and says which daemon holds it" \
    "another dutyd (pid $DPID) is already running on $T/d.db" "$T/second.log"
expect_eq "the first daemon is still running" yes \
    "$(kill -0 "$DPID" 2>/dev/null && echo yes)"
expect_in "journal lines carry a priority prefix" "<5>started" "$T/d.log"
expect_in "one line per delivery: key, channel, outcome" \
    "outbox: sent id=1 key=remind:zhang:email:item:1:" "$T/d.log"
expect_in "the delivery line names the channel" "channel=email" "$T/d.log"

# --- SIGHUP: a valid file is taken, an invalid one keeps the old ------------
maildir_conf d "$T/md2"
$C --now "$NOW" item add --problem 一 --code 一-2 --text "措施二" \
    --owner zhang --deadline 2026-12-01 > /dev/null
kill -HUP "$DPID"
wait_for "$T/d.log" "reload: configuration updated"
expect_in "a valid reload is logged" "<5>reload: configuration updated" "$T/d.log"
wait_for "$T/d.log" "outbox: sent id=2"
expect_eq "after the reload email goes to the new maildir" 1 \
    "$(ls "$T/md2/new" 2>/dev/null | wc -l)"
# Two errors at once; the old config (maildir md2) stays in force.
$C --now "$NOW" item add --problem 一 --code 一-3 --text "措施三" \
    --owner zhang --deadline 2026-12-01 > /dev/null
maildir_conf d "$T/md3" 'outbox = { retry_min = 1; batch = 0; };'
kill -HUP "$DPID"
wait_for "$T/d.log" "keeping the running configuration"
expect_in "an invalid reload logs its first error" \
    "<3>$T/d.conf:9: outbox.retry_min: must be between 10 and 86400 (got 1)" "$T/d.log"
expect_in "and its second error" "<3>$T/d.conf:9: outbox.batch: must be between 1 and 10000 (got 0)" "$T/d.log"
expect_in "and keeps the running configuration" \
    "<3>reload: $T/d.conf is invalid: keeping the running configuration" "$T/d.log"
wait_for "$T/d.log" "outbox: sent id=3"
expect_eq "the old config is still in force (maildir md2)" "2 0" \
    "$(ls "$T/md2/new" | wc -l) $(ls "$T/md3/new" 2>/dev/null | wc -l)"
expect_eq "the daemon survived the invalid reload" yes \
    "$(kill -0 "$DPID" 2>/dev/null && echo yes)"
maildir_conf d "$T/md2"		# valid again, for dutyctl below

# --- dutyctl backup while the daemon runs -----------------------------------
$C backup "$T/backup.db" > "$T/backup.out" 2>&1
expect_eq "backup succeeds while the daemon runs" 0 $?
expect_eq "the backup passes integrity_check" ok \
    "$(sqlite3 "$T/backup.db" 'PRAGMA integrity_check')"
expect_eq "the backup holds the outbox" 3 \
    "$(sqlite3 "$T/backup.db" 'select count(*) from outbox')"
expect_eq "the backup is one file (no WAL)" delete \
    "$(sqlite3 "$T/backup.db" 'PRAGMA journal_mode')"
$C backup "$T/backup.db" > "$T/backup2.out" 2>&1
expect_eq "an existing backup is not overwritten" 65 $?
expect_in "and the message says --force" \
    "$T/backup.db exists: not overwritten (use --force to replace it)" "$T/backup2.out"
$C item add --problem 一 --code 一-4 --text "措施四" --owner zhang \
    --deadline 2027-06-01 > /dev/null
$C backup "$T/backup.db" --force > /dev/null 2>&1
expect_eq "--force replaces it with the current data" 4 \
    "$(sqlite3 "$T/backup.db" 'select count(*) from measure')"

kill -TERM "$DPID"
wait "$DPID"
expect_eq "SIGTERM: the idle daemon exits 0" 0 $?
PIDS=$(echo "$PIDS" | sed "s/ $DPID//")
expect_in "and logs that it stops" "<5>stopping" "$T/d.log"
$C status > "$T/status2.out" 2>&1
expect_in "status: not running after the stop" "daemon:      not running" "$T/status2.out"

# --- SIGTERM during a batch to a slow SMTP server: nothing lost -------------
P=$(free_port)
start_smtpd "$T/s1" "$P" --delay 0.3
people=""
i=0
while [ $i -lt 30 ]; do
	people="$people
	{ key = \"p$i\"; name = \"干部$i\"; email = \"p$i@example.org\"; },"
	i=$((i + 1))
done
cat > "$T/slow.conf" <<CONF
general = { database = "$T/slow.db"; templates = "$TOP/conf/templates"; };
people = ($people
	{ key = "li"; name = "李娜"; email = "lina@example.org";
	  roles = ["leader", "principal"]; }
);
smtp = { enabled = true; url = "smtp://127.0.0.1:$P"; starttls = false;
	from = "duty@example.org"; timeout = 20;
	rate = 0; };	# the rate is test_smtp_replies.sh's
digest = { enabled = false; };	# tested in test_digest.sh
CONF
{
	echo "问题编号,问题,序号,整改措施,责任人,整改时限"
	i=0
	while [ $i -lt 30 ]; do
		echo "三,批量问题,$i,措施$i,p$i,2026-12-01"
		i=$((i + 1))
	done
} > "$T/slow.csv"
$DUTYCTL -c "$T/slow.conf" import "$T/slow.csv" > /dev/null
$DUTYD -c "$T/slow.conf" --now "$NOW" > "$T/slow.log" 2>&1 &
DPID=$!
i=0
while [ "$(ls "$T/s1"/*.eml 2>/dev/null | wc -l)" -lt 3 ] && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1)); done
kill -TERM "$DPID"
wait "$DPID"
expect_eq "SIGTERM during a batch: exit 0" 0 $?
got=$(ls "$T/s1"/*.eml | wc -l)
st=$(sqlite3 "$T/slow.db" "select sum(status='sent') || ' ' || sum(status='sending') || ' ' || count(*) from outbox")
expect_eq "every message the server has is marked sent, none left sending" \
    "$got 0 30" "$st"
if [ "$got" -lt 30 ]; then ok "it stopped before the end ($got of 30)"; else
	not_ok "it stopped before the end ($got of 30)"; fi
expect_in "the stop is logged" "stopping" "$T/slow.log"
$DUTYD -c "$T/slow.conf" --once --now "$NOW" >> "$T/slow.log" 2>&1
total=$(grep -c '^msg=' "$T/s1/log")
uniq=$(sed -n 's/.* to=<\([^>]*\)>.*/\1/p' "$T/s1/log" | sort -u | wc -l)
expect_eq "after a restart all 30 arrived, each once" "30 30" "$total $uniq"
stop_pid "$SMTPD_PID"

# --- secrets: file modes, credentials, the config file's own mode -----------
P=$(free_port)
start_smtpd "$T/s2" "$P" --auth dutyd:sekrit
# sec_conf NAME PASSWORD_FILE
sec_conf() {
	cat > "$T/$1.conf" <<CONF
general = { database = "$T/$1.db"; templates = "$TOP/conf/templates"; };
people = ( { key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	roles = ["principal"]; } );
smtp = { enabled = true; url = "smtp://127.0.0.1:$P"; starttls = false;
	username = "dutyd"; password_file = "$2"; from = "duty@example.org"; };
CONF
	$DUTYCTL -c "$T/$1.conf" init > /dev/null 2>&1
	$DUTYCTL -c "$T/$1.conf" --now "$NOW" item add --problem 一 \
	    --problem-title 问题 --code 一-1 --text 措施 --owner zhang \
	    --deadline 2026-12-01 > /dev/null 2>&1
}
for mode in 640 604 644; do
	cp "$T/smtp.pass" "$T/open.pass"
	chmod "$mode" "$T/open.pass"
	sec_conf open "$T/open.pass"
	$DUTYD -c "$T/open.conf" --once --now "$NOW" > "$T/open.log" 2>&1
	expect_eq "a $mode password file is refused (exit 78)" 78 $?
	expect_in "and the message says chmod 600" \
	    "secret file $T/open.pass has mode 0$mode: it must not be accessible by group or others (run: chmod 600 $T/open.pass)" \
	    "$T/open.log"
done
expect_eq "nothing was sent with an open password file" 0 \
    "$(ls "$T/s2"/*.eml 2>/dev/null | wc -l)"
mkdir -p "$T/creds"
cp "$T/smtp.pass" "$T/creds/smtp.pass"
chmod 400 "$T/creds/smtp.pass"
sec_conf cred "credential:smtp.pass"
$DUTYD -c "$T/cred.conf" --once --now "$NOW" > "$T/cred0.log" 2>&1
expect_eq "credential: without \$CREDENTIALS_DIRECTORY is refused" 78 $?
expect_in "and the message names LoadCredential=" \
    "LoadCredential=smtp.pass:/etc/dutyd/smtp.pass" "$T/cred0.log"
CREDENTIALS_DIRECTORY="$T/creds" $DUTYD -c "$T/cred.conf" --once \
    --now "$NOW" > "$T/cred.log" 2>&1
expect_eq "with \$CREDENTIALS_DIRECTORY the credential is used" 0 $?
expect_in "and the mail went out with AUTH" "auth=dutyd" "$T/s2/log"
if grep -q sekrit "$T"/*.log "$T/s2/log"; then
	not_ok "the password never reaches a log"
else
	ok "the password never reaches a log"
fi
stop_pid "$SMTPD_PID"

cat > "$T/robot.conf" <<CONF
general = { database = "$T/robot.db"; templates = "$TOP/conf/templates"; };
people = ( { key = "a"; name = "甲"; roles = ["principal"]; } );
reminders = { channels = [ "im" ]; };
im = ( { name = "r"; type = "wecom";
	url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ROBOTKEY"; } );
CONF
chmod 644 "$T/robot.conf"
$DUTYD -n -c "$T/robot.conf" > "$T/robot.log" 2>&1
expect_eq "a config holding a robot URL and mode 644 is refused" 78 $?
expect_in "with the fix in the message" \
    "has mode 0644: it must not be readable by group or others (run: chmod 600 $T/robot.conf" \
    "$T/robot.log"
if grep -q ROBOTKEY "$T/robot.log"; then not_ok "the robot key is not shown";
else ok "the robot key is not shown"; fi
chmod 600 "$T/robot.conf"
$DUTYD -n -c "$T/robot.conf" > "$T/robot.log" 2>&1
expect_eq "at mode 600 it is accepted" 0 $?

# --- log forgery: control characters from config and CSV are escaped --------
maildir_conf forge "$T/md4" 'digest = { to = [ "li\n<3>forged" ]; };'
JOURNAL_STREAM=1:1 $DUTYD -n -c "$T/forge.conf" > "$T/forge.log" 2>&1
expect_eq "the forged config is refused" 78 $?
expect_eq "every journal line starts with a priority" 0 \
    "$(grep -vc '^<[0-7]>' "$T/forge.log")"
expect_in "the newline is shown escaped" 'li\\x0a<3>forged' "$T/forge.log"
printf '问题编号,问题,序号,整改措施,责任人,整改时限\n一,问题,9,措施,zhang,"2026-12-01\n<3>forged"\n' > "$T/forge.csv"
$C import "$T/forge.csv" > "$T/forge-csv.out" 2>&1
expect_eq "the CSV with a forged deadline cell is refused" 65 $?
expect_eq "its error is one line, and the summary another" 2 "$(wc -l < "$T/forge-csv.out")"
expect_in "with the newline escaped" '“2026-12-01\x0a<3>forged”不是日期' "$T/forge-csv.out"

finish
