#!/bin/sh
# dutyctl report --docx and --bundle on the demo ledger (conf/demo.conf,
# conf/demo/ledger.csv.in).  python3-docx reads the Word file back: the
# title, 一、二、三 in order, every problem and measure of the demo in the
# ledger's order with its state in words, the public's channels, and the
# 公文 look (fonts, sizes, A4 margins after GB/T 9704).  The template is
# then edited as Word and WPS do (a tag split across runs, with proofing
# marks between) and must give the same report; a broken tag is refused
# naming the template, the paragraph and what is wrong, in Chinese.  The
# bundle holds both reports and every evidence file, with SHA256SUMS that
# sha256sum -c accepts, mode 0600.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/conf" "$T/var"
cp "$TOP/conf/demo.conf" "$T/conf/demo.conf"
ln -s "$TOP/conf/templates" "$T/conf/templates"
(umask 077 && printf 'demo-secret-not-real\n' > "$T/var/demo-sms.secret")
DEMO_TODAY=2026-11-30 sh "$TOP/conf/demo/mkledger.sh" \
    "$TOP/conf/demo/ledger.csv.in" "$T/ledger.csv"
C="$DUTYCTL -c $T/conf/demo.conf"
pretend "2026-11-30 10:00"
$C init > /dev/null
$C import "$T/ledger.csv" > "$T/import.out" 2>&1
expect_eq "the demo ledger imports" 0 $?

$C item extend 一-二 --to 2027-01-31 --reason "场地调整" > /dev/null

check "the template is built" test -s "$TOP/conf/templates/report.docx"
$C report --docx "$T/r.docx" > "$T/out" 2>&1
expect_eq "report --docx exits 0" 0 $?
expect_eq "the .docx is private (0600)" 600 "$(stat -c %a "$T/r.docx")"

# The report as python-docx reads it: style | text, one paragraph a line.
cat > "$T/read.py" <<'PY'
import sys, docx
d = docx.Document(sys.argv[1])
for p in d.paragraphs:
    print("%s|%s" % (p.style.name, p.text))
PY
$PY "$T/read.py" "$T/r.docx" > "$T/r.txt" 2> "$T/read.out"
expect_eq "python-docx opens it" 0 $?
expect_eq "the title, centred in the Title style" \
    "Title|共青团宁海县委员会关于巡察整改进展情况的通报" "$(head -1 "$T/r.txt")"
expect_eq "一、二、三 in order" "一、总体情况|二、整改落实情况|三、下一步工作" \
    "$(grep '^Heading 1|' "$T/r.txt" | cut -d'|' -f2 | tr '\n' '|' | sed 's/|$//')"

# Every problem and measure of the ledger, in its order: the (N) heading
# names the problem, then "一是…", "二是…" with the measure's text.
cat > "$T/order.py" <<'PY'
import csv, sys
want = []
with open(sys.argv[1], encoding="utf-8") as f:
    for row in csv.DictReader(f):
        if row["问题"]:
            want.append("P " + row["问题"])
        want.append("M " + row["整改措施"].rstrip("。"))
got = []
in_two = False
for line in open(sys.argv[2], encoding="utf-8"):
    style, text = line.rstrip("\n").split("|", 1)
    if style == "Heading 1":
        in_two = text.startswith("二、")
    elif in_two and style == "Heading 2":
        got.append("P " + text.split("“", 1)[1].rsplit("”", 1)[0])
    elif in_two and "是" in text:
        got.append("M " + text.split("是", 1)[1].split("（", 1)[0])
for i, (w, g) in enumerate(zip(want, got)):
    if not g.startswith(w[:2]) or len(g) < 6 or not w[2:].startswith(g[2:]):
        print("item %d: want %s got %s" % (i, w, g)); sys.exit(1)
if len(want) != len(got):
    print("want %d problems and measures, got %d" % (len(want), len(got)))
    sys.exit(1)
print("ok: %d problems, %d measures" % (sum(w[0] == "P" for w in want),
      sum(w[0] == "M" for w in want)))
PY
$PY "$T/order.py" "$T/ledger.csv" "$T/r.txt" > "$T/order.out" 2>&1
expect_eq "every problem and measure of the demo, in order" \
    "ok: 13 problems, 36 measures" "$(cat "$T/order.out")"
