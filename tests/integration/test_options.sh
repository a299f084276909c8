#!/bin/sh
# Every dutyctl subcommand takes only its own options: each option of each
# command that changes data is checked in the database (sqlite3) and in its
# audit row; an option of another command, an extra argument or a bad
# value is refused with the usage and changes nothing; "updated" is printed
# only after a stored change; every command has --help and exits 0 on
# success.
. "$(dirname "$0")/lib.sh"

cat > "$T/d.conf" <<CONF
general = { database = "$T/d.db"; templates = "$TOP/conf/templates"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhang@example.org";
	  leaders = ["li"]; },
	{ key = "wang"; name = "王芳"; email = "wang@example.org";
	  leaders = ["li"]; },
	{ key = "li"; name = "李娜"; email = "li@example.org";
	  roles = ["leader", "principal"]; }
);
maildir = { path = "$T/md"; };
duties = (
	{ id = "talks"; title = "谈心谈话"; period = "quarter"; at_least = 1;
	  owners = [ "li" ]; targets = [ "办公室" ]; }
);
CONF
pretend "2026-11-30 09:30"
C="$DUTYCTL -c $T/d.conf"
q() { sqlite3 "$T/d.db" "$1"; }
naudit() { q 'select count(*) from audit'; }
last_audit() { q 'select action || " " || object || " | " || coalesce(after, "") from audit order by id desc limit 1'; }

$C init > /dev/null
cat > "$T/l.csv" <<'CSV'
问题编号,问题,序号,整改措施,责任人,整改时限,完成情况
一,理论学习不深入,（一）,制定学习计划,张伟,2026-12-31,
,,（二）,开展专题研讨,王芳,2026-12-15,
二,联系青年不紧密,（一）,建立联系机制,李娜,长期坚持,
CSV
$C import "$T/l.csv" > /dev/null

# --- item edit: each option alone is stored and audited ------------------
a0=$(naudit)
$C item edit 一-一 --deadline 2027-02-01 > "$T/out" 2>&1
expect_eq "edit --deadline alone exits 0" 0 $?
expect_in "and says updated" "updated 一-一" "$T/out"
expect_eq "the deadline is stored" "2027-02-01 deadline" \
    "$(q "select deadline || ' ' || kind from measure where code='一-一'")"
expect_eq "one audit row" $((a0 + 1)) "$(naudit)"
case "$(last_audit)" in
"measure.edit 一-一 | "*"deadline=2027-02-01"*) ok "the audit row has the new deadline" ;;
*) not_ok "audit row: $(last_audit)" ;;
esac
$C item edit 一-一 --owner 李娜,王芳 > "$T/out" 2>&1
expect_in "edit --owner alone says updated" "updated 一-一" "$T/out"
expect_eq "the owners are stored in order" "li,wang" \
    "$(q "select group_concat(person) from (select person from measure_owner o join measure m on m.id=o.measure_id where code='一-一' order by pos)")"
expect_eq "and audited" "measure.edit" "$(q 'select action from audit order by id desc limit 1')"
$C item edit 一-一 --kind 长期坚持 > "$T/out" 2>&1
expect_eq "edit --kind alone is stored (no deadline)" "ongoing|" \
    "$(q "select kind || '|' || coalesce(deadline, '') from measure where code='一-一'")"
$C item edit 一-一 --text "制定并印发学习计划" > "$T/out" 2>&1
expect_eq "edit --text alone is stored" "制定并印发学习计划" \
    "$(q "select text from measure where code='一-一'")"
expect_eq "four edits, four audit rows" $((a0 + 4)) "$(naudit)"
$C item edit 一-一 --text "制定并印发学习计划" > "$T/out" 2>&1
expect_in "the same value again is unchanged" "一-一 unchanged" "$T/out"
expect_eq "and writes no audit row" $((a0 + 4)) "$(naudit)"
$C item edit 一-一 > "$T/out" 2>&1
expect_eq "edit with no option is a usage error" 64 $?
$C item edit 一-一 --deadline 2027-13-01 > "$T/out" 2>&1
expect_eq "a bad deadline is refused" 64 $?
$C item edit 一-一 --kind 限期整改 > "$T/out" 2>&1
expect_eq "限期整改 without a deadline is refused" 64 $?
$C item edit 九-九 --text x > "$T/out" 2>&1
expect_eq "an unknown code exits 65" 65 $?
$C item edit 一-一 --owner nobody > "$T/out" 2>&1
expect_eq "an unknown owner exits 65" 65 $?
expect_eq "nothing refused was stored" "ongoing|li,wang" \
    "$(q "select kind || '|' || (select group_concat(person) from measure_owner where measure_id=m.id) from measure m where code='一-一'")"
