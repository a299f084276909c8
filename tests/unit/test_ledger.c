/*
 * test_ledger: CSV import (encodings, headers, carry-down, owners, kinds,
 * dates, status) and every refused row with its exact message; CSV and
 * JSON export; the demo ledger made by conf/demo/mkledger.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <iconv.h>
#include <jansson.h>

#include "config.h"
#include "ledger.h"
#include "model.h"
#include "util.h"

#define CSV_DIR	TOP_SRCDIR "/tests/data/csv/"
#define HDR	"problem,problem_title,code,measure,owners,deadline\n"
#define SAVE_AS	"请在Excel中“另存为”→“CSV UTF-8(逗号分隔)”，" \
		"再导入另存的.csv文件"
#define HINT	"应为2026-12-31、2026年12月底前、长期坚持或立行立改"

extern char **environ;

static struct cfg_person people[] = {
	{ .key = "wang", .name = "王立群" },
	{ .key = "li", .name = "李婷" },
	{ .key = "zhou", .name = "周敏" },
	{ .key = "sun", .name = "孙红" },
};

static const struct cfg test_cfg = {
	.people = people,
	.npeople = sizeof(people) / sizeof(people[0]),
};

/* Read a whole file with the test allocator. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*data;
	long	 n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	data[n] = '\0';
	*len = (size_t)n;
	return data;
}

/* The day the tests run on: 2026-12-06. */
static int32_t
today(void)
{
	return day_from_ymd(2026, 12, 6);
}

static void
parse_file(const char *name, struct measure_list *ml)
{
	struct derr	 err = { 0 };
	char		 path[512];
	char		*data;
	size_t		 len;
	int		 rc;

	snprintf(path, sizeof(path), CSV_DIR "%s", name);
	data = slurp(path, &len);
	rc = ledger_parse_csv(data, len, &test_cfg, today(), ml, NULL, &err);
	free(data);
	if (rc != 0)
		fail_msg("%s: %s", name, err.msg);
}

/* Parse text that must fail with one problem, and compare the message. */
static void
refused(const char *data, size_t len, const char *want)
{
	struct measure_list	 ml = { NULL, 0 };
	struct ledger_problems	 probs = { 0 };
	struct derr		 err = { 0 };

	assert_int_equal(ledger_parse_csv(data, len, &test_cfg, today(), &ml,
	    &probs, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_string_equal(err.msg, want);
	assert_null(ml.v);
	assert_int_equal(ml.n, 0);
	assert_int_equal(probs.nerrors, 1);
	assert_int_equal(probs.n - probs.nnotes, 1);
	ledger_problems_clear(&probs);
}

/*
 * Parse `csv` on `day` and compare every problem, in order, with `want`
 * (NULL-terminated; a note starts with "提示："); `rc` is the result.
 */
static void
problems_are(const char *csv, size_t len, int32_t day, int rc,
    const char *const *want)
{
	struct measure_list	 ml = { NULL, 0 };
	struct ledger_problems	 probs = { 0 };
	struct derr		 err = { 0 };
	char			 got[1024];
	size_t			 i;

	assert_int_equal(ledger_parse_csv(csv, len, &test_cfg, day, &ml,
	    &probs, &err), rc);
	for (i = 0; i < probs.n || want[i] != NULL; i++) {
		if (i >= probs.n)
			fail_msg("missing problem %zu: %s", i, want[i]);
		snprintf(got, sizeof(got), "%s%s", probs.v[i].note ?
		    "提示：" : "", probs.v[i].msg);
		if (want[i] == NULL)
			fail_msg("unexpected problem %zu: %s", i, got);
		assert_string_equal(got, want[i]);
	}
	if (rc < 0)
		assert_null(ml.v);
	measure_list_clear(&ml);
	ledger_problems_clear(&probs);
}

static void
refused_str(const char *data, const char *want)
{
	refused(data, strlen(data), want);
}

static const char *
day_str(int32_t d, char *out)
{
	return d == DAY_NONE ? "none" : day_format(d, out);
}

static void
check(const struct measure *m, const char *problem, const char *title,
    const char *code, const char *owners, enum measure_kind kind,
    const char *deadline, enum measure_status st)
{
	char		 day[11], got[128] = "";
	size_t		 i, n = 0;

	assert_string_equal(m->problem_code, problem);
	assert_string_equal(m->problem_title, title);
	assert_string_equal(m->code, code);
	for (i = 0; i < m->owners.n; i++)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s",
		    i > 0 ? " " : "", m->owners.v[i]);
	assert_string_equal(got, owners);
	assert_int_equal(m->kind, kind);
	assert_string_equal(day_str(m->deadline, day), deadline);
	assert_int_equal(m->status, st);
}

static void
test_ledger_utf8_english_headers(void **state)
{
	struct measure_list	 ml = { NULL, 0 };

	(void)state;
	parse_file("utf8.csv", &ml);
	assert_int_equal(ml.n, 6);
	check(&ml.v[0], "一", "理论联系实际成效不明显", "一-一", "wang",
	    MEASURE_DEADLINE, "2024-09-30", MEASURE_DONE);
	assert_string_equal(ml.v[0].text, "起草实施方案, 提交县委常委会");
	assert_string_equal(ml.v[0].evidence, "发文《实施方案》");
	check(&ml.v[1], "一", "理论联系实际成效不明显", "一-二", "wang li",
	    MEASURE_DEADLINE, "2024-09-05", MEASURE_OPEN);
	assert_string_equal(ml.v[1].text, "围绕\"三支队伍\"建设\n开展宣讲");
	assert_null(ml.v[1].evidence);
	check(&ml.v[2], "二", "对青年思想政治引领不够", "二-1", "li zhou",
	    MEASURE_DEADLINE, "2024-10-01", MEASURE_OPEN);
	check(&ml.v[3], "二", "对青年思想政治引领不够", "二-2", "sun",
	    MEASURE_ONGOING, "none", MEASURE_OPEN);
	check(&ml.v[4], "二", "对青年思想政治引领不够", "二-3", "li",
	    MEASURE_IMMEDIATE, "none", MEASURE_DONE);
	assert_string_equal(ml.v[4].evidence, "已整改完毕");
	check(&ml.v[5], "三", "对青少年的思想动态掌握不全面", "三-一",
	    "wang li", MEASURE_DEADLINE, "2024-12-31", MEASURE_OPEN);
	assert_int_equal(ml.v[5].done_at, 0);
	assert_null(ml.v[5].closed_by);
	measure_list_clear(&ml);
}

static void
test_ledger_bom_chinese_headers(void **state)
{
	struct measure_list	 ml = { NULL, 0 };

	(void)state;
	parse_file("bom.csv", &ml);
	assert_int_equal(ml.n, 2);
	check(&ml.v[0], "八", "一把手对党风廉政建设和反腐败工作重视不够",
	    "八-一", "wang", MEASURE_IMMEDIATE, "none", MEASURE_DONE);
	assert_string_equal(ml.v[0].evidence, "专题部署会议2次");
	check(&ml.v[1], "八", "一把手对党风廉政建设和反腐败工作重视不够",
	    "八-二", "wang", MEASURE_ONGOING, "none", MEASURE_OPEN);
	assert_string_equal(ml.v[1].text, "每季度研究安排不少于1次");
	measure_list_clear(&ml);
}

static void
test_ledger_gb18030(void **state)
{
	struct measure_list	 ml = { NULL, 0 };

	(void)state;
	parse_file("gb18030.csv", &ml);
	assert_int_equal(ml.n, 2);
	check(&ml.v[0], "十一", "机关党支部建设不够规范", "十一-一", "sun",
	    MEASURE_ONGOING, "none", MEASURE_OPEN);
	assert_string_equal(ml.v[0].text, "认真落实“三会一课”制度");
	check(&ml.v[1], "十一", "机关党支部建设不够规范", "十一-二",
	    "sun zhou", MEASURE_DEADLINE, "2024-07-15", MEASURE_DONE);
	assert_string_equal(ml.v[1].evidence, "会议记录");
	measure_list_clear(&ml);
}

static void
test_ledger_utf16le(void **state)
{
	struct measure_list	 ml = { NULL, 0 };

	(void)state;
	parse_file("utf16le.csv", &ml);
	assert_int_equal(ml.n, 2);
	check(&ml.v[1], "八", "一把手对党风廉政建设和反腐败工作重视不够",
	    "八-二", "wang", MEASURE_ONGOING, "none", MEASURE_OPEN);
	measure_list_clear(&ml);
}

static void
test_ledger_date_formats(void **state)
{
	static const char *const cells[][2] = {
		{ "2024-02-29", "2024-02-29" }, { "2024/2/9", "2024-02-09" },
		{ "2024.12.01", "2024-12-01" },
		{ "2024年3月8日", "2024-03-08" },
		{ "限期整改 2025-01-02", "2025-01-02" },
		{ "2025-01-03（限期整改）", "2025-01-03" },
		{ "立行立改\n2025-01-04", "2025-01-04" },
	};
	struct measure_list	 ml;
	struct derr		 err;
	char			*csv, day[11];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		memset(&ml, 0, sizeof(ml));
		csv = test_malloc(256);
		snprintf(csv, 256, HDR "一,T,1,x,wang,\"%s\"\n", cells[i][0]);
		if (ledger_parse_csv(csv, strlen(csv), &test_cfg, today(),
		    &ml, NULL, &err) != 0)
			fail_msg("%s: %s", cells[i][0], err.msg);
		test_free(csv);
		assert_string_equal(day_format(ml.v[0].deadline, day),
		    cells[i][1]);
		measure_list_clear(&ml);
	}
}

