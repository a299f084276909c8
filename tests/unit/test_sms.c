/*
 * test_sms: the SMS channel against the providers' vectors
 * (tests/data/vectors/, copied from the shared vector set): Aliyun's
 * percent-encoding table, RPC and V3 signatures, Tencent's TC3 chain, the
 * request bodies and headers the channel sends (through a fake net_ops),
 * reply classification, and the cleaning of template parameters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

#include <jansson.h>

#include "channels/sms.h"
#include "config.h"
#include "net.h"
#include "sign.h"
#include "util.h"
#include "smsparam.h"

/* Memory from libdutyd and jansson is the real malloc's. */
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
js(const json_t *o, const char *path)
{
	char		 key[64];
	const char	*dot;
	size_t		 n;

	while ((dot = strchr(path, '.')) != NULL) {
		n = (size_t)(dot - path);
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_object_get(o, key);
		path = dot + 1;
	}
	if (!json_is_string(json_object_get(o, path)))
		fail_msg("vector field %s missing", path);
	return json_string_value(json_object_get(o, path));
}

/* An object of strings as a kv array (borrowed from `o`). */
static size_t
kv_of(const json_t *o, struct sms_kv *kv, size_t max)
{
	const char	*k;
	json_t		*v;
	size_t		 n = 0;

	json_object_foreach((json_t *)(uintptr_t)o, k, v) {
		assert_true(n < max);
		kv[n].name = k;
		kv[n++].value = json_string_value(v);
	}
	return n;
}

static void
test_sms_percent_table(void **state)
{
	json_t		*j = load(VEC("aliyun-sms.json")), *c;
	struct buf	 b;
	struct derr	 err;
	size_t		 i;

	(void)state;
	json_array_foreach(json_object_get(json_object_get(j,
	    "percent_encode_table"), "cases"), i, c) {
		buf_init(&b, 0);
		assert_int_equal(sign_pct_encode(&b, js(c, "input"), &err), 0);
		assert_string_equal(b.data, js(c, "encoded"));
		buf_clear(&b);
	}
	assert_true(i >= 16);
	json_decref(j);
}

static void
test_sms_aliyun_rpc_vectors(void **state)
{
	json_t			*j = load(VEC("aliyun-sms.json")), *v;
	struct sms_kv		 kv[32];
	struct sms_rpc_sig	 sig;
	struct derr		 err;
	size_t			 i, n, done = 0;

	(void)state;
	json_array_foreach(json_object_get(j, "vectors"), i, v) {
		if (strncmp(js(v, "id"), "aliyun-rpc-", 11) != 0)
			continue;
		n = kv_of(json_object_get(json_object_get(v, "inputs"),
		    "parameters"), kv, 32);
		assert_int_equal(sms_aliyun_rpc_sign(js(v,
		    "inputs.http_method"), kv, n, js(v,
		    "inputs.access_key_secret"), &sig, &err), 0);
		assert_string_equal(sig.canon.data, js(v,
		    "intermediate.canonicalized_query_string"));
		assert_string_equal(sig.sts.data, js(v,
		    "intermediate.string_to_sign"));
		assert_string_equal(sig.signature, js(v, "expected.signature"));
		assert_string_equal(sig.encoded.data, js(v,
		    "expected.signature_percent_encoded"));
		sms_rpc_sig_clear(&sig);
		done++;
	}
	assert_int_equal(done, 5);
	json_decref(j);
}

