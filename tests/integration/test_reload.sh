#!/bin/sh
# A rejected reload changes nothing, the time zone included: the calendar
# converts with its own zone, so a config that is refused after the new
# calendar was built (here: its maildir cannot be made) and names another
# general.timezone leaves every time the daemon computes as it was.  And
# the process's TZ plays no part: dutyctl shows times in general.timezone.
. "$(dirname "$0")/lib.sh"

pretend "2026-11-30 09:30"
wait_for() {
	i=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
conf() {
	cat > "$T/r.conf" <<CONF
general = { database = "$T/r.db"; templates = "$TOP/conf/templates";
	timezone = "$1"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	  roles = ["principal"]; }
);
maildir = { path = "$3"; };
digest = { enabled = false; };
$2
CONF
}
conf Asia/Shanghai "" "$T/md"
$DUTYCTL -c "$T/r.conf" init > /dev/null
$DUTYCTL -c "$T/r.conf" item add --problem 一 --problem-title "问题一" \
    --code 一-1 --text "措施一" --owner zhang --deadline 2026-12-03 > /dev/null
nw() { sqlite3 "$T/r.db" "select value from daemon_state where name = 'next_wakeup'"; }
$DUTYD -c "$T/r.conf" > "$T/d.log" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
wait_for "$T/d.log" "outbox: 1 sent"
before=$(nw)
expect_eq "the next plan is tomorrow 09:00 in Shanghai" "2026-12-01 09:00" "$before"
# Valid to the config check, refused when the engine builds its channels
# (the maildir cannot be made under a file), after the new calendar.
: > "$T/file"
cp "$T/r.conf" "$T/ok.conf"
conf America/New_York "" "$T/file/md"
kill -HUP "$DPID"
wait_for "$T/d.log" "keeping the running configuration"
expect_in "the invalid config is rejected" "keeping the running configuration" "$T/d.log"
# The loop plans again after a reload; give it the time to write.
sleep 1
expect_eq "and the next wakeup is as it was (not New York's clock)" "$before" "$(nw)"
kill -TERM "$DPID"
wait "$DPID"
PIDS=$(echo "$PIDS" | sed "s/ $DPID//")
# The process's TZ is not the office's: times shown are Shanghai's.
$DUTYCTL -c "$T/ok.conf" item done 一-1 --evidence "已完成" > /dev/null 2>&1
TZ=America/New_York $DUTYCTL -c "$T/ok.conf" item show 一-1 > "$T/show.out" 2>&1
expect_in "a 销号 time is shown in general.timezone, whatever TZ says" \
    "销号:     2026-11-30 09:30" "$T/show.out"
# --- the language goes with the config, both ways ---------------------------
# Started with general.language = "en" and no LANGUAGE, dutyd speaks
# English; a reloaded config without it speaks Chinese again: its problems
# are told in Chinese (before, English stuck for the life of the process).
lconf() {
	cat > "$T/l.conf" <<CONF
general = { database = "$T/l.db"; templates = "$TOP/conf/templates"; $1 };
people = ( { key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	roles = ["principal"]; } );
maildir = { path = "$T/lmd"; };
digest = { enabled = false; };
$2
CONF
}
lconf 'language = "en";' ""
$DUTYCTL -c "$T/l.conf" init > /dev/null
$DUTYCTL -c "$T/l.conf" item add --problem 一 --problem-title "问题一" \
    --code 一-1 --text "措施一" --owner zhang --deadline 2026-12-03 > /dev/null
env -u LANGUAGE "$DUTYD" -c "$T/l.conf" > "$T/l.log" 2>&1 &
LPID=$!
PIDS="$PIDS $LPID"
wait_for "$T/l.log" "outbox: 1 sent"
lconf 'language = "en";' 'reminders = { red = 400; };'
kill -HUP "$LPID"
wait_for "$T/l.log" "must be between"
expect_in "a rejected config that says en is told in English" \
    "reminders.red: must be between" "$T/l.log"
lconf "" 'reminders = { red = 401; };'
kill -HUP "$LPID"
wait_for "$T/l.log" "（收到 401）"
expect_in "one without language is told in Chinese again" \
    "reminders.red：须在0到365之间（收到 401）" "$T/l.log"
kill -TERM "$LPID"
wait "$LPID"
PIDS=$(echo "$PIDS" | sed "s/ $LPID//")
finish