static void
test_ledger_bad_date_names_row_and_column(void **state)
{
	char	*data;
	size_t	 len;

	(void)state;
	data = slurp(CSV_DIR "bad-date.csv", &len);
	refused(data, len, "第7行，“整改时限”列：“2024-13-45”不是日期（" HINT
	    "）");
	free(data);
	refused_str(HDR "一,T,1,x,wang,2023-02-29\n", "第2行，“deadline”列："
	    "“2023-02-29”不是日期（" HINT "）");
}

static void
test_ledger_rejects_bad_kinds(void **state)
{
	(void)state;
	refused_str(HDR "一,T,1,x,wang,限期整改\n", "第2行，“deadline”列："
	    "限期整改要写明日期（如2026-12-31、2026年12月底前）");
	refused_str(HDR "一,T,1,x,wang,长期坚持 2024-01-01\n", "第2行，"
	    "“deadline”列：长期坚持不写日期（写了2024-01-01）");
	refused_str(HDR "一,T,1,x,wang,\n", "第2行，“deadline”列：不能为空（"
	    HINT "）");
	refused_str(HDR "一,T,1,x,wang,长期坚持 立行立改\n", "第2行，"
	    "“deadline”列：“长期坚持 立行立改”同时写了两种整改类型");
	refused_str("Problem,CODE, Text ,Owners,类型\n一,1,x,wang,马上\n",
	    "第2行，“类型”列：“马上”不是整改类型（应为立行立改、限期整改或"
	    "长期坚持）");
	refused_str("problem,code,text,owners,deadline,kind\n"
	    "一,1,x,wang,限期整改 2026-12-31,立行立改\n", "第2行，“kind”列："
	    "“立行立改”与“deadline”列的限期整改矛盾");
}

static void
test_ledger_rejects_unknown_and_empty_owner(void **state)
{
	(void)state;
	refused_str(HDR "一,T,1,x,wang、张三,2024-09-30\n", "第2行，“owners”"
	    "列：“张三”不在配置的人员中（dutyd.conf的people里没有这个姓名或"
	    "key）");
	refused_str(HDR "一,T,1,x,张三 李四;a;b;c,2024-09-30\n", "第2行，"
	    "“owners”列：“张三”、“李四”、“a”等不在配置的人员中（dutyd.conf"
	    "的people里没有这个姓名或key）");
	refused_str(HDR "一,T,1,x,\" 、 \",2024-09-30\n", "第2行，“owners”列："
	    "不能为空（每条措施至少要有一位责任人）");
}