static void
test_sms_aliyun_acs3_vectors(void **state)
{
	json_t			*j = load(VEC("aliyun-sms.json")), *v, *in;
	struct sms_kv		 q[16], h[16];
	struct sms_acs3_sig	 sig;
	struct sms_acs3_in	 a;
	struct derr		 err;
	size_t			 i, done = 0;
	char			*url;

	(void)state;
	json_array_foreach(json_object_get(j, "vectors"), i, v) {
		if (strncmp(js(v, "id"), "aliyun-acs3-", 12) != 0)
			continue;
		in = json_object_get(v, "inputs");
		memset(&a, 0, sizeof(a));
		a.method = js(in, "http_method");
		a.host = js(in, "host");
		a.uri = js(in, "canonical_uri");
		a.nquery = kv_of(json_object_get(in, "query"), q, 16);
		a.query = q;
		a.nheaders = kv_of(json_object_get(in, "headers"), h, 16);
		a.headers = h;
		a.body = js(in, "body");
		a.blen = strlen(a.body);
		a.key_id = js(in, "access_key_id");
		a.secret = js(in, "access_key_secret");
		assert_int_equal(sms_aliyun_acs3_sign(&a, &sig, &err), 0);
		assert_string_equal(sig.canon_query.data, js(v,
		    "intermediate.canonical_query_string"));
		assert_string_equal(sig.payload_hash, js(v,
		    "intermediate.hashed_request_payload"));
		assert_string_equal(sig.canon_headers.data, js(v,
		    "intermediate.canonical_headers"));
		assert_string_equal(sig.signed_headers.data, js(v,
		    "intermediate.signed_headers"));
		assert_string_equal(sig.canon_request.data, js(v,
		    "intermediate.canonical_request"));
		assert_string_equal(sig.request_hash, js(v,
		    "intermediate.hashed_canonical_request"));
		assert_string_equal(sig.sts.data, js(v,
		    "intermediate.string_to_sign"));
		assert_string_equal(sig.signature, js(v, "expected.signature"));
		assert_string_equal(sig.authorization.data, js(v,
		    "expected.authorization"));
		if (json_object_get(json_object_get(v, "expected"),
		    "request_url") != NULL) {
			url = xasprintf("https://%s/?%s", a.host,
			    sig.canon_query.data);
			assert_string_equal(url, js(v, "expected.request_url"));
			lib_free(url);
		}
		sms_acs3_sig_clear(&sig);
		done++;
	}
	assert_int_equal(done, 2);
	json_decref(j);
}

static void
tc3_check(const json_t *v, const struct sms_tc3_sig *sig)
{
	char	*scope;

	assert_string_equal(sig->date, js(v, "intermediate.date"));
	scope = xasprintf("%s/%s/tc3_request", sig->date, js(v,
	    "inputs.service"));
	assert_string_equal(scope, js(v, "intermediate.credential_scope"));
	lib_free(scope);
	assert_non_null(strstr(sig->canon_request.data, js(v,
	    "intermediate.canonical_headers")));
	assert_string_equal(sig->payload_hash, js(v,
	    "intermediate.hashed_request_payload"));
	assert_string_equal(sig->canon_request.data, js(v,
	    "intermediate.canonical_request"));
	assert_string_equal(sig->request_hash, js(v,
	    "intermediate.hashed_canonical_request"));
	assert_string_equal(sig->sts.data, js(v,
	    "intermediate.string_to_sign"));
	assert_string_equal(sig->secret_date, js(v,
	    "intermediate_keys_derived.secret_date_hex"));
	assert_string_equal(sig->secret_service, js(v,
	    "intermediate_keys_derived.secret_service_hex"));
	assert_string_equal(sig->secret_signing, js(v,
	    "intermediate_keys_derived.secret_signing_hex"));
	assert_string_equal(sig->signature, js(v, "expected.signature"));
	assert_string_equal(sig->authorization.data, js(v,
	    "expected.authorization"));
}

static void
test_sms_tencent_vectors(void **state)
{
	json_t			*j = load(VEC("tencent-sms.json")), *v, *in;
	struct sms_tc3_in	 t;
	struct sms_tc3_sig	 sig;
	struct derr		 err;
	size_t			 i;

	(void)state;
	json_array_foreach(json_object_get(j, "vectors"), i, v) {
		in = json_object_get(v, "inputs");
		memset(&t, 0, sizeof(t));
		t.secret_id = js(in, "secret_id");
		t.secret_key = js(in, "secret_key");
		t.service = js(in, "service");
		t.host = js(in, "host");
		t.action = js(in, "action");
		t.content_type = js(in, "content_type");
		t.payload = js(in, "payload");
		t.plen = strlen(t.payload);
		assert_int_equal(t.plen, json_integer_value(json_object_get(in,
		    "payload_utf8_length")));
		t.timestamp = json_integer_value(json_object_get(in,
		    "timestamp"));
		t.sign_action = strstr(js(v, "intermediate.signed_headers"),
		    "x-tc-action") != NULL;
		assert_int_equal(sms_tencent_tc3_sign(&t, &sig, &err), 0);
		tc3_check(v, &sig);
		sms_tc3_sig_clear(&sig);
	}
	assert_int_equal(i, 5);
	json_decref(j);
}

