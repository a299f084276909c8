/*
 * channels/im: the "im" channel, group robots of DingTalk (with the
 * optional 加签 signature), WeCom (企业微信), Feishu (with its signature)
 * and a generic JSON webhook whose body is a rendered template.  A row's
 * recipient is the robot's name from the config, its subject the title
 * and its text the text or markdown content (for a webhook: the JSON
 * body).  It posts through net, classifies the robot's answer, logs
 * nothing and touches no database; robot URLs (which carry tokens) and
 * secrets never appear in its errors.
 */
#ifndef DUTYD_CHANNELS_IM_H
#define DUTYD_CHANNELS_IM_H

#include <stddef.h>
#include <stdint.h>

#include "channels/channel.h"
#include "config.h"
#include "err.h"
#include "net.h"
#include "util.h"

enum im_type {
	IM_DINGTALK,
	IM_WECOM,
	IM_FEISHU,
	IM_WEBHOOK
};

/* "dingtalk" .. "webhook" -> enum; -1 if unknown. */
int	im_type_parse(const char *);

/*
 * DingTalk 加签: Base64(HMAC-SHA256(key = secret, msg = ms + "\n" +
 * secret)), and that URL-encoded into `enc`. `*b64` is new.
 */
int	im_dingtalk_sign(const char *secret, const char *timestamp_ms,
	    char **b64, struct buf *enc, struct derr *);

/*
 * Feishu: Base64(HMAC-SHA256(key = s + "\n" + secret, msg = "")). The
 * result is new.
 */
int	im_feishu_sign(const char *secret, const char *timestamp_s,
	    char **b64, struct derr *);

/* What to post to one robot. */
struct im_post {
	enum im_type	 type;
	bool		 markdown;
	const char	*title;		/* markdown title (DingTalk) */
	const char	*content;	/* text / markdown / webhook JSON */
	const char	*secret;	/* NULL: unsigned */
	int64_t		 now;		/* Unix seconds */
};

/*
 * The JSON body for `p` into `body` (and for DingTalk with a secret, the
 * "&timestamp=..&sign=.." to add to the URL into `query`). Content over a
 * robot's limit (WeCom text 2048 bytes, markdown 4096; DingTalk and Feishu
 * 4000) is cut at a character boundary and ends in "…". A webhook body
 * must be a JSON object or array (DERR_INPUT otherwise).
 */
int	im_body_build(const struct im_post *, struct buf *body,
	    struct buf *query, struct derr *);

/*
 * The robot's answer: CHANNEL_SENT when errcode (DingTalk, WeCom) or code
 * (Feishu) is 0, or for a webhook any 2xx; rate limits, "system busy",
 * 429 and 5xx are transient; a 200 that cannot be read is unknown; the
 * rest permanent, with the robot's code and message in `err`.
 */
enum channel_outcome im_reply_classify(enum im_type, long status,
	    const char *body, size_t len, struct derr *);

/*
 * The robots of `cfg` (nim entries) as one channel; `secrets[i]` is the
 * content of im[i].secret_file or NULL (copied, zeroed at free). Returns
 * NULL with DERR_CONFIG on an unknown type.
 */
struct channel *im_channel_new(const struct cfg_im *cfg, size_t nim,
	    const char *const *secrets, const struct net_ops *ops,
	    struct derr *);

#endif