static void
test_ledger_rejects_missing_column(void **state)
{
	(void)state;
	refused_str("problem,problem_title,code,measure,deadline\n"
	    "一,T,1,x,2024-09-30\n", "第1行：表头没有责任人列（可用的列名："
	    "owners、owner、责任人、责任领导/责任人）");
	refused_str("\n\n问题编号,序号,整改措施,责任人\n一,1,x,wang\n",
	    "第3行：表头没有整改时限或整改类型列（可用的列名：deadline、"
	    "整改时限、完成时限、时限、kind、整改类型、类型）");
	refused_str("问题编号,问题号,序号,整改措施,责任人,时限\n", "第1行："
	    "“问题编号”列和“问题号”列都是问题编号");
}

static void
test_ledger_rejects_duplicate_code(void **state)
{
	(void)state;
	refused_str(HDR "一,T,（1）,x,wang,2024-09-30\n\n"
	    ",,1,y,li,2024-09-30\n", "第4行，“code”列：措施编号一-1重复（第2行"
	    "已经用过）");
}

static void
test_ledger_rejects_control_char(void **state)
{
	(void)state;
	refused_str(HDR "一,T,1,\"a\x07z\",wang,2024-09-30\n", "第2行，"
	    "“measure”列：单元格里有控制字符0x07");
	refused_str(HDR "一,\"T\nU\",1,x,wang,2024-09-30\n", "第2行，"
	    "“problem_title”列：单元格里有控制字符0x0a");
}

static void
test_ledger_rejects_invalid_encoding(void **state)
{
	char	*data;
	size_t	 len;

	(void)state;
	data = slurp(CSV_DIR "bad-encoding.csv", &len);
	refused(data, len, "文件的编码无法识别：既不是UTF-8也不是GB18030（第"
	    "63个字节是0x80）；" SAVE_AS);
	free(data);
	refused_str("\xef\xbb\xbfproblem\xff", "文件以UTF-8的字节顺序标记"
	    "（BOM）开头，但内容不是有效的UTF-8；" SAVE_AS);
	refused(HDR "\0\0", sizeof(HDR) + 1, "第2行有NUL字节：这不是文本文件；"
	    SAVE_AS);
	refused("\xff\xfe" "a\0\0\xd8", 6, "文件有UTF-16LE的字节顺序标记（BOM）"
	    "，但第5个字节起不是UTF-16LE；" SAVE_AS);
}

static void
test_ledger_rejects_oversize(void **state)
{
	const char	*pre = HDR "一,T,1,", *post = ",wang,2024-09-30\n";
	char		*csv, *big;
	size_t		 n = strlen(pre);

	(void)state;
	csv = test_calloc(1, 8000);
	memcpy(csv, pre, n);
	memset(csv + n, 'a', LEDGER_MAX_FIELD + 1);
	memcpy(csv + n + LEDGER_MAX_FIELD + 1, post, strlen(post));
	refused_str(csv, "第2行，“measure”列：单元格有4001个字节，太长了（最多"
	    "4000个）");
	test_free(csv);
	big = test_calloc(1, LEDGER_MAX_FILE + 1);
	memset(big, ' ', LEDGER_MAX_FILE + 1);
	refused(big, LEDGER_MAX_FILE + 1, "文件有8388609个字节，超过了上限"
	    "8388608个（8 MiB）");
	test_free(big);
}

static void
test_ledger_rejects_malformed_rows(void **state)
{
	(void)state;
	refused_str(HDR "一,T,1,x,wang,2024-09-30,extra,,\n", "第2行：有7个"
	    "单元格，但表头只有6列");
	refused_str(HDR "一,T,1,x\"y,wang,2024-09-30\n", "第2行：引号不成对"
	    "（没加引号的单元格里有引号，或右引号后还有文字），文件读到"
	    "这里为止");
	refused_str(HDR "一,T,1,\"x,wang,2024-09-30\n", "第2行：带引号的单元格"
	    "直到文件末尾也没有结束");
	refused_str(HDR ",T,1,x,wang,2024-09-30\n", "第2行，“problem”列：不能"
	    "为空（第一条措施必须写问题编号）");
	refused_str(HDR "一,,1,x,wang,2024-09-30\n", "第2行，“problem_title”"
	    "列：不能为空（每个问题的第一行必须写明问题）");
	refused_str(HDR "一,T,1,x,wang,2024-09-30\n,U,2,y,wang,2024-09-30\n",
	    "第3行，“problem_title”列：“U”与问题一前面写的“T”不一致");
	refused_str(HDR "一,T,1,,wang,2024-09-30\n", "第2行，“measure”列：不能"
	    "为空");
	refused_str("\r\n , \r\n", "文件是空的");
	refused_str(HDR ",,,\n", "第1行：表头下面没有任何整改措施");
}

/* Parse one deadline cell on `day`; the measure, or fail with the error. */
static void
one_deadline(const char *cell, int32_t day, struct measure_list *ml)
{
	struct derr	 err = { 0 };
	char		 csv[512];

	memset(ml, 0, sizeof(*ml));
	snprintf(csv, sizeof(csv), HDR "一,T,1,x,wang,\"%s\"\n", cell);
	if (ledger_parse_csv(csv, strlen(csv), &test_cfg, day, ml, NULL,
	    &err) != 0)
		fail_msg("%s: %s", cell, err.msg);
}

