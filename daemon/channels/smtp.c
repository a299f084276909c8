/*
 * channels/smtp: email through net.  See smtp.h.
 */
#include "channels/smtp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "util.h"

#define SMTP_PEER_ID_MAX 128

struct smtp_ctx {
	struct channel		 ch;
	const struct net_ops	*ops;
	struct net_smtp		*conn;		/* open for the batch */
	char			*url;
	int			 tls;
	char			*username;
	char			*password;	/* secret */
	char			*ca_file;
	int			 connect_timeout;
	int			 timeout;
	int			 per_connection;	/* 0: no cap */
	int			 on_conn;	/* messages sent on conn */
	char			*from;		/* the envelope sender */
};

static const enum channel_outcome outcomes[] = {
	[NET_OK] = CHANNEL_SENT,
	[NET_TRANSIENT] = CHANNEL_TRANSIENT,
	[NET_PERMANENT] = CHANNEL_PERMANENT,
	[NET_UNKNOWN] = CHANNEL_UNKNOWN,
};

/*
 * What a reply means, beyond its code (tests/data/vectors/smtp-cn-replies.md,
 * from NetEase's bounce-code list and Coremail's documentation): for the
 * message only, for the whole channel (pause: the next messages would
 * fail alike; stop: until the admin acts), or "reconnect and go on".
 */
enum smtp_class {
	SMTP_RETRY,		/* this message: retry, not before `wait` */
	SMTP_DEAD,		/* this message: refused for good */
	SMTP_RECONNECT,		/* per-connection cap: new connection */
	SMTP_PAUSE,		/* the channel: pause `wait` seconds */
	SMTP_STOP		/* the channel: until the admin acts */
};

/* A stopped channel tries one message this often (no login loop). */
#define SMTP_STOP_PROBE	1800

