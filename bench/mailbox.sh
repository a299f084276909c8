#!/bin/sh
# Feedback mailbox fetch benchmark (called by bench/run.sh): 10,000 mails
# of about 3 KB in a local dovecot, fetched by `dutyd --once` (IMAP, MIME
# parsing, SQLite), by fetchmail (IMAP, written to a BSMTP file) and by
# the protocol floor (bench/imap_floor: one pipelined UID FETCH 1:*
# BODY.PEEK[] over a raw socket, literals skipped by their count) from
# the same mailbox in the same run, best of 3 taking turns, the clients
# and dovecot pinned to separate CPUs.  Then the time and peak RSS of
# parsing each size attack of tests/data/attacks.py (tests/probe/
# mimeprobe; the bound is 2 s and 64 MiB).  Prints NAME VALUE UNIT lines.
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "$B" in /*) ;; *) B="$top/$B" ;; esac
N=${MAILBOX_BENCH_N:-10000}
PY=/usr/bin/python3
PIDS=""
T=$(mktemp -d /tmp/dutyd-bench-mbox.XXXXXX)
chmod 700 "$T"
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP PIPE	# so that the EXIT trap stops dovecot
. "$top/tests/integration/dovecot.sh"
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

P=$(free_port)
start_dovecot "$T/dc" "$P"
$PY - "$T/dc/home/Maildir/cur" "$N" <<'PY'
import base64, os, sys
d, n = sys.argv[1], int(sys.argv[2])
text = ("您好：我是县城关镇居民，反映第N号问题，小区门口道路破损多年，"
        "雨天积水严重，希望有关部门尽快整改。谢谢！\n" * 12)
for i in range(1, n + 1):
    body = base64.encodebytes(text.replace("N", str(i)).encode()).decode()
    m = ("From: =?utf-8?B?%s?= <r%d@example.cn>\r\nTo: feedback@example.cn\r\n"
         "Subject: =?utf-8?B?%s?=\r\nDate: Tue, 01 Dec 2026 09:%02d:%02d +0800\r\n"
         "Message-ID: <bench%d@example.cn>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n%s" % (
             base64.b64encode(("居民%d" % i).encode()).decode(), i,
             base64.b64encode(("反映道路破损问题 %d" % i).encode()).decode(),
             i // 60 % 60, i % 60, i, body.replace("\n", "\r\n")))
    with open(os.path.join(d, "%d.bench:2," % i), "w") as f:
        f.write(m)
PY
chmod -R a+rX "$T/dc/home/Maildir/cur"
size=$(du -sk "$T/dc/home/Maildir/cur" | cut -f1)
# Let dovecot build its index first, so neither client pays for it.
doveadm -c "$DOVECOT_CONF" mailbox status -u feedback messages INBOX >/dev/null

printf 'secret-pw\n' > "$T/imap.pass"
chmod 600 "$T/imap.pass"
cat > "$T/bench.conf" <<CONF
general = { database = "$T/bench.db"; templates = "$top/conf/templates"; };
people = ( { key = "zhang"; name = "张伟"; email = "zhangwei@example.org";
	roles = ["principal"]; } );
maildir = { path = "$T/md"; };
mailbox = { enabled = true; url = "imap://127.0.0.1:$P/INBOX";
	username = "feedback"; password_file = "$T/imap.pass"; };
CONF
"$B/dutyctl" -c "$T/bench.conf" init >/dev/null

cat > "$T/fetchmailrc" <<RC
set no bouncemail
poll 127.0.0.1 protocol imap port $P auth password
	user "feedback" password "secret-pw" is "$(id -un)" here
	keep fetchall no rewrite
	bsmtp "$T/fetchmail.bsmtp"
RC
chmod 600 "$T/fetchmailrc"

# Best of 3, the two clients taking turns, each pinned to CPU 0 and
# dovecot (its processes to come inherit it) to CPU 1: where the
# scheduler puts them changes the speed of both (see bench/run.sh).
[ "$(nproc)" -gt 1 ] && taskset -a -p -c 1 "$DOVECOT_PID" >/dev/null
$PY - "$B/dutyd" "$B/dutyctl" "$T/bench.conf" "$T/fetchmailrc" "$T" "$N" \
    "$B/bench/imap_floor" "$P" <<'PY'
import subprocess, sys, time, sqlite3, os
dutyd, dutyctl, conf, rc, t, n, floor, port = sys.argv[1:9]
n = int(n)

def run_floor():
    s = time.monotonic()
    out = subprocess.run(["taskset", "-c", "0", floor, "127.0.0.1", port,
        "feedback", "secret-pw"], check=True, capture_output=True).stdout
    took = time.monotonic() - s
    got = int(out.split()[0])
    if got != n:
        sys.exit("imap_floor fetched %d of %d" % (got, n))
    return took

def run_dutyd():
    for f in ("", "-wal", "-shm", "-progress"):
        if os.path.exists(os.path.join(t, "bench.db" + f)):
            os.remove(os.path.join(t, "bench.db" + f))
    subprocess.run([dutyctl, "-c", conf, "init"], check=True,
        stdout=subprocess.DEVNULL)
    s = time.monotonic()
    subprocess.run(["taskset", "-c", "0", dutyd, "-c", conf, "--once",
        "--now", "2026-12-01 10:00"], check=True,
        stderr=open(os.path.join(t, "dutyd.log"), "w"))
    took = time.monotonic() - s
    got = sqlite3.connect(os.path.join(t, "bench.db")).execute(
        "SELECT count(*) FROM feedback").fetchone()[0]
    if got != n:
        sys.exit("dutyd stored %d of %d" % (got, n))
    return took

def run_fetchmail():
    for f in ("fetchids", "fetchmail.bsmtp"):
        if os.path.exists(os.path.join(t, f)):
            os.remove(os.path.join(t, f))
    env = dict(os.environ, HOME=t, FETCHMAILHOME=t)
    s = time.monotonic()
    subprocess.run(["taskset", "-c", "0", "fetchmail", "-f", rc,
        "--nodetach", "--nosyslog", "--idfile", os.path.join(t, "fetchids"),
        "--sslproto", "", "--silent"], env=env, check=False,
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(t, "fetchmail.log"), "w"))
    took = time.monotonic() - s
    data = open(os.path.join(t, "fetchmail.bsmtp"), "rb").read()
    fm = data.count(b"\r\nMAIL FROM:") + (1 if data.startswith(b"MAIL FROM:")
        else 0)
    if fm != n:
        sys.exit("fetchmail fetched %d of %d (see %s)" % (fm, n,
            open(os.path.join(t, "fetchmail.log")).read()[-500:]))
    return took

dw, fw, pw = [], [], []
for _ in range(3):
    dw.append(run_dutyd())
    fw.append(run_fetchmail())
    pw.append(run_floor())
dw, fw, pw = min(dw), min(fw), min(pw)
print("mailbox_fetch_dutyd %.0f msg/s" % (n / dw))
print("mailbox_fetch_dutyd_wall %.2f s" % dw)
print("mailbox_fetch_fetchmail %.0f msg/s" % (n / fw))
print("mailbox_fetch_ratio %.2f x" % (fw / dw))
print("mailbox_fetch_floor %.0f msg/s" % (n / pw))
print("mailbox_fetch_of_floor %.0f %%" % (100 * pw / dw))
PY
echo "mailbox_bench_size $((size / 1024)) MiB"

# The size attacks: parse time and peak RSS above the file read (best of
# 3 for the time).
$PY "$top/tests/data/attacks.py" "$T/att"
for a in subject-words many-parts deep-nest many-headers long-line; do
	best=""
	for i in 1 2 3; do
		set -- $("$B/tests/mimeprobe" "$T/att/$a.eml")
		ms=${1#ms=}; before=${2#rss_kb_before=}; after=${3#rss_kb_after=}
		[ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
	done
	echo "mime_attack_${a}_time $best ms"
	echo "mime_attack_${a}_rss $(((after - before) / 1024)) MiB"
done
