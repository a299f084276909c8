/*
 * channels/smtp: email through net.  See smtp.h.
 */
#include "channels/smtp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	const char	*say;		/* Chinese: the cause, or a hint */
} reply_classes[] = {
	{ 450, 451, "MI:DMC", SMTP_RECONNECT, 0, NULL },
	{ 450, 450, "RP:DRC", SMTP_RECONNECT, 0, NULL },
	{ 421, 421, "HL:ICC", SMTP_PAUSE, 300, "服务器认为本机同时连接过多"
	    "（421 HL:ICC），邮件通道暂停5分钟" },
	{ 421, 421, "HL:IFC", SMTP_PAUSE, 900, "本机短时间内发信过多（421 "
	    "HL:IFC），邮件通道暂停15分钟；可调低 smtp.rate" },
	{ 421, 421, "HL:REP", SMTP_PAUSE, 3600, "服务器认为发信异常（421 "
	    "HL:REP，无效收件人过多），邮件通道暂停1小时；请核对人员邮箱地址" },
	{ 421, 421, "HL:MEP", SMTP_PAUSE, 3600, "服务器认为发信异常（421 "
	    "HL:MEP），邮件通道暂停1小时；请核对 smtp.from 与登录账号一致" },
	{ 450, 451, "MI:CEL", SMTP_PAUSE, 900, "一个连接上出错的命令过多"
	    "（MI:CEL），邮件通道暂停15分钟；反复出现请报告问题" },
	{ 450, 451, "RP:CEL", SMTP_PAUSE, 900, "一个连接上出错的命令过多"
	    "（RP:CEL），邮件通道暂停15分钟；反复出现请报告问题" },
	{ 450, 451, "MI:CCL", SMTP_PAUSE, 900, "一个连接上的命令过多"
	    "（MI:CCL），邮件通道暂停15分钟；反复出现请报告问题" },
	{ 450, 451, "RP:CCL", SMTP_PAUSE, 900, "一个连接上的命令过多"
	    "（RP:CCL），邮件通道暂停15分钟；反复出现请报告问题" },
	{ 451, 451, "MI:SFQ", SMTP_PAUSE, 900, "发信账号15分钟内的发信额度已"
	    "用完（451 MI:SFQ），邮件通道暂停15分钟，待发邮件保留；可调低 "
	    "smtp.rate" },
	{ 451, 451, "DT:SPM", SMTP_RETRY, 120, "被服务器暂时当作垃圾邮件"
	    "（451 DT:SPM），约2分钟后重试" },
	{ 554, 554, "DT:SPM", SMTP_DEAD, 0, "被服务器当作垃圾邮件拒收（554 "
	    "DT:SPM）：请修改模板措辞、减少链接，并设置真实的发件人名称 "
	    "smtp.from_name" },
	{ 450, 450, "DT:RBL", SMTP_PAUSE, 3600, "本机IP在垃圾邮件黑名单上"
	    "（450 DT:RBL），邮件通道暂停1小时；请联系网络管理员" },
	{ 450, 450, "WM:BLI", SMTP_STOP, SMTP_STOP_PROBE, "本机IP不在服务器"
	    "允许发信的名单上（450 WM:BLI）：请联系邮件服务器管理员" },
	{ 450, 450, "WM:BLU", SMTP_STOP, SMTP_STOP_PROBE, "发信账号不在服务器"
	    "允许发信的名单上（450 WM:BLU）：请联系邮件服务器管理员" },
	{ 451, 451, "fail authentication", SMTP_PAUSE, 1800, "登录失败次数"
	    "过多，服务器暂时禁止登录，邮件通道暂停30分钟；请确认 "
	    "smtp.password_file 中是客户端授权码" },
	{ 535, 535, NULL, SMTP_STOP, SMTP_STOP_PROBE, "发信账号登录被拒绝"
	    "（535）：请检查 smtp.username 和 smtp.password_file；126/163"
	    "邮箱须用客户端授权码，而不是网页登录密码" },
	{ 550, 550, "no permission", SMTP_STOP, SMTP_STOP_PROBE, "发信账号"
	    "没有开通SMTP服务（550 User has no permission）：请在网页邮箱"
	    "“设置”中开启POP3/SMTP服务，并在 smtp.password_file 中使用"
	    "客户端授权码" },
	{ 552, 552, "same size", SMTP_RETRY, 600, "服务器拒收连续同样大小的"
	    "邮件（552），10分钟后重试" },
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
		snprintf(h->cause, sizeof(h->cause), "无法连接或登录邮件服务器"
		    "，请按服务器答复检查 smtp 设置");
		return CHANNEL_PAUSED;
	}
	if (rc == NULL)
		return outcomes[res->outcome];
	switch (rc->cls) {
	case SMTP_PAUSE:
	case SMTP_STOP:
		h->pause = rc->wait;
		h->stop = rc->cls == SMTP_STOP;
		snprintf(h->cause, sizeof(h->cause), "%s", rc->say);
		return CHANNEL_PAUSED;
	case SMTP_RETRY:
		h->not_before = rc->wait;
		derr_prefix(err, "%s", rc->say);
		return res->outcome == NET_UNKNOWN ? CHANNEL_UNKNOWN :
		    CHANNEL_TRANSIENT;
	case SMTP_DEAD:
		derr_prefix(err, "%s", rc->say);
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
