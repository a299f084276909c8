#!/bin/sh
# make bench: figures printed one per line as NAME VALUE UNIT.
#	sh bench/run.sh [BUILD_DIR] [smtp] [plan] [idle] [mailbox] [digest]
#	(default: all)
# - smtp: 10,000 reminder emails to postfix's smtp-sink on 127.0.0.1,
#   by a bare libcurl loop (bench/smtp_loop.c, one reused handle) and by
#   `dutyd --once` draining them from the outbox (whole process, one
#   connection per round of outbox.batch, state kept crash-safe): msg/s
#   for both, best of 3 taking turns, and the ratio of their times, with
#   client and smtp-sink pinned to one CPU, then (_2cpu) to one each.
#   dutyd builds each email when it is queued; _built_at_send is the same
#   drain of rows without their message (built by the outbox when sent),
#   which shows what building costs on top of sending
# - plan over 1,000,000 open measures: wall time and peak RSS of one
#   `dutyd --once` tick (scan + plan; nothing is due)
# - idle daemon: RSS and wakeups (poll calls) over 60 s with nothing due
# - mailbox: 10,000 mails from a local dovecot, dutyd vs fetchmail
#   (bench/mailbox.sh)
# - digest: the weekly digest over 100,000 measures and 10,000 feedback
#   messages (bench/digest.sh)
set -eu
B=${1:-build}
[ $# -gt 0 ] && shift
WHAT=${*:-smtp plan idle mailbox digest}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "$B" in /*) ;; *) B="$top/$B" ;; esac
T=$(mktemp -d /tmp/dutyd-bench.XXXXXX)
dpid=""
ipid=""
spid=""
trap 'for p in $ipid $dpid $spid; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP PIPE	# so that the EXIT trap stops them
PY=/usr/bin/python3
N=10000

# ---- SMTP throughput -------------------------------------------------------
bench_smtp() {
	sink=$(sh tools/smtp-sink.sh "$B/postfix")
	port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	# smtp-sink refuses to run as root without a user to switch to.
	u=""
	[ "$(id -u)" = 0 ] && u="-u nobody"
	$sink $u 127.0.0.1:"$port" 256 &
	spid=$!
	$PY - "$port" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("smtp-sink did not start")
PY
	cat > "$T/smtp.conf" <<CONF
general = { database = "$T/smtp.db"; templates = "$top/conf/templates";
	office = "团县委"; };
people = ( { key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	roles = ["principal"]; } );
smtp = { enabled = true; url = "smtp://127.0.0.1:$port"; starttls = false;
	from = "duty@example.org"; from_name = "团县委巡察整改办";
	per_connection = 0; rate = 0; };	# a sink, not 126.com
digest = { enabled = false; };	# measured on its own
CONF
	c="$B/dutyctl -c $T/smtp.conf"
	$c init >/dev/null
	# A typical reminder: three measures, one of them overdue.
	$c item add --problem 一 --problem-title "理论学习中心组学习制度落实不到位" \
	    --code 一-1 --text "制定年度理论学习计划，每季度至少开展1次专题研讨" \
	    --owner zhang --deadline 2026-12-02 >/dev/null
	$c item add --problem 一 --code 一-2 --text "开展基层主题宣讲，形成宣讲台账" \
	    --owner zhang --deadline 2026-11-20 >/dev/null
	$c item add --problem 二 --problem-title "联系服务青年不够紧密" --code 二-1 \
	    --text "建立联系服务青年常态化机制，每月走访基层团组织不少于2次" \
	    --owner zhang --deadline 2026-12-08 >/dev/null
	now="2026-11-30 09:30"
	# The same message as dutyd builds it, for the bare loop.
	"$B/dutyd" -c "$T/smtp.conf" --once --now "$now" --dry-run "$T/md" \
	    2>/dev/null
	f=$(ls "$T"/md/new/* | head -1)
	$PY - "$f" "$T/msg.eml" <<'PY'
import sys
data = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
open(sys.argv[2], "wb").write(data.replace(b"\n", b"\r\n"))
PY
	echo "smtp_message_size $(wc -c < "$T/msg.eml") bytes"
	# One real send puts the rendered row in the outbox; copy it into
	# N pending rows to N recipients, then time dutyd draining them.
	"$B/dutyd" -c "$T/smtp.conf" --once --now "$now" 2>/dev/null
	sqlite3 "$T/smtp.db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO outbox (key, kind, channel, person, recipient, recipient_name,
    message_id, created_at, next_attempt_at)
SELECT 'bench:' || i, kind, channel, person, 'u' || i || '@example.org',
    recipient_name, 'bench.' || i || '@example.org', created_at, 0
FROM outbox, n WHERE outbox.id = 1;
-- Each copy's message is the one built when queued, made its own: its
-- To address and Message-ID are the row's.
INSERT INTO outbox_body (id, subject, body_text, body_html, message)
SELECT o.id, b.subject, b.body_text, b.body_html,
    CAST(replace(replace(CAST(b.message AS TEXT), 'zhangwei@example.org',
    o.recipient), (SELECT message_id FROM outbox WHERE id = 1),
    o.message_id) AS BLOB)
FROM outbox o, outbox_body b WHERE o.key LIKE 'bench:%' AND b.id = 1;
COMMIT;
SQL
	cp "$T/smtp.db" "$T/smtp.db.ready"
	# The same rows without their message: built when sent (rows queued
	# by an older dutyd), the cost that queueing moved out of the send.
	sqlite3 "$T/smtp.db" "UPDATE outbox_body SET message = NULL"
	cp "$T/smtp.db" "$T/smtp.db.atsend"
	# Best of 3, the two programs taking turns: this machine is shared.
	# Where the scheduler puts the client and smtp-sink changes the
	# bare loop's speed twofold (a wakeup on the same CPU is cheaper), so
	# both are pinned, in each placement: one CPU for both, and (with two
	# or more CPUs) one each.  smtp_ratio is the worse of the two.
	$PY - "$B" "$T" "$port" "$now" $N "$spid" <<'PY'
import os, re, shutil, sqlite3, subprocess, sys, time
b, t, port, now, n, sink = sys.argv[1:7]
n = int(n)

def drain(ready):
    for f in ("-wal", "-shm", "-progress"):
        if os.path.exists(t + "/smtp.db" + f):
            os.remove(t + "/smtp.db" + f)
    shutil.copy(ready, t + "/smtp.db")
    start = time.monotonic()
    subprocess.run(["taskset", "-c", "0", b + "/dutyd", "-c",
        t + "/smtp.conf", "--once", "--now", now], check=True,
        stderr=subprocess.DEVNULL)
    took = time.monotonic() - start
    db = sqlite3.connect(t + "/smtp.db")
    sent = db.execute("SELECT count(*) FROM outbox WHERE status = 'sent' "
        "AND key LIKE 'bench:%'").fetchone()[0]
    db.close()
    if sent != n:
        sys.exit("dutyd sent %d of %d messages" % (sent, n))
    return took

places = [("_1cpu", "0")] + ([("_2cpu", "1")] if os.cpu_count() > 1 else [])
worst = 0
for suffix, sink_cpu in places:
    subprocess.run(["taskset", "-a", "-p", "-c", sink_cpu, sink], check=True,
        stdout=subprocess.DEVNULL)
    bare, dutyd, atsend = [], [], []
    for _ in range(3):
        out = subprocess.run(["taskset", "-c", "0", b + "/bench/smtp_loop",
            "smtp://127.0.0.1:" + port, t + "/msg.eml", str(n)], check=True,
            capture_output=True, text=True).stdout
        bare.append(float(re.search(r"in ([0-9.]+) s", out).group(1)))
        dutyd.append(drain(t + "/smtp.db.ready"))
        atsend.append(drain(t + "/smtp.db.atsend"))
    bt, dt, at = min(bare), min(dutyd), min(atsend)
    worst = max(worst, dt / bt)
    print("smtp_bare_10k%s %.0f msg/s" % (suffix, n / bt))
    print("smtp_dutyd_10k%s %.0f msg/s" % (suffix, n / dt))
    print("smtp_ratio%s %.2f x" % (suffix, dt / bt))
    print("smtp_dutyd_built_at_send_10k%s %.0f msg/s" % (suffix, n / at))
    print("smtp_ratio_built_at_send%s %.2f x" % (suffix, at / bt))
print("smtp_ratio %.2f x" % worst)
PY
	kill "$spid"
	wait "$spid" 2>/dev/null || true
	spid=""
}

# ---- planning over 1,000,000 open measures ---------------------------------
bench_plan() {
	cat > "$T/bench.conf" <<CONF
general = { database = "$T/bench.db"; templates = "$top/conf/templates"; };
people = ( { key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	roles = ["principal"]; } );
maildir = { path = "$T/md"; };
reminders = { time = "09:00"; };
digest = { enabled = false; };	# measured on its own
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
	# One tick on a working day at 10:00: all 1M rows are scanned and
	# planned (deadlines are years away, so nothing is enqueued).
	$PY - "$B/dutyd" "$T/bench.conf" <<'PY'
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
}

# ---- idle daemon -----------------------------------------------------------
bench_idle() {
	cat > "$T/idle.conf" <<CONF
general = { database = "$T/idle.db"; templates = "$top/conf/templates"; };
people = ( { key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	roles = ["principal"]; } );
maildir = { path = "$T/md"; };
reminders = { time = "09:00"; };
digest = { enabled = false; };	# measured on its own
CONF
	"$B/dutyctl" -c "$T/idle.conf" init >/dev/null
	strace -f -e trace=poll,ppoll -o "$T/strace" "$B/dutyd" \
	    -c "$T/idle.conf" 2>/dev/null &
	dpid=$!
	sleep 2
	base=$(grep -c poll "$T/strace" || true)
	sleep 60
	end=$(grep -c poll "$T/strace" || true)
	pid=$(pgrep -f "^$B/dutyd -c $T/idle.conf" | tail -1)
	ipid=$pid
	rss=$(awk '/^VmRSS/ {print $2}' /proc/"$pid"/status)
	priv=$(awk '/^(Private_Clean|Private_Dirty):/ {s += $2} END {print s}' /proc/"$pid"/smaps_rollup)
	echo "idle_wakeups_60s $((end - base)) count"
	echo "idle_rss $((rss / 1024)).$(((rss % 1024) * 10 / 1024)) MiB"
	echo "idle_private $((priv / 1024)).$(((priv % 1024) * 10 / 1024)) MiB"
	# strace leaves its tracee running when it is killed: stop both.
	kill "$pid" "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null || true
	dpid=""
	ipid=""
}

for w in $WHAT; do
	case "$w" in
	smtp|plan|idle) "bench_$w" ;;
	mailbox|digest) sh "bench/$w.sh" "$B" ;;
	*) echo "bench/run.sh: unknown part $w (smtp, plan, idle, mailbox," \
	    "digest)" >&2; exit 2 ;;
	esac
done
