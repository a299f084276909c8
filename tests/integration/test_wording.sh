#!/bin/sh
# What officers and leaders read says why each item is there: an escalation
# names every owner of the measure and whether it came as the reader's own
# officer's or, long overdue, to the principal; a feedback reminder carries
# the complaint; the 书记's own shortfall asks him to make it up, not to
# supervise himself; "days left" is in working days everywhere.
. "$(dirname "$0")/lib.sh"

cat > "$T/w.conf" <<CONF
general = { database = "$T/w.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	{ key = "wang"; name = "王立群"; email = "wang@example.org";
	  roles = [ "principal" ]; },
	{ key = "li"; name = "李娜"; email = "li@example.org";
	  roles = [ "leader" ]; leaders = [ "wang" ]; },
	{ key = "zhang"; name = "张伟"; email = "zhang@example.org";
	  leaders = [ "li" ]; },
	{ key = "zhao"; name = "赵敏"; email = "zhao@example.org";
	  leaders = [ "li" ]; },
	{ key = "sun"; name = "孙红"; email = "sun@example.org";
	  leaders = [ "wang" ]; }
);
maildir = { path = "$T/md"; };
digest = { weekday = "mon"; time = "08:30"; to = [ "wang", "li" ]; };
duties = (
	{ id = "lesson"; title = "书记讲党课"; period = "month"; at_least = 1;
	  owners = [ "wang" ]; }
);
CONF
C="$DUTYCTL -c $T/w.conf"
pretend "2026-10-15 09:30"
$C init > /dev/null
# dutyd first runs in October, so November is a period it tracked.
$DUTYD -c "$T/w.conf" --once > "$T/d0.log" 2>&1
pretend "2026-11-30 09:30"
$C item add --problem 一 --problem-title "学习不深入" --code 一-1 \
    --text "制定学习计划" --owner 张伟,赵敏 --deadline 2026-11-13 > /dev/null
$C item add --problem 一 --code 一-2 --text "开展专题研讨" --owner 张伟 \
    --deadline 2026-12-08 > /dev/null
$C item add --problem 二 --problem-title "制度不健全" --code 二-1 \
    --text "修订会议制度" --owner 孙红 --deadline 2026-12-04 > /dev/null
$C feedback add --from "王女士" --subject "路灯不亮" \
    --text "村口路灯坏了半个月，晚上出行很不方便，请尽快修复。" > /dev/null
$C feedback assign 1 --owner zhang --deadline 2026-11-30 > /dev/null
rm -rf "$T/md"
$DUTYD -c "$T/w.conf" --once > "$T/d1.log" 2>&1
for who in wang li zhang; do
	f=$(grep -l "^To: .*$who@example.org" "$T"/md/new/* | grep -v digest | head -1)
	$PY "$TOP/tests/integration/mailcheck.py" --body "$f" > "$T/$who.txt"
done
expect_in "an escalation names every owner" "【已逾期17天】一-1（责任人：张伟、赵敏）" "$T/li.txt"
expect_in "and why it came to the leader" "为何报您：张伟由您分管，已逾期11个工作日" "$T/li.txt"
expect_in "the principal's: long overdue, by the rule" \
    "为何报您：逾期已超过10个工作日，按规定报主要负责人" "$T/wang.txt"
expect_in "the heading does not say 分管 to the principal" \
    "以下整改措施已经逾期，报请您督促落实：" "$T/wang.txt"
if grep -q "由您分管" "$T/wang.txt"; then not_ok "the principal is not told 由您分管"
else ok "the principal is not told 由您分管"; fi
expect_in "a feedback reminder carries the complaint" \
    "内容：村口路灯坏了半个月，晚上出行很不方便，请尽快修复。" "$T/zhang.txt"
expect_in "the 书记's own shortfall asks him to make it up" \
    "以下常态化工作您本人上一周期未完成，请在本期补上" "$T/wang.txt"
if grep -A3 "请督促落实" "$T/wang.txt" | grep -q "书记讲党课"; then
	not_ok "the 书记 is not asked to supervise his own shortfall"
else ok "the 书记 is not asked to supervise his own shortfall"; fi
expect_in "days left in working days in the reminder" "【还剩6个工作日】 一-2" "$T/zhang.txt"
$C digest preview --text > "$T/digest.txt" 2>&1
expect_in "and in the digest" "2026-12-08（还剩6个工作日）一-2" "$T/digest.txt"

# A 分管领导 in digest.to reads what they lead; the principal everything.
$C digest preview --text --to li > "$T/li-digest.txt" 2>&1
expect_in "the leader's digest says whose it covers" \
    "本周报只含您分管的张伟、赵敏及您本人负责的事项" "$T/li-digest.txt"
expect_in "and counts only those measures" "整改措施共2项" "$T/li-digest.txt"
if grep -q "二-1" "$T/li-digest.txt"; then not_ok "another leader's officer's measure is left out"
else ok "another leader's officer's measure is left out"; fi
expect_in "the digest's feedback shows its state and who handles it" \
    "【已交办，承办：张伟】" "$T/digest.txt"
expect_in "the digest warns of a year the calendar does not know" \
    "注意：系统日历中还没有2027年的放假调休安排" "$T/digest.txt"
expect_in "the principal's digest has every measure" "整改措施共3项" "$T/digest.txt"
expect_in "including 孙红's" "二-1" "$T/digest.txt"
if grep -q "本周报只含" "$T/digest.txt"; then not_ok "the principal's is not scoped"
else ok "the principal's is not scoped"; fi
finish
