#!/bin/sh
# The leader's weekly digest against a real SMTP server (aiosmtpd on
# 127.0.0.1): due at the configured weekday and time, once per ISO week,
# decoded by Python's standard mail parser with both parts, its numbers
# equal to the database's; dutyctl digest preview shows the same.
. "$(dirname "$0")/lib.sh"

P=$(free_port)
start_smtpd "$T/s" "$P"
cat > "$T/g.conf" <<CONF
general = { database = "$T/g.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	{ key = "wang"; name = "王立群"; email = "wang@example.org";
	  roles = ["principal"]; },
	{ key = "chen"; name = "陈晓峰"; email = "chen@example.org";
	  roles = ["leader"]; leaders = ["wang"]; },
	{ key = "xu"; name = "徐静"; email = "xu@example.org"; leaders = ["chen"]; },
	{ key = "gone"; name = "赵四"; disabled = true; }
);
smtp = { enabled = true; url = "smtp://127.0.0.1:$P"; starttls = false;
	from = "duty@example.org"; from_name = "巡察整改办"; };
reminders = { channels = [ ]; };
duties = (
	{ id = "dues"; title = "团费收缴"; period = "month"; owners = [ "xu" ]; }
);
digest = { weekday = "mon"; time = "08:30"; to = [ "wang", "chen" ]; };
CONF
C="$DUTYCTL -c $T/g.conf --now"
$C "2026-11-27 10:00" init >/dev/null
add() { $C "2026-11-27 10:00" item add --problem "$1" --problem-title "$2" --code "$3" \
    --text "$4" --owner "$5" --deadline "$6" >/dev/null; }
add 一 "理论联系实际成效不明显" 一-1 "起草实施方案" xu 2026-11-20
add 一 "理论联系实际成效不明显" 一-2 "开展基层主题宣讲" chen 2026-11-25
add 一 "理论联系实际成效不明显" 一-3 "建立宣讲队伍" xu 2026-12-08
add 二 "联系服务青年不够紧密" 二-1 "建立联系机制" gone 2026-12-31
add 二 "联系服务青年不够紧密" 二-2 "走访重点青少年" xu 2026-12-31
$C "2026-11-27 10:00" item done 二-2 --evidence "走访记录" >/dev/null
$C "2026-11-27 10:00" duty log dues --by xu --date 2026-11-26 --note "11月团费" >/dev/null
$C "2026-11-27 10:00" feedback add --from "王先生 13800000000" --subject "团费收缴通知不及时" \
    --text "村团支部没有及时通知团费收缴，请改进。" >/dev/null
audit0=$(sqlite3 "$T/g.db" 'select count(*) from outbox')

