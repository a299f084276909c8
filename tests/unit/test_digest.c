/*
 * digest tests: digest_build against a store on :memory:, the config from
 * a file written here and the real templates: the principal's digest
 * counts the whole ledger, a 分管领导's only what they lead (and says
 * so); a robot's summary is short, in its robot's format, and says the
 * full digest went by email; digest_mark_queued / digest_week_done keep
 * the digest's own state.
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

#undef malloc
#undef calloc
#undef realloc
#undef free

#include "calendar.h"
#include "config.h"
#include "digest.h"
#include "gather.h"
#include "model.h"
#include "store.h"
#include "util.h"

struct fx {
	char		 dir[64];
	struct cfg	*cfg;
	struct cal	*cal;
	struct store	*st;
	int64_t		 now;
};

static const char conf_text[] =
    "general = { database = \"d.db\"; templates = \"" TOP_SRCDIR
    "/conf/templates\"; office = \"团县委\"; };\n"
    "people = (\n"
    " { key = \"wang\"; name = \"王立群\"; email = \"w@example.org\";"
    " roles = [\"principal\"]; },\n"
    " { key = \"li\"; name = \"李娜\"; email = \"l@example.org\";"
    " roles = [\"leader\"]; leaders = [\"wang\"]; },\n"
    " { key = \"zhang\"; name = \"张伟\"; email = \"z@example.org\";"
    " leaders = [\"li\"]; },\n"
    " { key = \"sun\"; name = \"孙红\"; email = \"s@example.org\";"
    " leaders = [\"wang\"]; }\n);\n"
    "maildir = { path = \"md\"; };\n"
    "duties = ( { id = \"talks\"; title = \"谈心谈话\"; period = \"month\";"
    " at_least = 2; owners = [\"zhang\"]; } );\n"
    "digest = { to = [\"wang\", \"li\"]; };\n";

static void
add(struct fx *f, const char *problem, const char *code, const char *owner,
    const char *deadline)
{
	struct measure	 m;
	struct derr	 err = { 0 };

	memset(&m, 0, sizeof(m));
	m.problem_code = (char *)(uintptr_t)problem;
	m.problem_title = (char *)(uintptr_t)"问题";
	m.code = (char *)(uintptr_t)code;
	m.text = (char *)(uintptr_t)"整改措施";
	m.kind = MEASURE_DEADLINE;
	assert_int_equal(day_parse(deadline, &m.deadline), 0);
	strv_push(&m.owners, owner);
	assert_int_equal(store_measure_add(f->st, &m, "test", f->now, &err),
	    0);
	strv_clear(&m.owners);
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct strv	 errors = { 0 };
	struct derr	 err = { 0 };
	char		 path[96];
	FILE		*fp;

	snprintf(f->dir, sizeof(f->dir), "/tmp/dutyd-digest.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/d.conf", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(conf_text, fp);
	fclose(fp);
	f->cfg = cfg_load(path, &errors, &err);
	if (f->cfg == NULL)
		fail_msg("%s %s", err.msg, errors.n ? errors.v[0] : "");
	strv_clear(&errors);
	assert_non_null(f->cal = cal_new("Asia/Shanghai", NULL, 0, NULL, 0,
	    &err));
	assert_non_null(f->st = store_open(":memory:", &err));
	f->now = cal_instant(f->cal, day_from_ymd(2026, 11, 30), 9 * 60);
	add(f, "一", "一-1", "zhang", "2026-11-20");
	add(f, "一", "一-2", "zhang", "2026-12-08");
	add(f, "二", "二-1", "sun", "2026-12-04");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	store_close(f->st);
	cal_free(f->cal);
	cfg_free(f->cfg);
	snprintf(cmd, sizeof(cmd), "%s/d.conf", f->dir);
	unlink(cmd);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
build(struct fx *f, const char *to, struct digest_msg *msg)
{
	struct digest_in	 in;
	struct derr		 err = { 0 };

	memset(&in, 0, sizeof(in));
	in.cfg = f->cfg;
	in.cal = f->cal;
	in.now = f->now;
	in.since = f->now - 7 * 86400;
	if (digest_build(f->st, &in, to, msg, &err) < 0)
		fail_msg("digest_build: %s", err.msg);
}

static void
test_digest_principal_gets_everything(void **state)
{
	struct fx		*f = *state;
	struct digest_msg	 msg;

	build(f, "wang", &msg);
	assert_non_null(strstr(msg.text, "整改措施共3项"));
	assert_non_null(strstr(msg.text, "二-1"));
	assert_null(strstr(msg.text, "本周报只含"));
	assert_non_null(strstr(msg.subject, "逾期1项"));
	digest_msg_clear(&msg);
}

/* A measure due in the 国庆节 days off is listed as such. */
static void
test_digest_due_soon_names_holiday(void **state)
{
	struct fx		*f = *state;
	struct digest_msg	 msg;

	f->now = cal_instant(f->cal, day_from_ymd(2026, 9, 28), 9 * 60);
	add(f, "三", "三-1", "zhang", "2026-10-03");
	build(f, "wang", &msg);
	assert_non_null(strstr(msg.text, "2026-10-03（还剩2个工作日，适逢"
	    "国庆节假期）三-1"));
	assert_non_null(strstr(msg.html, "，适逢国庆节假期）"));
	digest_msg_clear(&msg);
}

