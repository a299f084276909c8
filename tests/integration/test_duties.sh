#!/bin/sh
# Standing duties end to end: dutyctl duty log/unlog/status/history with
# bad input refused and nothing written, then dutyd warning each owner by
# email through a real SMTP server (aiosmtpd on 127.0.0.1), the warning
# merged with item reminders, and a closed period's shortfall told once.
. "$(dirname "$0")/lib.sh"

P=$(free_port)
start_smtpd "$T/s" "$P"
cat > "$T/d.conf" <<CONF
general = { database = "$T/d.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	{ key = "wang"; name = "王立群"; email = "wang@example.org";
	  roles = ["principal"]; },
	{ key = "chen"; name = "陈晓峰"; email = "chen@example.org";
	  roles = ["leader"]; leaders = ["wang"]; },
	{ key = "xu"; name = "徐静"; email = "xu@example.org";
	  leaders = ["chen"]; }
);
smtp = { enabled = true; url = "smtp://127.0.0.1:$P"; starttls = false;
	from = "duty@example.org"; from_name = "巡察整改办"; };
digest = { enabled = false; };	# tested in test_digest.sh
duties = (
	{ id = "talks"; title = "分管领导对联系科室开展谈心谈话";
	  period = "quarter"; at_least = 1; owners = [ "chen" ];
	  targets = [ "办公室", "组织宣传部" ]; },
	{ id = "dues"; title = "团费收缴"; period = "month"; at_least = 1;
	  owners = [ "xu" ]; warn = [ 10, 5, 2 ]; late_days = 5; }
);
CONF
C="$DUTYCTL -c $T/d.conf --now"
NOW="2026-12-03 09:30"		# Thu: 20 working days left in Q4, 20 in December
pretend "$NOW"
$C "$NOW" init >/dev/null

# --- bad input: a clear message and nothing written ----------------------
audit0=$(sqlite3 "$T/d.db" 'select count(*) from audit')
$C "$NOW" duty log nosuch --by chen --note x > "$T/out" 2>&1
expect_eq "an unknown duty exits 65" 65 $?
expect_in "and lists the configured ids" 'unknown duty "nosuch" (configured: talks, dues)' "$T/out"
$C "$NOW" duty log talks --by nobody --target 办公室 --note x > "$T/out" 2>&1
expect_in "an unknown person is named" '--by: unknown person "nobody"' "$T/out"
$C "$NOW" duty log talks --by xu --target 办公室 --note x > "$T/out" 2>&1
expect_in "someone who is not an owner is refused" "徐静 is not an owner of duty talks (owners: 陈晓峰)" "$T/out"
$C "$NOW" duty log talks --by chen --note x > "$T/out" 2>&1
expect_in "a duty with targets needs --target" "give --target" "$T/out"
$C "$NOW" duty log talks --by chen --target 财务科 --note x > "$T/out" 2>&1
expect_in "an unknown target is refused" '"财务科" is not a target of duty talks' "$T/out"
$C "$NOW" duty log dues --by xu --date 2026-12-32 --note x > "$T/out" 2>&1
expect_in "a malformed date is refused" '--date: not a date YYYY-MM-DD (got "2026-12-32")' "$T/out"
$C "$NOW" duty log dues --by xu --date 2026-12-04 --note x > "$T/out" 2>&1
expect_in "a future date is refused" "2026-12-04 is in the future" "$T/out"
$C "$NOW" duty log dues --by xu --date 2026-10-30 --note x > "$T/out" 2>&1
expect_in "a period closed too long ago needs --late" \
    "2026-10-30 is in 2026-10, which closed on 2026-10-31, more than 5 day(s) ago: log it with --late" "$T/out"
$C "$NOW" duty log dues --by xu --date 2026-10-30 --note x --late > "$T/out" 2>&1
expect_in "--late without a reason is refused" "--late needs --reason" "$T/out"
$C "$NOW" duty unlog 99 --reason x > "$T/out" 2>&1
expect_in "unlog of a missing occurrence is refused" "no occurrence #99" "$T/out"
$C "$NOW" duty status --period 2026Q5 > "$T/out" 2>&1
expect_in "a bad period label is refused" '--period: not a period like 2026-11, 2026Q4, 2026H2 or 2026 (got "2026Q5")' "$T/out"
expect_eq "none of that wrote anything" "0 $audit0" \
    "$(sqlite3 "$T/d.db" 'select count(*) from occurrence'; ) $(sqlite3 "$T/d.db" 'select count(*) from audit')"

# --- logging: current, backdated inside the window, late -----------------
$C "$NOW" duty log talks --by 陈晓峰 --target 办公室 --note "谈心谈话" > "$T/out" 2>&1
expect_in "a log by name is accepted with the period's count" \
    "logged #1: 分管领导对联系科室开展谈心谈话（办公室）, 陈晓峰, 2026-12-03: 2026年第四季度已开展1次" "$T/out"
