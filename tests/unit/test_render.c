/*
 * render: the Mustache spec vectors (tests/data/mustache/), escaping,
 * UTF-8, error messages with line numbers, the output cap, render_file()
 * with partials, name checks and hostile templates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "render.h"
#include "util.h"

#define SPEC_DIR	TOP_SRCDIR "/tests/data/mustache"

static struct rval *
json_to_rval(json_t *j)
{
	struct rval	*v;
	const char	*key;
	json_t		*item;
	size_t		 i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		v = rval_map_new();
		json_object_foreach(j, key, item)
			rval_map_take(v, key, json_to_rval(item));
		return v;
	case JSON_ARRAY:
		v = rval_list_new();
		json_array_foreach(j, i, item)
			rval_list_take(v, json_to_rval(item));
		return v;
	case JSON_STRING:
		return rval_str_new(json_string_value(j));
	case JSON_INTEGER:
		return rval_int_new(json_integer_value(j));
	case JSON_REAL:
		return rval_double_new(json_real_value(j));
	case JSON_TRUE:
		return rval_bool_new(true);
	case JSON_FALSE:
		return rval_bool_new(false);
	default:
		return rval_null_new();
	}
}

/* Render one spec test; returns 0 if the output matches `expected`. */
static int
spec_run_one(const char *file, json_t *test)
{
	struct render_partial	 pv[16];
	struct render_partials	 parts = { pv, 0 };
	struct derr		 err = { 0 };
	struct buf		 out;
	struct rval		*ctx;
	const char		*name;
	const char		*want;
	json_t			*p;
	int			 rc;

	json_object_foreach(json_object_get(test, "partials"), name, p) {
		assert_true(parts.n < 16);
		pv[parts.n].name = name;
		pv[parts.n++].text = json_string_value(p);
	}
	ctx = json_to_rval(json_object_get(test, "data"));
	want = json_string_value(json_object_get(test, "expected"));
	buf_init(&out, 1 << 20);
	rc = render_string(json_string_value(json_object_get(test,
	    "template")), ctx, &parts, RENDER_HTML, &out, &err);
	if (rc < 0 || strcmp(out.data != NULL ? out.data : "", want) != 0) {
		fprintf(stderr, "FAIL %s: %s\n  want: \"%s\"\n  got:  \"%s\""
		    " (rc %d: %s)\n", file, json_string_value(
		    json_object_get(test, "name")), want,
		    out.data != NULL ? out.data : "", rc, err.msg);
		rc = -1;
	}
	buf_clear(&out);
	rval_free(ctx);
	return rc < 0 ? -1 : 0;
}

static void
spec_run_file(const char *file)
{
	json_error_t	 jerr;
	json_t		*root;
	json_t		*test;
	char		 path[512];
	size_t		 i;
	size_t		 failed = 0;
	size_t		 n;

	snprintf(path, sizeof(path), "%s/%s.json", SPEC_DIR, file);
	root = json_load_file(path, 0, &jerr);
	if (root == NULL)
		fail_msg("%s: %s", path, jerr.text);
	n = json_array_size(json_object_get(root, "tests"));
	json_array_foreach(json_object_get(root, "tests"), i, test)
		if (spec_run_one(file, test) < 0)
			failed++;
	json_decref(root);
	fprintf(stderr, "mustache spec %s: %zu/%zu passed\n", file,
	    n - failed, n);
	assert_true(n > 0);
	assert_int_equal(failed, 0);
}

static void
test_render_spec_comments(void **state)
{
	(void)state;
	spec_run_file("comments");
}

static void
test_render_spec_delimiters(void **state)
{
	(void)state;
	spec_run_file("delimiters");
}

static void
test_render_spec_interpolation(void **state)
{
	(void)state;
	spec_run_file("interpolation");
}

static void
test_render_spec_inverted(void **state)
{
	(void)state;
	spec_run_file("inverted");
}

static void
test_render_spec_partials(void **state)
{
	(void)state;
	spec_run_file("partials");
}

static void
test_render_spec_sections(void **state)
{
	(void)state;
	spec_run_file("sections");
}

