/*
 * test_im: group robots against the vectors in tests/data/vectors/
 * (DingTalk 加签, Feishu signature and bodies, WeCom bodies and limits,
 * each robot's answers), and the channel through a fake net_ops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

#include <jansson.h>

#include "channels/im.h"
#include "config.h"
#include "net.h"
#include "util.h"

static void
lib_free(void *p)
{
	free(p);
}

static void
channel_free(struct channel *ch)
{
	ch->free(ch->ctx);
}

#include <cmocka.h>

#define VEC(f)	TOP_SRCDIR "/tests/data/vectors/" f

static json_t *
load(const char *path)
{
	json_error_t	 je;
	json_t		*j = json_load_file(path, 0, &je);

	if (j == NULL)
		fail_msg("%s:%d: %s", path, je.line, je.text);
	return j;
}

static const char *
js(const json_t *o, const char *a, const char *b)
{
	const json_t	*v = json_object_get(json_object_get(o, a), b);

	if (!json_is_string(v))
		fail_msg("vector field %s.%s missing", a, b);
	return json_string_value(v);
}

static char *
dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static void
test_im_dingtalk_sign_vectors(void **state)
{
	json_t		*j = load(VEC("dingtalk.json")), *v;
	struct buf	 enc, q, body;
	struct derr	 err;
	struct im_post	 p;
	char		*b64, *url;
	size_t		 i;

	(void)state;
	json_array_foreach(json_object_get(j, "vectors"), i, v) {
		buf_init(&enc, 0);
		assert_int_equal(im_dingtalk_sign(js(v, "inputs", "secret"),
		    js(v, "inputs", "timestamp_ms"), &b64, &enc, &err), 0);
		assert_string_equal(b64, js(v, "intermediate", "base64"));
		assert_string_equal(enc.data, js(v, "expected", "sign"));
		lib_free(b64);
		buf_clear(&enc);
		/* The URL the channel posts to, when the timestamp is whole
		 * seconds (dutyd signs at second precision). */
		if (strcmp(js(v, "inputs", "timestamp_ms") + 10, "000") != 0)
			continue;
		memset(&p, 0, sizeof(p));
		p.type = IM_DINGTALK;
		p.content = "x";
		p.secret = js(v, "inputs", "secret");
		p.now = strtoll(js(v, "inputs", "timestamp_ms"), NULL, 10) /
		    1000;
		buf_init(&q, 0);
		buf_init(&body, 0);
		assert_int_equal(im_body_build(&p, &body, &q, &err), 0);
		url = xasprintf("https://oapi.dingtalk.com/robot/send?"
		    "access_token=ACCESS_TOKEN%s", q.data);
		assert_string_equal(url, js(v, "expected", "url"));
		lib_free(url);
		buf_clear(&q);
		buf_clear(&body);
	}
	assert_int_equal(i, 2);
	json_decref(j);
}

static void
test_im_feishu_sign_vectors(void **state)
{
	json_t		*j = load(VEC("feishu.json")), *v;
	struct buf	 q, body;
	struct derr	 err;
	struct im_post	 p;
	char		*b64, *want;
	size_t		 i;

	(void)state;
	json_array_foreach(json_object_get(j, "vectors"), i, v) {
		assert_int_equal(im_feishu_sign(js(v, "inputs", "secret"),
		    js(v, "inputs", "timestamp_s"), &b64, &err), 0);
		assert_string_equal(b64, js(v, "expected", "sign"));
		assert_string_not_equal(b64, js(v, "must_not_equal",
		    "dingtalk_style_sign"));
		lib_free(b64);
		/* The whole body, byte for byte. */
		memset(&p, 0, sizeof(p));
		p.type = IM_FEISHU;
		p.content = "request example";
		p.secret = js(v, "inputs", "secret");
		p.now = strtoll(js(v, "inputs", "timestamp_s"), NULL, 10);
		buf_init(&q, 0);
		buf_init(&body, 0);
		assert_int_equal(im_body_build(&p, &body, &q, &err), 0);
		want = dump(json_object_get(json_object_get(v, "expected"),
		    "body"));
		assert_string_equal(body.data, want);
		lib_free(want);
		buf_clear(&q);
		buf_clear(&body);
	}
	assert_int_equal(i, 3);
	json_decref(j);
}