/* ------------------------------------------------------------------ */
/* The channel through a fake net_ops */

static struct {
	char	*url;
	char	*headers[16];
	size_t	 nheaders;
	char	*body;
	long	 status;
	const char *answer;
	enum net_outcome fail;	/* NET_OK: answer, else fail this way */
	int	 calls;
} fake;

static void
fake_reset(void)
{
	size_t	 i;

	lib_free(fake.url);
	lib_free(fake.body);
	for (i = 0; i < fake.nheaders; i++)
		lib_free(fake.headers[i]);
	memset(&fake, 0, sizeof(fake));
}

static int
fake_post(const struct net_http_req *q, struct net_http_resp *r,
    struct derr *err)
{
	size_t	 i;

	fake.calls++;
	fake.url = xstrdup(q->url);
	for (i = 0; i < q->nheaders && i < 16; i++)
		fake.headers[i] = xstrdup(q->headers[i]);
	fake.nheaders = i;
	fake.body = xstrndup(q->body, q->len);
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, NET_HTTP_BODY_MAX);
	if (fake.fail != NET_OK) {
		r->outcome = fake.fail;
		return derr_set(err, DERR_NET, fake.fail != NET_PERMANENT,
		    "scripted failure");
	}
	r->outcome = NET_OK;
	r->status = fake.status;
	return buf_puts(&r->body, fake.answer, err);
}

static const struct net_ops fake_ops = { .http_post = fake_post };

static const char *
header(const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < fake.nheaders; i++)
		if (strncmp(fake.headers[i], name, n) == 0 &&
		    fake.headers[i][n] == ':')
			return fake.headers[i] + n + 2;
	return NULL;
}

static struct channel *
sms_new(const char *provider, const char *key_id, const char *secret,
    const char *sign_name)
{
	struct cfg_sms	 c;
	struct derr	 err;
	struct channel	*ch;

	memset(&c, 0, sizeof(c));
	c.enabled = true;
	c.provider = (char *)(uintptr_t)provider;
	c.endpoint = (char *)(uintptr_t)(strcmp(provider, "tencent") == 0 ?
	    "https://sms.tencentcloudapi.com/" :
	    "https://dysmsapi.aliyuncs.com/");
	c.access_key_id = (char *)(uintptr_t)key_id;
	c.sign_name = (char *)(uintptr_t)sign_name;
	c.sdk_app_id = (char *)(uintptr_t)"1400000000";
	c.region = (char *)(uintptr_t)(strcmp(provider, "tencent") == 0 ?
	    "ap-guangzhou" : "cn-hangzhou");
	c.timeout = 5;
	c.param_max = 35;
	ch = sms_channel_new(&c, secret, &fake_ops, &err);
	assert_non_null(ch);
	return ch;
}