/* How offices write deadlines: each with its kind and date. */
static void
test_ledger_office_deadlines(void **state)
{
	static const struct {
		const char		*cell;
		enum measure_kind	 kind;
		const char		*day;
	} cells[] = {
		{ "2026年12月底前", MEASURE_DEADLINE, "2026-12-31" },
		{ "2026年12月底", MEASURE_DEADLINE, "2026-12-31" },
		{ "2027年2月底前", MEASURE_DEADLINE, "2027-02-28" },
		{ "2028年2月", MEASURE_DEADLINE, "2028-02-29" },
		{ "2026年底", MEASURE_DEADLINE, "2026-12-31" },
		{ "2026年年底前", MEASURE_DEADLINE, "2026-12-31" },
		{ "2026年末", MEASURE_DEADLINE, "2026-12-31" },
		{ "2026.12.31", MEASURE_DEADLINE, "2026-12-31" },
		{ "2026/12/31", MEASURE_DEADLINE, "2026-12-31" },
		{ "2026年6月30号前完成", MEASURE_DEADLINE, "2026-06-30" },
		{ "于2026年6月30日前", MEASURE_DEADLINE, "2026-06-30" },
		{ "２０２６年１２月３１日", MEASURE_DEADLINE, "2026-12-31" },
		{ "2026年 12月 31日之前", MEASURE_DEADLINE, "2026-12-31" },
		{ "长期坚持", MEASURE_ONGOING, "none" },
		{ "长期", MEASURE_ONGOING, "none" },
		{ "立行立改", MEASURE_IMMEDIATE, "none" },
		{ "立行立改，2026年12月底前", MEASURE_IMMEDIATE, "2026-12-31" },
		{ "限期整改（2026年底前）", MEASURE_DEADLINE, "2026-12-31" },
	};
	struct measure_list	 ml;
	char			 day[11];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		one_deadline(cells[i].cell, today(), &ml);
		if (ml.v[0].kind != cells[i].kind ||
		    strcmp(day_str(ml.v[0].deadline, day), cells[i].day) != 0)
			fail_msg("%s: kind %d deadline %s", cells[i].cell,
			    ml.v[0].kind, day);
		measure_list_clear(&ml);
	}
}

/*
 * No year: the nearest such date not more than LEDGER_YEAR_PAST_DAYS
 * back from the caller's today, with a note; no today, no guess.
 */
static void
test_ledger_deadline_year_from_today(void **state)
{
	static const struct {
		const char	*cell;
		int		 y, m, d;
		const char	*day;
	} cells[] = {
		{ "12月31日前", 2026, 12, 6, "2026-12-31" },
		{ "1月15日", 2026, 12, 6, "2027-01-15" },
		{ "12月31日前", 2027, 1, 20, "2026-12-31" },
		{ "12月31日前", 2027, 2, 15, "2027-12-31" },
		{ "12月底前", 2026, 12, 6, "2026-12-31" },
		{ "2月", 2027, 1, 10, "2027-02-28" },
		{ "2月29日", 2027, 12, 1, "2028-02-29" },
	};
	static const char *const note[] = { "提示：第2行，“deadline”列：“12月"
	    "31日前”没有写年份，按2026-12-31导入", NULL };
	static const char *const no_year[] = { "第2行，“deadline”列：“12月31日"
	    "前”没有写年份（请写成2026年12月31日前或2026年底前）", NULL };
	const char		*csv = HDR "一,T,1,x,wang,12月31日前\n";
	struct measure_list	 ml;
	char			 day[11];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		one_deadline(cells[i].cell, day_from_ymd(cells[i].y,
		    cells[i].m, cells[i].d), &ml);
		assert_string_equal(day_str(ml.v[0].deadline, day),
		    cells[i].day);
		measure_list_clear(&ml);
	}
	problems_are(csv, strlen(csv), today(), 0, note);
	problems_are(csv, strlen(csv), DAY_NONE, -1, no_year);
}

/* What cannot be read as one day is refused with the reason. */
static void
test_ledger_rejects_vague_deadlines(void **state)
{
	static const char *const cells[][2] = {
		{ "年底前", "“年底前”没有写年份（请写成2026年12月31日前或"
		    "2026年底前）" },
		{ "年内完成", "“年内完成”没有写年份（请写成2026年12月31日前或"
		    "2026年底前）" },
		{ "月底前", "“月底前”没有写是哪一月（请写成2026年12月底前）" },
		{ "12月下旬", "“12月下旬”不是确定的日期（请写明到哪一天，如"
		    "2026年12月31日前）" },
		{ "2026年上半年", "“2026年上半年”不是确定的日期（请写明"
		    "到哪一天，如2026年12月31日前）" },
		{ "2026年一季度", "“2026年一季度”不是确定的日期（请写明"
		    "到哪一天，如2026年12月31日前）" },
		{ "尽快", "“尽快”没有具体日期（马上改的请写立行立改，否则写明"
		    "日期）" },
		{ "2026年2月30日", "“2026年2月30日”不是日期（" HINT "）" },
		{ "2月30日", "“2月30日”不是日期（" HINT "）" },
		{ "2026年", "“2026年”不是日期（" HINT "）" },
		{ "13月", "“13月”不是日期（" HINT "）" },
		{ "2026-12", "“2026-12”不是日期（" HINT "）" },
		{ "每季度1次，限期整改", "“每季度1次，限期整改”是经常性工作，"
		    "应为长期坚持，不是限期整改" },
	};
	char	 csv[256], want[512];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		snprintf(csv, sizeof(csv), HDR "一,T,1,x,wang,%s\n",
		    cells[i][0]);
		snprintf(want, sizeof(want), "第2行，“deadline”列：%s",
		    cells[i][1]);
		refused_str(csv, want);
	}
}

