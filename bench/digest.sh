#!/bin/sh
# Digest benchmark: build the weekly digest over 100,000 measures (1,000
# problems, 10 people; a fifth done, some overdue) and 10,000 feedback
# messages received this week, with `dutyctl digest preview`; prints its
# wall time and peak RSS.  usage: bench/digest.sh BUILD_DIR
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/dutyd-bench-digest.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP PIPE
people=""
for i in 0 1 2 3 4 5 6 7 8 9; do
	people="$people{ key = \"p$i\"; name = \"责任人$i\"; email = \"p$i@example.org\"; leaders = [\"boss\"]; },"
done
cat > "$T/b.conf" <<CONF
general = { database = "$T/b.db"; templates = "$top/conf/templates"; };
people = ( $people
	{ key = "boss"; name = "王书记"; email = "boss@example.org"; roles = ["principal"]; } );
maildir = { path = "$T/md"; };
duties = ( { id = "talks"; title = "谈心谈话"; period = "quarter";
	owners = [ "p0", "p1", "p2" ]; targets = [ "办公室", "组织部" ]; } );
CONF
"$B/dutyctl" -c "$T/b.conf" init >/dev/null
now=$(date -d "2026-12-02 09:00 +0800" +%s)
sqlite3 "$T/b.db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO problem (code, title) SELECT 'P' || i, '基准问题第' || i || '项' FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
INSERT INTO measure (problem_id, code, text, kind, deadline, status, done_at,
    evidence, created_at, updated_at)
SELECT 1 + i / 100, 'M' || i, '基准整改措施，编号' || i || '，内容若干字以接近真实长度',
    'deadline', date('2026-11-01', '+' || (i % 90) || ' days'),
    CASE WHEN i % 5 = 0 THEN 'done' ELSE 'open' END,
    CASE WHEN i % 5 = 0 THEN 1 END, CASE WHEN i % 5 = 0 THEN '佐证' END, 0, 0 FROM n;
INSERT INTO measure_owner (measure_id, person, pos)
SELECT id, 'p' || (id % 10), 0 FROM measure;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
INSERT INTO feedback (source, message_id, sender, subject, date, excerpt, received_at)
SELECT 'imap', '<fb' || i || '@example.org>', '群众' || i || ' <q' || i || '@example.org>',
    '关于团费收缴的意见第' || i || '条', $now - 3600 - i, '村团支部没有及时通知团费收缴，请改进。' ||
    '这是一段较长的正文，用来接近真实来信的长度。', $now - 3600 - i FROM n;
COMMIT;
SQL
/usr/bin/python3 - "$B/dutyctl" "$T/b.conf" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
out = subprocess.run([sys.argv[1], "-c", sys.argv[2], "--now",
    "2026-12-02 09:00", "digest", "preview", "--html"], check=True,
    stdout=subprocess.PIPE).stdout
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("digest_100k_measures_10k_feedback_wall %.3f s" % wall)
print("digest_100k_measures_10k_feedback_peak_rss %.1f MiB" % (rss / 1024))
print("digest_100k_measures_10k_feedback_html %.0f KiB" % (len(out) / 1024))
PY
