#!/bin/sh
# dutyctl as the admin uses it: config check, init, import (UTF-8 and
# GB18030), list, done/reopen with audit, export round trip, bad input.
. "$(dirname "$0")/lib.sh"

cat > "$T/dutyd.conf" <<CONF
general = { database = "$T/duty.db"; templates = "$TOP/conf/templates"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhangwei@example.org"; leaders = ["li"]; },
	{ key = "li"; name = "李娜"; email = "lina@example.org"; roles = ["leader", "principal"]; }
);
maildir = { path = "$T/outbox"; };
CONF
C="$DUTYCTL -c $T/dutyd.conf --now 2026-11-30"

$C check-config > "$T/out" 2>&1
expect_in "check-config prints a summary" "configuration OK" "$T/out"

printf 'general = { database = "x.db"; };\npeople = (\n { key = "a"; name = "A"; email = "foo"; }\n);\n' > "$T/bad.conf"
$DUTYCTL -c "$T/bad.conf" check-config > "$T/out" 2>&1
expect_eq "a broken config exits 78" 78 $?
expect_in "a broken config names file:line and the setting" \
    "bad.conf:3: people.[0].email" "$T/out"

# A templates directory copied before the last release (no im-digest.*,
# no sms-duty.txt): check-config, dutyd -n and dutyd's start refuse it,
# naming each missing file and the setting (file:line) that needs it, in
# Chinese; other dutyctl commands still work; a reload that loses a
# template keeps the running configuration.
mkdir "$T/oldtpl"
for f in "$TOP"/conf/templates/*; do
	case "${f##*/}" in im-digest.*|sms-duty.txt) ;; *) cp "$f" "$T/oldtpl/" ;; esac
done
(umask 077 && printf 'x\n' > "$T/sms.secret")
cat > "$T/old.conf" <<CONF
general = { database = "$T/old.db"; templates = "$T/oldtpl"; };
people = ( { key = "li"; name = "李娜"; email = "lina@example.org";
	phone = "+8613800138000"; roles = ["principal"]; } );
maildir = { path = "$T/oldmd"; };
sms = { enabled = true; provider = "aliyun"; endpoint = "http://127.0.0.1:1/sms";
	access_key_id = "AK"; secret_file = "$T/sms.secret"; sign_name = "测试";
	template_reminder = "SMS_1"; template_duty = "SMS_2";
	template_shortfall = "SMS_3"; };
im = ( { name = "qun"; type = "dingtalk"; url = "http://127.0.0.1:1/robot";
	kinds = [ "digest" ]; } );
duties = ( { id = "talks"; title = "谈心谈话"; period = "quarter";
	owners = [ "li" ]; channels = [ "email", "sms" ]; } );
CONF
chmod 600 "$T/old.conf"
LANGUAGE=zh_CN $DUTYCTL -c "$T/old.conf" check-config > "$T/old.out" 2>&1
expect_eq "check-config refuses missing templates: 78" 78 $?
expect_in "naming the file and the robot's kinds (line 10)" \
    "old.conf:10: im.[0].kinds：需要模板 $T/oldtpl/im-digest.title.txt，但该文件不存在（请从本版本 dutyd 自带的模板目录复制）" \
    "$T/old.out"
expect_in "the digest body of a markdown robot" \
    "old.conf:10: im.[0].kinds：需要模板 $T/oldtpl/im-digest.md，" "$T/old.out"
expect_in "and the SMS template of the duty that texts (line 12)" \
    "old.conf:12: duties.[0].channels：需要模板 $T/oldtpl/sms-duty.txt，但该文件不存在" \
    "$T/old.out"
