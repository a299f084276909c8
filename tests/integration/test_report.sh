#!/bin/sh
# dutyctl report --html: the public progress report in the seed's genre.
# Python's HTML parser reads it back: the title, 一、二、三 in order, every
# problem and measure of the ledger in order with its state in words, the
# evidence note, the 延期, what is open in 下一步工作 and the public's
# channels; --as-of tells a later sign-off as still open.
. "$(dirname "$0")/lib.sh"

cat > "$T/r.conf" <<CONF
general = { database = "$T/r.db"; templates = "$TOP/conf/templates";
	office = "共青团宁海县委员会"; };
people = (
	{ key = "wang"; name = "王立群"; email = "wang@example.org";
	  roles = [ "principal" ]; }
);
maildir = { path = "$T/md"; };
report = { phone = "0574-65500000"; email = "xuncha@example.org"; };
CONF
C="$DUTYCTL -c $T/r.conf"
pretend "2026-11-20 10:00"
$C init > /dev/null
cat > "$T/l.csv" <<'CSV'
问题编号,问题,序号,整改措施,责任人,整改时限
一,理论联系实际成效不明显,（一）,起草青年发展型县域建设实施方案并提交县委常委会研究。,王立群,2026-11-30
,,（二）,建强“后浪·缑火”青年理论宣讲队伍,王立群,2026-12-31
二,对青年思想政治引领不够,（一）,出台青年理论学习常态化制度机制,王立群,长期坚持
,,（二）,完成“家门口青少年宫”布点,王立群,2026-12-15
CSV
$C import "$T/l.csv" > /dev/null
$C item done 一-一 --evidence "实施方案已印发" > /dev/null
$C item extend 二-二 --to 2027-01-31 --reason "场地调整" > /dev/null
pretend "2026-12-01 10:00"
$C report --html -o "$T/r.html" > "$T/out" 2>&1
expect_eq "report --html exits 0" 0 $?
$C report --html --as-of 2026-11-19 -o "$T/early.html" > /dev/null 2>&1
$C report -o "$T/x.html" > "$T/out" 2>&1
expect_eq "-o without --html: usage" 64 $?
cat > "$T/read.py" <<'PY'
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.cur = None; self.out = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("h1", "h2", "h3", "p"):
            self.cur = [tag, a.get("data-code", ""), ""]
    def handle_data(self, d):
        if self.cur is not None: self.cur[2] += d
    def handle_endtag(self, tag):
        if self.cur is not None and tag == self.cur[0]:
            self.out.append(self.cur); self.cur = None
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
for tag, code, text in p.out:
    if tag != "p" or code:
        print("%s %s %s" % (tag, code, text.strip()))
    elif "联系方式" in text or "截至" in text:
        print("p - %s" % text.strip())
PY
$PY "$T/read.py" "$T/r.html" > "$T/r.txt"
expect_eq "headings and measures in order" \
    "h1 共青团宁海县委员会关于巡察整改进展情况的通报|h2 一、总体情况|h2 二、整改落实情况|h3 （一）关于“理论联系实际成效不明显”问题的整改情况|p 一-一|p 一-二|h3 （二）关于“对青年思想政治引领不够”问题的整改情况|p 二-一|p 二-二|h2 三、下一步工作|p 一-二|p 二-二" \
    "$(awk '$1 != "p" || $2 != "-" {print $1, ($1 == "p" ? $2 : $2 " " $3)}' "$T/r.txt" | sed 's/ *$//' | tr '\n' '|' | sed 's/|$//')"
expect_in "the counts" "巡察反馈问题2个，制定整改措施4项。截至2026年12月1日，已完成整改1项，完成率25%；正在推进2项（其中经批准延期1项）；需长期坚持1项。" "$T/r.txt"
expect_in "a done measure with its evidence" \
    "p 一-一 一是起草青年发展型县域建设实施方案并提交县委常委会研究（已完成。佐证：实施方案已印发）。" "$T/r.txt"
expect_in "an open one with its deadline in words" \
    "p 一-二 二是建强“后浪·缑火”青年理论宣讲队伍（正在推进，时限为2026年12月31日）。" "$T/r.txt"
expect_in "long-term" "p 二-一 一是出台青年理论学习常态化制度机制（长期坚持）。" "$T/r.txt"
expect_in "the extension with its reason" "时限为2027年1月31日；原时限2026年12月15日，因场地调整经批准延期" "$T/r.txt"
expect_in "the public's channels" "联系方式：电话0574-65500000；电子邮箱xuncha@example.org。" "$T/r.txt"
$PY "$T/read.py" "$T/early.html" > "$T/early.txt"
expect_in "--as-of before the sign-off: still open" "p 一-一 一是起草青年发展型县域建设实施方案并提交县委常委会研究（正在推进，时限为2026年11月30日）。" "$T/early.txt"
if grep -q "{{\|}}" "$T/r.html"; then not_ok "no template tag left in the report"
else ok "no template tag left in the report"; fi
if grep -q "<script" "$T/r.html"; then not_ok "no script in the report"; else ok "no script in the report"; fi
finish
