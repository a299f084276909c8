/*
 * channels/smtp: email through net.  See smtp.h.
 */
#include "channels/smtp.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "util.h"

/* Rendered mail is ours, but templates can grow: cap it anyway. */
#define SMTP_MSG_MAX	(4 * 1024 * 1024)
#define SMTP_PEER_ID_MAX 128

struct smtp_ctx {
	struct channel		 ch;
	const struct net_ops	*ops;
	struct net_smtp		*conn;		/* open for the batch */
	struct mime_builder	*mime;		/* reused message by message */
	char			*url;
	int			 tls;
	char			*username;
	char			*password;	/* secret */
	char			*ca_file;
	int			 connect_timeout;
	int			 timeout;
	char			*from;
	char			*from_name;
};

static const enum channel_outcome outcomes[] = {
	[NET_OK] = CHANNEL_SENT,
	[NET_TRANSIENT] = CHANNEL_TRANSIENT,
	[NET_PERMANENT] = CHANNEL_PERMANENT,
	[NET_UNKNOWN] = CHANNEL_UNKNOWN,
};

static char *
strdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* "250 2.0.0 Ok: queued as 4Xb2" (Postfix and others) gives "4Xb2". */
static void
queue_id(const char *reply, char *peer_id)
{
	const char	*p;
	size_t		 n = 0;

	peer_id[0] = '\0';
	p = strcasestr(reply, "queued as ");
	if (p == NULL)
		return;
	for (p += strlen("queued as "); n < SMTP_PEER_ID_MAX - 1; p++, n++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
		    *p != '_')
			break;
		peer_id[n] = *p;
	}
	peer_id[n] = '\0';
}

static int
conn_open(struct smtp_ctx *c, struct derr *err)
{
	struct net_smtp_opts	 o = {
		.url = c->url,
		.tls = c->tls,
		.username = c->username,
		.password = c->password,
		.ca_file = c->ca_file,
		.connect_timeout = c->connect_timeout,
		.timeout = c->timeout,
	};

	if (c->conn != NULL)
		return 0;
	c->conn = c->ops->smtp_new(&o, err);
	return c->conn != NULL ? 0 : -1;
}

static enum channel_outcome
smtp_send(void *ctx, const struct channel_msg *msg, char *peer_id,
    struct derr *err)
{
	struct smtp_ctx		*c = ctx;
	struct mime_out		 m = {
		.from_addr = c->from, .from_name = c->from_name,
		.to_addr = msg->to_addr, .to_name = msg->to_name,
		.subject = msg->subject, .text = msg->text, .html = msg->html,
		.message_id = msg->message_id, .date = msg->date,
		.utc_offset = msg->utc_offset,
	};
	struct net_result	 res;
	struct buf		 b;
	const char		*rcpt[1] = { msg->to_addr };
	int			 rc;

	peer_id[0] = '\0';
	buf_init(&b, SMTP_MSG_MAX);
	/* Built when queued, it goes as it is; else it is built now. */
	if (msg->raw == NULL &&
	    mime_builder_build(c->mime, &m, &b, err) == -1) {
		buf_clear(&b);
		derr_prefix(err, "smtp");
		return CHANNEL_PERMANENT;
	}
	if (conn_open(c, err) == -1) {
		buf_clear(&b);
		derr_prefix(err, "smtp");
		return err->transient ? CHANNEL_TRANSIENT : CHANNEL_PERMANENT;
	}
	rc = c->ops->smtp_send(c->conn, c->from, rcpt, 1,
	    msg->raw ? msg->raw : b.data, msg->raw ? msg->raw_len : b.len,
	    &res, err);
	buf_clear(&b);
	if (rc == -1)
		derr_prefix(err, "smtp");
	else
		queue_id(res.reply, peer_id);
	return outcomes[res.outcome];
}

static void
smtp_flush(void *ctx)
{
	struct smtp_ctx	*c = ctx;

	c->ops->smtp_free(c->conn);
	c->conn = NULL;
}

static void
smtp_free(void *ctx)
{
	struct smtp_ctx	*c = ctx;

	if (c == NULL)
		return;
	smtp_flush(c);
	mime_builder_free(c->mime);
	free(c->url);
	free(c->username);
	xfree_secret(c->password);
	free(c->ca_file);
	free(c->from);
	free(c->from_name);
	free(c);
}

struct channel *
smtp_channel_new(const struct cfg_smtp *cfg, const char *password,
    const struct net_ops *ops, struct derr *err)
{
	struct smtp_ctx	*c;

	if (!addr_email_valid(cfg->from)) {
		derr_set(err, DERR_CONFIG, false, "smtp: smtp.from is not a "
		    "valid address");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->ops = ops;
	c->mime = mime_builder_new();
	c->url = strdup_or_null(cfg->url);
	c->tls = (int)cfg->tls;
	c->username = strdup_or_null(cfg->username);
	c->password = strdup_or_null(password);
	c->ca_file = strdup_or_null(cfg->ca_file);
	c->connect_timeout = cfg->connect_timeout;
	c->timeout = cfg->timeout;
	c->from = xstrdup(cfg->from);
	c->from_name = strdup_or_null(cfg->from_name);
	c->ch.name = "email";
	c->ch.ctx = c;
	c->ch.send = smtp_send;
	c->ch.flush = smtp_flush;
	c->ch.free = smtp_free;
	return &c->ch;
}