/* 每季度1次 is long-term, with a note suggesting the dutyd.conf duty. */
static void
test_ledger_standing_duty_note(void **state)
{
	static const char *const want[] = {
		"提示：第2行，“deadline”列：“每季度1次”是经常性工作，按长期坚持"
		"导入。建议：在dutyd.conf的duties中配置 { id = \"…\"; title = "
		"\"研究部署党风廉政建设\"; period = \"quarter\"; at_least = 1; "
		"owners = [ \"wang\", \"li\" ]; }，dutyd就会按期提醒并统计",
		"提示：第3行，“deadline”列：“每月至少2次”是经常性工作，"
		"按长期坚持导入。建议：在dutyd.conf的duties中配置 { id = "
		"\"…\"; title = \"谈心谈话\"; period = \"month\"; at_least = 2; owners = [ "
		"\"sun\" ]; }，dutyd就会按期提醒并统计",
		"提示：第4行，“deadline”列：“长期坚持，每半年召开一次”是经常性"
		"工作，按长期坚持导入。建议：在dutyd.conf的duties中配置 { id = "
		"\"…\"; title = \"民主生活会\"; period = \"half\"; "
		"at_least = 1; owners = [ \"zhou\" ]; }，dutyd就会按期提醒"
		"并统计",
		"提示：第5行，“deadline”列：“每周1次”是经常性工作，"
		"按长期坚持导入（dutyd.conf的duties按月、季度、半年或年计数，"
		"没有更短的周期）",
		NULL };
	const char		*csv = HDR
	    "一,T,1,\"研究部署\"\"党风廉政建设\"\"\",王立群、李婷,每季度1次\n"
	    ",,2,谈心谈话,sun,每月至少2次\n"
	    ",,3,民主生活会,zhou,\"长期坚持，每半年召开一次\"\n"
	    ",,4,学习,zhou,每周1次\n";
	struct measure_list	 ml = { NULL, 0 };
	struct derr		 err;
	size_t			 i;

	(void)state;
	problems_are(csv, strlen(csv), today(), 0, want);
	assert_int_equal(ledger_parse_csv(csv, strlen(csv), &test_cfg,
	    today(), &ml, NULL, &err), 0);
	assert_int_equal(ml.n, 4);
	for (i = 0; i < ml.n; i++) {
		assert_int_equal(ml.v[i].kind, MEASURE_ONGOING);
		assert_int_equal(ml.v[i].deadline, DAY_NONE);
	}
	measure_list_clear(&ml);
}

/* Every bad cell of every row at once, in file order; nothing is kept. */
static void
test_ledger_reports_every_problem(void **state)
{
	static const char *const want[] = {
		"第3行，“owners”列：“张三”不在配置的人员中（dutyd.conf的people"
		"里没有这个姓名或key）",
		"第3行，“deadline”列：“2024-13-45”不是日期（" HINT "）",
		"第4行，“code”列：措施编号一-1重复（第2行已经用过）",
		"第6行：有8个单元格，但表头只有6列",
		"第7行，“measure”列：不能为空",
		"提示：第8行，“deadline”列：“1月10日”没有写年份，"
		"按2027-01-10导入",
		"第9行：引号不成对（没加引号的单元格里有引号，"
		"或右引号后还有文字），文件读到这里为止",
		NULL };
	/* Carried down past a bad row: no made-up errors in rows 4-8. */
	const char	*csv = HDR
	    "一,T,1,x,wang,2024-09-30\n"
	    ",,2,y,张三,2024-13-45\n"
	    ",,1,z,li,2024-09-30\n"
	    "二,U,1,x,li,长期坚持\n"
	    ",,2,x,li,2024-09-30,a,b\n"
	    ",,3,,li,2024-09-30\n"
	    ",,4,w,li,1月10日\n"
	    ",,5,x\"y,li,2024-09-30\n"
	    ",,6,v,li,2024-09-30\n";
	struct measure_list	 ml = { NULL, 0 };
	struct derr		 err = { 0 };

	(void)state;
	problems_are(csv, strlen(csv), today(), -1, want);
	assert_int_equal(ledger_parse_csv(csv, strlen(csv), &test_cfg,
	    today(), &ml, NULL, &err), -1);
	assert_string_equal(err.msg, "第3行，“owners”列：“张三”不在配置的人员"
	    "中（dutyd.conf的people里没有这个姓名或key）（共6处错误）");
	assert_null(ml.v);
}

/* 60 bad rows: the first 50 are listed, all 60 counted. */
static void
test_ledger_problem_cap(void **state)
{
	struct measure_list	 ml = { NULL, 0 };
	struct ledger_problems	 probs = { 0 };
	struct derr		 err = { 0 };
	struct buf		 csv;
	int			 i;

	(void)state;
	buf_init(&csv, 0);
	assert_int_equal(buf_puts(&csv, HDR, NULL), 0);
	for (i = 0; i < 60; i++)
		assert_int_equal(buf_printf(&csv, NULL, "一,T,%d,x,wang,%s\n",
		    i, i % 2 ? "2026-13-01" : "12月31日"), 0);
	assert_int_equal(ledger_parse_csv(csv.data, csv.len, &test_cfg,
	    today(), &ml, &probs, &err), -1);
	assert_int_equal(probs.nerrors, 30);
	assert_int_equal(probs.errors_unlisted, 0);
	assert_int_equal(probs.nnotes, 30);
	buf_reset(&csv);
	ledger_problems_clear(&probs);
	assert_int_equal(buf_puts(&csv, HDR, NULL), 0);
	for (i = 0; i < 60; i++)
		assert_int_equal(buf_printf(&csv, NULL, "一,T,%d,x,wang,"
		    "2026-13-01\n", i), 0);
	assert_int_equal(ledger_parse_csv(csv.data, csv.len, &test_cfg,
	    today(), &ml, &probs, &err), -1);
	assert_int_equal(probs.n, LEDGER_MAX_PROBLEMS);
	assert_int_equal(probs.nerrors, 60);
	assert_int_equal(probs.errors_unlisted, 10);
	assert_int_equal(probs.v[49].row, 51);
	assert_string_equal(probs.v[49].column, "deadline");
	assert_non_null(strstr(err.msg, "（共60处错误）"));
	ledger_problems_clear(&probs);
	buf_clear(&csv);
}

/* Workbooks, PDF, UTF-16 without a BOM, tab-separated text: what to do. */
static void
test_ledger_recognises_what_is_not_csv(void **state)
{
	(void)state;
	refused("PK\x03\x04\x14\0\0\0", 8, "这是Excel工作簿（.xlsx）或其他"
	    "压缩文件，不是CSV文件：" SAVE_AS);
	refused("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", 10, "这是旧版Excel"
	    "工作簿（.xls）、设了密码的工作簿或其他Office文档，dutyd读不了："
	    "请在Excel或WPS中“另存为”→“Excel工作簿(*.xlsx)”（有密码的先取消）"
	    "，再导入.xlsx文件");
	refused_str("%PDF-1.4\n", "这是PDF文件，不是CSV文件：" SAVE_AS);
	refused_str("问题编号\t序号\t整改措施\t责任人\t整改时限\n一\t1\tx\twang"
	    "\t长期\n", "第1行：这是用制表符分隔的文本（Excel的“Unicode文本”）"
	    "，不是CSV：" SAVE_AS);
}