static char *
build(enum im_type t, bool md, const char *title, const char *content)
{
	struct im_post	 p;
	struct buf	 q, body;
	struct derr	 err;

	memset(&p, 0, sizeof(p));
	p.type = t;
	p.markdown = md;
	p.title = title;
	p.content = content;
	buf_init(&q, 0);
	buf_init(&body, 0);
	assert_int_equal(im_body_build(&p, &body, &q, &err), 0);
	buf_clear(&q);
	return buf_take(&body);
}

static void
test_im_bodies(void **state)
{
	json_t		*j = load(VEC("wecom.json")), *m, *d, *f;
	const json_t	*c;
	char		*got, *want, big[5000];
	size_t		 len;

	(void)state;
	/* WeCom markdown: the documented body, byte for byte. */
	m = json_object_get(json_object_get(j, "messages"), "markdown");
	c = json_object_get(json_object_get(json_object_get(m, "body"),
	    "markdown"), "content");
	assert_int_equal(strlen(json_string_value(c)), json_integer_value(
	    json_object_get(m, "content_utf8_bytes")));
	got = build(IM_WECOM, true, NULL, json_string_value(c));
	want = dump(json_object_get(m, "body"));
	assert_string_equal(got, want);
	lib_free(got);
	lib_free(want);
	/* WeCom text (without the mentions, which dutyd does not send). */
	m = json_object_get(json_object_get(j, "messages"), "text");
	c = json_object_get(json_object_get(json_object_get(m, "body"),
	    "text"), "content");
	assert_int_equal(strlen(json_string_value(c)), json_integer_value(
	    json_object_get(m, "content_utf8_bytes")));
	got = build(IM_WECOM, false, NULL, json_string_value(c));
	want = xasprintf("{\"msgtype\":\"text\",\"text\":{\"content\":\"%s\"}}",
	    json_string_value(c));
	assert_string_equal(got, want);
	lib_free(got);
	lib_free(want);
	/* WeCom text over 2048 bytes: cut at a character, marked. */
	memset(big, 0, sizeof(big));
	for (len = 0; len + 3 < 3000; len += 3)
		memcpy(big + len, "整", 3);
	got = build(IM_WECOM, false, NULL, big);
	d = json_loads(got, 0, NULL);
	c = json_object_get(json_object_get(d, "text"), "content");
	assert_true(strlen(json_string_value(c)) <= 2048);
	assert_non_null(strstr(json_string_value(c), "整…"));
	json_decref(d);
	lib_free(got);
	json_decref(j);
	/* DingTalk markdown: the documented fields (the "at" part aside). */
	j = load(VEC("dingtalk.json"));
	d = json_object_get(json_object_get(j, "messages"), "markdown");
	got = build(IM_DINGTALK, true, js(d, "markdown", "title"),
	    js(d, "markdown", "text"));
	f = json_deep_copy(d);
	json_object_del(f, "at");
	want = dump(f);
	assert_string_equal(got, want);
	lib_free(got);
	lib_free(want);
	json_decref(f);
	json_decref(j);
	/* Feishu without a secret: the guide's text message. */
	j = load(VEC("feishu.json"));
	f = json_object_get(json_object_get(j, "messages"), "text");
	got = build(IM_FEISHU, false, NULL, js(f, "content", "text"));
	want = dump(f);
	assert_string_equal(got, want);
	lib_free(got);
	lib_free(want);
	json_decref(j);
}

static enum channel_outcome
answer(enum im_type t, long status, const json_t *body, struct derr *err)
{
	char			*s = dump(body);
	enum channel_outcome	 oc;

	oc = im_reply_classify(t, status, s, strlen(s), err);
	lib_free(s);
	return oc;
}

