#!/bin/sh
# Re-importing the office's Excel ledger next to dutyctl edits: a field
# changed in dutyd since the last import and different in the file is a
# conflict (listed with row, column, both values, who and when; kept
# unless --prefer-file); a done measure is never reopened by an import;
# --dry-run shows the whole diff and stores nothing; export -> import is a
# no-op, with people's names in 责任人.
. "$(dirname "$0")/lib.sh"

cat > "$T/d.conf" <<CONF
general = { database = "$T/d.db"; templates = "$TOP/conf/templates"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhang@example.org";
	  leaders = ["li"]; },
	{ key = "li"; name = "李娜"; email = "li@example.org";
	  roles = ["leader", "principal"]; }
);
maildir = { path = "$T/md"; };
CONF
C="$DUTYCTL -c $T/d.conf"
q() { sqlite3 "$T/d.db" "$1"; }
naudit() { q 'select count(*) from audit'; }
ME=$(id -un)

$C init > /dev/null
cat > "$T/v1.csv" <<'CSV'
问题编号,问题,序号,整改措施,责任人,整改时限,完成情况
一,理论学习不深入,（一）,制定学习计划,张伟,2026-12-31,整改中
,,（二）,开展专题研讨,李娜,2026-12-15,整改中
,,（三）,建立台账,张伟,2026-12-20,整改中
CSV
$C import "$T/v1.csv" > "$T/out" 2>&1
expect_in "first import adds" "3 added, 0 changed, 0 closed, 0 unchanged, 0 conflict(s)" "$T/out"

# --- dutyd changes a deadline; the file still has the old one ----------------
pretend "2026-12-01 10:15"
$C item edit 一-一 --deadline 2027-02-01 > /dev/null
$C item done 一-二 --evidence "研讨会纪要" > /dev/null
pretend "2026-12-02 09:00"
a0=$(naudit)
$C import "$T/v1.csv" > "$T/out" 2>&1
expect_eq "a re-import with conflicts exits 0" 0 $?
expect_in "the conflicts are counted, nothing changed" \
    "0 added, 0 changed, 0 closed, 1 unchanged, 2 conflict(s)" "$T/out"
expect_in "the deadline conflict: row, code, column, both values, who, when" \
    "row 2, 一-一, 整改时限: file \"2026-12-31\", dutyd \"2027-02-01\" (changed in dutyd by $ME at 2026-12-01 10:15): dutyd's kept" "$T/out"
expect_in "the sign-off is never undone by an import" \
    "row 3, 一-二, 完成情况: file \"未完成\", dutyd \"已完成\" (changed in dutyd by $ME at 2026-12-01 10:15): kept done" "$T/out"
expect_eq "dutyd's deadline is kept" "2027-02-01" "$(q "select deadline from measure where code='一-一'")"
expect_eq "the done item stays done" "done" "$(q "select status from measure where code='一-二'")"
expect_eq "the import is audited once" $((a0 + 1)) "$(naudit)"

# --- the office changes another field in the file: taken ----------------------
sed 's/建立台账,张伟,2026-12-20/建立工作台账,张伟、李娜,2026-12-25/' "$T/v1.csv" > "$T/v2.csv"
$C import "$T/v2.csv" --dry-run > "$T/out" 2>&1
expect_in "--dry-run counts and says nothing was stored" \
    "0 added, 1 changed, 0 closed, 0 unchanged, 2 conflict(s) (dry run: nothing was stored)" "$T/out"
expect_in "--dry-run shows each changed field" "row 4, 一-三, 整改时限: 2026-12-20 -> 2026-12-25" "$T/out"
expect_in "owners by name" "row 4, 一-三, 责任人: 张伟 -> 张伟、李娜" "$T/out"
expect_in "and the text" "row 4, 一-三, 整改措施: 建立台账 -> 建立工作台账" "$T/out"
expect_eq "--dry-run stores nothing" "2026-12-20" "$(q "select deadline from measure where code='一-三'")"
expect_eq "nor audits" $((a0 + 1)) "$(naudit)"
$C import "$T/v2.csv" > "$T/out" 2>&1
expect_in "the file's own change is taken" "0 added, 1 changed, 0 closed, 0 unchanged, 2 conflict(s)" "$T/out"
expect_eq "stored" "建立工作台账|2026-12-25" "$(q "select text||'|'||deadline from measure where code='一-三'")"

# --- --prefer-file takes the file's value, never reopens --------------------------
$C import "$T/v2.csv" --prefer-file > "$T/out" 2>&1
expect_in "--prefer-file takes the conflicting deadline" \
    "file \"2026-12-31\", dutyd \"2027-02-01\" (changed in dutyd by $ME at 2026-12-01 10:15): the file's taken (--prefer-file)" "$T/out"
expect_eq "stored" "2026-12-31" "$(q "select deadline from measure where code='一-一'")"
expect_eq "the done item is still done" "done" "$(q "select status from measure where code='一-二'")"
case "$(q "select after from audit where action='ledger.import' order by id desc limit 1")" in
*"prefer-file"*) ok "the audit says --prefer-file" ;;
*) not_ok "the audit says --prefer-file" ;;
esac

# --- reopened in dutyd, done in the file: a conflict --------------------------
sed 's/开展专题研讨,李娜,2026-12-15,整改中/开展专题研讨,李娜,2026-12-15,已完成/' "$T/v2.csv" > "$T/v3.csv"
$C import "$T/v3.csv" > /dev/null 2>&1
$C item reopen 一-二 --reason "回头看：研讨流于形式" > /dev/null
$C import "$T/v3.csv" > "$T/out" 2>&1
expect_in "done in the file after a reopen in dutyd is a conflict" \
    "row 3, 一-二, 完成情况: file \"已完成\", dutyd \"未完成\"" "$T/out"
expect_eq "the reopened item stays open" "open" "$(q "select status from measure where code='一-二'")"

# --- export -> import is a no-op, names in 责任人 ---------------------------------
$C export --csv -o "$T/e.csv" > /dev/null
check "export writes names, not keys" grep -q "张伟、李娜" "$T/e.csv"
if grep -q "zhang" "$T/e.csv"; then not_ok "no person key in the export"; else
	ok "no person key in the export"; fi
a1=$(naudit)
$C import "$T/e.csv" > "$T/out" 2>&1
expect_in "export -> import changes nothing" "0 added, 0 changed, 0 closed, 3 unchanged, 0 conflict(s)" "$T/out"
expect_eq "and writes no audit row" "$a1" "$(naudit)"
finish
