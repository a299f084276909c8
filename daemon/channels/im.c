/*
 * channels/im: group robots and JSON webhooks.  See im.h.
 */
#include "channels/im.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "net.h"
#include "sign.h"
#include "util.h"

#define IM_BODY_MAX	(64 * 1024)

static const char *const type_names[] = {
	[IM_DINGTALK] = "dingtalk", [IM_WECOM] = "wecom",
	[IM_FEISHU] = "feishu", [IM_WEBHOOK] = "webhook"
};

int
im_type_parse(const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && i < sizeof(type_names) /
	    sizeof(type_names[0]); i++)
		if (strcmp(s, type_names[i]) == 0)
			return (int)i;
	return -1;
}

int
im_dingtalk_sign(const char *secret, const char *ts, char **b64,
    struct buf *enc, struct derr *err)
{
	unsigned char	 mac[SIGN_SHA256_LEN];
	char		*msg;
	int		 r;

	msg = xasprintf("%s\n%s", ts, secret);
	r = sign_hmac_sha256(secret, strlen(secret), msg, strlen(msg), mac,
	    err);
	xfree_secret(msg);
	if (r < 0)
		return -1;
	*b64 = sign_base64(mac, sizeof(mac));
	return sign_pct_encode(enc, *b64, err);
}

int
im_feishu_sign(const char *secret, const char *ts, char **b64,
    struct derr *err)
{
	unsigned char	 mac[SIGN_SHA256_LEN];
	char		*key;
	int		 r;

	/* The string to sign is the key; the message is empty. */
	key = xasprintf("%s\n%s", ts, secret);
	r = sign_hmac_sha256(key, strlen(key), "", 0, mac, err);
	xfree_secret(key);
	if (r < 0)
		return -1;
	*b64 = sign_base64(mac, sizeof(mac));
	return 0;
}

/* Cut `s` to at most `max` bytes at a character boundary, marked "…". */
static char *
cut_utf8(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n <= max)
		return xstrdup(s);
	n = max - 3;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return xasprintf("%.*s\xe2\x80\xa6", (int)n, s);
}

static size_t
content_max(const struct im_post *p)
{
	if (p->type == IM_WECOM)
		return p->markdown ? 4096 : 2048;
	return 4000;
}

static json_t *
dingtalk_json(const struct im_post *p, const char *content)
{
	if (p->markdown)
		return json_pack("{s:s,s:{s:s,s:s}}", "msgtype", "markdown",
		    "markdown", "title", p->title != NULL ? p->title : "",
		    "text", content);
	return json_pack("{s:s,s:{s:s}}", "msgtype", "text", "text",
	    "content", content);
}

static json_t *
wecom_json(const struct im_post *p, const char *content)
{
	const char	*t = p->markdown ? "markdown" : "text";

	return json_pack("{s:s,s:{s:s}}", "msgtype", t, t, "content",
	    content);
}

static json_t *
feishu_json(const struct im_post *p, const char *content, struct derr *err)
{
	json_t	*o = json_object();
	char	 ts[24], *sign;

	if (p->secret != NULL) {
		snprintf(ts, sizeof(ts), "%lld", (long long)p->now);
		if (im_feishu_sign(p->secret, ts, &sign, err) < 0) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, "timestamp", json_string(ts));
		json_object_set_new(o, "sign", json_string(sign));
		free(sign);
	}
	json_object_set_new(o, "msg_type", json_string("text"));
	json_object_set_new(o, "content", json_pack("{s:s}", "text",
	    content));
	return o;
}

static int
webhook_body(const struct im_post *p, struct buf *body, struct derr *err)
{
	json_t		*j;
	json_error_t	 je;

	j = json_loads(p->content, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(j) && !json_is_array(j)) {
		json_decref(j);
		return derr_set(err, DERR_INPUT, false, "webhook body is not "
		    "JSON: line %d: %s", je.line, je.text);
	}
	json_decref(j);
	return buf_puts(body, p->content, err);
}

static int
dingtalk_query(const struct im_post *p, struct buf *query, struct derr *err)
{
	struct buf	 enc;
	char		 ts[24], *b64 = NULL;
	int		 r;

	if (p->secret == NULL)
		return 0;
	snprintf(ts, sizeof(ts), "%lld000", (long long)p->now);
	buf_init(&enc, 256);
	r = im_dingtalk_sign(p->secret, ts, &b64, &enc, err);
	if (r == 0)
		r = buf_printf(query, err, "&timestamp=%s&sign=%s", ts,
		    enc.data);
	free(b64);
	buf_clear(&enc);
	return r;
}

int
im_body_build(const struct im_post *p, struct buf *body, struct buf *query,
    struct derr *err)
{
	json_t	*j = NULL;
	char	*content, *s;
	int	 r;