expect_eq "three problems, nothing else" 3 "$(grep -c '需要模板' "$T/old.out")"
LANGUAGE=zh_CN $DUTYD -n -c "$T/old.conf" > "$T/oldn.out" 2>&1
expect_eq "dutyd -n refuses it too: 78" 78 $?
expect_in "with the same words" "duties.[0].channels：需要模板 $T/oldtpl/sms-duty.txt" "$T/oldn.out"
$DUTYCTL -c "$T/old.conf" init > "$T/out" 2>&1
expect_eq "other dutyctl commands still work" 0 $?
$DUTYD --once -c "$T/old.conf" > "$T/oldd.out" 2>&1
expect_eq "dutyd does not start on it: 78" 78 $?
cp "$TOP"/conf/templates/im-digest.* "$TOP/conf/templates/sms-duty.txt" "$T/oldtpl/"
$DUTYCTL -c "$T/old.conf" check-config > "$T/out" 2>&1
expect_eq "with the files copied it is accepted" 0 $?
# The report's template only dutyctl renders: check-config names it,
# the daemon (which never renders it) starts without it.
mv "$T/oldtpl/report.html" "$T/report.html.away"
LANGUAGE=zh_CN $DUTYCTL -c "$T/old.conf" check-config > "$T/out" 2>&1
expect_eq "check-config: without report.html, 78" 78 $?
expect_in "naming it" "需要模板 $T/oldtpl/report.html，但该文件不存在" "$T/out"
$DUTYD -n -c "$T/old.conf" > "$T/out" 2>&1
expect_eq "dutyd -n: the daemon does not need it" 0 $?
mv "$T/report.html.away" "$T/oldtpl/report.html"
chmod 000 "$T/oldtpl/sms-duty.txt"
if [ "$(id -u)" != 0 ]; then
	$DUTYCTL -c "$T/old.conf" check-config > "$T/out" 2>&1
	expect_in "an unreadable one is named too" \
	    "duties.[0].channels: needs the template $T/oldtpl/sms-duty.txt, which cannot be read: Permission denied" "$T/out"
fi
chmod 600 "$T/oldtpl/sms-duty.txt"
sed -i 's/ channels = \[ "email", "sms" \];//' "$T/old.conf"
$DUTYD -c "$T/old.conf" > "$T/oldd.log" 2>&1 &
OPID=$!
PIDS="$PIDS $OPID"
i=0
while ! grep -q "started: config" "$T/oldd.log" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
rm "$T/oldtpl/reminder.html"
kill -HUP $OPID
i=0
while ! grep -q "keeping the running" "$T/oldd.log" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_in "a reload that loses a template names it" \
    "general.templates: needs the template $T/oldtpl/reminder.html, which does not exist" "$T/oldd.log"
expect_in "and keeps the running configuration" "keeping the running configuration" "$T/oldd.log"
check "the daemon still runs" kill -0 $OPID
kill -TERM $OPID
wait $OPID
PIDS=$(echo "$PIDS" | sed "s/ $OPID//")

$C init > "$T/out" 2>&1
expect_in "init creates the database" "schema version" "$T/out"

cat > "$T/ledger.csv" <<'CSV'
问题编号,问题,序号,整改措施,责任人,整改时限,完成情况
一,理论联系实际成效不明显,（一）,"起草实施方案，并提交常委会研究",张伟,2026-12-02,
,,（二）,"开展宣讲，""后浪""队伍
建强",zhang、李娜,2026-11-20,未完成
二,联系服务青年不够紧密,（一）,建立常态化机制,li,长期坚持,
CSV
$C import "$T/ledger.csv" > "$T/out" 2>&1
expect_in "import adds the rows" "3 added" "$T/out"
$C import "$T/ledger.csv" > "$T/out" 2>&1
expect_in "re-import changes nothing" "0 added, 0 changed, 0 closed, 3 unchanged" "$T/out"

$C item list > "$T/out" 2>&1
expect_in "list shows the Chinese text" "起草实施方案" "$T/out"
expect_in "list shows overdue days" "逾期10天" "$T/out"
expect_in "list shows both owners by name" "张伟、李娜" "$T/out"
$C item list --overdue --json > "$T/out.json" 2>&1
n=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d), d[0]["code"])' "$T/out.json" 2>&1)
expect_eq "--overdue --json gives the overdue row" "1 一-二" "$n"

