#!/bin/sh
# dutyd against a real SMTP server (aiosmtpd) on 127.0.0.1: delivery with
# STARTTLS and AUTH, Chinese subjects decoded by a standard parser,
# idempotent re-planning, 4xx retried, 5xx dead, server down then up,
# SIGKILL in the middle of a batch, untrusted certificates, bad addresses.
. "$(dirname "$0")/lib.sh"

sh "$TOP/tests/integration/mkcert.sh" "$T/certs" >/dev/null
printf 'sekrit\n' > "$T/smtp.pass"
chmod 600 "$T/smtp.pass"
NOW="2026-11-30 09:30"		# a Monday
pretend "$NOW"

# conf NAME PORT CAFILE [EXTRA_PEOPLE]: write $T/NAME.conf for that server.
conf() {
	cat > "$T/$1.conf" <<CONF
general = { database = "$T/$1.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	  leaders = ["li"]; },
	{ key = "li"; name = "李娜"; email = "lina@example.org";
	  roles = ["leader", "principal"]; },
	{ key = "bad"; name = "王五"; email = "bad@example.org"; }${4:-}
);
smtp = { enabled = true; url = "smtp://127.0.0.1:$2"; username = "dutyd";
	password_file = "$T/smtp.pass"; from = "duty@example.org";
	from_name = "巡察整改办"; ca_file = "$3"; connect_timeout = 3;
	timeout = 10; rate = 0; };	# the rate: test_smtp_replies.sh
outbox = { retry_min = 60; retry_max = 600; give_up = 86400; };
digest = { enabled = false; };	# tested in test_digest.sh
CONF
}

# ledger NAME: the items every case starts with.
ledger() {
	c="$DUTYCTL -c $T/$1.conf"
	$c init >/dev/null
	$c item add --problem 一 --problem-title "理论联系实际成效不明显" \
	    --code 一-1 --text "起草青年发展型县域建设实施方案" --owner zhang \
	    --deadline 2026-12-02 >/dev/null
	$c item add --problem 一 --code 一-2 --text "开展基层主题宣讲" \
	    --owner zhang --deadline 2026-11-20 >/dev/null
	$c item add --problem 二 --problem-title "联系服务青年不够紧密" \
	    --code 二-1 --text "建立联系服务青年常态化机制" --owner bad \
	    --deadline 2026-12-01 >/dev/null
}

