#!/bin/sh
# dutyctl speaks Chinese by default: with LANGUAGE, LC_ALL and LC_MESSAGES
# unset (and LANG=C, as on a fresh server) the usage, --help, a typo and
# the error paths print Chinese; LANGUAGE=en or general.language = "en"
# choose English.
. "$(dirname "$0")/lib.sh"

cat > "$T/d.conf" <<CONF
general = { database = "$T/d.db"; templates = "$TOP/conf/templates"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhang@example.org";
	  roles = [ "principal" ]; }
);
maildir = { path = "$T/md"; };
CONF
sed 's/^general = { /general = { language = "en"; /' "$T/d.conf" > "$T/en.conf"
zh() { env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=C "$DUTYCTL" "$@"; }
zh -c "$T/d.conf" init > /dev/null

zh > "$T/out" 2>&1
expect_eq "no arguments: usage, exit 64" 64 $?
expect_in "the usage is Chinese" "用法：dutyctl [-c 配置文件]" "$T/out"
expect_in "and says what each command does" "销号（须给出佐证材料）" "$T/out"
zh --help > "$T/out" 2>&1
expect_eq "--help exits 0" 0 $?
expect_in "--help is Chinese" "列出台账中的整改措施" "$T/out"
zh -c "$T/d.conf" item done --help > "$T/out" 2>&1
expect_in "a command's --help is Chinese" "用法：dutyctl item done CODE [--evidence X] [--file X]" "$T/out"
zh -c "$T/d.conf" itme list > "$T/out" 2>&1
expect_eq "a typo exits 64" 64 $?
expect_in "a typo names the nearest command" '未知命令“itme”，是否要输入“item”？' "$T/out"
zh -c "$T/d.conf" item lsit > "$T/out" 2>&1
expect_in "a subcommand typo too" '未知命令“item lsit”，是否要输入“item list”？' "$T/out"
zh -c "$T/d.conf" item done 一-一 --date x > "$T/out" 2>&1
expect_in "an option that does not apply" "item done：此命令不接受选项 --date" "$T/out"
zh -c "$T/d.conf" item edit 一-一 > "$T/out" 2>&1
expect_in "edit without a change" "（至少给出一项）" "$T/out"
zh -c "$T/d.conf" item show 九-九 > "$T/out" 2>&1
expect_in "an unknown measure" "没有编号为 九-九 的整改措施" "$T/out"
zh -c "$T/d.conf" --now 2026-13-01 item list > "$T/out" 2>&1
expect_in "a bad --now" "--now：不是“YYYY-MM-DD HH:MM”格式的时间" "$T/out"
printf '问题编号,问题,序号,整改措施,责任人,整改时限\n一,学习不深入,（一）,制定计划,张伟,2026-12-31\n' > "$T/l.csv"
zh -c "$T/d.conf" import "$T/l.csv" > "$T/out" 2>&1
expect_in "the import summary" "新增1项，修改0项，销号0项，未变0项，冲突0处" "$T/out"
zh -c "$T/d.conf" item edit 一-一 --deadline 2027-01-15 > "$T/out" 2>&1
expect_in "an edit" "已修改 一-一" "$T/out"
zh -c "$T/d.conf" import "$T/l.csv" > "$T/out" 2>&1
expect_in "a conflict is explained" "冲突：以下内容自上次导入后在dutyd中修改过" "$T/out"
expect_in "with the file's row and column" "第2行，一-一，整改时限：文件为“2026-12-31”，dutyd中为“2027-01-15”" "$T/out"
zh -c "$T/d.conf" status > "$T/out" 2>&1
expect_in "status" "守护进程：   未运行" "$T/out"
zh -c "$T/d.conf" outbox list > "$T/out" 2>&1
expect_in "table headers" "编号   状态      渠道    收件人   次数" "$T/out"

zh -c "$T/d.conf" feedback add --from "王女士" --subject "路灯不亮" --text "村口路灯坏了" > /dev/null
zh -c "$T/d.conf" feedback list > "$T/out" 2>&1
expect_in "feedback list: the header lines up with the rows" \
    "编号  状态     日期              来信人                   答复期限   主题" "$T/out"
expect_in "and the count is Chinese" "共 1 条" "$T/out"

# A year the holiday calendar does not know is said, with the fix.
sed "s#$T/d.db#$T/none.db#" "$T/d.conf" > "$T/none.conf"
zh -c "$T/none.conf" --now 2026-06-01 check-config > "$T/out" 2>&1
if grep -q "注意：日历中没有" "$T/out"; then not_ok "no note when the years are known"
else ok "no note when the years are known"; fi
zh -c "$T/d.conf" --now 2026-12-01 check-config > "$T/out" 2>&1
expect_in "check-config: the next 60 days reach 2027" \
    "注意：日历中没有2027年的放假调休安排（国务院办公厅通知），这一年的工作日暂按周一至周五计算；请在 $T/d.conf 的 general.holidays 和 general.workdays 中补充" "$T/out"