expect_eq "nor audited" $((a0 + 4)) "$(naudit)"

# --- options of other commands are refused, nothing changes --------------
$C item done 二-一 --date notadate --evidence x > "$T/out" 2>&1
expect_eq "item done --date is a usage error" 64 $?
expect_in "naming the option and the usage" \
    "item done: option --date does not apply to this command (usage: dutyctl item done CODE [--evidence X] [--file X])" "$T/out"
expect_eq "the item stays open" "open" "$(q "select status from measure where code='二-一'")"
$C item list extra > "$T/out" 2>&1
expect_eq "an extra argument is refused" 64 $?
expect_in "and named" 'unexpected argument "extra"' "$T/out"
$C item show 一-一 --bogus > "$T/out" 2>&1
expect_in "an unknown option is named" 'unknown option "--bogus"' "$T/out"
$C item done 二-一 --evidence > "$T/out" 2>&1
expect_in "an option without its value says so" "option --evidence needs a value" "$T/out"
expect_eq "no audit row for any of them" $((a0 + 4)) "$(naudit)"

# Every subcommand: --help exits 0; an option it does not take exits 64.
$DUTYCTL -c "$T/d.conf" > "$T/usage" 2>&1
sed -n 's/^  \([a-z][a-z-]*\)\( [a-z][a-z]*\)\{0,1\}\( .*\)\{0,1\}$/\1\2/p' "$T/usage" |
    grep -v '^check-config' | sed 's/ *$//' | sort -u > "$T/cmds"
n=$(wc -l < "$T/cmds")
check "the usage lists the subcommands ($n)" test "$n" -ge 25
bad=""
while read -r cmd; do
	# shellcheck disable=SC2086
	$C $cmd --help > "$T/h" 2>&1 || bad="$bad [$cmd --help: exit]"
	grep -q "^usage: dutyctl $cmd" "$T/h" || bad="$bad [$cmd --help]"
	opt=--prefer-file; [ "$cmd" = import ] && opt=--force
	# shellcheck disable=SC2086
	$C $cmd x $opt > "$T/h" 2>&1
	[ $? = 64 ] && grep -q "option $opt does not apply" "$T/h" ||
	    bad="$bad [$cmd $opt]"
done < "$T/cmds"
expect_eq "every subcommand has --help and refuses a foreign option" "" "$bad"
expect_eq "none of that changed anything" $((a0 + 4)) "$(naudit)"

# --- item show, add, done, reopen -----------------------------------------
$C item show 一-一 > "$T/out" 2>&1
expect_eq "item show exits 0" 0 $?
$C item show 一-一 --json > "$T/out" 2>&1
expect_eq "item show --json exits 0" 0 $?
$C item add --problem 三 --problem-title "作风不实" --code 1 \
    --text "开展作风整顿" --owner 张伟 --deadline 2026-12-20 > "$T/out" 2>&1
expect_in "item add says added" "added 1" "$T/out"
expect_eq "every add option is stored" "三|作风不实|开展作风整顿|deadline|2026-12-20|zhang" \
    "$(q "select p.code||'|'||p.title||'|'||m.text||'|'||m.kind||'|'||m.deadline||'|'||(select group_concat(person) from measure_owner where measure_id=m.id) from measure m join problem p on p.id=m.problem_id where m.code='1'")"
expect_eq "and audited" "measure.add" "$(q 'select action from audit order by id desc limit 1')"
$C item add --problem 三 --code 2 --text "立即整改" --owner wang --kind 立行立改 > "$T/out" 2>&1
expect_eq "--kind without a deadline" "immediate|" \
    "$(q "select kind||'|'||coalesce(deadline,'') from measure where code='2'")"
a1=$(naudit)
$C item done 二-一 --evidence "联系机制已建立（会议纪要）" > "$T/out" 2>&1
expect_in "item done says done" "二-一 done" "$T/out"
expect_eq "done and its evidence are stored" "done|联系机制已建立（会议纪要）" \
    "$(q "select status||'|'||evidence from measure where code='二-一'")"
expect_eq "audited as measure.done" "measure.done 二-一" \
    "$(q 'select action||" "||object from audit order by id desc limit 1')"
$C item reopen 二-一 --reason "回头看：机制未运行" > "$T/out" 2>&1
expect_eq "item reopen is stored" "open|1" \
    "$(q "select status||'|'||reopened from measure where code='二-一'")"