static void
test_digest_leader_gets_what_they_lead(void **state)
{
	struct fx		*f = *state;
	struct digest_msg	 msg;

	build(f, "li", &msg);
	assert_non_null(strstr(msg.text,
	    "本周报只含您分管的张伟及您本人负责的事项"));
	assert_non_null(strstr(msg.text, "整改措施共2项"));
	assert_null(strstr(msg.text, "二-1"));
	assert_non_null(strstr(msg.html, "一-2"));
	assert_null(strstr(msg.html, "二-1"));
	digest_msg_clear(&msg);
}

static void
robot(struct fx *f, const char *type, const char *format,
    struct digest_msg *msg)
{
	struct digest_in	 in;
	struct cfg_im		 im;
	struct derr		 err = { 0 };

	memset(&in, 0, sizeof(in));
	memset(&im, 0, sizeof(im));
	in.cfg = f->cfg;
	in.cal = f->cal;
	in.now = f->now;
	in.since = f->now - 7 * 86400;
	im.name = (char *)(uintptr_t)"group";
	im.type = (char *)(uintptr_t)type;
	im.format = (char *)(uintptr_t)format;
	if (digest_robot_build(f->st, &in, &im, msg, &err) < 0)
		fail_msg("digest_robot_build: %s", err.msg);
	assert_null(msg->html);
}

static void
test_digest_robot_summary_per_format(void **state)
{
	struct fx		*f = *state;
	struct digest_msg	 msg;

	robot(f, "dingtalk", "markdown", &msg);
	assert_string_equal(msg.subject, "团县委整改周报摘要");
	assert_non_null(strstr(msg.text, "#### 团县委整改周报摘要"));
	assert_non_null(strstr(msg.text, "**一-1** 逾期10天，责任人张伟"));
	assert_non_null(strstr(msg.text,
	    "完整周报已通过电子邮件发送给王立群、李娜。"));
	digest_msg_clear(&msg);
	/* Feishu takes text only, whatever format says. */
	robot(f, "feishu", "markdown", &msg);
	assert_null(strstr(msg.text, "**"));
	assert_non_null(strstr(msg.text, "【逾期10天】一-1，责任人张伟"));
	assert_non_null(strstr(msg.text, "整改措施共3项，已完成0项（0%）"));
	digest_msg_clear(&msg);
	robot(f, "webhook", NULL, &msg);
	assert_non_null(strstr(msg.text, "\"kind\": \"digest\""));
	assert_non_null(strstr(msg.text, "\"overdue\": 1,"));
	assert_non_null(strstr(msg.text, "\"digest_to\": \"王立群、李娜\""));
	digest_msg_clear(&msg);
}