/* `utf8` in UTF-16 `to` ("UTF-16BE" ...) after `bom`; test_free it. */
static char *
utf16(const char *utf8, const char *to, const char *bom, size_t *len)
{
	iconv_t	 cd = iconv_open(to, "UTF-8");
	char	*in = (char *)(uintptr_t)utf8, *out, *op;
	size_t	 il = strlen(utf8), ol = 4 * il + 4, b = strlen(bom);

	assert_true(cd != (iconv_t)-1);
	out = test_malloc(ol + b);
	memcpy(out, bom, b);
	op = out + b;
	assert_int_equal(iconv(cd, &in, &il, &op, &ol), 0);
	iconv_close(cd);
	*len = (size_t)(op - out);
	return out;
}

/* UTF-16BE with a byte order mark is read like UTF-16LE; none: refused. */
static void
test_ledger_utf16_be_and_no_bom(void **state)
{
	const char		*csv = "problem,code,text,owners,kind\n"
				    "P,1,x,wang,长期\n";
	struct measure_list	 ml = { NULL, 0 };
	struct derr		 err = { 0 };
	char			*data;
	size_t			 len;

	(void)state;
	data = utf16(csv, "UTF-16BE", "\xfe\xff", &len);
	if (ledger_parse_csv(data, len, &test_cfg, today(), &ml, NULL,
	    &err) != 0)
		fail_msg("%s", err.msg);
	test_free(data);
	assert_int_equal(ml.n, 1);
	check(&ml.v[0], "P", "", "P-1", "wang", MEASURE_ONGOING, "none",
	    MEASURE_OPEN);
	measure_list_clear(&ml);
	data = utf16(csv, "UTF-16LE", "", &len);
	refused(data, len, "这是没有字节顺序标记（BOM）的UTF-16LE文本，无法"
	    "可靠识别：" SAVE_AS);
	test_free(data);
	data = utf16(csv, "UTF-16BE", "", &len);
	refused(data, len, "这是没有字节顺序标记（BOM）的UTF-16BE文本，无法"
	    "可靠识别：" SAVE_AS);
	test_free(data);
}

/* A title above the header is skipped; rows keep Excel's numbers. */
static void
test_ledger_title_row(void **state)
{
	static const char *const want[] = {
		"提示：第1行：“某某单位巡察整改台账”不是表头，看作表格标题，"
		"已跳过",
		"提示：第2行：“填报单位：办公室”不是表头，看作表格标题，已跳过",
		"第6行，“责任人”列：“王五”不在配置的人员中（dutyd.conf的people"
		"里没有这个姓名或key）",
		NULL };
	static const char *const titles[] = { want[0], want[1], NULL };
	const char	*csv = "某某单位巡察整改台账,,,,\n"
	    "填报单位：办公室,,,,,\n"
	    ",,,,,\n"
	    "问题编号,问题,序号,整改措施,责任人,整改时限\n"
	    "一,T,1,x,wang,2026-12-31\n"
	    ",,2,y,王五,2026-12-31\n";

	(void)state;
	problems_are(csv, strlen(csv), today(), -1, want);
	problems_are(csv, (size_t)(strstr(csv, ",,2,") - csv), today(), 0,
	    titles);
}

static void
test_ledger_ignores_trailing_empty_cells(void **state)
{
	struct measure_list	 ml = { NULL, 0 };
	struct derr		 err;
	const char		*csv = HDR "一,T,（1）,x,wang,2024-09-30,,,\n"
				    "一,T,一-2,y,wang,2024-09-30\n";

	(void)state;
	assert_int_equal(ledger_parse_csv(csv, strlen(csv), &test_cfg,
	    today(), &ml, NULL, &err), 0);
	assert_int_equal(ml.n, 2);
	assert_string_equal(ml.v[0].code, "一-1");
	assert_string_equal(ml.v[1].code, "一-2");
	measure_list_clear(&ml);
}

static void
same_measures(const struct measure_list *a, const struct measure_list *b)
{
	size_t	 i, j;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].problem_code, b->v[i].problem_code);
		assert_string_equal(a->v[i].problem_title,
		    b->v[i].problem_title);
		assert_string_equal(a->v[i].code, b->v[i].code);
		assert_string_equal(a->v[i].text, b->v[i].text);
		assert_int_equal(a->v[i].owners.n, b->v[i].owners.n);
		for (j = 0; j < a->v[i].owners.n; j++)
			assert_string_equal(a->v[i].owners.v[j],
			    b->v[i].owners.v[j]);
		assert_int_equal(a->v[i].kind, b->v[i].kind);
		assert_int_equal(a->v[i].deadline, b->v[i].deadline);
		assert_int_equal(a->v[i].status, b->v[i].status);
		assert_true((a->v[i].evidence == NULL) ==
		    (b->v[i].evidence == NULL));
		if (a->v[i].evidence != NULL)
			assert_string_equal(a->v[i].evidence,
			    b->v[i].evidence);
	}
}

static void
test_ledger_export_csv_round_trip(void **state)
{
	struct measure_list	 a = { NULL, 0 }, b = { NULL, 0 };
	struct derr		 err;
	struct buf		 out;
	const char		*head = "\xef\xbb\xbf问题编号,问题,序号,"
				    "整改措施,责任人,整改时限,整改类型,"
				    "完成情况,佐证材料\r\n";

	(void)state;
	parse_file("utf8.csv", &a);
	buf_init(&out, 0);
	assert_int_equal(ledger_export_csv(&a, NULL, &out, &err), 0);
	assert_memory_equal(out.data, head, strlen(head));
	assert_non_null(strstr(out.data, "\r\n一,理论联系实际成效不明显,一,"
	    "\"起草实施方案, 提交县委常委会\",wang,2024-09-30,限期整改,"
	    "已完成,发文《实施方案》\r\n"));
	assert_non_null(strstr(out.data, ",\"围绕\"\"三支队伍\"\"建设\n开展"
	    "宣讲\",wang、li,"));
	assert_int_equal(ledger_parse_csv(out.data, out.len, &test_cfg,
	    today(), &b, NULL, &err), 0);
	same_measures(&a, &b);
	buf_clear(&out);
	measure_list_clear(&a);
	measure_list_clear(&b);
}

