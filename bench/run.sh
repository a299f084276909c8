#!/bin/sh
# make bench: figures printed one per line as NAME VALUE UNIT.
# - plan over 1,000,000 open measures: wall time and peak RSS of one
#   `dutyd --once --dry-run` tick (scan + plan; nothing is due)
# - idle daemon: RSS and wakeups (poll calls) over 60 s with nothing due
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
T=$(mktemp -d /tmp/dutyd-bench.XXXXXX)
trap 'kill $dpid 2>/dev/null; rm -rf "$T"' EXIT
dpid=""
PY=/usr/bin/python3
cat > "$T/bench.conf" <<CONF
general = { database = "$T/bench.db"; templates = "$top/conf/templates"; };
people = ( { key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	roles = ["principal"]; } );
maildir = { path = "$T/md"; };
reminders = { time = "09:00"; };
digest = { enabled = false; };	# the digest has its own figure
CONF
"$B/dutyctl" -c "$T/bench.conf" init >/dev/null
sqlite3 "$T/bench.db" <<'SQL'
BEGIN;
INSERT INTO problem (code, title) VALUES ('一', '基准问题');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO measure (problem_id, code, text, kind, deadline, created_at, updated_at)
SELECT 1, 'm' || i, '措施' || i, 'deadline', '2030-06-30', 0, 0 FROM n;
INSERT INTO measure_owner (measure_id, person, pos) SELECT id, 'zhang', 0 FROM measure;
COMMIT;
SQL
# One tick on a working day at 10:00: all 1M rows are scanned and planned
# (deadlines are years away, so nothing is enqueued).
$PY - "$B/dutyd" "$T/bench.conf" "$T/md" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run([sys.argv[1], "-c", sys.argv[2], "--once", "--now",
    "2026-12-01 10:00"], check=True,
    stderr=subprocess.DEVNULL)
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("plan_1m_open_measures_wall %.3f s" % wall)
print("plan_1m_open_measures_peak_rss %.1f MiB" % (rss / 1024))
PY
# Idle: a database with nothing due; count poll() calls for 60 s.
rm -f "$T/bench.db"*
"$B/dutyctl" -c "$T/bench.conf" init >/dev/null
strace -f -e trace=poll,ppoll -o "$T/strace" "$B/dutyd" -c "$T/bench.conf" \
    2>/dev/null &
dpid=$!
sleep 2
base=$(grep -c poll "$T/strace" || true)
sleep 60
end=$(grep -c poll "$T/strace" || true)
pid=$(pgrep -f "$B/dutyd -c $T/bench.conf" | tail -1)
rss=$(awk '/^VmRSS/ {print $2}' /proc/"$pid"/status)
priv=$(awk '/^(Private_Clean|Private_Dirty):/ {s += $2} END {print s}' /proc/"$pid"/smaps_rollup)
echo "idle_wakeups_60s $((end - base)) count"
echo "idle_rss $((rss / 1024)).$(((rss % 1024) * 10 / 1024)) MiB"
echo "idle_private $((priv / 1024)).$(((priv % 1024) * 10 / 1024)) MiB"
kill "$dpid"
wait "$dpid" 2>/dev/null || true
# Feedback mailbox: 10,000 mails from a local dovecot, dutyd vs fetchmail.
sh bench/mailbox.sh "$B"
# Weekly digest over 100,000 measures and 10,000 feedback messages.
sh bench/digest.sh "$B"