static const struct smtp_reply_class {
	int		 lo, hi;	/* reply codes */
	const char	*tag;		/* in the reply, any case; NULL: any */
	enum smtp_class	 cls;
	int64_t		 wait;		/* seconds */
	const char	*say;		/* cause or hint (gettext) */
} reply_classes[] = {
	{ 450, 451, "MI:DMC", SMTP_RECONNECT, 0, NULL },
	{ 450, 450, "RP:DRC", SMTP_RECONNECT, 0, NULL },
	{ 421, 421, "HL:ICC", SMTP_PAUSE, 300,
	    N_("the server saw too many connections from this host (421 "
	    "HL:ICC): the email channel pauses 5 minutes") },
	{ 421, 421, "HL:IFC", SMTP_PAUSE, 900,
	    N_("this host sent too much in a short time (421 HL:IFC): "
	    "the email channel pauses 15 minutes; lower smtp.rate") },
	{ 421, 421, "HL:REP", SMTP_PAUSE, 3600,
	    N_("the server found the sending abnormal (421 HL:REP, too "
	    "many invalid recipients): the email channel pauses 1 "
	    "hour; check the people's email addresses") },
	{ 421, 421, "HL:MEP", SMTP_PAUSE, 3600,
	    N_("the server found the sending abnormal (421 HL:MEP): the "
	    "email channel pauses 1 hour; check that smtp.from is the "
	    "login account") },
	{ 450, 451, "MI:CEL", SMTP_PAUSE, 900,
	    N_("too many failed commands on one connection (MI:CEL): the "
	    "email channel pauses 15 minutes; report it if it happens "
	    "again") },
	{ 450, 451, "RP:CEL", SMTP_PAUSE, 900,
	    N_("too many failed commands on one connection (RP:CEL): the "
	    "email channel pauses 15 minutes; report it if it happens "
	    "again") },
	{ 450, 451, "MI:CCL", SMTP_PAUSE, 900,
	    N_("too many commands on one connection (MI:CCL): the email "
	    "channel pauses 15 minutes; report it if it happens again") },
	{ 450, 451, "RP:CCL", SMTP_PAUSE, 900,
	    N_("too many commands on one connection (RP:CCL): the email "
	    "channel pauses 15 minutes; report it if it happens again") },
	{ 451, 451, "MI:SFQ", SMTP_PAUSE, 900,
	    N_("the sending account's quota for 15 minutes is used up "
	    "(451 MI:SFQ): the email channel pauses 15 minutes, "
	    "waiting mail is kept; lower smtp.rate") },
	{ 451, 451, "DT:SPM", SMTP_RETRY, 120,
	    N_("taken for spam by the server for now (451 DT:SPM): "
	    "retried in about 2 minutes") },
	{ 554, 554, "DT:SPM", SMTP_DEAD, 0,
	    N_("refused as spam by the server (554 DT:SPM): reword the "
	    "templates, use fewer links, and set a real sender name "
	    "in smtp.from_name") },
	{ 450, 450, "DT:RBL", SMTP_PAUSE, 3600,
	    N_("this host's IP is on a spam blacklist (450 DT:RBL): the "
	    "email channel pauses 1 hour; ask the network "
	    "administrator") },
	{ 450, 450, "WM:BLI", SMTP_STOP, SMTP_STOP_PROBE,
	    N_("this host's IP is not on the server's list of hosts "
	    "allowed to send (450 WM:BLI): ask the mail server's "
	    "administrator") },
	{ 450, 450, "WM:BLU", SMTP_STOP, SMTP_STOP_PROBE,
	    N_("the sending account is not on the server's list of "
	    "accounts allowed to send (450 WM:BLU): ask the mail "
	    "server's administrator") },
	{ 451, 451, "fail authentication", SMTP_PAUSE, 1800,
	    N_("too many failed logins: the server refuses logins for "
	    "now and the email channel pauses 30 minutes; check that "
	    "smtp.password_file holds the client authorization code") },
	{ 535, 535, NULL, SMTP_STOP, SMTP_STOP_PROBE,
	    N_("the sending account's login was refused (535): check "
	    "smtp.username and smtp.password_file; 126/163 mailboxes "
	    "need the client authorization code, not the web password") },
	{ 550, 550, "no permission", SMTP_STOP, SMTP_STOP_PROBE,
	    N_("the sending account has no SMTP service (550 User has no "
	    "permission): turn on POP3/SMTP in the webmail's settings "
	    "and put the client authorization code in "
	    "smtp.password_file") },
	{ 552, 552, "same size", SMTP_RETRY, 600,
	    N_("the server refuses several messages of the same size in "
	    "a row (552): retried in 10 minutes") },
};

static const struct smtp_reply_class *
reply_class(const struct net_result *res)
{
	const struct smtp_reply_class	*rc;
	size_t				 i;

	for (i = 0; i < sizeof(reply_classes) / sizeof(reply_classes[0]);
	    i++) {
		rc = &reply_classes[i];
		if (res->response_code >= rc->lo &&
		    res->response_code <= rc->hi && (rc->tag == NULL ||
		    strcasestr(res->reply, rc->tag) != NULL))
			return rc;
	}
	return NULL;
}

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

static void
conn_close(struct smtp_ctx *c)
{
	c->ops->smtp_free(c->conn);
	c->conn = NULL;
	c->on_conn = 0;
}

/* One try on the open connection (opened first if need be). */
static int
send_once(struct smtp_ctx *c, const char *data, size_t len,
    const char *to, struct net_result *res, struct derr *err)
{
	const char	*rcpt[1] = { to };

	memset(res, 0, sizeof(*res));
	if (c->per_connection > 0 && c->on_conn >= c->per_connection)
		conn_close(c);
	if (conn_open(c, err) == -1) {
		res->outcome = err->transient ? NET_TRANSIENT : NET_PERMANENT;
		return -1;
	}
	c->on_conn++;
	return c->ops->smtp_send(c->conn, c->from, rcpt, 1, data, len, res,
	    err);
}