$C item done 一-一 > "$T/out" 2>&1
expect_eq "done without evidence is refused" 64 $?
$C item done 一-一 --evidence "方案已印发（宁团〔2026〕12号）" > "$T/out" 2>&1
expect_in "done closes the item" "done" "$T/out"
$C item show 一-一 > "$T/out" 2>&1
expect_in "show has the evidence" "宁团〔2026〕12号" "$T/out"
$C item reopen 一-一 > "$T/out" 2>&1
expect_eq "reopen without a reason is refused" 64 $?
$C item reopen 一-一 --reason "回头看：方案未落实" > "$T/out" 2>&1
expect_in "reopen opens it again" "reopened" "$T/out"
$C audit > "$T/out" 2>&1
expect_in "the audit names the Unix user" "$(id -un)" "$T/out"
expect_in "the audit has the reopen with its reason" "回头看：方案未落实" "$T/out"

# A bad row: nothing imported, the row and column named.
cp "$T/ledger.csv" "$T/bad.csv"
printf '三,新问题,（一）,措施,张伟,2026-13-45,\n' >> "$T/bad.csv"
before=$(sqlite3 "$T/duty.db" 'select count(*) from measure')
$C import "$T/bad.csv" > "$T/out" 2>&1
expect_eq "a bad row fails the import" 65 $?
expect_in "the error names row and column" "第5行，“整改时限”列：“2026-13-45”不是日期" "$T/out"
after=$(sqlite3 "$T/duty.db" 'select count(*) from measure')
expect_eq "a failed import leaves the data as it was" "$before" "$after"

printf '问题编号,问题,序号,整改措施,责任人,整改时限\n四,问题,（一）,措施,王五,2026-12-01\n' > "$T/unknown.csv"
$C import "$T/unknown.csv" > "$T/out" 2>&1
expect_in "an unknown owner is named" "王五" "$T/out"

# GB18030, as Excel writes on Chinese Windows.
printf '问题编号,问题,序号,整改措施,责任人,整改时限\n五,团费收缴不规范,（一）,开设团费账户收缴团费,李娜,2026-12-31\n' |
    iconv -f UTF-8 -t GB18030 > "$T/gbk.csv"
$C import "$T/gbk.csv" > "$T/out" 2>&1
expect_in "a GB18030 ledger imports" "1 added" "$T/out"
$C item show 五-一 > "$T/out" 2>&1
expect_in "GB18030 text is stored as UTF-8" "开设团费账户收缴团费" "$T/out"

# SQL-looking text round-trips.
$C item add --problem 六 --code 六-一 --text "x" --owner zhang \
    --deadline 2026-12-31 > "$T/out" 2>&1
expect_in "a new problem needs its title" "--problem-title" "$T/out"
$C item add --problem 六 --problem-title "测试问题" --code 六-一 --text "'); DROP TABLE measure; --" \
    --owner zhang --deadline 2026-12-31 > "$T/out" 2>&1
$C item show 六-一 > "$T/out" 2>&1
expect_in "SQL-looking text is stored as text" "'); DROP TABLE measure; --" "$T/out"

# Export, then import the export into a fresh database: the same ledger.
(umask 022; $C export --csv -o "$T/export.csv" > "$T/out" 2>&1)
m=$(stat -c %a "$T/export.csv" "$T/duty.db" | sort -u | tr '\n' ' ')
expect_eq "under umask 022 the export and the database are 0600" "600 " "$m"
sed "s#$T/duty.db#$T/copy.db#" "$T/dutyd.conf" > "$T/copy.conf"
$DUTYCTL -c "$T/copy.conf" import "$T/export.csv" > "$T/out" 2>&1
expect_in "the export imports again" "5 added" "$T/out"
a=$($C export --json | $PY -c 'import json,sys; print(sorted((r["code"],r["text"],r["deadline"],r["status"]) for r in json.load(sys.stdin)))')
b=$($DUTYCTL -c "$T/copy.conf" --now 2026-11-30 export --json | $PY -c 'import json,sys; print(sorted((r["code"],r["text"],r["deadline"],r["status"]) for r in json.load(sys.stdin)))')
expect_eq "export -> import round-trips every row" "$a" "$b"