expect_in "a done measure with its evidence" \
    "（已完成。佐证：实施方案已经县委常委会专题研究发文" "$T/r.txt"
expect_in "an open one with its deadline in words" "（正在推进，时限为2026年12月3日）。" "$T/r.txt"
expect_in "an extended one" "（已延期至2027年1月31日，原时限2026年12月5日，因场地调整经批准延期）。" "$T/r.txt"
expect_in "long-term" "（长期坚持）。" "$T/r.txt"
expect_in "the counts" "Normal|巡察反馈问题13个，制定整改措施36项。截至2026年11月30日" "$T/r.txt"
if grep -q "{{\|}}" "$T/r.txt"; then not_ok "no template tag left in the report"
else ok "no template tag left in the report"; fi
expect_in "the public's channels" "联系方式：电话0574-00000000；电子邮箱feedback@example.org。" "$T/r.txt"
expect_in "signed and dated" "Signature|2026年11月30日" "$T/r.txt"

# The 公文 look: fonts and sizes of the styles, A4 with GB/T 9704 margins.
cat > "$T/look.py" <<'PY'
import sys, docx
from docx.oxml.ns import qn
d = docx.Document(sys.argv[1])
def font(style):
    s = d.styles[style]
    while s is not None:
        r = s.element.rPr
        if r is not None and r.rFonts is not None and r.rFonts.get(qn("w:eastAsia")):
            return r.rFonts.get(qn("w:eastAsia"))
        s = s.base_style
    return d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).rFonts.get(qn("w:eastAsia"))
def size(style):
    s = d.styles[style]
    while s is not None:
        if s.font.size is not None:
            return s.font.size.pt
        s = s.base_style
    sz = d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:sz"))
    return int(sz.get(qn("w:val"))) / 2
sec = d.sections[0]
mm = lambda x: round(x.mm)
print("title %s %gpt %s" % (font("Title"), size("Title"), d.styles["Title"].paragraph_format.alignment))
print("body %s %gpt" % (font("Normal"), size("Normal")))
print("heading %s / %s" % (font("Heading 1"), font("Heading 2")))
print("page %dx%d mm, margins %d %d %d %d mm" % (mm(sec.page_width), mm(sec.page_height),
      mm(sec.top_margin), mm(sec.bottom_margin), mm(sec.left_margin), mm(sec.right_margin)))
PY
$PY "$T/look.py" "$T/r.docx" > "$T/look.txt" 2>&1
expect_in "title 方正小标宋 二号 centred" "title 方正小标宋简体 22pt CENTER (1)" "$T/look.txt"
expect_in "body 仿宋_GB2312 三号" "body 仿宋_GB2312 16pt" "$T/look.txt"
expect_in "headings 黑体 and 楷体" "heading 黑体 / 楷体_GB2312" "$T/look.txt"
expect_in "A4, margins 37/35/28/26 mm" "page 210x297 mm, margins 37 35 28 26 mm" "$T/look.txt"

# A template as Word leaves it after edits: {{as_of}} in three runs with
# proofing marks between, {{#problems}} split inside its braces.
cat > "$T/edit.py" <<'PY'
import sys, zipfile
src, out, how = sys.argv[1], sys.argv[2], sys.argv[3]
zin = zipfile.ZipFile(src)
zout = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
for item in zin.infolist():
    data = zin.read(item.filename)
    if item.filename == "word/document.xml":
        x = data.decode("utf-8")
        if how == "split":
            x = x.replace("<w:t>{{as_of}}</w:t>",
                '<w:t>{{</w:t></w:r><w:proofErr w:type="spellStart"/>'
                '<w:r><w:rPr><w:b/></w:rPr><w:t>as_</w:t></w:r>'
                '<w:proofErr w:type="spellEnd"/><w:r><w:t>of}}</w:t>')
            x = x.replace("<w:t>{{#problems}}</w:t>",
                '<w:t>{</w:t></w:r><w:r><w:t xml:space="preserve">{#prob</w:t>'
                '</w:r><w:bookmarkStart w:id="0" w:name="_GoBack"/><w:r><w:t>lems}}</w:t>')
        elif how == "unclosed":
            x = x.replace("<w:t>{{/measures}}</w:t>", "<w:t>{{/measures</w:t>", 1)
        elif how == "noend":
            x = x.replace("<w:t>{{/problems}}</w:t>", "<w:t></w:t>", 1)
        elif how == "badxml":
            x = x.replace("予以通报。</w:t>", "予以通报。&nbsp;</w:t>", 1)
            x = x.replace("<w:t>{{/measures}}</w:t>", "<w:t>{{/measures}}</w:p>", 1)
        elif how == "inline":
            x = x.replace("{{#ongoing}}（长期坚持）{{/ongoing}}", "{{#ongoing}}（长期坚持）", 1)
        data = x.encode("utf-8")
    zout.writestr(item, data)