/* Tencent SendSms: the channel's body and headers are the vector's. */
static void
test_sms_tencent_request_matches_vector(void **state)
{
	json_t		*j = load(VEC("tencent-sms.json")), *v;
	struct channel	*ch;
	struct channel_msg m;
	struct derr	 err;
	char		 peer[128];
	const char	*k;
	json_t		*hv;

	(void)state;
	v = json_array_get(json_object_get(j, "vectors"), 4);
	assert_string_equal(js(v, "id"), "tencent-tc3-sms-sendsms-derived");
	ch = sms_new("tencent", js(v, "inputs.secret_id"),
	    js(v, "inputs.secret_key"), "值班通知");
	memset(&m, 0, sizeof(m));
	m.key = "remind:zhang:sms:item:1:before:1";
	m.to_addr = "+8613800000000";
	m.subject = "1234567";
	m.text = "{\"service\":\"db-01\",\"value\":\"CPU 95%\"}";
	m.now = json_integer_value(json_object_get(json_object_get(v,
	    "inputs"), "timestamp"));
	fake_reset();
	fake.status = 200;
	fake.answer = "{\"Response\":{\"SendStatusSet\":[{\"SerialNo\":"
	    "\"5000:1045710669157053657849499619\",\"Code\":\"Ok\"}],"
	    "\"RequestId\":\"a0aabda6\"}}";
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err), CHANNEL_SENT);
	assert_string_equal(peer, "5000:1045710669157053657849499619");
	assert_string_equal(fake.body, js(v, "inputs.payload"));
	json_object_foreach(json_object_get(json_object_get(v, "expected"),
	    "request_headers"), k, hv) {
		if (strcmp(k, "Host") == 0)	/* libcurl's, from the URL */
			continue;
		assert_non_null(header(k));
		assert_string_equal(header(k), json_string_value(hv));
	}
	fake_reset();
	channel_free(ch);
	json_decref(j);
}

/* Split a form body into a kv array (values decoded in place). */
static size_t
form_split(char *body, struct sms_kv *kv, size_t max)
{
	char	*p, *amp, *eq, *r, *w;
	size_t	 n = 0;
	unsigned int c;

	for (p = body; p != NULL && *p != '\0' && n < max; p = amp) {
		amp = strchr(p, '&');
		if (amp != NULL)
			*amp++ = '\0';
		eq = strchr(p, '=');
		assert_non_null(eq);
		*eq = '\0';
		for (r = w = eq + 1; *r != '\0'; w++) {
			if (*r == '%' && sscanf(r + 1, "%2x", &c) == 1) {
				*w = (char)c;
				r += 3;
			} else {
				*w = *r++;
			}
		}
		*w = '\0';
		kv[n].name = p;
		kv[n++].value = eq + 1;
	}
	return n;
}

/*
 * Aliyun SendSms as the channel posts it: the parameters of the derived
 * POST vector (nonce and time aside), and a signature that verifies.
 */
static void
test_sms_aliyun_request_signed(void **state)
{
	json_t			*j = load(VEC("aliyun-sms.json")), *v, *pv;
	struct channel		*ch;
	struct channel_msg	 m;
	struct sms_kv		 kv[32], rest[32];
	struct sms_rpc_sig	 sig;
	struct derr		 err;
	char			 peer[128];
	const char		*want, *k;
	size_t			 i, n, nrest = 0;

	(void)state;
	v = json_array_get(json_object_get(j, "vectors"), 4);
	assert_string_equal(js(v, "id"), "aliyun-rpc-sendsms-post-derived");
	pv = json_object_get(json_object_get(v, "inputs"), "parameters");
	ch = sms_new("aliyun", js(pv, "AccessKeyId"),
	    js(v, "inputs.access_key_secret"), js(pv, "SignName"));
	memset(&m, 0, sizeof(m));
	m.key = "remind:zhang:sms:item:1:before:1";
	m.to_addr = "+8613800000000";
	m.subject = js(pv, "TemplateCode");
	m.text = js(pv, "TemplateParam");
	m.now = 1735689600;	/* 2025-01-01T00:00:00Z */
	fake_reset();
	fake.status = 200;
	fake.answer = "{\"Message\":\"OK\",\"RequestId\":\"F655A8D5\","
	    "\"Code\":\"OK\",\"BizId\":\"900619746936498440^0\"}";
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err), CHANNEL_SENT);
	assert_string_equal(peer, "900619746936498440^0");
	assert_string_equal(header("Content-Type"),
	    "application/x-www-form-urlencoded");
	assert_string_equal(fake.url, "https://dysmsapi.aliyuncs.com/");
	n = form_split(fake.body, kv, 32);
	assert_string_equal(kv[0].name, "Signature");
	for (i = 1; i < n; i++) {
		k = kv[i].name;
		rest[nrest++] = kv[i];
		if (strcmp(k, "SignatureNonce") == 0)
			continue;
		want = js(pv, k);
		assert_string_equal(kv[i].value, want);
	}
	assert_int_equal(nrest, json_object_size(pv));
	assert_int_equal(sms_aliyun_rpc_sign("POST", rest, nrest,
	    js(v, "inputs.access_key_secret"), &sig, &err), 0);
	assert_string_equal(kv[0].value, sig.signature);
	sms_rpc_sig_clear(&sig);
	fake_reset();
	channel_free(ch);
	json_decref(j);
}