count() { ls "$1"/*.eml 2>/dev/null | wc -l; }

# --- maildir dry run: nothing reaches the database -----------------------
conf dry 1 "$T/certs/ca.pem"
ledger dry
$DUTYD -c "$T/dry.conf" --once --now "$NOW" --dry-run "$T/dry-md" \
    > "$T/dry.log" 2>&1
expect_eq "dry run writes one email per person" 3 \
    "$(ls "$T/dry-md/new" | wc -l)"
$PY "$TOP/tests/integration/mailcheck.py" "$T"/dry-md/new/* > "$T/dry.txt"
expect_in "the officer's subject decodes to Chinese" \
    "subject=【整改提醒】张伟，您有2项整改措施需要关注" "$T/dry.txt"
expect_in "the leader gets the escalation" \
    "subject=【逾期督办】1项整改措施已逾期，请督促落实" "$T/dry.txt"
expect_eq "a dry run leaves the outbox empty" 0 \
    "$(sqlite3 "$T/dry.db" 'select count(*) from outbox')"
# Without --once too: a dry run is one tick that lists what would be sent
# and exits (it used to wait for the next tick forever).
timeout 30 $DUTYD -c "$T/dry.conf" --dry-run "$T/dry2-md" > "$T/dry2.out" \
    2> "$T/dry2.log"
expect_eq "--dry-run alone exits 0 after one tick" 0 $?
expect_in "it says how many would be sent and where the emails are" \
    "dry run: 3 notification(s) would be sent; nothing was sent or stored, the emails are in $T/dry2-md/new" "$T/dry2.out"
expect_in "one line per message: channel, recipient, subject" \
    "  email  张伟 <zhangwei@example.org>  【整改提醒】张伟，您有2项整改措施需要关注" "$T/dry2.out"
expect_eq "still nothing in the outbox" 0 \
    "$(sqlite3 "$T/dry.db" 'select count(*) from outbox')"

# --- delivery over STARTTLS with AUTH and a private CA --------------------
P=$(free_port)
start_smtpd "$T/s1" "$P" --tls-cert "$T/certs/server.pem" \
    --tls-key "$T/certs/server.key" --require-starttls --auth dutyd:sekrit
conf ok "$P" "$T/certs/ca.pem"
ledger ok
$DUTYD -c "$T/ok.conf" --once --now "$NOW" > "$T/ok.log" 2>&1
expect_eq "three messages arrive" 3 "$(count "$T/s1")"
expect_in "they came over TLS with AUTH" "tls=yes auth=dutyd" "$T/s1/log"
$PY "$TOP/tests/integration/mailcheck.py" --body "$T"/s1/*.eml > "$T/ok.txt"
expect_in "From has the Chinese display name" "from_name=巡察整改办" "$T/ok.txt"
expect_in "To has the person's name" "to=zhangwei@example.org to_name=张伟" "$T/ok.txt"
expect_in "plain text and HTML alternatives" \
    "parts=text/plain,text/html auto=auto-generated" "$T/ok.txt"
expect_in "the body names the measure" "起草青年发展型县域建设实施方案" "$T/ok.txt"
expect_in "the body says how overdue" "【已逾期10天】一-2" "$T/ok.txt"
expect_in "the log says what was sent to whom" "outbox: sent" "$T/ok.log"
# Each email was built when queued and went out as it was kept.
sqlite3 "$T/ok.db" "select writefile('$T/queued.eml', message) from outbox
    join outbox_body using (id) where person = 'zhang'" >/dev/null
same=0
for f in "$T"/s1/*.eml; do cmp -s "$f" "$T/queued.eml" && same=$((same + 1)); done
expect_eq "the officer's email is the one kept in the outbox, byte for byte" \
    1 "$same"
id=$(sqlite3 "$T/ok.db" "select id from outbox where person = 'zhang'")
$DUTYCTL -c "$T/ok.conf" outbox show "$id" > "$T/show.out" 2>&1
expect_in "outbox show says the message is kept" \
    "bytes, built when queued" "$T/show.out"
$DUTYD -c "$T/ok.conf" --once --now "2026-11-30 15:00" > "$T/ok2.log" 2>&1
expect_eq "planning again the same day sends nothing" 3 "$(count "$T/s1")"
$DUTYCTL -c "$T/ok.conf" item done 一-1 --evidence "已印发" >/dev/null
$DUTYD -c "$T/ok.conf" --once --now "2026-12-01 09:30" > "$T/ok3.log" 2>&1
$PY "$TOP/tests/integration/mailcheck.py" --body $(newest_mail "$T/s1" 3) > "$T/ok3.txt"
if grep -q "起草青年发展型县域建设实施方案" "$T/ok3.txt"; then
	not_ok "a done item is not reminded again"
else
	ok "a done item is not reminded again"
fi
stop_pid "$SMTPD_PID"

# --- 4xx is retried and delivered; 5xx is dead and not retried ------------
P=$(free_port)
start_smtpd "$T/s2" "$P" --tls-cert "$T/certs/server.pem" \
    --tls-key "$T/certs/server.key" --auth dutyd:sekrit --fail-first 1 \
    --fail-rcpt 'bad@*=550'
conf fail "$P" "$T/certs/ca.pem"
ledger fail
$DUTYD -c "$T/fail.conf" --once --now "$NOW" > "$T/fail.log" 2>&1
st=$(sqlite3 "$T/fail.db" "select group_concat(person || '=' || status, ' ') from (select person, status from outbox order by person)")
expect_eq "first run: 451 failed, 550 dead, the other sent" \
    "bad=dead li=sent zhang=failed" "$st"
expect_in "the dead row keeps the server's reason" "550" "$T/fail.log"
$DUTYD -c "$T/fail.conf" --once --now "2026-11-30 09:45" > "$T/fail2.log" 2>&1
st=$(sqlite3 "$T/fail.db" "select group_concat(person || '=' || status || ':' || attempts, ' ') from (select person, status, attempts from outbox order by person)")
expect_eq "the 451 is retried and delivered, the 550 is not retried" \
    "bad=dead:1 li=sent:1 zhang=sent:2" "$st"
expect_eq "the dead recipient was tried once" 1 \
    "$(grep -c 'refused.*bad@example.org' "$T/s2/log")"
stop_pid "$SMTPD_PID"

# --- server down, then up: everything delivered once ----------------------
P=$(free_port)
conf down "$P" "$T/certs/ca.pem"
ledger down
$DUTYD -c "$T/down.conf" --once --now "$NOW" > "$T/down.log" 2>&1
expect_eq "with the server down every row waits" 3 \
    "$(sqlite3 "$T/down.db" "select count(*) from outbox where status = 'failed'")"
start_smtpd "$T/s3" "$P" --tls-cert "$T/certs/server.pem" \
    --tls-key "$T/certs/server.key" --auth dutyd:sekrit
$DUTYD -c "$T/down.conf" --once --now "2026-11-30 10:30" > "$T/down2.log" 2>&1
$DUTYD -c "$T/down.conf" --once --now "2026-11-30 11:30" >> "$T/down2.log" 2>&1
expect_eq "once it is up, each message arrives once" 3 "$(count "$T/s3")"
stop_pid "$SMTPD_PID"

# --- an untrusted certificate is refused until its CA is configured ------
P=$(free_port)
start_smtpd "$T/s4" "$P" --tls-cert "$T/certs/self.pem" \
    --tls-key "$T/certs/self.key" --auth dutyd:sekrit
conf tls "$P" "$T/certs/ca.pem"
ledger tls
$DUTYD -c "$T/tls.conf" --once --now "$NOW" > "$T/tls.log" 2>&1
expect_eq "nothing is sent to an untrusted server" 0 "$(count "$T/s4")"
expect_in "the log says to set ca_file" "ca_file" "$T/tls.log"
conf tls "$P" "$T/certs/self.pem"
for id in $(sqlite3 "$T/tls.db" "select id from outbox where status <> 'sent'"); do
	$DUTYCTL -c "$T/tls.conf" outbox retry "$id" >/dev/null
done
$DUTYD -c "$T/tls.conf" --once --now "2026-11-30 09:40" > "$T/tls2.log" 2>&1
expect_eq "trusted once ca_file names its CA" 3 "$(count "$T/s4")"
stop_pid "$SMTPD_PID"

# --- a CR/LF in an address never reaches the SMTP server -------------------
conf crlf 1 "$T/certs/ca.pem" ',
	{ key = "evil"; name = "x"; email = "a@b.org\r\nRCPT TO:<x@y.org>"; }'
$DUTYCTL -c "$T/crlf.conf" check-config > "$T/crlf.out" 2>&1
expect_eq "an address with CR/LF is refused by the config check" 78 $?
expect_in "and the error names the setting" "people.[3].email" "$T/crlf.out"

# --- SIGKILL in the middle of a batch: all delivered, at most one twice ---
P=$(free_port)
start_smtpd "$T/s5" "$P" --tls-cert "$T/certs/server.pem" \
    --tls-key "$T/certs/server.key" --auth dutyd:sekrit
extra=""
i=0
while [ $i -lt 150 ]; do
	extra="$extra,
	{ key = \"p$i\"; name = \"干部$i\"; email = \"p$i@example.org\"; }"
	i=$((i + 1))
done
conf kill "$P" "$T/certs/ca.pem" "$extra"
ledger kill
{
	echo "问题编号,问题,序号,整改措施,责任人,整改时限"
	i=0
	while [ $i -lt 150 ]; do
		echo "三,批量问题,$i,措施$i,p$i,2026-12-01"
		i=$((i + 1))
	done
} > "$T/kill.csv"
$DUTYCTL -c "$T/kill.conf" import "$T/kill.csv" >/dev/null
$DUTYD -c "$T/kill.conf" --once --now "$NOW" > "$T/kill.log" 2>&1 &
dpid=$!
i=0
while [ "$(count "$T/s5")" -lt 20 ] && [ $i -lt 300 ]; do sleep 0.02; i=$((i + 1)); done
kill -9 "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null
first=$(count "$T/s5")
# What went out since the claim is in the journal, not yet in the database.
if [ -s "$T/kill.db-progress" ]; then
	ok "the killed round left its results in the journal"
else
	not_ok "no journal after SIGKILL mid-round"
fi
$DUTYD -c "$T/kill.conf" --once --now "$NOW" >> "$T/kill.log" 2>&1
expect_eq "the restart applied and emptied the journal" 0 \
    "$(wc -c < "$T/kill.db-progress")"
total=$(grep -c '^msg=' "$T/s5/log")
uniq=$(sed -n 's/.* to=<\([^>]*\)>.*/\1/p' "$T/s5/log" | sort -u | wc -l)
expect_eq "after SIGKILL and restart every recipient got mail" 153 "$uniq"
if [ "$first" -ge 1 ] && [ "$first" -lt 153 ] && [ $((total - uniq)) -le 1 ]; then
	ok "killed after $first of 153: at most one duplicate ($((total - uniq)))"
else
	not_ok "kill mid-batch: first=$first total=$total unique=$uniq"
fi
# The round claimed every row before sending; only the one in flight may
# have gone out, so only it is flagged (the rest were never tried).
dups=$(sqlite3 "$T/kill.db" "select count(*) from outbox where maybe_dup = 1")
if [ "$dups" -le 1 ]; then
	ok "after SIGKILL at most the message in flight is flagged ($dups)"
else
	not_ok "after SIGKILL $dups messages are flagged maybe duplicated"
fi
expect_eq "and nothing is left claimed" 0 \
    "$(sqlite3 "$T/kill.db" "select count(*) from outbox where status <> 'sent'")"
stop_pid "$SMTPD_PID"

finish
