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
#include <jansson.h>

#include "config.h"
#include "ledger.h"
#include "model.h"
#include "util.h"

#define CSV_DIR	TOP_SRCDIR "/tests/data/csv/"
#define HDR	"problem,problem_title,code,measure,owners,deadline\n"

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
	rc = ledger_parse_csv(data, len, &test_cfg, ml, &err);
	free(data);
	if (rc != 0)
		fail_msg("%s: %s", name, err.msg);
}

/* Parse text that must fail, and compare the message. */
static void
refused(const char *data, size_t len, const char *want)
{
	struct measure_list	 ml = { NULL, 0 };
	struct derr		 err = { 0 };

	assert_int_equal(ledger_parse_csv(data, len, &test_cfg, &ml, &err),
	    -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_string_equal(err.msg, want);
	assert_null(ml.v);
	assert_int_equal(ml.n, 0);
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
		if (ledger_parse_csv(csv, strlen(csv), &test_cfg, &ml,
		    &err) != 0)
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
	refused(data, len, "row 7, problem 三, column 整改时限: "
	    "\"2024-13-45\" is not a date (use YYYY-MM-DD or a kind: "
	    "立行立改/限期整改/长期坚持)");
	free(data);
	refused_str(HDR "一,T,1,x,wang,2023-02-29\n", "row 2, problem 一, "
	    "column deadline: \"2023-02-29\" is not a date (use YYYY-MM-DD "
	    "or a kind: 立行立改/限期整改/长期坚持)");
}

static void
test_ledger_rejects_bad_kinds(void **state)
{
	(void)state;
	refused_str(HDR "一,T,1,x,wang,限期整改\n", "row 2, problem 一, "
	    "column deadline: 限期整改 needs a date (use YYYY-MM-DD or a "
	    "kind: 立行立改/限期整改/长期坚持)");
	refused_str(HDR "一,T,1,x,wang,长期坚持 2024-01-01\n", "row 2, "
	    "problem 一, column deadline: 长期坚持 takes no date (got "
	    "2024-01-01)");
	refused_str(HDR "一,T,1,x,wang,\n", "row 2, problem 一, column "
	    "deadline: empty cell (use YYYY-MM-DD or a kind: "
	    "立行立改/限期整改/长期坚持)");
	refused_str("Problem,CODE, Text ,Owners,类型\n一,1,x,wang,马上\n",
	    "row 2, problem 一, column 类型: \"马上\" is not a kind (use "
	    "立行立改, 限期整改 or 长期坚持)");
}

static void
test_ledger_rejects_unknown_and_empty_owner(void **state)
{
	(void)state;
	refused_str(HDR "一,T,1,x,wang、张三,2024-09-30\n", "row 2, problem "
	    "一, column owners: unknown owner \"张三\" (not a person key or "
	    "name in the configuration)");
	refused_str(HDR "一,T,1,x,\" 、 \",2024-09-30\n", "row 2, problem "
	    "一, column owners: empty cell (a measure needs at least one "
	    "owner)");
}

static void
test_ledger_rejects_missing_column(void **state)
{
	(void)state;
	refused_str("problem,problem_title,code,measure,deadline\n"
	    "一,T,1,x,2024-09-30\n", "row 1: no owners column (accepted "
	    "names: owners, owner, 责任人, 责任领导/责任人)");
	refused_str("\n\n问题编号,序号,整改措施,责任人\n一,1,x,wang\n",
	    "row 3: no deadline or kind column (accepted names: deadline, "
	    "整改时限, 完成时限, 时限, kind, 整改类型, 类型)");
	refused_str("问题编号,问题号,序号,整改措施,责任人,时限\n", "row 1: "
	    "columns 问题编号 and 问题号 both give the problem code");
}

static void
test_ledger_rejects_duplicate_code(void **state)
{
	(void)state;
	refused_str(HDR "一,T,（1）,x,wang,2024-09-30\n\n"
	    ",,1,y,li,2024-09-30\n", "row 4, problem 一, column code: "
	    "duplicate measure code 一-1 (already used in row 2)");
}

static void
test_ledger_rejects_control_char(void **state)
{
	(void)state;
	refused_str(HDR "一,T,1,\"a\x07z\",wang,2024-09-30\n", "row 2, problem "
	    "一, column measure: control character 0x07 in the cell");
	refused_str(HDR "一,\"T\nU\",1,x,wang,2024-09-30\n", "row 2, problem "
	    "一, column problem_title: control character 0x0a in the cell");
}

static void
test_ledger_rejects_invalid_encoding(void **state)
{
	char	*data;
	size_t	 len;

	(void)state;
	data = slurp(CSV_DIR "bad-encoding.csv", &len);
	refused(data, len, "invalid encoding: the file is neither UTF-8 nor "
	    "GB18030 (byte 0x80 at offset 62); save it as \"CSV UTF-8\"");
	free(data);
	refused_str("\xef\xbb\xbfproblem\xff", "invalid encoding: the file "
	    "starts with a UTF-8 byte order mark but is not valid UTF-8");
	refused(HDR "\0", sizeof(HDR), "invalid encoding: line 2 holds a NUL "
	    "byte (is it UTF-16 without a byte order mark?)");
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
	refused_str(csv, "row 2, problem 一, column measure: cell of 4001 "
	    "bytes is too long (at most 4000)");
	test_free(csv);
	big = test_calloc(1, LEDGER_MAX_FILE + 1);
	memset(big, ' ', LEDGER_MAX_FILE + 1);
	refused(big, LEDGER_MAX_FILE + 1, "the file is 8388609 bytes; at most "
	    "8388608 (8 MiB) are accepted");
	test_free(big);
}

static void
test_ledger_rejects_malformed_rows(void **state)
{
	(void)state;
	refused_str(HDR "一,T,1,x,wang,2024-09-30,extra,,\n", "row 2: 7 cells "
	    "but the header has 6 columns");
	refused_str(HDR "一,T,1,x\"y,wang,2024-09-30\n", "row 2: bad quoting "
	    "(a quote inside an unquoted cell, or text after a closing "
	    "quote)");
	refused_str(HDR "一,T,1,\"x,wang,2024-09-30\n", "row 2: a quoted cell "
	    "is not closed before the end of the file");
	refused_str(HDR ",T,1,x,wang,2024-09-30\n", "row 2, column problem: "
	    "empty cell (the first measure needs a problem code)");
	refused_str(HDR "一,,1,x,wang,2024-09-30\n", "row 2, problem 一, "
	    "column problem_title: empty cell (the first row of a problem "
	    "needs its title)");
	refused_str(HDR "一,T,1,x,wang,2024-09-30\n,U,2,y,wang,2024-09-30\n",
	    "row 3, problem 一, column problem_title: \"U\" differs from the "
	    "title given to this problem before");
	refused_str(HDR "一,T,1,,wang,2024-09-30\n", "row 2, problem 一, "
	    "column measure: empty cell");
	refused_str("\r\n , \r\n", "the file is empty");
	refused_str(HDR ",,,\n", "row 1: the header is not followed by any "
	    "measure");
}

static void
test_ledger_ignores_trailing_empty_cells(void **state)
{
	struct measure_list	 ml = { NULL, 0 };
	struct derr		 err;
	const char		*csv = HDR "一,T,（1）,x,wang,2024-09-30,,,\n"
				    "一,T,一-2,y,wang,2024-09-30\n";

	(void)state;
	assert_int_equal(ledger_parse_csv(csv, strlen(csv), &test_cfg, &ml,
	    &err), 0);
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
	assert_int_equal(ledger_parse_csv(out.data, out.len, &test_cfg, &b,
	    &err), 0);
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
	assert_int_equal(ledger_parse_csv(out.data, out.len, &test_cfg, &b,
	    &err), 0);
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
	if (ledger_parse_csv(data, len, cfg, &ml, &err) != 0)
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
		cmocka_unit_test(test_ledger_ignores_trailing_empty_cells),
		cmocka_unit_test(test_ledger_export_csv_round_trip),
		cmocka_unit_test(test_ledger_export_csv_no_formulas),
		cmocka_unit_test(test_ledger_export_json_fields),
		cmocka_unit_test(test_ledger_demo_has_13_problems),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