zh -c "$T/d.conf" --now 2026-06-01 status > "$T/out" 2>&1
expect_in "status: a deadline in 2027 (一-一 is due 2027-01-15)" "注意：日历中没有2027年" "$T/out"
sed 's/^general = { /general = { workdays = [ "2027-02-07" ]; /' "$T/none.conf" > "$T/known.conf"
zh -c "$T/known.conf" --now 2026-12-01 check-config > "$T/out" 2>&1
if grep -q "注意：日历中没有" "$T/out"; then not_ok "a year given in the config is known"
else ok "a year given in the config is known"; fi

# check-config: each problem in Chinese with its file:line; English when asked.
cat > "$T/bad.conf" <<CONF
general = { database = "$T/bad.db"; log_level = "verbose"; };
people = (
	{ key = "wang"; name = "王"; email = "wang(at)example.org";
	  roles = [ "principal" ]; leaders = [ "li" ]; }
);
maildir = { path = "$T/md"; };
reminders = { time = "9am"; red = 400; colour = "red"; };
duties = ( { id = "d"; title = "会"; period = "weekly"; owners = [ "wang" ]; } );
im = ( { name = "r"; type = "dingtalk";
	url = "http://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef"; } );
smtp = { url = "smtp://dutyd:hunter2@mail.example.org"; };
CONF
zh -c "$T/bad.conf" check-config > "$T/out" 2>&1
expect_eq "check-config: a bad config exits 78" 78 $?
expect_in "an unknown log level" \
    "bad.conf:1: general.log_level：日志级别须为 err、warn、notice、info 或 debug（收到 \"verbose\"）" "$T/out"
expect_in "an email address" "bad.conf:3: people.[0].email：不是电子邮件地址（收到 \"wang(at)example.org\"）" "$T/out"
expect_in "a leader nobody is" "bad.conf:4: people.[0].leaders.[0]：people 中没有此人（收到 \"li\"）" "$T/out"
expect_in "a time" "bad.conf:7: reminders.time：不是 HH:MM 格式的时间（收到 \"9am\"）" "$T/out"
expect_in "a range" "bad.conf:7: reminders.red：须在0到365之间（收到 400）" "$T/out"
expect_in "an unknown setting" "bad.conf:7: reminders.colour：未知的配置项" "$T/out"
expect_in "a period" "bad.conf:8: duties.[0].period：周期须为 month（月）、quarter（季度）、half（半年）或 year（年）（收到 \"weekly\"）" "$T/out"
expect_in "a password in a URL, hidden" "bad.conf:11: smtp.url：用户名请写在 username 中，不要写进网址（收到 \"smtp://***@mail.example.org\"）" "$T/out"
expect_in "a robot URL without its token" "bad.conf:10: im.[0].url：不加密的 http:// 只能连接 127.0.0.1、localhost 或 ::1（收到 \"http://oapi.dingtalk.com/***\"）" "$T/out"
expect_in "the count" "bad.conf：9处错误" "$T/out"
expect_eq "no English left" 0 "$(grep -c 'must\|not a\|unknown\|got' "$T/out")"
expect_eq "no password, no token" 0 "$(grep -c 'hunter2\|0123456789abcdef' "$T/out")"
env -u LC_ALL -u LC_MESSAGES LANGUAGE=en "$DUTYCTL" -c "$T/bad.conf" check-config > "$T/out" 2>&1
expect_in "LANGUAGE=en: the same problems in English" \
    "bad.conf:7: reminders.red: must be between 0 and 365 (got 400)" "$T/out"
expect_in "LANGUAGE=en: the count" "bad.conf: 9 errors" "$T/out"
expect_eq "LANGUAGE=en: no Chinese sentence" 0 "$(grep -c '须\|没有\|不是\|处错误' "$T/out")"
sed 's/^general = { /general = { language = "en"; /' "$T/bad.conf" > "$T/bad-en.conf"
zh -c "$T/bad-en.conf" check-config > "$T/out" 2>&1
expect_in "general.language = en: the problems in English" \
    "bad-en.conf:3: people.[0].email: not an email address (got \"wang(at)example.org\")" "$T/out"
env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=C $DUTYD -n -c "$T/bad.conf" > "$T/out" 2>&1
expect_in "dutyd -n: Chinese" "bad.conf:7: reminders.red：须在0到365之间（收到 400）" "$T/out"
env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=C $DUTYD -n -c "$T/bad-en.conf" > "$T/out" 2>&1
expect_in "dutyd -n, general.language = en: English" \
    "bad-en.conf:7: reminders.red: must be between 0 and 365 (got 400)" "$T/out"

# English when asked.
env -u LC_ALL -u LC_MESSAGES LANGUAGE=en "$DUTYCTL" -c "$T/d.conf" itme > "$T/out" 2>&1
expect_in "LANGUAGE=en: English" 'unknown command "itme"; did you mean "item"?' "$T/out"
zh -c "$T/en.conf" item show 九-九 > "$T/out" 2>&1
expect_in "general.language = en: English" "no measure 九-九" "$T/out"
finish