$C "$NOW" duty log dues --by xu --date 2026-11-28 --note "11月团费" > "$T/out" 2>&1
expect_in "backdated into a period closed 3 days ago is fine" "2026年11月已开展1次" "$T/out"
$C "$NOW" duty log dues --by xu --date 2026-10-30 --note "10月团费" --late --reason "漏登" > "$T/out" 2>&1
expect_in "a late log with a reason is accepted" "2026年10月已开展1次" "$T/out"
$C "$NOW" duty history > "$T/out" 2>&1
expect_in "history marks the late log" "#3     2026-10-30 2026-10  dues 徐静 10月团费 [补登]" "$T/out"
$C "$NOW" audit > "$T/out" 2>&1
expect_in "each log is audited with the late reason" "late=漏登" "$T/out"

$C "$NOW" duty status > "$T/out" 2>&1
expect_in "status: the pair done" "办公室       1/1    已完成" "$T/out"
expect_in "status: the pair not done, with the days left" "组织宣传部   0/1    待完成（2026-12-31截止，剩20个工作日）" "$T/out"
$C "$NOW" duty status --json > "$T/out.json" 2>&1
n=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d), *[(x["duty"],x["target"],x["done"],x["required"],x["colour"]) for x in d])' "$T/out.json" 2>&1)
expect_eq "status --json has every cell with its colour" \
    "3 ('talks', '办公室', 1, 1, 'green') ('talks', '组织宣传部', 0, 1, 'yellow') ('dues', '', 0, 1, 'grey')" "$n"
$C "$NOW" duty status --period 2026-11 > "$T/out" 2>&1
expect_in "a past month shows its result" "团费收缴                       2026年11月       徐静         -            1/1    已完成" "$T/out"

# --- dutyd: the warnings arrive by email ---------------------------------
$C "$NOW" item add --problem 一 --problem-title "团务基础工作不够有力" --code 一-1 \
    --text "开设团费账户收缴团费" --owner chen --deadline 2026-12-04 >/dev/null
$DUTYD -c "$T/d.conf" --once --now "$NOW" > "$T/d1.log" 2>&1
expect_eq "one email for chen (item + duty)" 1 "$(ls "$T/s"/*.eml 2>/dev/null | wc -l)"
$PY "$TOP/tests/integration/mailcheck.py" --body "$T"/s/*.eml > "$T/m1.txt"
expect_in "the subject counts items and duties" \
    "subject=【整改提醒】陈晓峰，您有1项整改措施需要关注，1项常态化工作本期尚未完成" "$T/m1.txt"
expect_in "the body lists the unmet pair in Chinese" \
    "【还剩20个工作日】分管领导对联系科室开展谈心谈话（组织宣传部）" "$T/m1.txt"
expect_in "with the quota" "要求：2026年第四季度不少于1次，已开展0次" "$T/m1.txt"
if grep -q "（办公室）" "$T/m1.txt"; then not_ok "the met pair is not listed"; else ok "the met pair is not listed"; fi
$DUTYD -c "$T/d.conf" --once --now "2026-12-03 15:00" > "$T/d2.log" 2>&1
expect_eq "planning again the same day sends nothing" 1 "$(ls "$T/s"/*.eml | wc -l)"

# --- December closes short: recorded, chen (xu's leader) told once -------
$C "2027-01-04 09:30" item done 一-1 --evidence "已开户" >/dev/null
$DUTYD -c "$T/d.conf" --once --now "2027-01-04 09:30" > "$T/d3.log" 2>&1
expect_in "the closed periods are recorded" "recorded 3 duty result(s)" "$T/d3.log"
expect_eq "the records keep done and required" \
    "dues|xu||2026-12|0|1 talks|chen|办公室|2026Q4|1|1 talks|chen|组织宣传部|2026Q4|0|1" \
    "$(sqlite3 "$T/d.db" "select duty,person,target,period,done,required from duty_period order by duty, target" | tr '\n' ' ' | sed 's/ $//')"
$PY "$TOP/tests/integration/mailcheck.py" --body $(ls -t "$T"/s/*.eml) > "$T/m3.txt"
expect_in "chen hears of xu's shortfall" "【未完成】团费收缴（责任人：徐静）" "$T/m3.txt"
expect_in "wang hears of chen's shortfall" "【未完成】分管领导对联系科室开展谈心谈话（组织宣传部）（责任人：陈晓峰）" "$T/m3.txt"
expect_in "the shortfall subject" "subject=【工作通报】1项常态化工作上一周期未完成，请督促落实" "$T/m3.txt"
n=$(ls "$T"/s/*.eml | wc -l)
$DUTYD -c "$T/d.conf" --once --now "2027-01-05 09:30" > "$T/d4.log" 2>&1
expect_eq "the shortfall is told once" "$n" "$(ls "$T"/s/*.eml | wc -l)"

# --- unlog: removed with a reason, audited, no longer counted -------------
$C "2027-01-05 09:30" duty unlog 1 > "$T/out" 2>&1
expect_in "unlog needs a reason" "usage: dutyctl duty unlog" "$T/out"
$C "2027-01-05 09:30" duty unlog 1 --reason "登记错误" > "$T/out" 2>&1
expect_in "unlog removes it" "removed #1" "$T/out"
$C "2027-01-05 09:30" duty status --period 2026Q4 > "$T/out" 2>&1
expect_in "the closed quarter is recounted but keeps its quota" "办公室       0/1    未完成" "$T/out"
$C "2027-01-05 09:30" audit > "$T/out" 2>&1
expect_in "the unlog is audited with its reason" "登记错误" "$T/out"

finish
