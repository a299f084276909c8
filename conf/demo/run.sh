#!/bin/sh
# make run: the daemon on the bundled demo, with no outside server.
# Builds var/demo.db from conf/demo.conf and the demo ledger (deadlines
# placed around today), writes the ledger as var/台账.xlsx, starts a local
# stand-in for the SMS provider on 127.0.0.1:18625, then runs dutyd in the
# foreground: reminder emails land in the maildir var/outbox/ (open them
# with any mail reader, or `cat var/outbox/new/*`), SMS requests in
# var/sms-standin/. Stop with Ctrl-C.
set -eu
B=${1:-build}
# The SMS stand-in's port: conf/demo.conf names the same one.
PORT=${DEMO_SMS_PORT:-18625}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
mkdir -p var
rm -f var/demo.db var/demo.db-wal var/demo.db-shm var/demo.db.lock
rm -rf var/outbox var/sms-standin
# A made-up AccessKey secret: secret files must be private (mode 0600).
(umask 077 && printf 'demo-secret-not-real\n' > var/demo-sms.secret)
sh conf/demo/mkledger.sh conf/demo/ledger.csv.in var/demo-ledger.csv
"$B/dutyctl" -c conf/demo.conf check-config
"$B/dutyctl" -c conf/demo.conf init
"$B/dutyctl" -c conf/demo.conf import var/demo-ledger.csv
echo "--- 整改台账（dutyctl -c conf/demo.conf item list）："
"$B/dutyctl" -c conf/demo.conf item list
# Some standing duties already done this period (谈心谈话, 研究部署).
"$B/dutyctl" -c conf/demo.conf duty log talks --by chen --target 办公室 \
    --note "与办公室全体干部谈心谈话" >/dev/null
"$B/dutyctl" -c conf/demo.conf duty log talks --by li --target 青少年部 \
    --note "听取青少年部整改进展，谈心谈话" >/dev/null
"$B/dutyctl" -c conf/demo.conf duty log lianzheng-study --by wang \
    --note "书记办公会专题研究党风廉政建设工作" --evidence "会议纪要" >/dev/null
# Feedback that came by phone (the seed report gives a phone number too).
"$B/dutyctl" -c conf/demo.conf feedback add --from "王女士" \
    --subject "希望多组织青少年暑期公益活动" \
    --text "孩子放暑假在家，希望团县委多组织一些面向青少年的公益和实践活动。" >/dev/null
"$B/dutyctl" -c conf/demo.conf feedback add --from "李先生" \
    --subject "团费收缴通知不及时" \
    --text "村团支部没有及时通知团费收缴，请改进。" >/dev/null
"$B/dutyctl" -c conf/demo.conf feedback assign 2 --owner xu >/dev/null
echo "--- 本期常态化工作（dutyctl -c conf/demo.conf duty status）："
"$B/dutyctl" -c conf/demo.conf duty status
"$B/dutyctl" -c conf/demo.conf report --html -o var/report.html \
    --docx var/report.docx
echo "--- 整改进展情况通报（dutyctl -c conf/demo.conf report --html --docx）：var/report.html、var/report.docx"
"$B/dutyctl" -c conf/demo.conf export --xlsx -o var/台账.xlsx
echo "--- 台账（dutyctl -c conf/demo.conf export --xlsx）：var/台账.xlsx"

/usr/bin/python3 tests/integration/httpd.py --port "$PORT" \
    --dir var/sms-standin --pidfile var/sms-standin.pid --provider aliyun \
    --secret-file var/demo-sms.secret > var/sms-standin.out 2>&1 &
standin=$!
# Background jobs of a script ignore Ctrl-C: stop the stand-in ourselves.
trap 'kill "$standin" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
i=0
while [ ! -s var/sms-standin.pid ] && [ $i -lt 50 ]; do
	if ! kill -0 "$standin" 2>/dev/null; then
		echo "短信平台模拟服务未能启动（端口 $PORT 被占用？）：" >&2
		cat var/sms-standin.out >&2
		exit 1
	fi
	sleep 0.1; i=$((i + 1))
done
rm -f var/sms-standin.pid
echo "--- 短信平台模拟服务：127.0.0.1:$PORT（收到的请求在 var/sms-standin/）"
echo "--- 启动 dutyd（按 Ctrl-C 停止）；提醒邮件写入 var/outbox/new/"
"$B/dutyd" -c conf/demo.conf || true