	if (p->type == IM_WEBHOOK)
		return webhook_body(p, body, err);
	content = cut_utf8(p->content != NULL ? p->content : "",
	    content_max(p));
	if (p->type == IM_DINGTALK)
		j = dingtalk_json(p, content);
	else if (p->type == IM_WECOM)
		j = wecom_json(p, content);
	else
		j = feishu_json(p, content, err);
	free(content);
	if (j == NULL)
		return p->type == IM_FEISHU ? -1 : derr_set(err, DERR_INPUT,
		    false, "content is not UTF-8");
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		return derr_set(err, DERR_BUG, false, "cannot encode JSON");
	r = buf_puts(body, s, err);
	free(s);
	if (r == 0 && p->type == IM_DINGTALK)
		r = dingtalk_query(p, query, err);
	return r;
}

/* ------------------------------------------------------------------ */
/* Answers */

/* Codes worth retrying (vectors' classification); the rest give up. */
static const struct im_retry {
	enum im_type	 type;
	long		 lo, hi;
	const char	*needle;	/* only if errmsg contains it */
} retry_codes[] = {
	{ IM_DINGTALK,	-1,	-1,	NULL },
	{ IM_DINGTALK,	130101,	130101,	NULL },
	{ IM_DINGTALK,	410100,	410199,	NULL },	/* any 4101xx: throttled */
	{ IM_DINGTALK,	310000,	310000,	"timestamp" },	/* clock skew */
	{ IM_DINGTALK,	310000,	310000,	"expire" },
	{ IM_WECOM,	-1,	-1,	NULL },
	{ IM_WECOM,	45009,	45009,	NULL },
	{ IM_FEISHU,	11232,	11232,	NULL },
	/* "sign match fail or timestamp is not within one hour": a clock
	 * off by an hour must not kill every message (issue 15) */
	{ IM_FEISHU,	19021,	19021,	NULL },
};

/* Refusals that blame our timestamp: the clock looks wrong. */
static const char *const clock_needles[] = {
	"310000: timestamp", "19021:",
};

static bool
clock_refused(const struct derr *err)
{
	size_t	 i;

	for (i = 0; i < sizeof(clock_needles) / sizeof(clock_needles[0]); i++)
		if (strstr(err->msg, clock_needles[i]) != NULL)
			return true;
	return false;
}

static bool
code_retry(enum im_type t, long code, const char *msg)
{
	size_t	 i;

	for (i = 0; i < sizeof(retry_codes) / sizeof(retry_codes[0]); i++) {
		if (retry_codes[i].type != t || code < retry_codes[i].lo ||
		    code > retry_codes[i].hi)
			continue;
		if (retry_codes[i].needle == NULL ||
		    strcasestr(msg, retry_codes[i].needle) != NULL)
			return true;
	}
	return false;
}

static enum channel_outcome
fail(enum im_type t, enum channel_outcome oc, long status, const char *what,
    struct derr *err)
{
	char	 w[160];

	log_escape(what, w, sizeof(w));
	derr_set(err, DERR_PEER, oc != CHANNEL_PERMANENT, "%s: %s (HTTP %ld)%s",
	    type_names[t], w, status, oc == CHANNEL_UNKNOWN ?
	    "; it may have been posted" : "");
	return oc;
}

static enum channel_outcome
robot_reply(enum im_type t, long status, const json_t *j, struct derr *err)
{
	const char	*ck = t == IM_FEISHU ? "code" : "errcode";
	const char	*mk = t == IM_FEISHU ? "msg" : "errmsg";
	const json_t	*c = json_object_get(j, ck);
	const char	*msg = json_string_value(json_object_get(j, mk));
	char		 what[200];
	long		 code;

	if (!json_is_integer(c))
		return fail(t, status == 200 ? CHANNEL_UNKNOWN :
		    CHANNEL_PERMANENT, status, "no code in the answer", err);
	code = (long)json_integer_value(c);
	if (code == 0 && status >= 200 && status < 300)
		return CHANNEL_SENT;
	snprintf(what, sizeof(what), "%ld: %s", code, msg ? msg : "");
	return fail(t, code_retry(t, code, msg ? msg : "") ?
	    CHANNEL_TRANSIENT : CHANNEL_PERMANENT, status, what, err);
}

enum channel_outcome
im_reply_classify(enum im_type t, long status, const char *body, size_t len,
    struct derr *err)
{
	json_t			*j;
	json_error_t		 je;
	enum channel_outcome	 oc;

	if (status == 429 || status >= 500)
		return fail(t, CHANNEL_TRANSIENT, status, "server busy", err);
	if (t == IM_WEBHOOK)
		return status >= 200 && status < 300 ? CHANNEL_SENT :
		    fail(t, CHANNEL_PERMANENT, status, "refused", err);
	j = json_loadb(body != NULL ? body : "", len, 0, &je);
	if (!json_is_object(j))
		oc = fail(t, status >= 200 && status < 300 ? CHANNEL_UNKNOWN :
		    CHANNEL_PERMANENT, status, "answer is not JSON", err);
	else
		oc = robot_reply(t, status, j, err);
	json_decref(j);
	return oc;
}

/* ------------------------------------------------------------------ */
/* The channel */