case "$(last_audit)" in
"measure.reopen 二-一 | "*"回头看：机制未运行"*) ok "the reopen's audit has its reason" ;;
*) not_ok "audit row: $(last_audit)" ;;
esac
expect_eq "two audit rows" $((a1 + 2)) "$(naudit)"

# --- item list: each option filters -----------------------------------------
$C item list --owner 王芳 > "$T/out" 2>&1
expect_eq "--owner filters" "一-一 一-二 2" "$(awk 'NR>1 && $1 !~ /^共/ {printf "%s ", $1}' "$T/out" | sed 's/ $//')"
$C item list --problem 三 --json > "$T/out" 2>&1
expect_eq "--problem --json" "1 2" "$($PY -c 'import json,sys; print(" ".join(r["code"] for r in json.load(open(sys.argv[1]))))' "$T/out")"
$C item list --status done --json > "$T/out" 2>&1
expect_eq "--status done lists none now" "[]" "$(tr -d ' \n' < "$T/out")"
$C item list --due-within 16 --json > "$T/out" 2>&1
expect_eq "--due-within 16" "一-二" "$($PY -c 'import json,sys; print(" ".join(sorted(r["code"] for r in json.load(open(sys.argv[1])))))' "$T/out")"
pretend "2026-12-16 09:30"
$C item list --overdue --json > "$T/out" 2>&1
expect_eq "--overdue" "一-二" "$($PY -c 'import json,sys; print(" ".join(r["code"] for r in json.load(open(sys.argv[1]))))' "$T/out")"
pretend "2026-11-30 09:30"

# --- duty log / unlog ----------------------------------------------------------
a2=$(naudit)
$C duty log talks --by li --target 办公室 --date 2026-11-27 --note "谈心谈话" \
    --evidence "记录本第3页" > "$T/out" 2>&1
expect_eq "duty log exits 0" 0 $?
expect_eq "every duty log option is stored" "talks|li|办公室|2026-11-27|谈心谈话|记录本第3页" \
    "$(q "select duty||'|'||person||'|'||target||'|'||day||'|'||note||'|'||evidence from occurrence order by id desc limit 1")"
expect_eq "and audited" $((a2 + 1)) "$(naudit)"
$C duty log talks --by li --target 办公室 --date 2026-09-30 --note "补记" \
    --late --reason "漏登" > "$T/out" 2>&1
expect_eq "--late --reason is stored" "2026Q3|漏登" \
    "$(q "select period||'|'||late_reason from occurrence order by id desc limit 1")"
occ=$(q 'select id from occurrence order by id desc limit 1')
$C duty unlog "$occ" --reason "登记错误" > "$T/out" 2>&1
expect_eq "duty unlog --reason is stored" "登记错误" \
    "$(q "select removed_reason from occurrence where id=$occ")"
expect_eq "three duty changes, three audit rows" $((a2 + 3)) "$(naudit)"

# --- feedback add / assign / answer ---------------------------------------------
a3=$(naudit)
$C feedback add --from "王女士" --subject "路灯不亮" --text "村口路灯坏了" \
    --kind phone > "$T/out" 2>&1
expect_eq "feedback add exits 0" 0 $?
fid=$(q 'select max(id) from feedback')
expect_eq "every feedback add option is stored" "phone|王女士|路灯不亮|村口路灯坏了" \
    "$(q "select source||'|'||sender||'|'||subject||'|'||excerpt from feedback where id=$fid")"
$C feedback assign "$fid" --owner 张伟 --deadline 2026-12-10 > "$T/out" 2>&1
expect_eq "feedback assign --owner --deadline is stored" "zhang|2026-12-10" \
    "$(q "select assignee||'|'||answer_deadline from feedback where id=$fid")"
$C feedback answer "$fid" --text "已修复" > "$T/out" 2>&1
expect_eq "feedback answer --text is stored" "answered|已修复" \
    "$(q "select status||'|'||answer from feedback where id=$fid")"
expect_eq "three feedback changes, three audit rows" $((a3 + 3)) "$(naudit)"

# --- backup --force, export -o ----------------------------------------------------
$C backup "$T/b.db" > "$T/out" 2>&1
expect_eq "backup exits 0" 0 $?
$C backup "$T/b.db" > "$T/out" 2>&1
expect_eq "backup over a file needs --force" 65 $?
$C backup "$T/b.db" --force > "$T/out" 2>&1
expect_eq "backup --force overwrites" 0 $?
$C export --csv -o "$T/e.csv" > "$T/out" 2>&1
expect_eq "export -o exits 0" 0 $?
check "export -o writes the file" grep -q "制定并印发学习计划" "$T/e.csv"
finish