# A database written by a newer dutyd is refused.
sqlite3 "$T/copy.db" 'PRAGMA user_version = 99'
$DUTYCTL -c "$T/copy.conf" item list > "$T/out" 2>&1
expect_in "a newer database is refused" "newer dutyd" "$T/out"

# --- a full disk: exit 74 (EX_IOERR) and a sentence that says so ----------
# The database on a 1 MB tmpfs in a private mount namespace (unshare -rm
# works without root where user namespaces are allowed), filled up.
mkdir -p "$T/full"
cat > "$T/full.conf" <<CONF
general = { database = "$T/full/duty.db"; templates = "$TOP/conf/templates"; };
people = ( { key = "zhang"; name = "张伟"; email = "zhangwei@example.org"; } );
maildir = { path = "$T/outbox"; };
digest = { enabled = false; };
CONF
cat > "$T/full.sh" <<SH
mount -t tmpfs -o size=1m tmpfs "$T/full" || exit 99
$DUTYCTL -c "$T/full.conf" init > /dev/null || exit 98
dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null
$DUTYCTL -c "$T/full.conf" item add --problem 一 --problem-title "问题" \
    --code 一-1 --text "\$(head -c 20000 /dev/zero | tr '\\0' x)" \
    --owner zhang --deadline 2026-12-01
SH
if unshare -rm true 2>/dev/null; then
	unshare -rm sh "$T/full.sh" > "$T/full.out" 2>&1
	expect_eq "a full disk exits 74" 74 $?
	expect_in "and says the disk is full" "the disk is full: free space" \
	    "$T/full.out"
else
	ok "a full disk (skipped: no user namespaces for unshare -rm)"
fi

# --- a read-only file system: reads work, a write says what is wrong ------
mkdir -p "$T/ro"
cat > "$T/ro.conf" <<CONF
general = { database = "$T/ro/duty.db"; templates = "$TOP/conf/templates"; };
people = ( { key = "zhang"; name = "张伟"; email = "zhangwei@example.org"; } );
maildir = { path = "$T/outbox"; };
digest = { enabled = false; };
CONF
$DUTYCTL -c "$T/ro.conf" init > /dev/null
$DUTYCTL -c "$T/ro.conf" item add --problem 一 --problem-title "问题" \
    --code 一-1 --text "措施" --owner zhang --deadline 2026-12-01 >/dev/null
cat > "$T/ro.sh" <<SH
mount --bind "$T/ro" "$T/ro" && mount -o remount,bind,ro "$T/ro" || exit 99
$DUTYCTL -c "$T/ro.conf" item list > "$T/ro-list.out" 2>&1
echo "list=\$?"
$DUTYCTL -c "$T/ro.conf" item done 一-1 --evidence x > "$T/ro-done.out" 2>&1
echo "done=\$?"
SH
if unshare -rm true 2>/dev/null; then
	unshare -rm sh "$T/ro.sh" > "$T/ro.out" 2>&1
	expect_in "read-only file system: item list works" "list=0" "$T/ro.out"
	expect_in "and lists the item" "一-1" "$T/ro-list.out"
	expect_in "a write exits 74" "done=74" "$T/ro.out"
	expect_in "and says the file system is read-only" \
	    "the file system holding $T/ro/duty.db is mounted read-only" \
	    "$T/ro-done.out"
else
	ok "read-only file system (skipped: no user namespaces)"
fi