$DUTYD -c "$T/g.conf" --once --now "2026-11-30 08:29" > "$T/d0.log" 2>&1
expect_eq "before Monday 08:30 no digest" 0 "$(ls "$T/s" | grep -c eml)"
$DUTYD -c "$T/g.conf" --once --now "2026-11-30 08:30" > "$T/d1.log" 2>&1
expect_eq "at 08:30 one digest per recipient" 2 "$(ls "$T/s" | grep -c eml)"
expect_in "the log says so" "digest: 2026-W49: 2 digest(s) queued" "$T/d1.log"
$PY "$TOP/tests/integration/mailcheck.py" --body "$T"/s/*.eml > "$T/m.txt"
expect_in "the subject decodes, with the week and the figures" \
    "subject=【巡察整改周报】2026年第49周（11月30日—12月6日）：整改完成1/5项，逾期2项，新收意见1条" "$T/m.txt"
expect_in "plain text and HTML alternatives" "parts=text/plain,text/html auto=auto-generated" "$T/m.txt"
expect_in "both leaders got it" "to=chen@example.org to_name=陈晓峰" "$T/m.txt"
total=$(sqlite3 "$T/g.db" "select count(*) from measure")
done_=$(sqlite3 "$T/g.db" "select count(*) from measure where status='done'")
over=$(sqlite3 "$T/g.db" "select count(*) from measure where status='open' and deadline < '2026-11-30'")
soon=$(sqlite3 "$T/g.db" "select count(*) from measure where status='open' and deadline between '2026-11-30' and '2026-12-14'")
expect_in "the totals are the database's" \
    "整改措施共${total}项，已完成${done_}项（20%），未完成$((total - done_))项；其中逾期${over}项，14天内到期${soon}项。" "$T/m.txt"
expect_in "overdue first, the oldest on top, with owner" "【逾期10天】一-1（责任人：徐静，时限：2026-11-20）" "$T/m.txt"
expect_in "per-problem progress with a bar" "■■■■■□□□□□ 1/2  二、联系服务青年不够紧密" "$T/m.txt"
expect_in "due within 14 days" "2026-12-08（还剩6个工作日）一-3 建立宣讲队伍（责任人：徐静）" "$T/m.txt"
expect_in "the duty matrix of the period" "[已完成] 团费收缴：徐静，2026年11月 1/1次" "$T/m.txt"
expect_in "new feedback with sender and excerpt" "摘要：村团支部没有及时通知团费收缴，请改进。" "$T/m.txt"
expect_in "an owner who cannot be reached is flagged" "赵四（已停用），负责1项未完成措施" "$T/m.txt"
$PY - "$T"/s/*.eml > "$T/html.txt" <<'PYEOF'
import email, email.policy, sys
for p in sys.argv[1:]:
    m = email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)
    h = m.get_body(("html",)).get_content()
    print("html-ok" if "<table" in h and "一-1" in h and "<script" not in h
          and "style=\"background:#2e7d32" in h else "html-bad")
PYEOF
expect_eq "the HTML part has the tables and the bar cells" "html-ok html-ok" "$(tr '\n' ' ' < "$T/html.txt" | sed 's/ $//')"

$DUTYD -c "$T/g.conf" --once --now "2026-12-02 09:00" > "$T/d2.log" 2>&1
expect_eq "later in the same week: no second digest" 2 "$(ls "$T/s" | grep -c eml)"
$C "2026-12-02 09:00" digest preview > "$T/p.txt" 2>&1
expect_in "preview shows this week's digest" "Subject: 【巡察整改周报】2026年第49周" "$T/p.txt"
expect_in "preview counts the same feedback" "新收1条" "$T/p.txt"
$C "2026-12-02 09:00" digest preview --html --to chen > "$T/p.html" 2>&1
expect_in "preview --html is the HTML part" "<!DOCTYPE html>" "$T/p.html"
$C "2026-12-02 09:00" digest preview --text > "$T/p2.txt" 2>&1
expect_in "preview --text is the plain part" "王立群同志：" "$T/p2.txt"
$C "2026-12-02 09:00" digest preview --to nobody > "$T/p3.txt" 2>&1
expect_in "preview for an unknown person is refused" '--to: unknown person "nobody"' "$T/p3.txt"
expect_eq "preview sent nothing" 2 "$(ls "$T/s" | grep -c eml)"

$DUTYD -c "$T/g.conf" --once --now "2026-12-07 08:30" > "$T/d3.log" 2>&1
expect_eq "next Monday: the next week's digest" 4 "$(ls "$T/s" | grep -c eml)"
$PY "$TOP/tests/integration/mailcheck.py" --body $(newest_mail "$T/s" 1) > "$T/m2.txt"
expect_in "feedback already reported is not new again" "自2026-11-30 08:30以来新收0条" "$T/m2.txt"
expect_in "it is the week 50 digest" "2026年第50周" "$T/m2.txt"
expect_in "December's duty is inside its 20-day lead time" "[待完成] 团费收缴：徐静，2026年12月 0/1次" "$T/m2.txt"
$C "2026-12-07 09:00" status > "$T/st.txt" 2>&1
expect_in "dutyctl status shows the last digest" "2026-W50, 2026-12-07 08:30, 2 queued" "$T/st.txt"

# --- assigned feedback goes through the reminder stages ------------------
sed -i 's/^reminders = { channels = \[ \]; };$//' "$T/g.conf"
$C "2026-12-07 09:00" feedback assign 1 --owner xu --deadline 2026-12-09 > "$T/out" 2>&1
expect_in "feedback assigned with a deadline" "feedback 1 交办给 徐静 (xu)，答复期限 2026-12-09" "$T/out"
n=$(ls "$T/s" | grep -c eml)
$DUTYD -c "$T/g.conf" --once --now "2026-12-09 09:00" > "$T/d4.log" 2>&1
$PY "$TOP/tests/integration/mailcheck.py" --body $(newest_mail "$T/s" $(( $(ls "$T/s" | grep -c eml) - n ))) > "$T/m4.txt"
expect_in "the assignee hears on the due day" "【今天到期】意见#1：团费收缴通知不及时" "$T/m4.txt"
expect_in "in the same email as their items" "subject=【整改提醒】徐静，您有2项整改措施需要关注，1项常态化工作本期尚未完成，1条群众意见待答复" "$T/m4.txt"
expect_eq "the stage is keyed per feedback" 1 \
    "$(sqlite3 "$T/g.db" "select count(*) from notif where key = 'feedback:1:due' and person = 'xu'")"
$DUTYD -c "$T/g.conf" --once --now "2026-12-14 09:00" > "$T/d5.log" 2>&1
expect_eq "overdue feedback climbs to the leader" 1 \
    "$(sqlite3 "$T/g.db" "select count(*) from notif where key like 'feedback:1:overdue:%' and person = 'chen'")"
$C "2026-12-14 10:00" feedback answer 1 --text "已通知各村团支部" >/dev/null
m=$(ls "$T/s" | grep -c eml)
$DUTYD -c "$T/g.conf" --once --now "2026-12-16 09:00" > "$T/d6.log" 2>&1
expect_eq "answered feedback is not reminded" 0 \
    "$(sqlite3 "$T/g.db" "select count(*) from notif where key like 'feedback:1:overdue:2026-12-16%'")"


# --- dutyctl digest preview is the digest dutyd queues, byte for byte ------
# With a closed period that fell short (November: 1 of 2), which the
# preview once listed twice (a quarterly duty made it read the records of
# the whole quarter, then all of them again).
cat > "$T/v.conf" <<CONF
general = { database = "$T/v.db"; templates = "$TOP/conf/templates";
	office = "团县委"; };
people = (
	{ key = "wang"; name = "王立群"; email = "wang@example.org";
	  roles = ["principal"]; },
	{ key = "xu"; name = "徐静"; email = "xu@example.org"; leaders = ["wang"]; }
);
maildir = { path = "$T/v-md"; };
reminders = { channels = [ ]; };
duties = (
	{ id = "study"; title = "专题学习"; period = "month"; at_least = 2;
	  owners = [ "xu" ]; },
	{ id = "talks"; title = "谈心谈话"; period = "quarter"; at_least = 1;
	  owners = [ "wang" ]; }
);
digest = { weekday = "mon"; time = "08:30"; to = [ "wang" ]; };
CONF
V="$DUTYCTL -c $T/v.conf --now"
$V "2026-11-02 10:00" init >/dev/null
$V "2026-11-02 10:00" item add --problem 一 --problem-title "学习不深入" \
    --code 一-1 --text "制定学习计划" --owner xu --deadline 2026-12-20 >/dev/null
$DUTYD -c "$T/v.conf" --once --now "2026-11-02 10:00" > "$T/v0.log" 2>&1
$V "2026-11-20 10:00" duty log study --by xu --date 2026-11-19 --note "学习" >/dev/null
$DUTYD -c "$T/v.conf" --once --now "2026-12-07 08:30" > "$T/v1.log" 2>&1
expect_in "dutyd queued the week's digest" "digest: 2026-W50: 1 digest(s) queued" "$T/v1.log"
qsql() { sqlite3 "$T/v.db" "select b.$1 from outbox o join outbox_body b on b.id = o.id where o.kind = 'digest' order by o.id desc limit 1"; }
qsql body_text > "$T/sent.txt"
qsql body_html > "$T/sent.html"
qsql subject > "$T/sent.subj"
check "the sent digest has November's shortfall" grep -q "专题学习" "$T/sent.txt"
$V "2026-12-07 08:30" digest preview --text > "$T/prev.txt" 2>&1
$V "2026-12-07 08:30" digest preview --html > "$T/prev.html" 2>&1
$V "2026-12-07 08:30" digest preview > "$T/prev.all" 2>&1
if cmp -s "$T/sent.txt" "$T/prev.txt"; then ok "preview --text is the sent text, byte for byte"
else not_ok "preview --text differs from the sent text:"; diff "$T/sent.txt" "$T/prev.txt" | head -10; fi
if cmp -s "$T/sent.html" "$T/prev.html"; then ok "preview --html is the sent HTML, byte for byte"
else not_ok "preview --html differs from the sent HTML"; fi
expect_in "and the subject is the sent one" "Subject: $(cat "$T/sent.subj")" "$T/prev.all"
# Before dutyd has run this week, the preview is what it will send.
$V "2026-12-14 08:00" digest preview --text > "$T/prev2.txt" 2>&1
$DUTYD -c "$T/v.conf" --once --now "2026-12-14 08:30" > "$T/v2.log" 2>&1
sqlite3 "$T/v.db" "select b.body_text from outbox o join outbox_body b on b.id = o.id where o.kind = 'digest' order by o.id desc limit 1" > "$T/sent2.txt"
if cmp -s "$T/sent2.txt" "$T/prev2.txt"; then ok "the preview before the send is what is sent"
else not_ok "the preview before the send differs:"; diff "$T/sent2.txt" "$T/prev2.txt" | head -10; fi

finish