static enum channel_outcome
answer_code(enum im_type t, const char *code, const char *msg,
    struct derr *err)
{
	json_t			*b;
	enum channel_outcome	 oc;

	b = json_pack("{s:I,s:s}", t == IM_FEISHU ? "code" : "errcode",
	    (json_int_t)strtoll(code, NULL, 10), t == IM_FEISHU ? "msg" :
	    "errmsg", msg);
	oc = answer(t, 200, b, err);
	json_decref(b);
	return oc;
}

static void
test_im_replies(void **state)
{
	json_t		*j, *r, *e;
	const char	*k;
	struct derr	 err;
	size_t		 i;

	(void)state;
	j = load(VEC("dingtalk.json"));
	r = json_object_get(j, "responses");
	assert_int_equal(answer(IM_DINGTALK, 200, json_object_get(
	    json_object_get(r, "success"), "body"), &err), CHANNEL_SENT);
	assert_int_equal(answer(IM_DINGTALK, 200, json_object_get(
	    json_object_get(r, "error_shape"), "body"), &err),
	    CHANNEL_PERMANENT);
	assert_string_equal(err.msg, "dingtalk: 310000: sign not match "
	    "(HTTP 200)");
	json_object_foreach(json_object_get(r, "codes"), k, e) {
		static const char *const retry[] = { "-1", "130101", "410100" };
		bool want = false;

		if (strcmp(k, "0") == 0)
			continue;
		for (i = 0; i < 3; i++)
			want |= strcmp(k, retry[i]) == 0;
		assert_int_equal(answer_code(IM_DINGTALK, k, "x", &err),
		    want ? CHANNEL_TRANSIENT : CHANNEL_PERMANENT);
	}
	assert_int_equal(answer_code(IM_DINGTALK, "410101", "x", &err),
	    CHANNEL_TRANSIENT);
	assert_int_equal(answer_code(IM_DINGTALK, "310000",
	    "timestamp is expired", &err), CHANNEL_TRANSIENT);
	assert_int_equal(answer_code(IM_DINGTALK, "310000",
	    "keywords not in content", &err), CHANNEL_PERMANENT);
	json_decref(j);

	j = load(VEC("wecom.json"));
	r = json_object_get(j, "responses");
	assert_int_equal(answer(IM_WECOM, 200, json_object_get(
	    json_object_get(r, "success"), "body"), &err), CHANNEL_SENT);
	json_array_foreach(json_object_get(r, "error_examples"), i, e)
		assert_int_equal(answer(IM_WECOM, 200, json_object_get(e,
		    "body"), &err), i == 0 ? CHANNEL_TRANSIENT :
		    CHANNEL_PERMANENT);
	assert_string_equal(err.msg, "wecom: 93000: invalid webhook url "
	    "(HTTP 200)");
	assert_int_equal(answer_code(IM_WECOM, "-1", "busy", &err),
	    CHANNEL_TRANSIENT);
	assert_int_equal(answer_code(IM_WECOM, "40008", "bad", &err),
	    CHANNEL_PERMANENT);
	json_decref(j);

	j = load(VEC("feishu.json"));
	r = json_object_get(j, "responses");
	assert_int_equal(answer(IM_FEISHU, 200, json_object_get(
	    json_object_get(r, "success"), "body"), &err), CHANNEL_SENT);
	json_object_foreach(json_object_get(r, "errors"), k, e)
		assert_int_equal(answer(IM_FEISHU, 200, json_object_get(e,
		    "body"), &err), strcmp(k, "11232") == 0 ||
		    strcmp(k, "19021") == 0 ? CHANNEL_TRANSIENT :
		    CHANNEL_PERMANENT);	/* 19021: our clock? (issue 15) */
	json_decref(j);

	/* HTTP-level answers, for every robot. */
	for (i = IM_DINGTALK; i <= IM_WEBHOOK; i++) {
		assert_int_equal(im_reply_classify(i, 503, "", 0, &err),
		    CHANNEL_TRANSIENT);
		assert_int_equal(im_reply_classify(i, 429, "", 0, &err),
		    CHANNEL_TRANSIENT);
		assert_int_equal(im_reply_classify(i, 404, "x", 1, &err),
		    CHANNEL_PERMANENT);
	}
	assert_int_equal(im_reply_classify(IM_DINGTALK, 200, "<html>", 6,
	    &err), CHANNEL_UNKNOWN);
	assert_int_equal(im_reply_classify(IM_WEBHOOK, 204, "", 0, &err),
	    CHANNEL_SENT);
}

