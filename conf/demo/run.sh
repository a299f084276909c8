#!/bin/sh
# make run: the daemon on the bundled demo, with no outside server.
# Builds var/demo.db from conf/demo.conf and the demo ledger (deadlines
# placed around today), then runs dutyd in the foreground: reminder emails
# land in the maildir var/outbox/ (open them with any mail reader, or
# `cat var/outbox/new/*`). Stop with Ctrl-C.
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
mkdir -p var
rm -f var/demo.db var/demo.db-wal var/demo.db-shm var/demo.db.lock
rm -rf var/outbox
sh conf/demo/mkledger.sh conf/demo/ledger.csv.in var/demo-ledger.csv
"$B/dutyctl" -c conf/demo.conf check-config
"$B/dutyctl" -c conf/demo.conf init
"$B/dutyctl" -c conf/demo.conf import var/demo-ledger.csv
echo "--- the ledger (dutyctl -c conf/demo.conf item list):"
"$B/dutyctl" -c conf/demo.conf item list
echo "--- starting dutyd (Ctrl-C to stop); mail goes to var/outbox/new/"
exec "$B/dutyd" -c conf/demo.conf
