#!/bin/sh
# The ledger as an Excel workbook: export --xlsx then import is a no-op;
# openpyxl finds the merges, colours, frozen header, autofilter, print
# titles and the three sheets; a workbook made by hand (a title row, the
# 问题 merged down, date serials, a spacer row, numbers as codes) imports;
# a second sheet by --sheet; inline strings and the 1904 date system; three
# bad rows are all reported with Excel's row numbers; a zip bomb, a huge
# sheet, a DTD and an old .xls are refused with a clear message.
. "$(dirname "$0")/lib.sh"

cat > "$T/d.conf" <<CONF
general = { database = "$T/d.db"; templates = "$TOP/conf/templates"; };
people = (
	{ key = "zhang"; name = "张伟"; email = "zhang@example.org";
	  leaders = ["li"]; },
	{ key = "li"; name = "李娜"; email = "li@example.org";
	  roles = ["leader", "principal"]; }
);
duties = (
	{ id = "study"; title = "研究安排党风廉政建设工作";
	  period = "quarter"; at_least = 1; owners = [ "zhang" ]; }
);
maildir = { path = "$T/md"; };
CONF
C="$DUTYCTL -c $T/d.conf"
q() { sqlite3 "$T/d.db" "$1"; }

pretend "2026-12-07 09:00"
$C init > /dev/null
cat > "$T/v1.csv" <<'CSV'
问题编号,问题,序号,整改措施,责任人,整改时限,完成情况
一,理论学习不深入,（一）,制定学习计划,张伟,2026-12-31,已完成
,,（二）,开展专题研讨,李娜,2026-12-10,整改中
,,（三）,"=SUM(A1:A2) 建立台账",张伟,2026-11-30,整改中
二,制度执行不严格,1,完善制度,张伟、李娜,长期坚持,整改中
CSV
$C import "$T/v1.csv" > "$T/out" 2>&1
expect_in "the CSV imports" "4 added, 0 changed" "$T/out"
$C duty log study --by zhang --date 2026-12-01 --note "党组会研究" > "$T/out" 2>&1
expect_eq "a duty is logged" 0 $?

# --- export -> import: nothing changes ------------------------------------------
$C export --xlsx -o "$T/台账.xlsx" > "$T/out" 2>&1
expect_eq "export --xlsx exits 0" 0 $?
expect_eq "the workbook is 0600" 600 "$(stat -c %a "$T/台账.xlsx")"
$C import "$T/台账.xlsx" > "$T/out" 2>&1
expect_in "export -> import is a no-op" \
    "0 added, 0 changed, 0 closed, 4 unchanged, 0 conflict(s)" "$T/out"
$C export --xlsx > "$T/out" 2>&1
expect_eq "--xlsx without -o is a usage error" 64 $?

# --- what openpyxl sees in the exported workbook ------------------------------------
$PY - "$T/台账.xlsx" > "$T/seen" 2>&1 <<'PY'
import sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
print("sheets", wb.sheetnames)
ws = wb["台账"]
print("merged", sorted(str(r) for r in ws.merged_cells.ranges))
print("freeze", ws.freeze_panes)
print("filter", ws.auto_filter.ref)
print("titles", ws.print_title_rows)
print("page", ws.page_setup.orientation, ws.page_setup.paperSize)
for r in range(2, 6):
    print("fill", ws.cell(r, 3).value, ws.cell(r, 4).fill.fgColor.rgb)
c = ws.cell(4, 4)
print("formula?", c.data_type, c.value)
d = ws.cell(2, 6)
print("date", isinstance(d.value, datetime.datetime), d.value.date() if d.value else None)
print("width", ws.column_dimensions["D"].width >= 20)
s = wb["统计"]
for row in s.iter_rows(min_row=1, values_only=True):
    print("stat", row)
u = wb["常态化工作"]
for row in u.iter_rows(min_row=1, values_only=True):
    print("duty", row)
PY
expect_in "three sheets" "sheets ['台账', '统计', '常态化工作']" "$T/seen"
expect_in "the problem cells are merged" "merged ['A2:A4', 'B2:B4']" "$T/seen"
expect_in "the header is frozen" "freeze A2" "$T/seen"
expect_in "autofilter over the table" "filter A1:I5" "$T/seen"
expect_in "the header repeats on every printed page" 'titles $1:$1' "$T/seen"
expect_in "A4 landscape" "page landscape 9" "$T/seen"
expect_in "done is green" "fill 一 FFC6EFCE" "$T/seen"
expect_in "due soon is yellow" "fill 二 FFFFEB9C" "$T/seen"
expect_in "overdue is red" "fill 三 FFFFC7CE" "$T/seen"
expect_in "ongoing is not coloured" "fill 1 00000000" "$T/seen"
expect_in "a cell starting with = is text, not a formula" \
    "formula? s =SUM(A1:A2) 建立台账" "$T/seen"