/*
 * Map a refusal to the channel's outcome by its class; a configuration
 * failure that net reports (TLS, login, URL) stops the channel as well.
 */
static enum channel_outcome
refusal(struct smtp_ctx *c, const struct net_result *res, struct derr *err)
{
	const struct smtp_reply_class	*rc = reply_class(res);
	struct channel_hold		*h = &c->ch.hold;

	if (rc == NULL && err->kind == DERR_CONFIG) {
		h->pause = SMTP_STOP_PROBE;
		h->stop = true;
		snprintf(h->cause, sizeof(h->cause), "%s", _("cannot connect "
		    "or log in to the mail server: check the smtp settings "
		    "against the server's reply"));
		return CHANNEL_PAUSED;
	}
	if (rc == NULL)
		return outcomes[res->outcome];
	switch (rc->cls) {
	case SMTP_PAUSE:
	case SMTP_STOP:
		h->pause = rc->wait;
		h->stop = rc->cls == SMTP_STOP;
		snprintf(h->cause, sizeof(h->cause), "%s", _(rc->say));
		return CHANNEL_PAUSED;
	case SMTP_RETRY:
		h->not_before = rc->wait;
		derr_prefix(err, "%s", _(rc->say));
		return res->outcome == NET_UNKNOWN ? CHANNEL_UNKNOWN :
		    CHANNEL_TRANSIENT;
	case SMTP_DEAD:
		derr_prefix(err, "%s", _(rc->say));
		return CHANNEL_PERMANENT;
	default:
		/* A second MI:DMC on a new connection: retry later. */
		return CHANNEL_TRANSIENT;
	}
}

static enum channel_outcome
smtp_send(void *ctx, const struct channel_msg *msg, char *peer_id,
    struct derr *err)
{
	struct smtp_ctx		*c = ctx;
	struct net_result	 res;
	enum channel_outcome	 oc = CHANNEL_SENT;
	int			 rc;

	peer_id[0] = '\0';
	/* The outbox built the message; it goes as it is. */
	if (msg->raw == NULL)
		return derr_set(err, DERR_BUG, false, "smtp: %s: no message "
		    "to send", msg->key), CHANNEL_PERMANENT;
	rc = send_once(c, msg->raw, msg->raw_len, msg->to_addr, &res, err);
	/* The per-connection cap (MI:DMC): a new connection, once. */
	if (rc == -1 && reply_class(&res) != NULL &&
	    reply_class(&res)->cls == SMTP_RECONNECT) {
		conn_close(c);
		rc = send_once(c, msg->raw, msg->raw_len, msg->to_addr, &res,
		    err);
	}
	if (rc == 0) {
		queue_id(res.reply, peer_id);
		return CHANNEL_SENT;
	}
	/* net dropped the connection: the next send opens a new one. */
	c->on_conn = 0;
	oc = refusal(c, &res, err);
	derr_prefix(err, "smtp");
	return oc;
}

static void
smtp_flush(void *ctx)
{
	conn_close(ctx);
}

static void
smtp_free(void *ctx)
{
	struct smtp_ctx	*c = ctx;

	if (c == NULL)
		return;
	smtp_flush(c);
	free(c->url);
	free(c->username);
	xfree_secret(c->password);
	free(c->ca_file);
	free(c->from);
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
	c->url = strdup_or_null(cfg->url);
	c->tls = (int)cfg->tls;
	c->username = strdup_or_null(cfg->username);
	c->password = strdup_or_null(password);
	c->ca_file = strdup_or_null(cfg->ca_file);
	c->connect_timeout = cfg->connect_timeout;
	c->timeout = cfg->timeout;
	c->per_connection = cfg->per_connection;
	c->from = xstrdup(cfg->from);
	c->ch.name = "email";
	c->ch.ctx = c;
	c->ch.send = smtp_send;
	c->ch.flush = smtp_flush;
	c->ch.free = smtp_free;
	c->ch.rate = cfg->rate;
	return &c->ch;
}