/* Render `tmpl` against `ctx`; asserts success and compares the output. */
static void
expect_render(const char *tmpl, const struct rval *ctx,
    enum render_escape esc, const char *want)
{
	struct derr	 err = { 0 };
	struct buf	 out;

	buf_init(&out, 4096);
	if (render_string(tmpl, ctx, NULL, esc, &out, &err) < 0)
		fail_msg("render \"%s\": %s", tmpl, err.msg);
	assert_string_equal(out.data != NULL ? out.data : "", want);
	buf_clear(&out);
}

/* Render `tmpl` expecting failure with DERR_INPUT and message `msg`. */
static void
expect_error(const char *tmpl, const struct render_partials *parts,
    const char *msg)
{
	struct derr	 err = { 0 };
	struct buf	 out;

	buf_init(&out, 4096);
	assert_int_equal(render_string(tmpl, NULL, parts, RENDER_HTML, &out,
	    &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_string_equal(err.msg, msg);
	assert_int_equal(out.len, 0);
	buf_clear(&out);
}

static void
test_render_html_escapes_injection(void **state)
{
	struct rval	*ctx;

	(void)state;
	ctx = rval_map_new();
	rval_map_set_str(ctx, "v", "<script>&\"'");
	expect_render("{{v}}", ctx, RENDER_HTML,
	    "&lt;script&gt;&amp;&quot;&#39;");
	expect_render("{{{v}}}|{{&v}}", ctx, RENDER_HTML,
	    "<script>&\"'|<script>&\"'");
	expect_render("{{v}}|{{{v}}}", ctx, RENDER_NONE,
	    "<script>&\"'|<script>&\"'");
	rval_free(ctx);
}

/* JSON bodies: a value cannot close its string or add a key. */
static void
test_render_json_escapes(void **state)
{
	struct rval	*ctx;

	(void)state;
	ctx = rval_map_new();
	rval_map_set_str(ctx, "v", "a\"}, \"x\": \"\\\n\t\x01张");
	expect_render("{\"t\": \"{{v}}\"}", ctx, RENDER_JSON,
	    "{\"t\": \"a\\\"}, \\\"x\\\": \\\"\\\\\\n\\u0009\\u0001张\"}");
	rval_free(ctx);
}

static void
test_render_chinese_utf8_round_trips(void **state)
{
	struct rval	*ctx;
	struct rval	*items;

	(void)state;
	ctx = rval_map_new();
	rval_map_set_str(ctx, "owner", "张三");
	items = rval_map_set_list(ctx, "items");
	rval_map_set_str(rval_list_add_map(items), "title", "整改台账");
	rval_map_set_str(rval_list_add_map(items), "title",
	    "意见箱「回复」");
	expect_render("责任人：{{owner}}\n"
	    "{{#items}}- {{title}}\n{{/items}}", ctx, RENDER_HTML,
	    "责任人：张三\n- 整改台账\n- 意见箱「回复」\n");
	expect_render("{{owner}}", ctx, RENDER_NONE, "张三");
	rval_free(ctx);
}

static void
test_render_values_format(void **state)
{
	struct rval	*ctx;

	(void)state;
	ctx = rval_map_new();
	rval_map_set_int(ctx, "big", INT64_MAX);
	rval_map_set_int(ctx, "neg", -42);
	rval_map_set_double(ctx, "d", 0.1);
	rval_map_set_bool(ctx, "yes", true);
	rval_map_set_str(ctx, "none", NULL);
	rval_map_set_int(ctx, "zero", 0);
	rval_map_set_str(ctx, "empty", "");
	expect_render("{{big}} {{neg}} {{d}} {{yes}} [{{none}}]", ctx,
	    RENDER_NONE, "9223372036854775807 -42 0.1 true []");
	expect_render("{{#zero}}x{{/zero}}{{^zero}}no overdue{{/zero}}"
	    "{{^empty}}, no owner{{/empty}}", ctx, RENDER_NONE,
	    "no overdue, no owner");
	/* Setting a key again replaces the value. */
	rval_map_set_int(ctx, "neg", 7);
	expect_render("{{neg}}", ctx, RENDER_NONE, "7");
	rval_free(ctx);
}

static void
test_render_unclosed_section_names_line(void **state)
{
	(void)state;
	expect_error("第一行\n{{#items}}\n{{name}}\n", NULL,
	    "template:2: unclosed section \"items\"");
	expect_error("a\n{{#a}}\n{{#b}}\n{{/a}}\n", NULL,
	    "template:4: mismatched section close \"a\"");
	expect_error("{{/a}}", NULL,
	    "template:1: close of unopened section \"a\"");
}

static void
test_render_unclosed_tag_names_line(void **state)
{
	(void)state;
	expect_error("a\nb\nc {{name\nd\n", NULL, "template:3: unclosed tag");
	expect_error("{{{x}}", NULL, "template:1: unclosed tag");
	expect_error("x\n{{= <% =}}", NULL,
	    "template:2: bad set-delimiters tag");
	expect_error("{{}}", NULL, "template:1: empty tag");
}

static void
test_render_size_cap_is_input_error(void **state)
{
	struct derr	 err = { 0 };
	struct buf	 out;
	struct rval	*ctx;

	(void)state;
	ctx = rval_map_new();
	rval_map_set_str(ctx, "v", "0123456789abcdef");
	buf_init(&out, 20);
	assert_int_equal(buf_puts(&out, "kept", &err), 0);
	assert_int_equal(render_string("x\n{{v}}", ctx, NULL, RENDER_NONE,
	    &out, &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_non_null(strstr(err.msg, "template:2: "));
	assert_non_null(strstr(err.msg, "limit of 20 bytes"));
	/* The buffer is left as it was. */
	assert_string_equal(out.data, "kept");
	buf_clear(&out);
	rval_free(ctx);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
remove_file(const char *dir, const char *name)
{
	char	 path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static const char *tmp_files[] = {
	"reminder.html", "item.html", "bad.html", "missing.html",
	"evil.html", NULL
};

static void
tmp_dir_remove(const char *dir)
{
	size_t	 i;

	for (i = 0; tmp_files[i] != NULL; i++)
		remove_file(dir, tmp_files[i]);
	rmdir(dir);
}

static void
file_expect_error(const char *dir, const char *name, const char *msg)
{
	struct derr	 err = { 0 };
	struct buf	 out;

	buf_init(&out, 4096);
	assert_int_equal(render_file(dir, name, NULL, RENDER_HTML, &out,
	    &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	if (strncmp(err.msg, msg, strlen(msg)) != 0)
		fail_msg("got \"%s\", want prefix \"%s\"", err.msg, msg);
	buf_clear(&out);
}

static void
test_render_file_with_partial(void **state)
{
	char		 dir[] = "/tmp/test_render.XXXXXX";
	struct derr	 err = { 0 };
	struct buf	 out;
	struct rval	*ctx;
	struct rval	*items;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "reminder.html", "<p>{{who}}</p>\n<ul>\n"
	    "  {{> item}}\n</ul>\n");
	write_file(dir, "item.html", "{{#items}}\n<li>{{code}}</li>\n"
	    "{{/items}}\n");
	ctx = rval_map_new();
	rval_map_set_str(ctx, "who", "李四 <li@example.org>");
	items = rval_map_set_list(ctx, "items");
	rval_map_set_str(rval_list_add_map(items), "code", "P01-3");
	rval_map_set_str(rval_list_add_map(items), "code", "P02&1");
	buf_init(&out, 4096);
	if (render_file(dir, "reminder.html", ctx, RENDER_HTML, &out,
	    &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(out.data, "<p>李四 &lt;li@example.org&gt;</p>\n"
	    "<ul>\n  <li>P01-3</li>\n  <li>P02&amp;1</li>\n</ul>\n");
	write_file(dir, "bad.html", "<p>\n{{#items}}\n\n{{/item}}\n");
	file_expect_error(dir, "bad.html",
	    "bad.html:4: mismatched section close \"item\"");
	write_file(dir, "missing.html", "a\n{{> nope}}\n");
	file_expect_error(dir, "missing.html",
	    "missing.html:2: partial \"nope\": ");
	buf_clear(&out);
	rval_free(ctx);
	tmp_dir_remove(dir);
}

static void
test_render_file_rejects_dotdot(void **state)
{
	char	 dir[] = "/tmp/test_render.XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	file_expect_error(dir, "../etc/passwd", "template name \"../etc/");
	file_expect_error(dir, "sub/x.html", "template name \"sub/x.html\"");
	file_expect_error(dir, "..", "template name");
	write_file(dir, "evil.html", "{{> a/b}}");
	file_expect_error(dir, "evil.html",
	    "evil.html:1: partial \"a/b\": name must not contain");
	tmp_dir_remove(dir);
}

static void
test_render_hostile_templates_fail(void **state)
{
	struct render_partial	 self[] = { { "a", "x{{> a}}" } };
	struct render_partials	 parts = { self, 1 };
	char			 deep[RENDER_NEST_MAX * 8 + 16];
	size_t			 i;

	(void)state;
	deep[0] = '\0';
	for (i = 0; i <= RENDER_NEST_MAX; i++)
		memcpy(deep + i * 6, "{{#a}}", 7);
	expect_error(deep, NULL, "template:1: sections nested too deeply");
	expect_error("{{> a}}", &parts, "a:1: partials nested too deeply");
}

/* Random templates from tag-ish pieces must never crash or hang. */
static void
test_render_random_templates_never_crash(void **state)
{
	static const char *pieces[] = { "{{", "}}", "{{{", "}}}", "#a", "^a",
	    "/a", "!", ">p", "&", "=", "<% %>", "<%", "%>", ".", "a.b", "\n",
	    "  ", "\r\n", "x", "{{#a}}", "{{/a}}", "{{> p}}", "{{.}}" };
	struct render_partial	 pv[] = { { "p", "{{#a}}{{> p}}{{/a}}" } };
	struct render_partials	 parts = { pv, 1 };
	struct derr		 err;
	struct buf		 out;
	struct buf		 t;
	struct rval		*ctx;
	uint32_t		 seed = 12345;
	int			 i;
	int			 j;

	(void)state;
	ctx = rval_map_new();
	rval_list_add_int(rval_map_set_list(ctx, "a"), 1);
	buf_init(&out, 1 << 16);
	buf_init(&t, 0);
	for (i = 0; i < 20000; i++) {
		buf_reset(&t);
		for (j = 0; j < 12; j++) {
			seed = seed * 1103515245 + 12345;
			assert_int_equal(buf_puts(&t, pieces[(seed >> 16) %
			    (sizeof(pieces) / sizeof(pieces[0]))], NULL), 0);
		}
		buf_reset(&out);
		memset(&err, 0, sizeof(err));
		if (render_string(t.data, ctx, &parts, RENDER_HTML, &out,
		    &err) < 0)
			assert_true(err.msg[0] != '\0');
	}
	buf_clear(&t);
	buf_clear(&out);
	rval_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_spec_comments),
		cmocka_unit_test(test_render_spec_delimiters),
		cmocka_unit_test(test_render_spec_interpolation),
		cmocka_unit_test(test_render_spec_inverted),
		cmocka_unit_test(test_render_spec_partials),
		cmocka_unit_test(test_render_spec_sections),
		cmocka_unit_test(test_render_html_escapes_injection),
		cmocka_unit_test(test_render_chinese_utf8_round_trips),
		cmocka_unit_test(test_render_values_format),
		cmocka_unit_test(test_render_unclosed_section_names_line),
		cmocka_unit_test(test_render_unclosed_tag_names_line),
		cmocka_unit_test(test_render_size_cap_is_input_error),
		cmocka_unit_test(test_render_file_with_partial),
		cmocka_unit_test(test_render_file_rejects_dotdot),
		cmocka_unit_test(test_render_json_escapes),
		cmocka_unit_test(test_render_hostile_templates_fail),
		cmocka_unit_test(test_render_random_templates_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
