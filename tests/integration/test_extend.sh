#!/bin/sh
# 延期: dutyctl item extend keeps the old deadline, the reason and the
# approver, audited; refuses what is not an extension; reminders and the
# digest say 已延期（原时限…；原因…）; a re-import of the old file does not
# undo it.
. "$(dirname "$0")/lib.sh"

cat > "$T/e.conf" <<CONF
general = { database = "$T/e.db"; templates = "$TOP/conf/templates"; };
people = (
	{ key = "li"; name = "李娜"; email = "li@example.org";
	  roles = [ "leader", "principal" ]; },
	{ key = "zhang"; name = "张伟"; email = "zhang@example.org";
	  leaders = [ "li" ]; }
);
maildir = { path = "$T/md"; };
CONF
C="$DUTYCTL -c $T/e.conf"
q() { sqlite3 "$T/e.db" "$1"; }
pretend "2026-11-30 09:30"
$C init > /dev/null
printf '问题编号,问题,序号,整改措施,责任人,整改时限\n一,学习不深入,（一）,制定学习计划,张伟,2026-12-02\n,,（二）,开展专题研讨,张伟,长期坚持\n' > "$T/l.csv"
$C import "$T/l.csv" > /dev/null
a0=$(q 'select count(*) from audit')
$C item extend 一-一 --to 2026-12-31 --reason "等待县委审定方案" \
    --approved-by 李娜 > "$T/out" 2>&1
expect_eq "item extend exits 0" 0 $?
expect_in "and says so" "一-一 extended to 2026-12-31" "$T/out"
expect_eq "the new deadline, the first one and the reason are stored" \
    "2026-12-31|2026-12-02|等待县委审定方案|1" \
    "$(q "select deadline||'|'||extended_from||'|'||extension_reason||'|'||extensions from measure where code='一-一'")"
expect_eq "the history row keeps who approved" "2026-12-02|2026-12-31|li" \
    "$(q "select old_deadline||'|'||new_deadline||'|'||approved_by from extension")"
expect_eq "audited" "measure.extend 一-一" \
    "$(q 'select action||" "||object from audit order by id desc limit 1')"
expect_eq "one audit row" $((a0 + 1)) "$(q 'select count(*) from audit')"
$C item extend 一-一 --to 2026-12-20 --reason x > "$T/out" 2>&1
expect_eq "an earlier date is refused" 65 $?
expect_in "with the reason" "the new deadline must be later than the current one" "$T/out"
$C item extend 一-二 --to 2026-12-20 --reason x > "$T/out" 2>&1
expect_in "长期坚持 has no deadline to extend" "it is 长期坚持 and has no deadline" "$T/out"
$C item extend 一-一 --to 2027-01-10 > "$T/out" 2>&1
expect_eq "no --reason: usage" 64 $?
$C item extend 一-一 --to 2027-01-10 --reason x --approved-by nobody > "$T/out" 2>&1
expect_eq "an unknown approver exits 65" 65 $?
expect_eq "nothing refused was stored" "2026-12-31|1" \
    "$(q "select deadline||'|'||extensions from measure where code='一-一'")"
$C item show 一-一 > "$T/out" 2>&1
expect_in "item show tells the extension" "延期:     1 次，原时限 2026-12-02，原因：等待县委审定方案" "$T/out"

pretend "2026-12-23 09:30"
$DUTYD -c "$T/e.conf" --once > "$T/d.log" 2>&1
f=$(grep -l "^To: .*zhang@example.org" "$T"/md/new/* | head -1)
$PY "$TOP/tests/integration/mailcheck.py" --body "$f" > "$T/m.txt"
expect_in "the reminder says it was extended, from when and why" \
    "时限：2026-12-31（已延期，原时限2026-12-02；原因：等待县委审定方案）" "$T/m.txt"
$C digest preview --text > "$T/dg.txt" 2>&1
expect_in "so does the digest" "已延期，原时限2026-12-02，原因：等待县委审定方案" "$T/dg.txt"
$C import "$T/l.csv" > "$T/out" 2>&1
expect_in "a re-import of the old file is a conflict" "整改时限: file \"2026-12-02\", dutyd \"2026-12-31\"" "$T/out"
expect_eq "and the extension stays" "2026-12-31" "$(q "select deadline from measure where code='一-一'")"
finish