/* Cells a spreadsheet would run as formulas are written after a "'",
 * which the import drops again. */
static void
test_ledger_export_csv_no_formulas(void **state)
{
	struct measure_list	 a = { NULL, 0 }, b = { NULL, 0 };
	struct derr		 err;
	struct buf		 out;
	char			*text, *evidence;

	(void)state;
	parse_file("utf8.csv", &a);
	/* Borrowed for the test (the library's heap is not cmocka's). */
	text = a.v[0].text;
	evidence = a.v[0].evidence;
	a.v[0].text = (char *)(uintptr_t)"=HYPERLINK(\"http://x.example\","
	    "\"看\")";
	a.v[0].evidence = (char *)(uintptr_t)"@SUM(1+1)";
	buf_init(&out, 0);
	assert_int_equal(ledger_export_csv(&a, NULL, &out, &err), 0);
	assert_non_null(strstr(out.data, ",\"'=HYPERLINK(\"\"http://"));
	assert_non_null(strstr(out.data, ",\"'@SUM(1+1)\"\r\n"));
	assert_null(strstr(out.data, ",=HYPERLINK"));
	assert_int_equal(ledger_parse_csv(out.data, out.len, &test_cfg,
	    today(), &b, NULL, &err), 0);
	same_measures(&a, &b);
	buf_clear(&out);
	a.v[0].text = text;
	a.v[0].evidence = evidence;
	measure_list_clear(&a);
	measure_list_clear(&b);
}

static void
test_ledger_export_json_fields(void **state)
{
	struct measure_list	 ml = { NULL, 0 };
	struct derr		 err;
	struct buf		 out;
	json_t			*arr, *o;

	(void)state;
	parse_file("utf8.csv", &ml);
	ml.v[0].id = 42;
	ml.v[0].done_at = 1719360000;
	ml.v[0].closed_by = xstrdup("xu");
	buf_init(&out, 0);
	assert_int_equal(ledger_export_json(&ml, &out, &err), 0);
	arr = json_loads(out.data, 0, NULL);
	assert_non_null(arr);
	assert_int_equal(json_array_size(arr), 6);
	o = json_array_get(arr, 0);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 42);
	assert_string_equal(json_string_value(json_object_get(o, "problem")),
	    "一");
	assert_string_equal(json_string_value(json_object_get(o,
	    "problem_title")), "理论联系实际成效不明显");
	assert_string_equal(json_string_value(json_object_get(o, "code")),
	    "一-一");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(o, "owners"), 0)), "wang");
	assert_string_equal(json_string_value(json_object_get(o, "kind")),
	    "deadline");
	assert_string_equal(json_string_value(json_object_get(o, "deadline")),
	    "2024-09-30");
	assert_string_equal(json_string_value(json_object_get(o, "status")),
	    "done");
	assert_int_equal(json_integer_value(json_object_get(o, "done_at")),
	    1719360000);
	assert_string_equal(json_string_value(json_object_get(o,
	    "closed_by")), "xu");
	o = json_array_get(arr, 3);
	assert_true(json_is_null(json_object_get(o, "deadline")));
	assert_true(json_is_null(json_object_get(o, "done_at")));
	assert_true(json_is_null(json_object_get(o, "evidence")));
	assert_string_equal(json_string_value(json_object_get(o, "kind")),
	    "ongoing");
	json_decref(arr);
	buf_clear(&out);
	measure_list_clear(&ml);
}