/* The summary lists at most DIGEST_ROBOT_LIST rows, then a count. */
static void
test_digest_robot_summary_is_short(void **state)
{
	struct fx		*f = *state;
	struct digest_msg	 msg;
	char			 code[16];
	int			 i;

	for (i = 0; i < 6; i++) {
		snprintf(code, sizeof(code), "三-%d", i + 1);
		add(f, "三", code, "sun", "2026-11-10");
	}
	robot(f, "wecom", "markdown", &msg);
	assert_non_null(strstr(msg.text, "逾期<font color=\"warning\">7项"));
	assert_non_null(strstr(msg.text, "……另有2项"));
	assert_non_null(strstr(msg.text, "三-5"));
	assert_null(strstr(msg.text, "三-6"));
	digest_msg_clear(&msg);
	/* The email digest still lists every one. */
	build(f, "wang", &msg);
	assert_non_null(strstr(msg.text, "三-6"));
	digest_msg_clear(&msg);
}

static void
test_digest_owns_its_state(void **state)
{
	struct fx	*f = *state;
	struct derr	 err = { 0 };
	int64_t		 since = 0;

	assert_int_equal(digest_week_done(f->st, "2026-W49", &err), 0);
	assert_int_equal(digest_mark_queued(f->st, "2026-W49", f->now - 3600,
	    "2026-W49, 2 queued", f->now, &err), 0);
	assert_int_equal(digest_week_done(f->st, "2026-W49", &err), 1);
	assert_int_equal(digest_week_done(f->st, "2026-W50", &err), 0);
	/* The same week again: feedback counted from the same instant. */
	assert_int_equal(digest_since(f->st, "2026-W49", f->now + 60, &since,
	    &err), 0);
	assert_int_equal(since, f->now - 3600);
	/* The next week: from when this one was queued. */
	assert_int_equal(digest_since(f->st, "2026-W50", f->now + 7 * 86400,
	    &since, &err), 0);
	assert_int_equal(since, f->now);
}

static void
feedback(struct fx *f, const char *subject, int64_t received)
{
	struct feedback	 fb;
	struct derr	 err = { 0 };
	int64_t		 id;

	memset(&fb, 0, sizeof(fb));
	fb.source = (char *)(uintptr_t)"phone";
	fb.sender = (char *)(uintptr_t)"群众";
	fb.subject = (char *)(uintptr_t)subject;
	fb.excerpt = (char *)(uintptr_t)"详情";
	fb.date = received;
	fb.received_at = received;
	fb.answer_deadline = DAY_NONE;
	assert_int_equal(store_feedback_add(f->st, &fb, "test", received, &id,
	    &err), 1);
}

/*
 * From what gather_digest collects to the text: the week, the feedback
 * window (7 days before the first digest), the duty matrix.
 */
static void
test_digest_renders_gathered_input(void **state)
{
	struct fx		*f = *state;
	struct gather_digest	 g;
	struct digest_msg	 msg;
	struct derr		 err = { 0 };

	feedback(f, "路灯不亮", f->now - 3 * 86400);
	feedback(f, "旧的意见", f->now - 10 * 86400);
	memset(&g, 0, sizeof(g));
	if (gather_digest(f->st, f->cfg, f->cal, f->now, false, &g, &err) < 0)
		fail_msg("gather_digest: %s", err.msg);
	assert_string_equal(g.week, "2026-W49");
	assert_int_equal(g.in.since, f->now - 7 * 86400);
	assert_ptr_equal(g.in.cells, &g.cells);
	assert_int_equal(g.cells.n, 1);
	if (digest_build(f->st, &g.in, "wang", &msg, &err) < 0)
		fail_msg("digest_build: %s", err.msg);
	assert_non_null(strstr(msg.text, "新收1条"));
	assert_non_null(strstr(msg.text, "路灯不亮"));
	assert_null(strstr(msg.text, "旧的意见"));
	assert_non_null(strstr(msg.text, "本期已完成0/1项"));
	assert_non_null(strstr(msg.text, "谈心谈话：张伟"));
	assert_non_null(strstr(msg.text, "0/2次"));
	digest_msg_clear(&msg);
	gather_digest_clear(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_digest_principal_gets_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_digest_leader_gets_what_they_lead, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_digest_due_soon_names_holiday, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_digest_robot_summary_per_format, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_digest_robot_summary_is_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_owns_its_state,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_digest_renders_gathered_input, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