zout.close()
PY
for how in split unclosed inline noend badxml; do
	$PY "$T/edit.py" "$TOP/conf/templates/report.docx" "$T/$how.docx" "$how"
	sed "s|^report = {|report = { docx_template = \"$T/$how.docx\";|" \
	    "$T/conf/demo.conf" > "$T/conf/$how.conf"
done
check "the split template really has {{ apart from as_of" \
    sh -c "unzip -p '$T/split.docx' word/document.xml | grep -q '<w:t>{{</w:t>'"
$DUTYCTL -c "$T/conf/split.conf" report --docx "$T/split-out.docx" > "$T/out" 2>&1
expect_eq "tags split across runs still work" 0 $?
$PY "$T/read.py" "$T/split-out.docx" > "$T/split.txt" 2>&1
check "and give the same report" cmp -s "$T/r.txt" "$T/split.txt"

LANGUAGE=zh_CN $DUTYCTL -c "$T/conf/unclosed.conf" report \
    --docx "$T/bad.docx" > "$T/unclosed.out" 2>&1
expect_eq "a tag without its }}: refused (65)" 65 $?
expect_in "naming the file, the paragraph and what is wrong, in Chinese" \
    "Word 模板 $T/unclosed.docx 无法使用：word/document.xml：第10段（“{{/measures”）：“{{”在同一段内没有配对的“}}”" \
    "$T/unclosed.out"
check "and no report is written" test ! -e "$T/bad.docx"
LANGUAGE=zh_CN $DUTYCTL -c "$T/conf/inline.conf" report \
    --docx "$T/bad.docx" > "$T/inline.out" 2>&1
expect_eq "a section opened in a paragraph and not closed: refused" 65 $?
expect_in "told how to fix it" "此处开始的区块没有在本段结束（请把 {{#名称}} 和 {{/名称}} 各自单独成段，或都放在本段内）：ongoing" \
    "$T/inline.out"
LANGUAGE=zh_CN $DUTYCTL -c "$T/conf/noend.conf" report \
    --docx "$T/bad.docx" > "$T/noend.out" 2>&1
expect_eq "{{#problems}} without its {{/problems}}: refused" 65 $?
expect_in "naming the paragraph where it opens" \
    "word/document.xml：第6段开始的区块“problems”没有结束" "$T/noend.out"
LANGUAGE=zh_CN $DUTYCTL -c "$T/conf/badxml.conf" report \
    --docx "$T/bad.docx" > "$T/badxml.out" 2>&1
expect_eq "a template that is not well-formed XML: refused (65)" 65 $?
# Two errors: an HTML entity in the opening line, a wrong end tag below.
L=$(unzip -p "$T/badxml.docx" word/document.xml |
    grep -n '予以通报。&nbsp;' | cut -d: -f1)
check "the entity comes first" test "$L" -lt "$(unzip -p "$T/badxml.docx" \
    word/document.xml | grep -n '{{/measures}}</w:p>' | cut -d: -f1)"
expect_in "the first error is told, with the part, line and column, in Chinese" \
    "Word 模板 $T/badxml.docx 无法使用：word/document.xml：不是格式正确的 XML：第${L}行第" \
    "$T/badxml.out"
expect_in "saying what it is" "列：使用了 XML 不认识的实体（“&”应写作 &amp;）（libxml2：Entity 'nbsp' not defined）" \
    "$T/badxml.out"
sed "s|^report = {|report = { docx_template = \"$T/nothere.docx\";|" \
    "$T/conf/demo.conf" > "$T/conf/none.conf"