# --- a user who may not write the directory: reads work -------------------
# (as root: the check runs as nobody, in a directory nobody can read)
RO=$(mktemp -d /tmp/dutyd-ro.XXXXXX)
chmod 755 "$RO"
sed "s|$T/ro/duty.db|$RO/duty.db|" "$T/ro.conf" > "$RO/ro.conf"
cp "$T/ro/duty.db" "$RO/duty.db"
chmod 644 "$RO/duty.db" "$RO/ro.conf"
chmod 555 "$RO"
as_other=""
[ "$(id -u)" = 0 ] && as_other="setpriv --reuid=65534 --regid=65534 --clear-groups"
$as_other "$B/dutyctl" -c "$RO/ro.conf" --now "2026-11-30 09:30" item list \
    > "$T/perm-list.out" 2>&1
expect_eq "a directory this user may not write: item list works" 0 $?
expect_in "and lists the item" "一-1" "$T/perm-list.out"
$as_other "$B/dutyctl" -c "$RO/ro.conf" --now "2026-11-30 09:30" item done \
    一-1 --evidence x > "$T/perm-done.out" 2>&1
expect_eq "a write exits 74" 74 $?
expect_in "and names the user and the file" "may not write $RO/duty.db" \
    "$T/perm-done.out"
chmod 755 "$RO"
rm -rf "$RO"

# --- every file dutyctl and dutyd write is the owner's alone, umask 022 ------
U="$T/umask"
mkdir "$U"
sed "s#$T/duty.db#$U/u.db#; s#$T/outbox#$U/outbox#" "$T/dutyd.conf" > "$U/u.conf"
printf 'evidence\n' > "$T/proof.txt"
(
	umask 022
	CU="$DUTYCTL -c $U/u.conf --now 2026-11-30"
	$CU init && $CU import "$T/ledger.csv" &&
	$CU item done 一-一 --evidence "印发" --file "$T/proof.txt" &&
	$CU backup "$U/backup.db" && $CU export --csv -o "$U/export.csv" &&
	$CU report --html -o "$U/report.html" &&
	$DUTYD -c "$U/u.conf" --once
) > "$T/out" 2>&1
expect_eq "under umask 022: init, done, backup, export, report, a round" 0 $?
expect_eq "there are files to check (database, evidence, backup, mail ...)" \
    yes "$([ "$(find "$U" -type f ! -name u.conf | wc -l)" -ge 6 ] && echo yes)"
expect_eq "none of them is open to group or others" "" \
    "$(find "$U" ! -name u.conf ! -path "$U" -perm /077 -printf '%m %p\n')"

# --- root's `dutyctl init` in the service user's directory ----------------
# (/var/lib/dutyd is StateDirectory, owned by dutyd): the new database is
# the directory owner's, so the service can open it; 0600 and root's, it
# could not.
if [ "$(id -u)" = 0 ]; then
	O="$T/state"
	mkdir "$O"
	chown nobody "$O"
	sed "s#$T/duty.db#$O/s.db#" "$T/dutyd.conf" > "$T/state.conf"
	$DUTYCTL -c "$T/state.conf" init > "$T/out" 2>&1
	$DUTYCTL -c "$T/state.conf" import "$T/ledger.csv" >> "$T/out" 2>&1
	$DUTYCTL -c "$T/state.conf" item done 一-一 --evidence "印发" \
	    --file "$T/proof.txt" >> "$T/out" 2>&1
	expect_eq "root's init in nobody's directory: the database is nobody's" \
	    "nobody 600" "$(stat -c '%U %a' "$O/s.db")"
	expect_eq "there is an evidence file beside it" 1 \
	    "$(find "$O/evidence" -type f ! -name .lock | wc -l)"
	expect_eq "and all of it, evidence directories too, is nobody's" "" \
	    "$(find "$O" ! -user nobody)"
	ls -l "$U/u.db" > /dev/null 2>&1 &&
	expect_eq "a database in root's own directory stays root's" root \
	    "$(stat -c %U "$U/u.db")"
fi

finish