/* ------------------------------------------------------------------ */
/* Replies */

static enum channel_outcome
classify(enum sms_provider p, long status, const char *body, char *peer,
    struct derr *err)
{
	return sms_reply_classify(p, status, body, strlen(body), peer, err);
}

static enum channel_outcome
classify_json(enum sms_provider p, long status, const json_t *body,
    char *peer, struct derr *err)
{
	char			*s = json_dumps(body, JSON_COMPACT);
	enum channel_outcome	 oc;

	oc = classify(p, status, s, peer, err);
	lib_free(s);
	return oc;
}

/*
 * Every code named in a classification block, as the provider would send
 * it, must land on the side the vector says. "A / B.* / HTTP 5xx" names
 * A and B.Something; prose entries are skipped.
 */
static void
check_codes(enum sms_provider p, const json_t *block, enum channel_outcome want)
{
	const char		*k;
	json_t			*v, *body;
	char			 list[512], *code, *save = NULL, peer[128];
	char			 c[128];
	struct derr		 err;
	size_t			 n;

	json_object_foreach((json_t *)(uintptr_t)block, k, v) {
		snprintf(list, sizeof(list), "%s", k);
		for (code = strtok_r(list, "/", &save); code != NULL;
		    code = strtok_r(NULL, "/", &save)) {
			code = str_trim(code);
			if (strchr(code, ' ') != NULL)
				continue;	/* "HTTP 5xx", "... with ..." */
			n = strlen(code);
			snprintf(c, sizeof(c), "%.*s%s", (int)(n -
			    (code[n - 1] == '*')), code,
			    code[n - 1] == '*' ? "Example" : "");
			if (p == SMS_ALIYUN)
				body = json_pack("{s:s,s:s,s:s}", "Code", c,
				    "Message", "msg", "RequestId", "r");
			else
				body = json_pack("{s:{s:{s:s,s:s},s:s}}",
				    "Response", "Error", "Code", c, "Message",
				    "msg", "RequestId", "r");
			if (classify_json(p, 200, body, peer, &err) != want)
				fail_msg("%s: want %d", c, want);
			assert_non_null(strstr(err.msg, c));
			json_decref(body);
		}
	}
}

static void
test_sms_reply_aliyun(void **state)
{
	json_t		*j = load(VEC("aliyun-sms.json")), *r;
	char		 peer[128];
	struct derr	 err;

	(void)state;
	r = json_object_get(j, "responses");
	assert_int_equal(classify_json(SMS_ALIYUN, 200, json_object_get(
	    json_object_get(r, "success"), "body"), peer, &err),
	    CHANNEL_SENT);
	assert_string_equal(peer, "900619746936498440^0");
	check_codes(SMS_ALIYUN, json_object_get(json_object_get(r,
	    "classification"), "retry"), CHANNEL_TRANSIENT);
	check_codes(SMS_ALIYUN, json_object_get(json_object_get(r,
	    "classification"), "give_up"), CHANNEL_PERMANENT);
	/* Permanent errors keep the provider's code and message. */
	assert_int_equal(classify(SMS_ALIYUN, 200, "{\"Code\":"
	    "\"isv.MOBILE_NUMBER_ILLEGAL\",\"Message\":\"非法手机号\"}", peer,
	    &err), CHANNEL_PERMANENT);
	assert_string_equal(err.msg, "aliyun: isv.MOBILE_NUMBER_ILLEGAL: "
	    "非法手机号 (HTTP 200)");
	assert_false(err.transient);
	/* Gateway errors: 4xx/5xx with the same shape. */
	assert_int_equal(classify(SMS_ALIYUN, 400, "{\"Code\":"
	    "\"SignatureDoesNotMatch\",\"HostId\":\"dysmsapi.aliyuncs.com\"}",
	    peer, &err), CHANNEL_PERMANENT);
	assert_int_equal(classify(SMS_ALIYUN, 503, "{\"Code\":"
	    "\"ServiceUnavailable\"}", peer, &err), CHANNEL_TRANSIENT);
	assert_int_equal(classify(SMS_ALIYUN, 502, "<html>bad gateway",
	    peer, &err), CHANNEL_TRANSIENT);
	assert_int_equal(classify(SMS_ALIYUN, 429, "", peer, &err),
	    CHANNEL_TRANSIENT);
	/* A 200 we cannot read may have been carried out. */
	assert_int_equal(classify(SMS_ALIYUN, 200, "<Error>garbage", peer,
	    &err), CHANNEL_UNKNOWN);
	assert_non_null(strstr(err.msg, "may have been sent"));
	assert_int_equal(classify(SMS_ALIYUN, 200, "{}", peer, &err),
	    CHANNEL_UNKNOWN);
	json_decref(j);
}