/* ------------------------------------------------------------------ */
/* The channel */

static struct {
	char	*url;
	char	*body;
	int	 calls;
} fake;

static int
fake_post(const struct net_http_req *q, struct net_http_resp *r,
    struct derr *err)
{
	lib_free(fake.url);
	lib_free(fake.body);
	fake.url = xstrdup(q->url);
	fake.body = xstrndup(q->body, q->len);
	fake.calls++;
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, NET_HTTP_BODY_MAX);
	r->outcome = NET_OK;
	r->status = 200;
	return buf_puts(&r->body, "{\"errcode\":0,\"errmsg\":\"ok\"}", err);
}

static const struct net_ops fake_ops = { .http_post = fake_post };

static void
test_im_channel(void **state)
{
	struct cfg_im		 cfg[2];
	const char		*secrets[2] = { "SECabc", NULL };
	struct channel		*ch;
	struct channel_msg	 m;
	struct derr		 err;
	char			 peer[128];

	(void)state;
	memset(cfg, 0, sizeof(cfg));
	cfg[0].name = (char *)(uintptr_t)"leaders";
	cfg[0].type = (char *)(uintptr_t)"dingtalk";
	cfg[0].url = (char *)(uintptr_t)"https://oapi.dingtalk.com/robot/"
	    "send?access_token=TOKEN";
	cfg[0].format = (char *)(uintptr_t)"markdown";
	cfg[1].name = (char *)(uintptr_t)"hook";
	cfg[1].type = (char *)(uintptr_t)"webhook";
	cfg[1].url = (char *)(uintptr_t)"https://hooks.example.org/x";
	ch = im_channel_new(cfg, 2, secrets, &fake_ops, &err);
	assert_non_null(ch);
	memset(&m, 0, sizeof(m));
	m.key = "k";
	m.to_addr = "leaders";
	m.subject = "整改提醒";
	m.text = "#### 整改提醒\n> 1 项";
	m.now = 1577808000;
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err), CHANNEL_SENT);
	assert_non_null(strstr(fake.url, "access_token=TOKEN&timestamp="
	    "1577808000000&sign="));
	assert_string_equal(fake.body, "{\"msgtype\":\"markdown\",\"markdown\":"
	    "{\"title\":\"整改提醒\",\"text\":\"#### 整改提醒\\n> 1 项\"}}");
	/* A webhook body that is not JSON never leaves. */
	m.to_addr = "hook";
	m.text = "{\"text\": \"unterminated}";
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err),
	    CHANNEL_PERMANENT);
	assert_non_null(strstr(err.msg, "im hook: webhook body is not JSON"));
	assert_int_equal(fake.calls, 1);
	m.to_addr = "nobody";
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err),
	    CHANNEL_PERMANENT);
	assert_string_equal(err.msg, "im: no robot named nobody in the "
	    "config");
	lib_free(fake.url);
	lib_free(fake.body);
	channel_free(ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_im_dingtalk_sign_vectors),
		cmocka_unit_test(test_im_feishu_sign_vectors),
		cmocka_unit_test(test_im_bodies),
		cmocka_unit_test(test_im_replies),
		cmocka_unit_test(test_im_channel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
