/*
 * channels/sms: the "sms" channel, Aliyun SendSms (RPC signature,
 * HMAC-SHA1) and Tencent Cloud SendSms (TC3-HMAC-SHA256), over net's HTTP
 * POST.  A row carries only an approved template code (subject) and a JSON
 * object of template parameters (text), built by sms_params_build so that
 * nothing but cleaned parameters within the provider's length limit can
 * reach a phone.  It classifies the provider's answer (sent, retry, dead,
 * maybe delivered) and keeps the provider's code and message; it never
 * retries by itself, logs nothing and touches no database.  The signing
 * steps are exported for the tests that reproduce the providers' vectors.
 */
#ifndef DUTYD_CHANNELS_SMS_H
#define DUTYD_CHANNELS_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channels/channel.h"
#include "config.h"
#include "err.h"
#include "net.h"
#include "sign.h"
#include "util.h"

enum sms_provider {
	SMS_ALIYUN,
	SMS_TENCENT
};

/* "aliyun" / "tencent" -> enum; -1 if unknown. */
int	sms_provider_parse(const char *);

/* A request parameter or header: name and value, both borrowed. */
struct sms_kv {
	const char	*name;
	const char	*value;
};

/* Aliyun RPC signature (SignatureMethod=HMAC-SHA1, SignatureVersion=1.0). */
struct sms_rpc_sig {
	struct buf	 canon;		/* CanonicalizedQueryString */
	struct buf	 sts;		/* StringToSign */
	char		*signature;	/* Base64 */
	struct buf	 encoded;	/* percent-encoded signature */
};
void	sms_rpc_sig_clear(struct sms_rpc_sig *);
/*
 * Sign the `n` parameters `kv` (Signature excluded) for HTTP `method` with
 * key `secret` + "&". Fills `out` (clear it with sms_rpc_sig_clear).
 */
int	sms_aliyun_rpc_sign(const char *method, const struct sms_kv *kv,
	    size_t n, const char *secret, struct sms_rpc_sig *out,
	    struct derr *);

/* Aliyun V3 signature (ACS3-HMAC-SHA256). */
struct sms_acs3_in {
	const char		*method;
	const char		*host;
	const char		*uri;		/* "/" for RPC-style APIs */
	const struct sms_kv	*query;
	size_t			 nquery;
	const struct sms_kv	*headers;	/* x-acs-*, lowercase names */
	size_t			 nheaders;
	const char		*body;
	size_t			 blen;
	const char		*key_id;
	const char		*secret;
};
struct sms_acs3_sig {
	char		 payload_hash[SIGN_SHA256_HEX];
	struct buf	 canon_query;
	struct buf	 canon_headers;
	struct buf	 signed_headers;
	struct buf	 canon_request;
	char		 request_hash[SIGN_SHA256_HEX];
	struct buf	 sts;
	char		 signature[SIGN_SHA256_HEX];
	struct buf	 authorization;
};
void	sms_acs3_sig_clear(struct sms_acs3_sig *);
int	sms_aliyun_acs3_sign(const struct sms_acs3_in *, struct sms_acs3_sig *,
	    struct derr *);

/* Tencent Cloud API 3.0 signature (TC3-HMAC-SHA256). */
struct sms_tc3_in {
	const char	*secret_id;
	const char	*secret_key;
	const char	*service;	/* "sms" */
	const char	*host;
	const char	*action;	/* "SendSms" */
	const char	*content_type;
	const char	*payload;
	size_t		 plen;
	int64_t		 timestamp;	/* Unix seconds */
	bool		 sign_action;	/* sign x-tc-action too */
};
struct sms_tc3_sig {
	char		 date[11];	/* UTC date of the timestamp */
	char		 payload_hash[SIGN_SHA256_HEX];
	struct buf	 canon_request;
	char		 request_hash[SIGN_SHA256_HEX];
	struct buf	 sts;
	char		 secret_date[SIGN_SHA256_HEX];	/* hex, for tests */
	char		 secret_service[SIGN_SHA256_HEX];
	char		 secret_signing[SIGN_SHA256_HEX];
	char		 signature[SIGN_SHA256_HEX];
	struct buf	 authorization;
};
void	sms_tc3_sig_clear(struct sms_tc3_sig *);
int	sms_tencent_tc3_sign(const struct sms_tc3_in *, struct sms_tc3_sig *,
	    struct derr *);

/*
 * The provider's answer to SendSms: HTTP `status` and `body`. Returns
 * CHANNEL_SENT (`peer_id`, size 128, gets BizId or SerialNo), or another
 * outcome with `err` saying "aliyun: CODE: message". Throttling and 5xx
 * are transient; a 200 whose body is not the provider's JSON is unknown
 * (the request may have been carried out); the rest is permanent.
 */
enum channel_outcome sms_reply_classify(enum sms_provider, long status,
	    const char *body, size_t len, char *peer_id, struct derr *);


/*
 * A new SMS channel for `cfg` (strings copied); `secret` is the content of
 * cfg->secret_file (copied, zeroed at free). `ops` is borrowed. The
 * channel's limits are cfg's per-number rate limits. Returns NULL with
 * DERR_CONFIG if the provider or endpoint is unusable.
 */
struct channel *sms_channel_new(const struct cfg_sms *cfg,
	    const char *secret, const struct net_ops *ops, struct derr *);

#endif