static void
test_sms_reply_tencent(void **state)
{
	json_t		*j = load(VEC("tencent-sms.json")), *r, *b;
	char		 peer[128];
	struct derr	 err;

	(void)state;
	r = json_object_get(j, "responses");
	assert_int_equal(classify_json(SMS_TENCENT, 200, json_object_get(
	    json_object_get(r, "success"), "body"), peer, &err),
	    CHANNEL_SENT);
	assert_string_equal(peer, "5000:1045710669157053657849499619");
	assert_int_equal(classify_json(SMS_TENCENT, 200, json_object_get(
	    json_object_get(r, "error"), "body"), peer, &err),
	    CHANNEL_PERMANENT);
	assert_non_null(strstr(err.msg, "AuthFailure.SignatureFailure: The "
	    "provided credentials could not be validated"));
	check_codes(SMS_TENCENT, json_object_get(json_object_get(r,
	    "classification"), "retry"), CHANNEL_TRANSIENT);
	check_codes(SMS_TENCENT, json_object_get(json_object_get(r,
	    "classification"), "give_up"), CHANNEL_PERMANENT);
	/* Per-number status inside a successful request. */
	b = json_pack("{s:{s:[{s:s,s:s,s:s}],s:s}}", "Response",
	    "SendStatusSet", "SerialNo", "", "Code",
	    "LimitExceeded.PhoneNumberDailyLimit", "Message", "daily limit",
	    "RequestId", "x");
	assert_int_equal(classify_json(SMS_TENCENT, 200, b, peer, &err),
	    CHANNEL_PERMANENT);
	assert_string_equal(err.msg, "tencent: "
	    "LimitExceeded.PhoneNumberDailyLimit: daily limit (HTTP 200)");
	json_decref(b);
	assert_int_equal(classify(SMS_TENCENT, 500, "", peer, &err),
	    CHANNEL_TRANSIENT);
	assert_int_equal(classify(SMS_TENCENT, 200, "not json", peer, &err),
	    CHANNEL_UNKNOWN);
	json_decref(j);
}

/* The channel maps net's outcomes: not sent, sent without answer. */
static void
test_sms_net_outcomes(void **state)
{
	struct channel		*ch;
	struct channel_msg	 m;
	struct derr		 err;
	char			 peer[128];

	(void)state;
	ch = sms_new("aliyun", "id", "secret", "签名");
	memset(&m, 0, sizeof(m));
	m.key = "k";
	m.to_addr = "+8613800138000";
	m.subject = "SMS_1";
	m.text = "{\"name\":\"王立群\"}";
	m.now = 1735689600;
	fake_reset();
	fake.fail = NET_TRANSIENT;
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err), CHANNEL_TRANSIENT);
	fake_reset();
	fake.fail = NET_UNKNOWN;
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err), CHANNEL_UNKNOWN);
	assert_true(err.transient);
	/* Bad rows never reach the network. */
	fake_reset();
	m.to_addr = "+86 138";
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err),
	    CHANNEL_PERMANENT);
	assert_string_equal(err.msg, "sms: not an E.164 phone number");
	m.to_addr = "+8613800138000";
	m.subject = "SMS_1\r\nX: y";
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err),
	    CHANNEL_PERMANENT);
	m.subject = "SMS_1";
	m.text = "{\"name\":\"【假签名】\"}";
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err),
	    CHANNEL_PERMANENT);
	assert_non_null(strstr(err.msg, "template parameter name is not a "
	    "clean string"));
	m.text = "[\"a\"]";
	assert_int_equal(ch->send(ch->ctx, &m, peer, &err),
	    CHANNEL_PERMANENT);
	assert_int_equal(fake.calls, 0);
	/* Secrets never show up in errors. */
	assert_null(strstr(err.msg, "secret"));
	channel_free(ch);
}