expect_in "deadlines are dates" "date True 2026-12-31" "$T/seen"
expect_in "the text column is wide" "width True" "$T/seen"
expect_in "统计: per problem" "stat ('一', '理论学习不深入', 3, 1, 2, 1, 0.3333333333333333)" "$T/seen"
expect_in "统计: the total" "stat ('合计', None, 4, 1, 3, 1, 0.25)" "$T/seen"
expect_in "常态化工作: the duty of the period" \
    "duty ('研究安排党风廉政建设工作', '2026Q4', '张伟', None, 1, 1, '已完成')" "$T/seen"

# --- a workbook made by hand, the way offices lay it out ---------------------------
$PY - "$T/hand.xlsx" <<'PY'
import sys, datetime, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "说明"
ws["A1"] = "本表为台账，请见第二个工作表"
ws = wb.create_sheet("2026年台账")
ws.append(["某某县委巡察整改台账"])
ws.merge_cells("A1:G1")
ws.append(["问题编号", "问题", "序号", "整改措施", "责任人", "整改时限", "完成情况"])
ws.append(["三", "作风不扎实", 1, "开展作风整顿", "张伟", datetime.datetime(2027, 3, 31), "整改中"])
ws.append([None, None, 2, "建立督办机制", "李娜", datetime.datetime(2027, 1, 15), "未完成"])
ws.append([None, None, 3, "回头看", "张伟", "2027年6月底前", "整改中"])
ws.merge_cells("A3:A5")
ws.merge_cells("B3:B5")
ws.append([])
ws.append(["四", "宣传不到位", 1, "办好专栏", "李娜", "长期坚持", "整改中"])
for r in (3, 4):
    ws.cell(r, 6).number_format = "yyyy\"年\"m\"月\"d\"日\""
wb.save(sys.argv[1])
PY
$C import "$T/hand.xlsx" > "$T/out" 2>&1
expect_in "the first sheet has no header" "hand.xlsx" "$T/out"
$C import "$T/hand.xlsx" --sheet 2026年台账 > "$T/out" 2>&1
expect_eq "--sheet imports the named sheet" 0 $?
expect_in "four measures added" "4 added, 0 changed" "$T/out"
expect_in "the title row is a note" "第1行：“某某县委巡察整改台账”不是表头" "$T/out"
expect_eq "the merged problem is carried down, serials are dates" \
    "三-1|作风不扎实|2027-03-31|zhang
三-2|作风不扎实|2027-01-15|li
三-3|作风不扎实|2027-06-30|zhang
四-1|宣传不到位||li" \
    "$(q "select m.code||'|'||p.title||'|'||coalesce(m.deadline,'')||'|'||
      (select group_concat(person) from measure_owner o where o.measure_id=m.id)
      from measure m join problem p on p.id=m.problem_id
      where p.code in ('三','四') order by m.code")"
$C item list --problem 三 > "$T/out" 2>&1
expect_in "item list shows them" "三-2" "$T/out"
$C import "$T/hand.xlsx" --sheet 没有这张表 > "$T/out" 2>&1
expect_eq "an unknown sheet is refused" 65 $?
expect_in "naming the sheets there are" "没有名为“没有这张表”的工作表（有：“说明”、“2026年台账”）" "$T/out"

# --- inline strings, the 1904 date system, no styles or shared strings ----------
$PY - "$T/inline.xlsx" <<'PY'
import sys, zipfile
def c(ref, s): return '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, s)
rows = [
  ''.join(c(r + "1", v) for r, v in zip("ABCDEF", ["问题编号","问题","序号","整改措施","责任人","整改时限"])),
  c("A2","五") + c("B2","落实不到位") + '<c r="C2"><v>1</v></c>' + c("D2","<专项>检查") + c("E2","张伟") + '<c r="F2" s="1"><v>45290</v></c>',
]
sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
  ''.join('<row r="%d">%s</row>' % (i + 1, r.replace("<专项>", "&lt;专项&gt;")) for i, r in enumerate(rows)) + '</sheetData></worksheet>')
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="x" Target="/xl/worksheets/s.xml"/></Relationships>')
    z.writestr("xl/styles.xml", '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>')
    z.writestr("xl/worksheets/s.xml", sheet)
PY
$C import "$T/inline.xlsx" > "$T/out" 2>&1
expect_in "inline strings import" "1 added" "$T/out"
expect_eq "a 1904 serial is a 1904 date" "<专项>检查|2027-12-31" \
    "$(q "select text||'|'||deadline from measure where code='五-1'")"

