#!/bin/sh
# An import that helps (issue 16.2): a GB18030 ledger with four different
# mistakes reports all four in one run, in Chinese, with Excel's row and
# the file's column, and imports nothing; a workbook without sheets and
# UTF-16 text are refused with what to do; a title row above the header is
# skipped and rows keep Excel's numbers; offices' deadlines are read;
# config syntax errors name the full-width character.
. "$(dirname "$0")/lib.sh"
# As an office runs it: nothing chose a language, so Chinese.
unset LANGUAGE

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
pretend "2026-12-06 09:30"
$C init > /dev/null

# --- four mistakes in GB18030, all reported, nothing stored ----------------
iconv -f UTF-8 -t GB18030 > "$T/bad.csv" <<'CSV'
问题编号,问题,序号,整改措施,责任人,整改时限,完成情况
一,理论学习不深入,（一）,制定学习计划,张伟,2026年12月底前,整改中
,,（二）,开展专题研讨,王五,2026-12-15,整改中
,,（三）,建立台账,张伟,2024-13-45,整改中
二,制度执行不严格,（一）,修订制度,李娜,年底前,整改中
,,（一）,开展检查,李娜,2026-12-20,整改中
CSV
check "the test file is not UTF-8" sh -c "! iconv -f UTF-8 -t UTF-8 '$T/bad.csv' >/dev/null 2>&1"
$C import "$T/bad.csv" > "$T/out" 2>&1
expect_eq "a file with mistakes fails with EX_DATAERR" 65 $?
expect_in "1: an unknown owner, row and column named" \
    "bad.csv：第3行，“责任人”列：“王五”不在配置的人员中" "$T/out"
expect_in "2: a bad date" \
    "bad.csv：第4行，“整改时限”列：“2024-13-45”不是日期（应为2026-12-31、2026年12月底前、长期坚持或立行立改）" "$T/out"
expect_in "3: a deadline without a year" \
    "bad.csv：第5行，“整改时限”列：“年底前”没有写年份" "$T/out"
expect_in "4: a duplicate measure code" \
    "bad.csv：第6行，“序号”列：措施编号二-一重复（第5行已经用过）" "$T/out"
expect_in "the summary counts them" "bad.csv：共4处错误，没有导入任何内容" "$T/out"
expect_eq "one line per problem and the summary" 5 "$(wc -l < "$T/out")"
expect_eq "nothing was imported" 0 "$(q 'select count(*) from measure')"
expect_eq "nor audited" 0 "$(q "select count(*) from audit where action='ledger.import'")"

# --- what is not a CSV ---------------------------------------------------------
$PY - "$T/ledger.xlsx" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    z.writestr("xl/workbook.xml", "<workbook/>")
PY
$C import "$T/ledger.xlsx" > "$T/out" 2>&1
expect_eq "an .xlsx without sheets is refused" 65 $?
expect_in "and read as a workbook, not as CSV" \
    "ledger.xlsx：工作簿里没有工作表" "$T/out"
printf '问题编号,问题,序号,整改措施,责任人,整改时限\n一,问题,1,措施,张伟,2026-12-31\n' |
    iconv -f UTF-8 -t UTF-16LE > "$T/u16.csv"
$C import "$T/u16.csv" > "$T/out" 2>&1
expect_eq "UTF-16 without a BOM is refused" 65 $?
expect_in "with the hint" \
    "u16.csv：这是没有字节顺序标记（BOM）的UTF-16LE文本，无法可靠识别：请在Excel中“另存为”→“CSV UTF-8(逗号分隔)”" "$T/out"
expect_eq "still nothing imported" 0 "$(q 'select count(*) from measure')"