/* ------------------------------------------------------------------ */
/* Parameters */

static void
test_smsparam_clean(void **state)
{
	static const struct {
		const char	*in;
		int		 max;
		const char	*out;
	} t[] = {
		{ "王立群", 35, "王立群" },
		{ "  a\r\n\tb  ", 35, "a b" },
		{ "【国务院】通知", 35, "国务院通知" },
		{ "${x} {1} <a> [b]", 35, "x 1 a b" },
		{ "\"quoted\" 'q' `c` \\", 35, "quoted q c" },
		{ "\xe2\x80\xae" "evil", 35, "evil" },	/* RLO */
		{ "一二三四五六七八九十", 5, "一二三四…" },
		{ "一二三四五", 5, "一二三四五" },
		{ "abc def", 4, "abc…" },
		{ "", 35, "-" },
		{ "【】", 35, "-" },
		{ "2026-12-01", 10, "2026-12-01" },
	};
	size_t	 i;
	char	*s;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = smsparam_clean(t[i].in, t[i].max);
		assert_non_null(s);
		if (strcmp(s, t[i].out) != 0)
			fail_msg("case %zu: want [%s] got [%s]", i, t[i].out,
			    s);
		lib_free(s);
	}
	assert_null(smsparam_clean("\xff\xfe", 35));
}

static void
test_smsparam_build(void **state)
{
	char		*json = NULL;
	struct derr	 err;

	(void)state;
	assert_int_equal(smsparam_build("name=王立群\ncount=2\n\n"
	    "code=P01-3\ndeadline=2026-12-01\n", 12, &json, &err), 0);
	assert_string_equal(json, "{\"name\":\"王立群\",\"count\":\"2\","
	    "\"code\":\"P01-3\",\"deadline\":\"2026-12-01\"}");
	lib_free(json);
	assert_int_equal(smsparam_build("text=请于{1}前【报送】\"x\"", 6,
	    &json, &err), 0);
	assert_string_equal(json, "{\"text\":\"请于1前报…\"}");
	lib_free(json);
	assert_int_equal(smsparam_build("name=a\nbad line\n", 12, &json,
	    &err), -1);
	assert_int_equal(err.kind, DERR_INPUT);
	assert_string_equal(err.msg, "line 2: want name=value with a name of "
	    "1-32 letters, digits or _");
	assert_int_equal(smsparam_build("a=1\na=2\n", 12, &json, &err), -1);
	assert_string_equal(err.msg, "line 2: invalid, repeated or too many "
	    "parameters (at most 16)");
	assert_int_equal(smsparam_build("na-me=1\n", 12, &json, &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sms_percent_table),
		cmocka_unit_test(test_sms_aliyun_rpc_vectors),
		cmocka_unit_test(test_sms_aliyun_acs3_vectors),
		cmocka_unit_test(test_sms_tencent_vectors),
		cmocka_unit_test(test_sms_tencent_request_matches_vector),
		cmocka_unit_test(test_sms_aliyun_request_signed),
		cmocka_unit_test(test_sms_reply_aliyun),
		cmocka_unit_test(test_sms_reply_tencent),
		cmocka_unit_test(test_sms_net_outcomes),
		cmocka_unit_test(test_smsparam_clean),
		cmocka_unit_test(test_smsparam_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
