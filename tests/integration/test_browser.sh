#!/bin/sh
# The emails as a phone and a desktop show them: dutyd writes one tick's
# mail (the 书记's digest, an officer's reminder, escalations to leaders, a
# feedback reminder, a duty warning) to a maildir, Python's email package
# takes out each text/html part as a mail client would, and headless
# Chromium lays each out 375 and 1000 px wide (browser.py, over the
# DevTools protocol on 127.0.0.1).  Each must fit the window without
# scrolling sideways, keep every box's content inside it, and keep each
# measure code (十-二) and name on one line.  The public progress report
# (dutyctl report --html) is laid out at A4 width (794 px, 210 mm at 96
# dpi) with the same checks, and its title must be drawn in a CJK font.
# Screenshots: $B/screenshots/ (the report: report-794.png).
# DUTYD_TEST_TEMPLATES=DIR runs it on other templates (e.g. older ones).
. "$(dirname "$0")/lib.sh"

TPL=${DUTYD_TEST_TEMPLATES:-$TOP/conf/templates}
SHOTS="$B/screenshots"
BROWSER=$(command -v chromium || command -v chromium-browser)
if [ -z "$BROWSER" ] || ! fc-list :lang=zh | grep -q .; then
	not_ok "chromium and a CJK font are needed (make deps installs them)"
	finish
	exit
fi

# Long names and texts, codes with a hyphen, a measure with two owners.
cat > "$T/b.conf" <<CONF
general = { database = "$T/b.db"; templates = "$TPL";
	office = "共青团宁海县委员会"; };
people = (
	{ key = "wang"; name = "王立群"; email = "wang@example.org";
	  roles = ["principal"]; },
	{ key = "ouyang"; name = "欧阳振华"; email = "ouyang@example.org";
	  roles = ["leader"]; leaders = ["wang"]; },
	{ key = "xu"; name = "徐静"; email = "xu@example.org";
	  leaders = ["ouyang"]; },
	{ key = "zhang"; name = "张伟"; email = "zhang@example.org";
	  leaders = ["ouyang"]; },
	{ key = "sima"; name = "司马相如"; email = "sima@example.org";
	  leaders = ["ouyang"]; },
	{ key = "huangfu"; name = "皇甫明远"; email = "huangfu@example.org";
	  leaders = ["ouyang"]; },
	{ key = "gone"; name = "赵四"; disabled = true; }
);
maildir = { path = "$T/md"; };
duties = (
	{ id = "dues"; title = "团费收缴及团员教育评议情况统计上报";
	  period = "month"; owners = [ "sima" ]; },
	{ id = "talks"; title = "分管领导对联系科室开展谈心谈话";
	  period = "quarter"; owners = [ "ouyang" ];
	  targets = [ "组织宣传部", "青少年发展和权益部", "办公室" ]; },
	{ id = "lesson"; title = "书记讲专题党课"; period = "month";
	  owners = [ "wang" ]; }
);
digest = { weekday = "mon"; time = "08:30"; to = [ "wang", "ouyang" ]; };
CONF
C="$DUTYCTL -c $T/b.conf --now"
$C "2026-11-02 10:00" init >/dev/null
add() { $C "2026-11-02 10:00" item add --problem "$1" --problem-title "$2" \
    --code "$3" --text "$4" --owner "$5" --deadline "$6" >/dev/null; }
add 十 "落实全面从严治团主体责任存在差距，基层团组织建设薄弱" 十-二 \
    "制定《关于进一步加强基层团组织规范化建设的实施方案》，明确责任分工和完成时限，建立问题清单、任务清单、责任清单" \
    xu,huangfu 2026-11-16
add 八 "联系服务青年不够紧密，服务青年成长成才的工作载体不多" 八-二 \
    "建立县级团干部直接联系青年工作机制，每名团干部联系不少于10名青年并建立台账" \
    xu 2026-12-02
add 八 "联系服务青年不够紧密，服务青年成长成才的工作载体不多" 八-三 \
    "开展青年就业创业服务月活动" gone 2026-12-31
add 三 "理论学习走形式" 三-十一 "开展专题学习研讨" xu 2026-12-01
$C "2026-11-02 10:00" item done 三-十一 --evidence "学习记录" >/dev/null
$C "2026-11-20 10:00" item extend 八-二 --to 2026-12-09 \
    --reason "需待县委常委会审议通过后印发实施" --approved-by 王立群 >/dev/null
$C "2026-11-03 10:00" feedback add --from "李女士 13800000000" \
    --subject "关于乡镇团委青年活动阵地长期闲置无人管理的问题反映" \
    --text "我是某村的青年志愿者，村里的青年之家建成以后一直锁着门，希望有人管理。" >/dev/null
$C "2026-11-03 10:00" feedback add --from "zhaoxiansheng.weiyi@example.org" \
    --subject "团费收缴通知不及时" --text "请改进。" >/dev/null