# --- three bad rows: all reported, Excel's row numbers, nothing imported -------------
$PY - "$T/bad.xlsx" <<'PY'
import sys, datetime, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.append(["整改台账"])
ws.append(["问题编号", "问题", "序号", "整改措施", "责任人", "完成时限"])
ws.append(["六", "问题六", 1, "措施一", "王五", "2027-01-31"])
ws.append([])
ws.append([None, None, 2, "措施二", "张伟", "2024-13-45"])
ws.append([None, None, 3, "措施三", "张伟", datetime.datetime(2027, 2, 1)])
ws.append([None, None, 4, "措施四", "李娜", "年底前"])
ws.merge_cells("A3:A7")
wb.save(sys.argv[1])
PY
n0=$(q 'select count(*) from measure')
$C import "$T/bad.xlsx" > "$T/out" 2>&1
expect_eq "a workbook with bad rows is refused" 65 $?
expect_in "1: row 3, the file's column, the value" \
    "bad.xlsx: 第3行，“责任人”列：“王五”不在配置的人员中" "$T/out"
expect_in "2: row 5 (after the spacer row)" \
    "bad.xlsx: 第5行，“完成时限”列：“2024-13-45”不是日期" "$T/out"
expect_in "3: row 7" "bad.xlsx: 第7行，“完成时限”列：“年底前”没有写年份" "$T/out"
expect_in "the summary counts three" "bad.xlsx: 3 error(s), nothing was imported" "$T/out"
expect_eq "nothing was imported" "$n0" "$(q 'select count(*) from measure')"

# --- Excel's 1900 date system counts a 29 February 1900 (serial 60) ---------------
$PY - "$T/quirk.xlsx" <<'PY'
import sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.append(["问题编号", "序号", "整改措施", "责任人", "整改时限"])
for i, v in enumerate((59, 60, 61, 46387)):
    ws.append(["七", i + 1, "措施", "张伟", v])
    ws.cell(i + 2, 5).number_format = "yyyy-mm-dd"
wb.save(sys.argv[1])
PY
$C import "$T/quirk.xlsx" > "$T/out" 2>&1
expect_in "serial 59 is 1900-02-28" "第2行，“整改时限”列：“1900-02-28”不是日期" "$T/out"
expect_in "serial 60 is Excel's 1900-02-29, no date" "第3行，“整改时限”列：“1900-02-29”不是日期" "$T/out"
expect_in "serial 61 is 1900-03-01" "第4行，“整改时限”列：“1900-03-01”不是日期" "$T/out"
if grep -q "第5行" "$T/out"; then not_ok "serial 46387 is a good date"; else
	ok "serial 46387 is a good date"; fi

# --- what a workbook from outside may not do -----------------------------------------
$PY - "$T" <<'PY'
import sys, zipfile
T = sys.argv[1]
book = '<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>'
rels = '<Relationships><Relationship Id="rId1" Target="worksheets/s.xml"/></Relationships>'
def make(name, sheet):
    with zipfile.ZipFile(T + "/" + name, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/worksheets/s.xml", sheet)
make("bomb.xlsx", "<worksheet><sheetData>" + " " * (48 << 20) + "</sheetData></worksheet>")
make("huge.xlsx", "<worksheet><sheetData><row r=\"1\">" + '<c t="inlineStr"><is><t>x</t></is></c>' * 10 + "</row>" +
     "".join('<row r="%d">%s</row>' % (i, '<c/>' * 8) for i in range(2, 70000)) + "</sheetData></worksheet>")
make("dtd.xlsx", '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>')
with open(T + "/old.xls", "wb") as f:
    f.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
PY
ls -l "$T/bomb.xlsx" | awk '{ if ($5 < 1000000) print "small" }' > "$T/sz"
expect_in "the bomb is small on disk" "small" "$T/sz"
$C import "$T/bomb.xlsx" > "$T/out" 2>&1
expect_eq "a zip bomb is refused" 65 $?
expect_in "saying why" "bomb.xlsx: 工作簿的xl/worksheets/s.xml解压后有50331694个字节，超过了上限33554432个：文件过大或是恶意构造的压缩包" "$T/out"
$C import "$T/huge.xlsx" > "$T/out" 2>&1
expect_eq "a huge sheet is refused" 65 $?
expect_in "saying why" "huge.xlsx: 工作表的单元格超过500000个，拒绝读取（表格过大）" "$T/out"
$C import "$T/dtd.xlsx" > "$T/out" 2>&1
expect_eq "a DTD is refused" 65 $?
expect_in "saying why" "dtd.xlsx: 工作簿的xl/worksheets/s.xml带有文档类型定义（DTD）" "$T/out"
$C import "$T/old.xls" > "$T/out" 2>&1
expect_eq "an old .xls is refused" 65 $?
expect_in "with what to do" "“另存为”→“Excel工作簿(*.xlsx)”" "$T/out"
printf 'not a zip' > "$T/plain.csv"
$C import "$T/plain.csv" --sheet S > "$T/out" 2>&1
expect_eq "--sheet on a CSV is a usage error" 64 $?
finish