# --- a title row: skipped, Excel's row numbers kept ---------------------------
cat > "$T/title.csv" <<'CSV'
某某单位巡察整改台账,,,,,
,,,,,
问题编号,问题,序号,整改措施,责任人,整改时限
一,理论学习不深入,（一）,制定学习计划,张伟,2026-12-31
,,（二）,开展专题研讨,赵六,2026-12-15
CSV
$C import "$T/title.csv" > "$T/out" 2>&1
expect_eq "a title-row file with a mistake fails" 65 $?
expect_in "the title row is noted" "title.csv：提示：第1行：“某某单位巡察整改台账”不是表头，看作表格标题，已跳过" "$T/out"
expect_in "the error has Excel's row" "title.csv：第5行，“责任人”列：“赵六”" "$T/out"
sed 's/赵六/李娜/' "$T/title.csv" > "$T/title2.csv"
$C import "$T/title2.csv" > "$T/out" 2>&1
expect_eq "the corrected file imports" 0 $?
expect_in "both rows" "新增2项" "$T/out"
sed 's/赵六,2026-12-15/赵六,2026-12-20/; s/赵六/李娜/' "$T/title.csv" > "$T/title3.csv"
$C import "$T/title3.csv" --dry-run > "$T/out" 2>&1
expect_in "a later diff has Excel's row too" "第5行，一-二，整改时限：2026-12-15 → 2026-12-20" "$T/out"

# --- offices' deadlines -----------------------------------------------------------
cat > "$T/forms.csv" <<'CSV'
问题编号,问题,序号,整改措施,责任人,整改时限
三,作风不实,1,a,张伟,2026年12月底前
,,2,b,张伟,12月31日前
,,3,c,张伟,2026年底
,,4,d,张伟,2026.12.31
,,5,e,张伟,2026/12/31
,,6,f,张伟,长期坚持
,,7,g,张伟,长期
,,8,h,张伟,立行立改
,,9,研究部署党风廉政建设,张伟、李娜,每季度1次
,,10,谈心谈话,李娜,每月至少1次
CSV
$C import "$T/forms.csv" > "$T/out" 2>&1
expect_eq "every form imports" 0 $?
expect_in "ten added" "新增10项" "$T/out"
expect_eq "the dates" "2026-12-31 2026-12-31 2026-12-31 2026-12-31 2026-12-31" \
    "$(q "select deadline from measure where code in ('三-1','三-2','三-3','三-4','三-5') order by code" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the kinds" "ongoing ongoing immediate ongoing ongoing" \
    "$(for c in 6 7 8 9 10; do q "select kind from measure where code='三-$c'"; done | tr '\n' ' ' | sed 's/ $//')"
expect_in "the guessed year is said" "forms.csv：提示：第3行，“整改时限”列：“12月31日前”没有写年份，按2026-12-31导入" "$T/out"
expect_in "a standing duty gets a suggestion" \
    "forms.csv：提示：第10行，“整改时限”列：“每季度1次”是经常性工作，按长期坚持导入。建议：在dutyd.conf的duties中配置 { id = \"…\"; title = \"研究部署党风廉政建设\"; period = \"quarter\"; at_least = 1; owners = [ \"zhang\", \"li\" ]; }" "$T/out"
expect_in "per month too" "period = \"month\"; at_least = 1; owners = [ \"li\" ]" "$T/out"

# --- config: full-width punctuation named, the syntax error said once ----------
sed 's/templates = "\([^"]*\)"; };/templates = "\1"； };/' "$T/d.conf" > "$T/wide.conf"
$DUTYCTL -c "$T/wide.conf" check-config > "$T/out" 2>&1
expect_eq "check-config refuses it" 78 $?
expect_in "the hint names the character and line" \
    "wide.conf:1: syntax error（第1行有全角分号“；”，请改为半角“;”）" "$T/out"
expect_eq "\"syntax error\" is said once" 1 "$(grep -c 'syntax error' "$T/out")"
printf 'general = {\n\tdatabase = “%s”;\n};\n' "$T/x.db" > "$T/quote.conf"
$DUTYD -n -c "$T/quote.conf" > "$T/out" 2>&1
expect_eq "dutyd -n refuses Chinese quotes" 78 $?
expect_in "and names them" "quote.conf:2: syntax error（第2行有中文引号“，请改为半角引号\"）" "$T/out"
expect_eq "once" 1 "$(grep -c 'syntax error' "$T/out")"
finish