$DUTYCTL -c "$T/conf/none.conf" report --docx "$T/bad.docx" > "$T/none.out" 2>&1
expect_eq "no template: 66" 66 $?
expect_in "says which and where it is set" \
    "the Word template: $T/nothere.docx: No such file or directory (report.docx_template in $T/conf/none.conf)" \
    "$T/none.out"

# The bundle: two files on one measure (one name twice), one file on two.
printf '会议纪要（2026年第5次）\n' > "$T/会议纪要.pdf"
mkdir -p "$T/other"
printf '另一份纪要\n' > "$T/other/会议纪要.pdf"
printf 'JPEG' > "$T/照片.jpg"
$C item evidence add 一-一 --file "$T/会议纪要.pdf" --file "$T/照片.jpg" > /dev/null
$C item evidence add 一-一 --file "$T/other/会议纪要.pdf" > /dev/null
$C item evidence add 二-一 --file "$T/会议纪要.pdf" > /dev/null
$C report --bundle "$T/b.zip" > "$T/bundle.out" 2>&1
expect_eq "report --bundle exits 0" 0 $?
expect_eq "the bundle is private (0600)" 600 "$(stat -c %a "$T/b.zip")"
unzip -Z1 "$T/b.zip" > "$T/list.txt"
H=$(sha256sum "$T/other/会议纪要.pdf" | cut -c1-8)
expect_eq "unzip lists the reports, the evidence by measure, SHA256SUMS" \
    "整改情况通报.docx|整改情况通报.html|证据材料/一-一/会议纪要.pdf|证据材料/一-一/照片.jpg|证据材料/一-一/会议纪要-$H.pdf|证据材料/二-一/会议纪要.pdf|SHA256SUMS" \
    "$(tr '\n' '|' < "$T/list.txt" | sed 's/|$//')"
mkdir "$T/unz"
(cd "$T/unz" && unzip -q "$T/b.zip" && sha256sum -c SHA256SUMS) > "$T/sums.out" 2>&1
expect_eq "sha256sum -c SHA256SUMS: every hash matches" 0 $?
check "the evidence is the file given" cmp -s "$T/会议纪要.pdf" "$T/unz/证据材料/二-一/会议纪要.pdf"
expect_eq "and unzips private (0600)" 600 "$(stat -c %a "$T/unz/证据材料/二-一/会议纪要.pdf")"
$PY "$T/read.py" "$T/unz/整改情况通报.docx" > "$T/bundle.txt" 2>&1
expect_in "the bundle's report names the files" "佐证材料：会议纪要.pdf、照片.jpg、会议纪要.pdf" "$T/bundle.txt"
expect_in "so does its HTML" "佐证材料：会议纪要.pdf、照片.jpg、会议纪要.pdf" "$T/unz/整改情况通报.html"

# A file added later is not in the bundle or the reports as of an earlier
# day (the evidence recorded on the day itself is), but is as of today.
pretend "2026-12-03 10:00"
printf '后补材料\n' > "$T/后补.pdf"
$C item evidence add 一-一 --file "$T/后补.pdf" > /dev/null
$C report --bundle "$T/early.zip" --as-of 2026-11-30 > "$T/early.out" 2>&1
expect_eq "report --bundle --as-of exits 0" 0 $?
expect_eq "the bundle as of 11-30 holds only what was recorded by then" \
    "整改情况通报.docx|整改情况通报.html|证据材料/一-一/会议纪要.pdf|证据材料/一-一/照片.jpg|证据材料/一-一/会议纪要-$H.pdf|证据材料/二-一/会议纪要.pdf|SHA256SUMS" \
    "$(unzip -Z1 "$T/early.zip" | tr '\n' '|' | sed 's/|$//')"
expect_in "and says so" "$T/early.zip: the report and 4 evidence file(s), with SHA256SUMS" "$T/early.out"
unzip -p "$T/early.zip" 整改情况通报.html > "$T/early.html"
expect_in "its report names the files of that day" "佐证材料：会议纪要.pdf、照片.jpg、会议纪要.pdf）" "$T/early.html"
if grep -q "后补.pdf" "$T/early.html"; then
	not_ok "and not the later one"
else ok "and not the later one"; fi
$C report --bundle "$T/late.zip" > /dev/null 2>&1
check "as of today the later file is in" \
    sh -c "unzip -Z1 '$T/late.zip' | grep -qx '证据材料/一-一/后补.pdf'"
finish