struct im_robot {
	char		*name;
	enum im_type	 type;
	char		*url;		/* carries tokens: never in errors */
	char		*secret;
	bool		 markdown;
	char		*ca_file;
	int		 timeout;
};

struct im_ctx {
	struct channel		 ch;
	const struct net_ops	*ops;
	struct im_robot		*v;
	size_t			 n;
};

static const struct im_robot *
robot_get(const struct im_ctx *c, const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

static enum channel_outcome
robot_post(struct im_ctx *c, const struct im_robot *r,
    const struct buf *body, const char *url, struct derr *err)
{
	static const enum channel_outcome	 map[] = {
		[NET_OK] = CHANNEL_SENT, [NET_TRANSIENT] = CHANNEL_TRANSIENT,
		[NET_PERMANENT] = CHANNEL_PERMANENT,
		[NET_UNKNOWN] = CHANNEL_UNKNOWN,
	};
	const char		*hdr[] = {
		"Content-Type: application/json; charset=utf-8"
	};
	struct net_http_req	 q = {
		.url = url, .headers = hdr, .nheaders = 1, .body = body->data,
		.len = body->len, .ca_file = r->ca_file,
		.connect_timeout = r->timeout, .timeout = r->timeout,
	};
	struct net_http_resp	 resp;
	enum channel_outcome	 oc;

	if (c->ops->http_post(&q, &resp, err) < 0) {
		buf_clear(&resp.body);
		return map[resp.outcome];
	}
	oc = im_reply_classify(r->type, resp.status, resp.body.data,
	    resp.body.len, err);
	buf_clear(&resp.body);
	/* 429/503 with Retry-After: not sooner than the server asks. */
	c->ch.hold.not_before = resp.retry_after;
	c->ch.hold.clock = oc != CHANNEL_SENT && clock_refused(err);
	return oc;
}

static enum channel_outcome
im_send(void *ctx, const struct channel_msg *m, char *peer_id,
    struct derr *err)
{
	struct im_ctx		*c = ctx;
	const struct im_robot	*r = robot_get(c, m->to_addr);
	struct im_post		 p;
	struct buf		 body, query;
	enum channel_outcome	 oc = CHANNEL_PERMANENT;
	char			*url;

	peer_id[0] = '\0';
	if (r == NULL) {
		derr_set(err, DERR_CONFIG, false, "im: no robot named %s in "
		    "the config", m->to_addr);
		return CHANNEL_PERMANENT;
	}
	memset(&p, 0, sizeof(p));
	p.type = r->type;
	p.markdown = r->markdown;
	p.title = m->subject;
	p.content = m->text;
	p.secret = r->secret;
	p.now = m->now;
	buf_init(&body, IM_BODY_MAX);
	buf_init(&query, 1024);
	if (im_body_build(&p, &body, &query, err) == 0) {
		url = xasprintf("%s%s", r->url, query.data != NULL ?
		    query.data : "");
		oc = robot_post(c, r, &body, url, err);
		free(url);
	}
	if (oc != CHANNEL_SENT)
		derr_prefix(err, "im %s", r->name);
	buf_clear(&body);
	buf_clear(&query);
	return oc;
}

static void
im_flush(void *ctx)
{
	(void)ctx;
}

static void
im_free(void *ctx)
{
	struct im_ctx	*c = ctx;
	size_t		 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].url);
		xfree_secret(c->v[i].secret);
		free(c->v[i].ca_file);
	}
	free(c->v);
	free(c);
}

struct channel *
im_channel_new(const struct cfg_im *cfg, size_t nim,
    const char *const *secrets, const struct net_ops *ops, struct derr *err)
{
	struct im_ctx	*c = xcalloc(1, sizeof(*c));
	size_t		 i;
	int		 t;

	c->ops = ops;
	c->v = xcalloc(nim ? nim : 1, sizeof(*c->v));
	for (i = 0; i < nim; i++, c->n++) {
		if ((t = im_type_parse(cfg[i].type)) < 0) {
			im_free(c);
			derr_set(err, DERR_CONFIG, false, "im: im.[%zu].type "
			    "is unknown", i);
			return NULL;
		}
		c->v[i].name = xstrdup(cfg[i].name);
		c->v[i].type = (enum im_type)t;
		c->v[i].url = xstrdup(cfg[i].url);
		c->v[i].secret = secrets != NULL && secrets[i] != NULL ?
		    xstrdup(secrets[i]) : NULL;
		c->v[i].markdown = cfg[i].format != NULL &&
		    strcmp(cfg[i].format, "markdown") == 0;
		c->v[i].ca_file = cfg[i].ca_file != NULL ?
		    xstrdup(cfg[i].ca_file) : NULL;
		c->v[i].timeout = cfg[i].timeout > 0 ? cfg[i].timeout : 15;
	}
	c->ch.name = "im";
	c->ch.ctx = c;
	c->ch.send = im_send;
	c->ch.flush = im_flush;
	c->ch.free = im_free;
	return &c->ch;
}
