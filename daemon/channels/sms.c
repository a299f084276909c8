/*
 * channels/sms: Aliyun and Tencent SendSms.  See sms.h.
 */
#include "channels/sms.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "log.h"
#include "model.h"
#include "net.h"
#include "sign.h"
#include "util.h"
#include "smsparam.h"

/* Our own strings (queries, canonical requests): generous caps. */
#define SMS_STR_MAX	(64 * 1024)
#define SMS_PEER_MAX	128
#define SMS_PARAMS_MAX	SMSPARAM_MAX

static const char *const provider_names[] = {
	[SMS_ALIYUN] = "aliyun", [SMS_TENCENT] = "tencent"
};

int
sms_provider_parse(const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && i < sizeof(provider_names) /
	    sizeof(provider_names[0]); i++)
		if (strcmp(s, provider_names[i]) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Aliyun RPC signature */

static int
kv_cmp(const void *a, const void *b)
{
	const struct sms_kv	*x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* name=value&... sorted by name, both percent-encoded. */
static int
canon_query(const struct sms_kv *kv, size_t n, struct buf *out,
    struct derr *err)
{
	struct sms_kv	*s;
	size_t		 i;
	int		 r = 0;

	s = xreallocarray(NULL, n ? n : 1, sizeof(*s));
	memcpy(s, kv, n * sizeof(*s));
	qsort(s, n, sizeof(*s), kv_cmp);
	for (i = 0; i < n && r == 0; i++)
		if ((i > 0 && buf_puts(out, "&", err) < 0) ||
		    sign_pct_encode(out, s[i].name, err) < 0 ||
		    buf_puts(out, "=", err) < 0 ||
		    sign_pct_encode(out, s[i].value, err) < 0)
			r = -1;
	free(s);
	return r;
}

void
sms_rpc_sig_clear(struct sms_rpc_sig *s)
{
	buf_clear(&s->canon);
	buf_clear(&s->sts);
	buf_clear(&s->encoded);
	free(s->signature);
	s->signature = NULL;
}

int
sms_aliyun_rpc_sign(const char *method, const struct sms_kv *kv, size_t n,
    const char *secret, struct sms_rpc_sig *out, struct derr *err)
{
	unsigned char	 mac[SIGN_SHA1_LEN];
	char		*key;
	int		 r;

	memset(out, 0, sizeof(*out));
	buf_init(&out->canon, SMS_STR_MAX);
	buf_init(&out->sts, SMS_STR_MAX);
	buf_init(&out->encoded, SMS_STR_MAX);
	if (canon_query(kv, n, &out->canon, err) < 0 ||
	    buf_printf(&out->sts, err, "%s&%%2F&", method) < 0 ||
	    sign_pct_encode(&out->sts, out->canon.data, err) < 0)
		return -1;
	key = xasprintf("%s&", secret);
	r = sign_hmac_sha1(key, strlen(key), out->sts.data, out->sts.len, mac,
	    err);
	xfree_secret(key);
	if (r < 0)
		return -1;
	out->signature = sign_base64(mac, sizeof(mac));
	return sign_pct_encode(&out->encoded, out->signature, err);
}

/* ------------------------------------------------------------------ */
/* Aliyun V3 signature */

void
sms_acs3_sig_clear(struct sms_acs3_sig *s)
{
	buf_clear(&s->canon_query);
	buf_clear(&s->canon_headers);
	buf_clear(&s->signed_headers);
	buf_clear(&s->canon_request);
	buf_clear(&s->sts);
	buf_clear(&s->authorization);
}

static void
acs3_init(struct sms_acs3_sig *o)
{
	memset(o, 0, sizeof(*o));
	buf_init(&o->canon_query, SMS_STR_MAX);
	buf_init(&o->canon_headers, SMS_STR_MAX);
	buf_init(&o->signed_headers, SMS_STR_MAX);
	buf_init(&o->canon_request, SMS_STR_MAX);
	buf_init(&o->sts, SMS_STR_MAX);
	buf_init(&o->authorization, SMS_STR_MAX);
}

/* host, x-acs-content-sha256 and the x-acs-* headers, sorted. */
static int
acs3_headers(const struct sms_acs3_in *in, struct sms_acs3_sig *o,
    struct derr *err)
{
	struct sms_kv	*h;
	size_t		 i, n = in->nheaders + 2;
	int		 r = 0;

	h = xreallocarray(NULL, n, sizeof(*h));
	memcpy(h, in->headers, in->nheaders * sizeof(*h));
	h[in->nheaders].name = "host";
	h[in->nheaders].value = in->host;
	h[in->nheaders + 1].name = "x-acs-content-sha256";
	h[in->nheaders + 1].value = o->payload_hash;
	qsort(h, n, sizeof(*h), kv_cmp);
	for (i = 0; i < n && r == 0; i++)
		if (buf_printf(&o->canon_headers, err, "%s:%s\n", h[i].name,
		    h[i].value) < 0 || buf_printf(&o->signed_headers, err,
		    "%s%s", i > 0 ? ";" : "", h[i].name) < 0)
			r = -1;
	free(h);
	return r;
}

int
sms_aliyun_acs3_sign(const struct sms_acs3_in *in, struct sms_acs3_sig *o,
    struct derr *err)
{
	unsigned char	 mac[SIGN_SHA256_LEN];

	acs3_init(o);
	if (sign_sha256_hex(in->body, in->blen, o->payload_hash, err) < 0 ||
	    canon_query(in->query, in->nquery, &o->canon_query, err) < 0 ||
	    acs3_headers(in, o, err) < 0 ||
	    buf_printf(&o->canon_request, err, "%s\n%s\n%s\n%s\n%s\n%s",
	    in->method, in->uri, o->canon_query.data, o->canon_headers.data,
	    o->signed_headers.data, o->payload_hash) < 0 ||
	    sign_sha256_hex(o->canon_request.data, o->canon_request.len,
	    o->request_hash, err) < 0 ||
	    buf_printf(&o->sts, err, "ACS3-HMAC-SHA256\n%s",
	    o->request_hash) < 0 ||
	    sign_hmac_sha256(in->secret, strlen(in->secret), o->sts.data,
	    o->sts.len, mac, err) < 0)
		return -1;
	sign_hex(mac, sizeof(mac), o->signature);
	return buf_printf(&o->authorization, err, "ACS3-HMAC-SHA256 "
	    "Credential=%s,SignedHeaders=%s,Signature=%s", in->key_id,
	    o->signed_headers.data, o->signature);
}

/* ------------------------------------------------------------------ */
/* Tencent TC3 signature */

void
sms_tc3_sig_clear(struct sms_tc3_sig *s)
{
	buf_clear(&s->canon_request);
	buf_clear(&s->sts);
	buf_clear(&s->authorization);
}

static void
lower_into(struct buf *b, const char *s, struct derr *err)
{
	char	 c;

	for (; *s != '\0'; s++) {
		c = (char)tolower((unsigned char)*s);
		(void)buf_append(b, &c, 1, err);	/* caught by the cap below */
	}
}

static int
tc3_canon(const struct sms_tc3_in *in, struct sms_tc3_sig *o,
    struct derr *err)
{
	struct buf	*b = &o->canon_request;

	if (buf_puts(b, "POST\n/\n\ncontent-type:", err) < 0)
		return -1;
	lower_into(b, in->content_type, err);
	buf_puts(b, "\nhost:", err);
	lower_into(b, in->host, err);
	buf_puts(b, "\n", err);
	if (in->sign_action) {
		buf_puts(b, "x-tc-action:", err);
		lower_into(b, in->action, err);
		buf_puts(b, "\n", err);
	}
	if (b->len + 128 >= SMS_STR_MAX)
		return derr_set(err, DERR_INPUT, false, "tencent: header too "
		    "long");
	return buf_printf(b, err, "\n%s\n%s", in->sign_action ?
	    "content-type;host;x-tc-action" : "content-type;host",
	    o->payload_hash);
}

/* SecretDate, SecretService, SecretSigning: each an HMAC of the next. */
static int
tc3_keys(const struct sms_tc3_in *in, struct sms_tc3_sig *o,
    unsigned char signing[SIGN_SHA256_LEN], struct derr *err)
{
	unsigned char	 d[SIGN_SHA256_LEN], s[SIGN_SHA256_LEN];
	char		*k;
	int		 r;

	k = xasprintf("TC3%s", in->secret_key);
	r = sign_hmac_sha256(k, strlen(k), o->date, strlen(o->date), d, err);
	xfree_secret(k);
	if (r < 0 || sign_hmac_sha256(d, sizeof(d), in->service,
	    strlen(in->service), s, err) < 0 || sign_hmac_sha256(s,
	    sizeof(s), "tc3_request", 11, signing, err) < 0)
		return -1;
	sign_hex(d, sizeof(d), o->secret_date);
	sign_hex(s, sizeof(s), o->secret_service);
	sign_hex(signing, SIGN_SHA256_LEN, o->secret_signing);
	explicit_bzero(d, sizeof(d));
	explicit_bzero(s, sizeof(s));
	return 0;
}

int
sms_tencent_tc3_sign(const struct sms_tc3_in *in, struct sms_tc3_sig *o,
    struct derr *err)
{
	unsigned char	 key[SIGN_SHA256_LEN], mac[SIGN_SHA256_LEN];
	int		 y, m, d;

	memset(o, 0, sizeof(*o));
	buf_init(&o->canon_request, SMS_STR_MAX);
	buf_init(&o->sts, SMS_STR_MAX);
	buf_init(&o->authorization, SMS_STR_MAX);
	/* The credential scope takes the UTC date, not Beijing's. */
	day_to_ymd((int32_t)(in->timestamp / 86400), &y, &m, &d);
	snprintf(o->date, sizeof(o->date), "%04d-%02d-%02d", y, m, d);
	if (sign_sha256_hex(in->payload, in->plen, o->payload_hash, err) < 0 ||
	    tc3_canon(in, o, err) < 0 ||
	    sign_sha256_hex(o->canon_request.data, o->canon_request.len,
	    o->request_hash, err) < 0 ||
	    buf_printf(&o->sts, err, "TC3-HMAC-SHA256\n%lld\n%s/%s/"
	    "tc3_request\n%s", (long long)in->timestamp, o->date, in->service,
	    o->request_hash) < 0 ||
	    tc3_keys(in, o, key, err) < 0 ||
	    sign_hmac_sha256(key, sizeof(key), o->sts.data, o->sts.len, mac,
	    err) < 0)
		return -1;
	explicit_bzero(key, sizeof(key));
	sign_hex(mac, sizeof(mac), o->signature);
	return buf_printf(&o->authorization, err, "TC3-HMAC-SHA256 "
	    "Credential=%s/%s/%s/tc3_request, SignedHeaders=%s, Signature=%s",
	    in->secret_id, o->date, in->service, in->sign_action ?
	    "content-type;host;x-tc-action" : "content-type;host",
	    o->signature);
}

/* ------------------------------------------------------------------ */
/* Provider answers */

struct code_class {
	const char		*code;
	bool			 prefix;	/* matches code and code.* */
	enum channel_outcome	 oc;
};

/* What may succeed later; every other code is permanent (vectors). */
static const struct code_class aliyun_retry[] = {
	{ "isv.BUSINESS_LIMIT_CONTROL",	false,	CHANNEL_TRANSIENT },
	{ "isp.SYSTEM_ERROR",		false,	CHANNEL_TRANSIENT },
	{ "Throttling",			true,	CHANNEL_TRANSIENT },
	{ "ServiceUnavailable",		true,	CHANNEL_TRANSIENT },
	{ "InternalError",		true,	CHANNEL_TRANSIENT },
	{ "SignatureNonceUsed",		false,	CHANNEL_TRANSIENT },
	{ "InvalidTimeStamp.Expired",	false,	CHANNEL_TRANSIENT },
	{ NULL, false, CHANNEL_PERMANENT }
};

static const struct code_class tencent_retry[] = {
	{ "RequestLimitExceeded",	true,	CHANNEL_TRANSIENT },
	{ "InternalError",		true,	CHANNEL_TRANSIENT },
	{ "ResourceUnavailable",	true,	CHANNEL_TRANSIENT },
	{ "AuthFailure.SignatureExpire", false,	CHANNEL_TRANSIENT },
	{ "LimitExceeded.DeliveryFrequencyLimit", false, CHANNEL_TRANSIENT },
	{ "LimitExceeded.PhoneNumberThirtySecondLimit", false,
	    CHANNEL_TRANSIENT },
	{ "LimitExceeded.PhoneNumberOneHourLimit", false, CHANNEL_TRANSIENT },
	{ NULL, false, CHANNEL_PERMANENT }
};

static enum channel_outcome
code_outcome(const struct code_class *t, const char *code)
{
	size_t	 n;

	for (; t->code != NULL; t++) {
		n = strlen(t->code);
		if (strcmp(code, t->code) == 0 || (t->prefix &&
		    strncmp(code, t->code, n) == 0 && code[n] == '.'))
			return t->oc;
	}
	return CHANNEL_PERMANENT;
}

static const char *
jstr(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* "aliyun: CODE: message (HTTP n)", the provider's text escaped. */
static enum channel_outcome
reply_fail(enum sms_provider p, enum channel_outcome oc, const char *code,
    const char *msg, long status, struct derr *err)
{
	char	 c[64], m[160];

	log_escape(code, c, sizeof(c));
	log_escape(msg, m, sizeof(m));
	derr_set(err, DERR_PEER, oc != CHANNEL_PERMANENT, "%s: %s%s%s "
	    "(HTTP %ld)%s", provider_names[p], c, m[0] != '\0' ? ": " : "", m,
	    status, oc == CHANNEL_UNKNOWN ? "; it may have been sent" : "");
	return oc;
}

static void
peer_copy(char *peer_id, const char *s)
{
	snprintf(peer_id, SMS_PEER_MAX, "%s", s);
}

static enum channel_outcome
aliyun_reply(const json_t *j, long status, char *peer_id, struct derr *err)
{
	const char		*code = jstr(j, "Code");
	enum channel_outcome	 oc;

	if (strcmp(code, "OK") == 0 && status == 200) {
		peer_copy(peer_id, jstr(j, "BizId"));
		return CHANNEL_SENT;
	}
	if (code[0] == '\0')
		return reply_fail(SMS_ALIYUN, status == 200 ?
		    CHANNEL_UNKNOWN : CHANNEL_PERMANENT, "no Code in the answer",
		    "", status, err);
	oc = code_outcome(aliyun_retry, code);
	return reply_fail(SMS_ALIYUN, oc, code, jstr(j, "Message"), status,
	    err);
}

static enum channel_outcome
tencent_reply(const json_t *j, long status, char *peer_id, struct derr *err)
{
	const json_t	*r = json_object_get(j, "Response");
	const json_t	*e = json_object_get(r, "Error");
	const json_t	*s;
	const char	*code;

	if (!json_is_object(r))
		return reply_fail(SMS_TENCENT, status == 200 ?
		    CHANNEL_UNKNOWN : CHANNEL_PERMANENT, "no Response in the "
		    "answer", "", status, err);
	if (json_is_object(e))
		return reply_fail(SMS_TENCENT, code_outcome(tencent_retry,
		    jstr(e, "Code")), jstr(e, "Code"), jstr(e, "Message"),
		    status, err);
	s = json_array_get(json_object_get(r, "SendStatusSet"), 0);
	if (!json_is_object(s))
		return reply_fail(SMS_TENCENT, CHANNEL_UNKNOWN, "no "
		    "SendStatusSet in the answer", "", status, err);
	code = jstr(s, "Code");
	if (strcmp(code, "Ok") == 0) {
		peer_copy(peer_id, jstr(s, "SerialNo"));
		return CHANNEL_SENT;
	}
	return reply_fail(SMS_TENCENT, code_outcome(tencent_retry, code), code,
	    jstr(s, "Message"), status, err);
}

/* The error code and message of an answer, whichever shape it has. */
static void
answer_code(enum sms_provider p, const json_t *j, const char **code,
    const char **msg)
{
	const json_t	*e;

	if (p == SMS_ALIYUN) {
		e = j;
	} else {
		e = json_object_get(json_object_get(j, "Response"), "Error");
	}
	*code = jstr(e, "Code");
	*msg = jstr(e, "Message");
}

enum channel_outcome
sms_reply_classify(enum sms_provider p, long status, const char *body,
    size_t len, char *peer_id, struct derr *err)
{
	json_t			*j;
	json_error_t		 je;
	enum channel_outcome	 oc;
	const char		*code, *msg;

	peer_id[0] = '\0';
	j = json_loadb(body != NULL ? body : "", len, JSON_REJECT_DUPLICATES,
	    &je);
	if (status == 429 || status >= 500 || !json_is_object(j)) {
		if (status == 429 || status >= 500)
			oc = CHANNEL_TRANSIENT;
		else
			oc = status >= 200 && status < 300 ? CHANNEL_UNKNOWN :
			    CHANNEL_PERMANENT;
		answer_code(p, j, &code, &msg);
		reply_fail(p, oc, json_is_object(j) ? code :
		    "answer is not JSON", msg, status, err);
		json_decref(j);
		return oc;
	}
	oc = p == SMS_ALIYUN ? aliyun_reply(j, status, peer_id, err) :
	    tencent_reply(j, status, peer_id, err);
	json_decref(j);
	return oc;
}

/* ------------------------------------------------------------------ */
/* Template parameters */





/* ------------------------------------------------------------------ */
/* The channel */

struct sms_ctx {
	struct channel		 ch;
	const struct net_ops	*ops;
	enum sms_provider	 provider;
	char			*endpoint;
	char			*host;		/* host[:port] of the endpoint */
	char			*key_id;
	char			*secret;
	char			*sign_name;
	char			*sdk_app_id;
	char			*region;
	char			*ca_file;
	int			 timeout;
	int			 param_max;
	struct channel_limit	 limits[3];
};

/* One request on its way out; every string is ours. */
struct sms_req {
	struct buf	 body;
	char		*hdr[8];
	size_t		 nhdr;
};

static void
req_clear(struct sms_req *q)
{
	size_t	 i;

	buf_clear(&q->body);
	for (i = 0; i < q->nhdr; i++)
		free(q->hdr[i]);
	q->nhdr = 0;
}

static void
req_header(struct sms_req *q, char *h)
{
	q->hdr[q->nhdr++] = h;
}

/* Unix seconds as "2025-01-01T00:00:00Z" (UTC, no clock read). */
static void
iso_utc(int64_t t, char out[32])
{
	int	 y, m, d, s = (int)(t % 86400);

	day_to_ymd((int32_t)(t / 86400), &y, &m, &d);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, s / 3600,
	    s / 60 % 60, s % 60);
}

static int
aliyun_request(const struct sms_ctx *c, const struct channel_msg *m,
    const char *params, struct sms_req *q, struct derr *err)
{
	struct sms_rpc_sig	 sig;
	char			 ts[32], nc[37];
	const char		*phone = m->to_addr;
	int			 r;

	/* Mainland numbers go without +86; others with their country code. */
	phone += strncmp(phone, "+86", 3) == 0 ? 3 : 1;
	iso_utc(m->now, ts);
	/* Random per request: two attempts in one second must differ
	 * (Aliyun answers SignatureNonceUsed to a nonce seen before). */
	if (sign_nonce(nc, err) < 0)
		return -1;
	{
		const struct sms_kv kv[] = {
			{ "AccessKeyId", c->key_id }, { "Action", "SendSms" },
			{ "Format", "JSON" }, { "PhoneNumbers", phone },
			{ "RegionId", c->region }, { "SignName", c->sign_name },
			{ "SignatureMethod", "HMAC-SHA1" },
			{ "SignatureNonce", nc }, { "SignatureVersion", "1.0" },
			{ "TemplateCode", m->subject },
			{ "TemplateParam", params }, { "Timestamp", ts },
			{ "Version", "2017-05-25" },
		};
		r = sms_aliyun_rpc_sign("POST", kv, sizeof(kv) / sizeof(kv[0]),
		    c->secret, &sig, err);
	}
	if (r == 0)
		r = buf_printf(&q->body, err, "Signature=%s&%s",
		    sig.encoded.data, sig.canon.data);
	sms_rpc_sig_clear(&sig);
	req_header(q, xstrdup("Content-Type: "
	    "application/x-www-form-urlencoded"));
	return r;
}

/* {"PhoneNumberSet":[..],"SmsSdkAppId":..,..,"TemplateParamSet":[..]} */
static int
tencent_body(const struct sms_ctx *c, const struct channel_msg *m,
    const json_t *params, struct sms_req *q, struct derr *err)
{
	json_t		*o = json_object(), *set = json_array();
	const char	*k;
	json_t		*v;
	char		*s;
	int		 r;

	json_object_foreach((json_t *)(uintptr_t)params, k, v)
		json_array_append(set, v);
	json_object_set_new(o, "PhoneNumberSet", json_pack("[s]",
	    m->to_addr));
	json_object_set_new(o, "SmsSdkAppId", json_string(c->sdk_app_id));
	json_object_set_new(o, "SignName", json_string(c->sign_name));
	json_object_set_new(o, "TemplateId", json_string(m->subject));
	json_object_set_new(o, "TemplateParamSet", set);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return derr_set(err, DERR_BUG, false, "cannot encode JSON");
	r = buf_puts(&q->body, s, err);
	free(s);
	return r;
}

static int
tencent_request(const struct sms_ctx *c, const struct channel_msg *m,
    const json_t *params, struct sms_req *q, struct derr *err)
{
	static const char	 ctype[] = "application/json; charset=utf-8";
	struct sms_tc3_sig	 sig;
	struct sms_tc3_in	 in = {
		.secret_id = c->key_id, .secret_key = c->secret,
		.service = "sms", .host = c->host, .action = "SendSms",
		.content_type = ctype, .timestamp = m->now,
		.sign_action = true,
	};

	if (tencent_body(c, m, params, q, err) < 0)
		return -1;
	in.payload = q->body.data;
	in.plen = q->body.len;
	if (sms_tencent_tc3_sign(&in, &sig, err) < 0) {
		sms_tc3_sig_clear(&sig);
		return -1;
	}
	req_header(q, xasprintf("Authorization: %s", sig.authorization.data));
	req_header(q, xasprintf("Content-Type: %s", ctype));
	req_header(q, xstrdup("X-TC-Action: SendSms"));
	req_header(q, xasprintf("X-TC-Timestamp: %lld", (long long)m->now));
	req_header(q, xstrdup("X-TC-Version: 2021-01-11"));
	req_header(q, xasprintf("X-TC-Region: %s", c->region));
	sms_tc3_sig_clear(&sig);
	return 0;
}

static bool
template_code_ok(const char *s)
{
	size_t	 n = 0;

	for (; s != NULL && s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' &&
		    s[n] != '-')
			return false;
	return n > 0 && n <= 64;
}

/*
 * The row's parameters again, checked as if they came from outside: an
 * object of at most SMS_PARAMS_MAX strings, each already clean.
 */
static json_t *
params_load(const struct sms_ctx *c, const char *text, struct derr *err)
{
	json_t		*o, *v;
	json_error_t	 je;
	const char	*k;
	char		*clean;
	bool		 ok;

	o = json_loads(text != NULL ? text : "", JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(o) || json_object_size(o) > SMS_PARAMS_MAX) {
		json_decref(o);
		derr_set(err, DERR_INPUT, false, "template parameters are not "
		    "a JSON object of at most %d strings", SMS_PARAMS_MAX);
		return NULL;
	}
	json_object_foreach(o, k, v) {
		clean = json_is_string(v) ? smsparam_clean(json_string_value(v),
		    c->param_max) : NULL;
		ok = clean != NULL && smsparam_name_ok(k, strlen(k)) &&
		    strcmp(clean, json_string_value(v)) == 0;
		free(clean);
		if (!ok) {
			/* `k` belongs to `o`: use it before letting go. */
			derr_set(err, DERR_INPUT, false, "template parameter "
			    "%.32s is not a clean string of at most %d "
			    "characters", k, c->param_max);
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static enum channel_outcome
post(struct sms_ctx *c, struct sms_req *q, char *peer_id, struct derr *err)
{
	static const enum channel_outcome	 map[] = {
		[NET_OK] = CHANNEL_SENT, [NET_TRANSIENT] = CHANNEL_TRANSIENT,
		[NET_PERMANENT] = CHANNEL_PERMANENT,
		[NET_UNKNOWN] = CHANNEL_UNKNOWN,
	};
	struct net_http_req	 hr = {
		.url = c->endpoint, .headers = (const char *const *)q->hdr,
		.nheaders = q->nhdr, .body = q->body.data, .len = q->body.len,
		.ca_file = c->ca_file, .connect_timeout = c->timeout,
		.timeout = c->timeout,
	};
	struct net_http_resp	 resp;
	enum channel_outcome	 oc;

	if (c->ops->http_post(&hr, &resp, err) < 0) {
		buf_clear(&resp.body);
		derr_prefix(err, "sms: %s", provider_names[c->provider]);
		return map[resp.outcome];
	}
	oc = sms_reply_classify(c->provider, resp.status, resp.body.data,
	    resp.body.len, peer_id, err);
	buf_clear(&resp.body);
	/* 429/503 with Retry-After: not sooner than the server asks. */
	c->ch.hold.not_before = resp.retry_after;
	c->ch.hold.clock = oc != CHANNEL_SENT &&
	    (strstr(err->msg, "InvalidTimeStamp") != NULL ||
	    strstr(err->msg, "SignatureExpire") != NULL);
	if (oc != CHANNEL_SENT)
		derr_prefix(err, "sms");
	return oc;
}

static enum channel_outcome
sms_send(void *ctx, const struct channel_msg *m, char *peer_id,
    struct derr *err)
{
	struct sms_ctx		*c = ctx;
	struct sms_req		 q;
	json_t			*params;
	enum channel_outcome	 oc = CHANNEL_PERMANENT;
	int			 r;

	peer_id[0] = '\0';
	memset(&q, 0, sizeof(q));
	buf_init(&q.body, SMS_STR_MAX);
	if (!addr_phone_valid(m->to_addr) || !template_code_ok(m->subject)) {
		derr_set(err, DERR_INPUT, false, "sms: %s", !template_code_ok(
		    m->subject) ? "invalid template code" : "not an E.164 "
		    "phone number");
		goto out;
	}
	if ((params = params_load(c, m->text, err)) == NULL) {
		derr_prefix(err, "sms");
		goto out;
	}
	r = c->provider == SMS_ALIYUN ? aliyun_request(c, m, m->text, &q, err) :
	    tencent_request(c, m, params, &q, err);
	json_decref(params);
	if (r < 0)
		derr_prefix(err, "sms");
	else
		oc = post(c, &q, peer_id, err);
out:
	req_clear(&q);
	return oc;
}

static void
sms_flush(void *ctx)
{
	(void)ctx;
}

static void
sms_free(void *ctx)
{
	struct sms_ctx	*c = ctx;

	if (c == NULL)
		return;
	free(c->endpoint);
	free(c->host);
	free(c->key_id);
	xfree_secret(c->secret);
	free(c->sign_name);
	free(c->sdk_app_id);
	free(c->region);
	free(c->ca_file);
	free(c);
}

/* "https://Host:443/path" -> "host:443". */
static char *
url_host(const char *url)
{
	const char	*p = strstr(url, "://");
	char		*h;
	size_t		 n, i;

	p = p != NULL ? p + 3 : url;
	n = strcspn(p, "/?#");
	h = xstrndup(p, n);
	for (i = 0; i < n; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	return h;
}

static char *
dup_or_empty(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

struct channel *
sms_channel_new(const struct cfg_sms *cfg, const char *secret,
    const struct net_ops *ops, struct derr *err)
{
	struct sms_ctx	*c;
	int		 p = sms_provider_parse(cfg->provider);

	if (p < 0 || cfg->endpoint == NULL || secret == NULL) {
		derr_set(err, DERR_CONFIG, false, "sms: %s", p < 0 ?
		    "sms.provider must be aliyun or tencent" : cfg->endpoint ==
		    NULL ? "sms.endpoint is not set" : "sms.secret_file is "
		    "not set");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->ops = ops;
	c->provider = (enum sms_provider)p;
	c->endpoint = xstrdup(cfg->endpoint);
	c->host = url_host(cfg->endpoint);
	c->key_id = dup_or_empty(cfg->access_key_id);
	c->secret = xstrdup(secret);
	c->sign_name = dup_or_empty(cfg->sign_name);
	c->sdk_app_id = dup_or_empty(cfg->sdk_app_id);
	c->region = dup_or_empty(cfg->region);
	c->ca_file = cfg->ca_file != NULL ? xstrdup(cfg->ca_file) : NULL;
	c->timeout = cfg->timeout;
	c->param_max = cfg->param_max > 0 ? cfg->param_max : 35;
	c->limits[0] = (struct channel_limit){ cfg->min_interval, 1 };
	c->limits[1] = (struct channel_limit){ 3600, cfg->per_hour };
	c->limits[2] = (struct channel_limit){ 86400, cfg->per_day };
	c->ch.name = "sms";
	c->ch.ctx = c;
	c->ch.send = sms_send;
	c->ch.flush = sms_flush;
	c->ch.free = sms_free;
	c->ch.limits = c->limits;
	c->ch.nlimits = 3;
	return &c->ch;
}