$C "2026-11-03 10:00" feedback assign 1 --owner zhang --deadline 2026-11-30 >/dev/null
$C "2026-11-03 10:00" feedback assign 2 --owner zhang --deadline 2026-11-20 >/dev/null
$C "2026-11-28 10:00" feedback add \
    --from "qingnianzhiyuanzhe.ninghai.xiangzhen2026@example.org" \
    --subject "建议在各乡镇（街道）青年之家增设周末开放时段，方便在外务工返乡青年参加活动" \
    --text "周末返乡的青年较多，但青年之家周末不开门。" >/dev/null

# tick NOW [SUFFIX]: one dutyd tick into the maildir, then each message's
# text/html part, as a mail client takes it out, to $T/html/KIND-WHO.html.
mkdir -p "$T/html" "$SHOTS"
tick() {
	rm -rf "$T/md"
	$DUTYD -c "$T/b.conf" --once --now "$1" > "$T/d.log" 2>&1
	$PY - "$T/html" "${2:-}" "$T"/md/new/* >> "$T/parts.txt" <<'PYEOF'
import email, email.policy, sys
kinds = {"巡察整改周报": "digest", "逾期督办": "escalation", "整改提醒": "reminder",
         "意见答复提醒": "feedback", "工作提醒": "duty", "工作通报": "shortfall"}
for p in sys.argv[3:]:
    m = email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)
    who = m["To"].addresses[0].username
    tag = m["Subject"].split("【")[1].split("】")[0]
    name = "%s%s-%s" % (kinds.get(tag, "other"), sys.argv[2], who)
    with open("%s/%s.html" % (sys.argv[1], name), "w") as f:
        f.write(m.get_body(("html",)).get_content())
    print(name, m["Subject"])
PYEOF
}
# Monday, after the digest (08:30) and the reminders (09:00) are due; three
# weeks later, when November's shortfall is told and in the digest.
tick "2026-11-30 09:30"
tick "2026-12-21 09:30" 2

# The digest's system section when mail does not go, through the test
# SMTP server: a recipient refused for good (a failed reminder), then a
# login refused (the channel stops, its queue kept).  dutyctl digest
# preview --html is the HTML part dutyd would send.
printf 'sekrit\n' > "$T/smtp.pass"
chmod 600 "$T/smtp.pass"
P=$(free_port)
start_smtpd "$T/smtp" "$P" --auth dutyd:sekrit --fail-rcpt 'xu@*=550'
cat > "$T/s.conf" <<CONF
general = { database = "$T/s.db"; templates = "$TPL";
	office = "共青团宁海县委员会"; };
people = (
	{ key = "wang"; name = "王立群"; email = "wang@example.org";
	  roles = ["principal"]; },
	{ key = "xu"; name = "徐静"; email = "xu@example.org"; leaders = ["wang"]; },
	{ key = "zhang"; name = "张伟"; email = "zhang@example.org";
	  leaders = ["wang"]; }
);
smtp = { enabled = true; url = "smtp://127.0.0.1:$P"; starttls = false;
	username = "dutyd"; password_file = "$T/smtp.pass";
	from = "duty@example.org"; from_name = "巡察整改办";
	connect_timeout = 3; timeout = 5; per_connection = 0; rate = 0; };
digest = { enabled = false; };
CONF
S="$DUTYCTL -c $T/s.conf --now"
$S "2026-11-02 10:00" init >/dev/null
$S "2026-11-02 10:00" item add --problem 十 --problem-title "基层团组织建设薄弱" \
    --code 十-二 --text "制定基层团组织规范化建设实施方案" --owner xu \
    --deadline 2026-11-16 >/dev/null
$S "2026-11-02 10:00" item add --problem 八 --problem-title "联系服务青年不够紧密" \
    --code 八-二 --text "建立县级团干部直接联系青年工作机制" --owner zhang \
    --deadline 2026-12-02 >/dev/null
$DUTYD -c "$T/s.conf" --once --now "2026-11-30 09:30" > "$T/s1.log" 2>&1
printf 'web-password\n' > "$T/smtp.pass"
$DUTYD -c "$T/s.conf" --once --now "2026-12-01 09:30" > "$T/s2.log" 2>&1
stop_pid "$SMTPD_PID"
$S "2026-12-01 10:00" digest preview --html --to wang > "$T/html/digest3-wang.html" 2>&1
expect_in "the digest lists the failed reminder" "发送失败的提醒" "$T/html/digest3-wang.html"
expect_in "and the stopped channel" "发送通道暂停" "$T/html/digest3-wang.html"
mkdir -p "$T/report"
$C "2026-12-01 10:00" report --html -o "$T/report/report.html" > "$T/report.out" 2>&1
expect_eq "the report for the A4 check" 0 $?
cp "$T/parts.txt" "$SHOTS/subjects.txt"	# which screenshot is which email
echo "digest3-wang dutyctl digest preview --html (mail not going)" >> "$SHOTS/subjects.txt"
for want in digest-wang reminder-xu escalation-ouyang duty-wang \
    feedback-zhang duty-sima reminder-huangfu digest2-wang duty2-ouyang \
    digest-ouyang; do
	check "dutyd wrote $want" test -s "$T/html/$want.html"
done
expect_in "the officer's reminder has the measure" "八-二" "$T/html/reminder-xu.html"
expect_in "and its extension" "需待县委常委会审议通过后印发实施" "$T/html/reminder-xu.html"
expect_in "an escalation names every owner" "徐静、皇甫明远" "$T/html/escalation-ouyang.html"
expect_in "the assignee's reminder has the feedback" "关于乡镇团委青年活动阵地" "$T/html/feedback-zhang.html"
expect_in "the duty warning names the duty" "团费收缴及团员教育评议" "$T/html/duty-sima.html"
expect_in "the leader hears of the shortfall" "上一周期未完成" "$T/html/duty2-ouyang.html"
expect_in "with the escalated feedback" "承办：" "$T/html/duty2-ouyang.html"
expect_in "and why the measures came to him" "为何报您：" "$T/html/duty2-ouyang.html"
expect_in "the 书记 hears of his own" "您本人上一周期未完成" "$T/html/duty2-wang.html"
expect_in "the digest has it too" "上一周期未完成" "$T/html/digest2-wang.html"
expect_in "a 分管领导's digest says it is his part" "本周报只含您分管的" "$T/html/digest-ouyang.html"
expect_in "new feedback with its state" "状态：" "$T/html/digest-wang.html"
expect_in "a year the calendar does not know" "放假调休安排" "$T/html/digest2-wang.html"

# Chromium with the real clock (it is not under test, and its TLS and
# cache code have no business with a pretended date), a fresh profile and
# home (its crash reporter's database too), no network but its DevTools
# port on 127.0.0.1.  Started without the Debian wrapper script and
# without a shell function, so that $! is the browser: browser.py closes
# it, then it is stopped by that PID if it is still there.
U="$T/chromium"
mkdir -p "$U"
BIN=$BROWSER
[ -x /usr/lib/chromium/chromium ] && BIN=/usr/lib/chromium/chromium
sandbox=""
[ "$(id -u)" = 0 ] && sandbox="--no-sandbox"	# Chromium refuses root otherwise
env -u LD_PRELOAD -u FAKETIME -u DONT_FAKE_MONOTONIC HOME="$U" \
    XDG_CONFIG_HOME="$U/config" XDG_CACHE_HOME="$U/cache" \
    "$BIN" --headless $sandbox --user-data-dir="$U/profile" \
    --remote-debugging-address=127.0.0.1 --remote-debugging-port=0 \
    --host-resolver-rules="MAP * ~NOTFOUND" --proxy-server="127.0.0.1:9" \
    --no-first-run --no-default-browser-check --disable-background-networking \
    --disable-component-update --disable-sync --disable-extensions \
    --disable-crash-reporter --disable-breakpad \
    --disable-gpu --hide-scrollbars --mute-audio --lang=zh-CN \
    about:blank > "$T/chromium.out" 2>&1 &
CHROMIUM_PID=$!
PIDS="$PIDS $CHROMIUM_PID"
i=0
while [ ! -s "$U/profile/DevToolsActivePort" ] && [ $i -lt 200 ]; do
	sleep 0.1; i=$((i + 1)); done
if [ -s "$U/profile/DevToolsActivePort" ]; then
	timeout 60 $PY "$TOP/tests/integration/browser.py" "$U/profile/DevToolsActivePort" \
	    "$SHOTS" 375,1000 --keep 十-二 --keep 八-二 --keep 八-三 \
	    --keep 三-十一 --keep 欧阳振华 --keep 司马相如 --keep 皇甫明远 --keep 王立群 \
	    --keep 徐静 --keep 张伟 --keep 赵四 \
	    "$T"/html/*.html --widths 794 --cjk h1 "$T/report/report.html" \
	    > "$T/browser.out" 2>&1
	while read -r verdict rest; do
		case $verdict in
		ok) ok "$rest" ;;
		FAIL) not_ok "$rest" ;;
		*) not_ok "browser.py: $verdict $rest" ;;
		esac
	done < "$T/browser.out"
	check "every email was laid out at both widths, the report at A4" \
	    test "$(grep -c '^ok\|^FAIL' "$T/browser.out")" = \
	    "$(( $(ls "$T/html" | wc -l) * 2 + 1 ))"
	expect_in "the report's title in a CJK font at A4 width" \
	    "report@794: 794 px wide, 3 codes and names on one line each, h1 in a CJK font" "$T/browser.out"
else
	not_ok "chromium did not start:"; tail -5 "$T/chromium.out"
fi
i=0
while kill -0 "$CHROMIUM_PID" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1)); done
stop_pid "$CHROMIUM_PID"
finish
