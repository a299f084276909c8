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

# conf NAME PORT [SMTP_EXTRA]: ten officers, one item each, so one email
# each (p0 .. p9), through the server on PORT.
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
	connect_timeout = 3; timeout = 2; ${3:-} };
outbox = { retry_min = 60; retry_max = 600; give_up = 86400; };
digest = { enabled = false; };
CONF
	c="$DUTYCTL -c $T/$1.conf"
	$c init >/dev/null
	i=0
	while [ $i -lt 10 ]; do
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

finish