/* Run conf/demo/mkledger.sh into a temporary file; returns its path. */
static void
demo_make(char *out)
{
	char	*argv[] = { "sh", TOP_SRCDIR "/conf/demo/mkledger.sh",
		    TOP_SRCDIR "/conf/demo/ledger.csv.in", out, NULL };
	pid_t	 pid;
	int	 fd, status;

	fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(posix_spawnp(&pid, "sh", NULL, NULL, argv, environ),
	    0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_ledger_demo_has_13_problems(void **state)
{
	struct measure_list	 ml = { NULL, 0 };
	struct strv		 errors = { NULL, 0 };
	struct derr		 err;
	struct cfg		*cfg;
	char			 path[] = "/tmp/dutyd-ledger-XXXXXX", *data;
	size_t			 len, i, problems = 0, done = 0;

	(void)state;
	if (access(TOP_SRCDIR "/conf/demo.conf", R_OK) != 0)
		skip();
	/* The demo's SMS secret file is written by conf/demo/run.sh. */
	cfg = cfg_load_flags(TOP_SRCDIR "/conf/demo.conf", CFG_LOAD_NO_FILES,
	    &errors, &err);
	if (cfg == NULL)
		fail_msg("demo.conf: %s: %s", err.msg,
		    errors.n > 0 ? errors.v[0] : "");
	demo_make(path);
	data = slurp(path, &len);
	unlink(path);
	assert_null(strstr(data, "{{"));
	if (ledger_parse_csv(data, len, cfg, today(), &ml, NULL, &err) != 0)
		fail_msg("demo ledger: %s", err.msg);
	free(data);
	for (i = 0; i < ml.n; i++) {
		problems += i == 0 || strcmp(ml.v[i].problem_code,
		    ml.v[i - 1].problem_code) != 0;
		done += ml.v[i].status == MEASURE_DONE;
	}
	assert_int_equal(problems, 13);
	assert_string_equal(ml.v[0].problem_title, "理论联系实际成效不明显");
	assert_true(done * 4 >= ml.n && done * 2 <= ml.n);
	measure_list_clear(&ml);
	strv_clear(&errors);
	cfg_free(cfg);
}

/* A workbook as offices lay it out (made by openpyxl): a merged title row,
 * the problem merged down, a date serial, a number as a measure code. */
static void
test_ledger_xlsx_office_layout(void **state)
{
	struct ledger_problems	 probs = { 0 };
	struct measure_list	 ml = { NULL, 0 };
	struct derr		 err = { 0 };
	char			 day[11];
	char			*data;
	size_t			 len;

	(void)state;
	data = slurp(TOP_SRCDIR "/tests/data/xlsx/office.xlsx", &len);
	assert_int_equal(ledger_parse_xlsx(data, len, NULL, &test_cfg, today(),
	    &ml, &probs, &err), 0);
	free(data);
	assert_int_equal(ml.n, 4);
	assert_string_equal(ml.v[0].code, "一-1");
	assert_string_equal(ml.v[1].code, "一-2");
	assert_string_equal(ml.v[2].code, "一-三");
	assert_string_equal(ml.v[3].code, "二-1");
	assert_string_equal(ml.v[2].problem_title, "作风不扎实");
	assert_int_equal(ml.v[2].row, 5);
	assert_string_equal(day_format(ml.v[0].deadline, day), "2027-03-31");
	assert_string_equal(day_format(ml.v[1].deadline, day), "2027-01-13");
	assert_string_equal(day_format(ml.v[2].deadline, day), "2027-06-30");
	assert_int_equal(ml.v[3].kind, MEASURE_ONGOING);
	assert_string_equal(ml.v[3].text, "=专栏");
	assert_string_equal(ml.v[1].owners.v[0], "li");
	assert_int_equal(ml.v[1].status, MEASURE_DONE);
	assert_int_equal(probs.nerrors, 0);
	assert_int_equal(probs.nnotes, 1);
	assert_int_equal(probs.v[0].row, 1);
	ledger_problems_clear(&probs);
	measure_list_clear(&ml);
}

/* --sheet names a sheet that is not there: the sheets are listed. */
static void
test_ledger_xlsx_unknown_sheet(void **state)
{
	struct measure_list	 ml = { NULL, 0 };
	struct derr		 err = { 0 };
	char			*data;
	size_t			 len;

	(void)state;
	data = slurp(TOP_SRCDIR "/tests/data/xlsx/office.xlsx", &len);
	assert_int_equal(ledger_parse_xlsx(data, len, "2025", &test_cfg,
	    today(), &ml, NULL, &err), -1);
	free(data);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_string_equal(err.msg, "工作簿里没有名为“2025”的工作表（有：“台账”）");
	assert_null(ml.v);
}

/* Zip magic and then nonsense: a damaged workbook, said so. */
static void
test_ledger_xlsx_damaged(void **state)
{
	struct ledger_problems	 probs = { 0 };
	struct measure_list	 ml = { NULL, 0 };
	struct derr		 err = { 0 };

	(void)state;
	assert_int_equal(ledger_parse_xlsx("PK\x03\x04garbage", 11, NULL,
	    &test_cfg, today(), &ml, &probs, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_non_null(strstr(err.msg, "文件以压缩包的标记开头，但无法作为"
	    "Excel工作簿打开"));
	assert_int_equal(probs.nerrors, 1);
	ledger_problems_clear(&probs);
}

/* export --xlsx then import gives the same measures back. */
static void
test_ledger_xlsx_round_trip(void **state)
{
	struct measure_list	 a = { NULL, 0 }, b = { NULL, 0 };
	struct ledger_book	 bk;
	enum ledger_state	 st[16] = { 0 };
	struct derr		 err = { 0 };
	const char		*tmp = getenv("TMPDIR");
	char			 path[512];
	char			*data;
	size_t			 len;
	int			 fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/test_ledger_xlsx_XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	parse_file("utf8.csv", &a);
	assert_true(a.n <= 16);
	st[0] = LEDGER_STATE_DONE;
	st[1] = LEDGER_STATE_OVERDUE;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	bk = (struct ledger_book){ &a, st, NULL, &test_cfg, today() };
	assert_int_equal(ledger_export_xlsx(&bk, path, &err), 0);
	data = slurp(path, &len);
	unlink(path);
	assert_int_equal(ledger_parse_xlsx(data, len, NULL, &test_cfg,
	    today(), &b, NULL, &err), 0);
	free(data);
	same_measures(&a, &b);
	measure_list_clear(&a);
	measure_list_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ledger_utf8_english_headers),
		cmocka_unit_test(test_ledger_bom_chinese_headers),
		cmocka_unit_test(test_ledger_gb18030),
		cmocka_unit_test(test_ledger_utf16le),
		cmocka_unit_test(test_ledger_date_formats),
		cmocka_unit_test(test_ledger_bad_date_names_row_and_column),
		cmocka_unit_test(test_ledger_rejects_bad_kinds),
		cmocka_unit_test(test_ledger_rejects_unknown_and_empty_owner),
		cmocka_unit_test(test_ledger_rejects_missing_column),
		cmocka_unit_test(test_ledger_rejects_duplicate_code),
		cmocka_unit_test(test_ledger_rejects_control_char),
		cmocka_unit_test(test_ledger_rejects_invalid_encoding),
		cmocka_unit_test(test_ledger_rejects_oversize),
		cmocka_unit_test(test_ledger_rejects_malformed_rows),
		cmocka_unit_test(test_ledger_office_deadlines),
		cmocka_unit_test(test_ledger_deadline_year_from_today),
		cmocka_unit_test(test_ledger_rejects_vague_deadlines),
		cmocka_unit_test(test_ledger_standing_duty_note),
		cmocka_unit_test(test_ledger_reports_every_problem),
		cmocka_unit_test(test_ledger_problem_cap),
		cmocka_unit_test(test_ledger_recognises_what_is_not_csv),
		cmocka_unit_test(test_ledger_utf16_be_and_no_bom),
		cmocka_unit_test(test_ledger_title_row),
		cmocka_unit_test(test_ledger_ignores_trailing_empty_cells),
		cmocka_unit_test(test_ledger_export_csv_round_trip),
		cmocka_unit_test(test_ledger_export_csv_no_formulas),
		cmocka_unit_test(test_ledger_export_json_fields),
		cmocka_unit_test(test_ledger_demo_has_13_problems),
		cmocka_unit_test(test_ledger_xlsx_office_layout),
		cmocka_unit_test(test_ledger_xlsx_unknown_sheet),
		cmocka_unit_test(test_ledger_xlsx_damaged),
		cmocka_unit_test(test_ledger_xlsx_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
