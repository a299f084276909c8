/*
 * test_smtp: the email channel against a real SMTP server on loopback
 * (tests/integration/smtpd.py, aiosmtpd) through the real libcurl code,
 * plus a fake struct net_ops for the batch and outcome mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>

#include <gmime/gmime.h>

#include "channels/smtp.h"
#include "config.h"
#include "log.h"
#include "mime.h"
#include "net.h"
#include "util.h"

/*
 * libdutyd allocates with the real malloc, and a channel's `free` member
 * would be renamed by cmocka's macros: both are wrapped before cmocka.h.
 */
static void
lib_free(void *p)
{
	free(p);
}

static void
channel_free(struct channel *ch)
{
	if (ch != NULL)
		ch->free(ch->ctx);
}

#include <cmocka.h>

#include "testmail.h"

#define PYTHON		"/usr/bin/python3"
#define SMTPD		TOP_SRCDIR "/tests/integration/smtpd.py"
#define MKCERT		TOP_SRCDIR "/tests/integration/mkcert.sh"
#define USER		"alice"
#define PASSWORD	"s3cret-密码"

struct env {
	char	 top[64];
	char	*ca;		/* private CA */
	char	*cert, *key;	/* signed by ca */
	char	*self, *self_key; /* self-signed */
	int	 nserver;
};

struct server {
	pid_t	 pid;
	int	 port;
	char	*dir;
};

struct fixture {
	struct env	*env;
	struct server	 srv;
	struct channel	*ch, *ch2;
};

/* raw: built in group_setup, as the outbox builds it when queueing. */
static struct channel_msg msg = {
	.key = "item:42:before:3",
	.to_addr = "zhang.san@example.cn",
	.subject = "整改提醒：P01-3 还有 3 天到期",
	.text = "张三同志：\n整改措施 P01-3 将于 2026年4月3日 到期。\n",
	.date = INT64_C(1774918800),
};
static struct buf msg_raw;

static void
run(char *const argv[])
{
	pid_t	 pid;
	int	 status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Read "ready PORT" from the server within 10 s. */
static int
read_port(int fd)
{
	struct pollfd	 p = { .fd = fd, .events = POLLIN };
	char		 line[64];
	size_t		 n = 0;
	ssize_t		 r;
	long long	 port;

	while (n < sizeof(line) - 1 && memchr(line, '\n', n) == NULL) {
		assert_int_equal(poll(&p, 1, 10000), 1);
		r = read(fd, line + n, sizeof(line) - 1 - n);
		assert_true(r > 0);
		n += (size_t)r;
	}
	line[n] = '\0';
	assert_memory_equal(line, "ready ", 6);
	*strchr(line, '\n') = '\0';
	assert_int_equal(str_to_ll(line + 6, 1, 65535, &port), 0);
	return (int)port;
}

/* Start smtpd.py with `extra` options (NULL-terminated). */
static void
server_start(struct fixture *f, char *const extra[])
{
	char	*argv[32];
	int	 fds[2], argc = 0;

	f->srv.dir = xasprintf("%s/srv%d", f->env->top, f->env->nserver++);
	argv[argc++] = PYTHON;
	argv[argc++] = SMTPD;
	argv[argc++] = "--port";
	argv[argc++] = "0";
	argv[argc++] = "--dir";
	argv[argc++] = f->srv.dir;
	argv[argc++] = "--pidfile";
	argv[argc++] = xasprintf("%s.pid", f->srv.dir);
	while (*extra != NULL && argc < 31)
		argv[argc++] = *extra++;
	argv[argc] = NULL;
	assert_int_equal(pipe(fds), 0);
	f->srv.pid = fork();
	assert_true(f->srv.pid >= 0);
	if (f->srv.pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	lib_free(argv[7]);
	f->srv.port = read_port(fds[0]);
	close(fds[0]);
}

static void
server_stop(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	lib_free(s->dir);
	s->dir = NULL;
}

/* The server's log, "" if it logged nothing. Caller frees. */
static char *
server_log(const struct server *s)
{
	char		*path, *data;
	size_t		 len;
	struct derr	 err = { 0 };

	path = xasprintf("%s/log", s->dir);
	if (file_read(path, 1 << 20, &data, &len, &err) == -1)
		data = xstrdup("");
	lib_free(path);
	return data;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t	 n = 0;

	for (hay = strstr(hay, needle); hay != NULL;
	    hay = strstr(hay + 1, needle))
		n++;
	return n;
}

static struct channel *
chan(const struct fixture *f, enum cfg_tls tls, const char *user,
    const char *pw, const char *ca)
{
	struct cfg_smtp	 cfg = { 0 };
	struct channel	*ch;
	struct derr	 err = { 0 };

	cfg.enabled = true;
	cfg.url = xasprintf("%s://127.0.0.1:%d", tls == CFG_TLS_IMPLICIT ?
	    "smtps" : "smtp", f->srv.port);
	cfg.tls = tls;
	cfg.username = (char *)(uintptr_t)user;
	cfg.ca_file = (char *)(uintptr_t)ca;
	cfg.from = "duty@office.example.cn";
	cfg.from_name = "县巡察整改办公室";
	cfg.connect_timeout = 5;
	cfg.timeout = 10;
	ch = smtp_channel_new(&cfg, pw, &net_curl_ops, &err);
	lib_free(cfg.url);
	assert_non_null(ch);
	return ch;
}

static enum channel_outcome
send_to(struct channel *ch, const char *to, char *peer, struct derr *err)
{
	struct channel_msg	 m = msg;

	m.to_addr = to;
	return ch->send(ch->ctx, &m, peer, err);
}

static GMimeMessage *
parse_eml(const struct server *s, int n)
{
	char		*path, *data;
	size_t		 len;
	struct derr	 err = { 0 };
	GMimeStream	*stream;
	GMimeParser	*parser;
	GMimeMessage	*m;

	path = xasprintf("%s/%d.eml", s->dir, n);
	assert_int_equal(file_read(path, 1 << 20, &data, &len, &err), 0);
	lib_free(path);
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	lib_free(data);
	assert_non_null(m);
	return m;
}

/* The "conn=" value of the n-th (1-based) log line with "msg=". */
static void
log_conn(const char *log, int n, char *out, size_t outlen)
{
	const char	*p = log, *c;
	size_t		 len;

	while (n-- > 0) {
		p = strstr(p, "msg=");
		assert_non_null(p);
		p++;
	}
	c = strstr(p, "conn=");
	assert_non_null(c);
	len = strcspn(c, " \n");
	assert_true(len < outlen);
	memcpy(out, c, len);
	out[len] = '\0';
}

static void
test_smtp_starttls_auth_one_connection(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { "--tls-cert", f->env->cert, "--tls-key",
	    f->env->key, "--require-starttls", "--auth", USER ":" PASSWORD,
	    NULL };
	struct derr	 err = { 0 };
	char		 peer[128], c1[64], c3[64];
	char		*log;
	GMimeMessage	*m;

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_STARTTLS, USER, PASSWORD, f->env->ca);
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_SENT);
	assert_string_equal(peer, "Q1");
	assert_int_equal(send_to(f->ch, "b@example.cn", peer, &err),
	    CHANNEL_SENT);
	assert_int_equal(send_to(f->ch, "c@example.cn", peer, &err),
	    CHANNEL_SENT);
	assert_string_equal(peer, "Q3");
	f->ch->flush(f->ch->ctx);
	log = server_log(&f->srv);
	assert_int_equal(count(log, "tls=yes auth=" USER
	    " from=<duty@office.example.cn>"), 3);
	assert_non_null(strstr(log, "to=<c@example.cn>"));
	log_conn(log, 1, c1, sizeof(c1));
	log_conn(log, 3, c3, sizeof(c3));
	assert_string_equal(c1, c3);
	lib_free(log);
	m = parse_eml(&f->srv, 1);
	assert_string_equal(g_mime_message_get_subject(m), msg.subject);
	g_object_unref(m);
}

static void
test_smtp_implicit_tls(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { "--tls-cert", f->env->cert, "--tls-key",
	    f->env->key, "--implicit-tls", NULL };
	struct derr	 err = { 0 };
	char		 peer[128];
	char		*log;

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_IMPLICIT, NULL, NULL, f->env->ca);
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_SENT);
	log = server_log(&f->srv);
	assert_int_equal(count(log, "msg=1 "), 1);
	assert_int_equal(count(log, "tls=yes"), 1);
	lib_free(log);
}

static void
test_smtp_untrusted_cert_refused(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { "--tls-cert", f->env->self, "--tls-key",
	    f->env->self_key, "--require-starttls", NULL };
	struct derr	 err = { 0 };
	char		 peer[128];
	char		*log;

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_STARTTLS, NULL, NULL, NULL);
	/* Every message would fail alike: the channel stops (issue 15). */
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_PAUSED);
	assert_true(f->ch->hold.stop);
	assert_int_equal(err.kind, DERR_CONFIG);
	assert_non_null(strstr(err.msg, "smtp.ca_file"));
	/* Our private CA did not sign this one either. */
	f->ch2 = chan(f, CFG_TLS_STARTTLS, NULL, NULL, f->env->ca);
	assert_int_equal(send_to(f->ch2, "a@example.cn", peer, &err),
	    CHANNEL_PAUSED);
	channel_free(f->ch2);
	f->ch2 = chan(f, CFG_TLS_STARTTLS, NULL, NULL, f->env->self);
	assert_int_equal(send_to(f->ch2, "a@example.cn", peer, &err),
	    CHANNEL_SENT);
	log = server_log(&f->srv);
	assert_int_equal(count(log, "msg="), 1);
	lib_free(log);
}

static void
test_smtp_rcpt_4xx_is_transient(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { "--fail-rcpt", "*@busy.example.cn=451",
	    NULL };
	struct derr	 err = { 0 };
	char		 peer[128];

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_NONE, NULL, NULL, NULL);
	assert_int_equal(send_to(f->ch, "x@busy.example.cn", peer, &err),
	    CHANNEL_TRANSIENT);
	assert_true(err.transient);
	assert_non_null(strstr(err.msg, "smtp: server replied 451"));
	assert_string_equal(peer, "");
	/* The batch goes on: the next recipient is fine. */
	assert_int_equal(send_to(f->ch, "ok@example.cn", peer, &err),
	    CHANNEL_SENT);
}

static void
test_smtp_rcpt_5xx_is_permanent(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { "--fail-rcpt", "nobody@*=550", NULL };
	struct derr	 err = { 0 };
	char		 peer[128];

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_NONE, NULL, NULL, NULL);
	assert_int_equal(send_to(f->ch, "nobody@example.cn", peer, &err),
	    CHANNEL_PERMANENT);
	assert_false(err.transient);
	assert_non_null(strstr(err.msg, "550"));
}

static void
test_smtp_data_5xx_is_permanent(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { "--fail-data", "554", NULL };
	struct derr	 err = { 0 };
	char		 peer[128];

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_NONE, NULL, NULL, NULL);
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_PERMANENT);
	assert_non_null(strstr(err.msg, "554"));
}

static void
test_smtp_fail_first_then_accepts(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { "--fail-first", "1", NULL };
	struct derr	 err = { 0 };
	char		 peer[128];

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_NONE, NULL, NULL, NULL);
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_TRANSIENT);
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_SENT);
	assert_string_equal(peer, "Q1");
}

static void
test_smtp_drop_after_data_is_unknown(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { "--drop-after-data", NULL };
	struct derr	 err = { 0 };
	char		 peer[128];

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_NONE, NULL, NULL, NULL);
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_UNKNOWN);
	assert_true(err.transient);
	assert_non_null(strstr(err.msg, "may have been delivered"));
}

static void
test_smtp_no_server_is_transient(void **state)
{
	struct fixture		*f = *state;
	struct sockaddr_in	 sa = { .sin_family = AF_INET };
	socklen_t		 len = sizeof(sa);
	struct derr		 err = { 0 };
	char			 peer[128];
	int			 fd;

	/* A port that was free a moment ago: nobody listens there. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	f->srv.port = ntohs(sa.sin_port);
	f->ch = chan(f, CFG_TLS_STARTTLS, NULL, NULL, f->env->ca);
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_TRANSIENT);
	assert_true(err.transient);
	assert_int_equal(err.kind, DERR_NET);
}

static void
test_smtp_rcpt_injection_refused(void **state)
{
	struct fixture		*f = *state;
	char			*opts[] = { NULL };
	const char		*bad = "a@b.org\r\nRCPT TO:<x@y.org>";
	struct net_smtp_opts	 o = { 0 };
	struct net_smtp		*s;
	struct net_result	 res;
	struct derr		 err = { 0 };
	char			 peer[128];
	char			*log;

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_NONE, NULL, NULL, NULL);
	assert_int_equal(send_to(f->ch, bad, peer, &err), CHANNEL_PERMANENT);
	assert_int_equal(err.kind, DERR_INPUT);
	/* net refuses it too, whoever calls it. */
	o.url = xasprintf("smtp://127.0.0.1:%d", f->srv.port);
	o.tls = CFG_TLS_NONE;
	o.connect_timeout = 5;
	o.timeout = 10;
	s = net_curl_ops.smtp_new(&o, &err);
	assert_non_null(s);
	assert_int_equal(net_curl_ops.smtp_send(s, "duty@office.example.cn",
	    &bad, 1, "Subject: x\r\n\r\nx\r\n", 17, &res, &err), -1);
	assert_int_equal(res.outcome, NET_PERMANENT);
	assert_int_equal(err.kind, DERR_INPUT);
	net_curl_ops.smtp_free(s);
	lib_free((void *)(uintptr_t)o.url);
	log = server_log(&f->srv);
	assert_null(strstr(log, "x@y.org"));
	assert_int_equal(count(log, "msg="), 0);
	lib_free(log);
}

static void
test_smtp_wrong_password_stops_the_channel(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { "--tls-cert", f->env->cert, "--tls-key",
	    f->env->key, "--require-starttls", "--auth", USER ":" PASSWORD,
	    NULL };
	struct derr	 err = { 0 };
	char		 peer[128];

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_STARTTLS, USER, "wrong", f->env->ca);
	/* One wrong password must not kill every queued message. */
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_PAUSED);
	assert_true(f->ch->hold.stop);
	assert_non_null(strstr(f->ch->hold.cause, "client authorization code"));
	assert_non_null(strstr(err.msg, "smtp.password_file"));
	assert_null(strstr(err.msg, "wrong"));
}

static void
test_smtp_starttls_cannot_be_stripped(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { NULL };
	struct derr	 err = { 0 };
	char		 peer[128];
	char		*log;

	/* A server (or a man in the middle) that offers no STARTTLS. */
	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_STARTTLS, USER, PASSWORD, f->env->ca);
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_PAUSED);
	assert_int_equal(err.kind, DERR_CONFIG);
	assert_non_null(strstr(err.msg, "STARTTLS"));
	log = server_log(&f->srv);
	assert_int_equal(count(log, "msg="), 0);
	lib_free(log);
}

/* At debug level the protocol is logged, but never the credentials. */
static void
test_smtp_debug_log_hides_auth(void **state)
{
	struct fixture	*f = *state;
	char		*opts[] = { "--tls-cert", f->env->cert, "--tls-key",
	    f->env->key, "--auth", USER ":" PASSWORD, NULL };
	struct derr	 err = { 0 };
	char		 peer[128];
	char		*path, *out;
	size_t		 len;
	int		 fd, saved;

	server_start(f, opts);
	f->ch = chan(f, CFG_TLS_STARTTLS, USER, PASSWORD, f->env->ca);
	path = xasprintf("%s/stderr", f->env->top);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved = dup(2);
	dup2(fd, 2);
	log_init("test_smtp", LOG_DEST_TTY, LOGL_DEBUG);
	assert_int_equal(send_to(f->ch, "a@example.cn", peer, &err),
	    CHANNEL_SENT);
	log_init("test_smtp", LOG_DEST_TTY, LOGL_WARN);
	dup2(saved, 2);
	close(saved);
	close(fd);
	assert_int_equal(file_read(path, 1 << 20, &out, &len, &err), 0);
	lib_free(path);
	assert_non_null(strstr(out,
	    "net: > MAIL FROM:<duty@office.example.cn>"));
	assert_non_null(strstr(out, "net: > AUTH (hidden)"));
	assert_non_null(strstr(out, "net: < 235"));
	/* PLAIN and LOGIN encodings of the password, and the password. */
	assert_null(strstr(out, "AGFsaWNlAHMzY3JldC3lr4bnoIE="));
	assert_null(strstr(out, "czNjcmV0LeWvhueggQ"));
	assert_null(strstr(out, "s3cret"));
	/* Nor the message. */
	assert_null(strstr(out, "Subject"));
	lib_free(out);
}

/* A fake net: counts sessions and answers with a scripted outcome. */
struct net_smtp {
	int			 sends;
};

struct fake {
	int			 opened, closed;
	enum net_outcome	 next;
	long			 code;		/* reply code of a refusal */
	const char		*reply;		/* its text */
	int			 refuse;	/* refusals left, -1: all */
};

static struct fake *fake_state;

static struct net_smtp *
fake_new(const struct net_smtp_opts *o, struct derr *err)
{
	(void)o;
	(void)err;
	fake_state->opened++;
	return test_calloc(1, sizeof(struct net_smtp));
}

static int
fake_send(struct net_smtp *s, const char *from, const char *const *rcpt,
    size_t nrcpt, const char *data, size_t len, struct net_result *res,
    struct derr *err)
{
	(void)from;
	(void)rcpt;
	/* The bytes the outbox built, as they are. */
	assert_int_equal(len, msg.raw_len);
	assert_memory_equal(data, msg.raw, len);
	assert_int_equal(nrcpt, 1);
	s->sends++;
	memset(res, 0, sizeof(*res));
	res->outcome = fake_state->next;
	snprintf(res->reply, sizeof(res->reply), "250 Ok: queued as AB12");
	if (fake_state->reply != NULL && fake_state->refuse != 0) {
		fake_state->refuse -= fake_state->refuse > 0;
		res->response_code = fake_state->code;
		res->outcome = fake_state->code < 500 ? NET_TRANSIENT :
		    NET_PERMANENT;
		snprintf(res->reply, sizeof(res->reply), "%s",
		    fake_state->reply);
	}
	if (res->outcome == NET_OK)
		return 0;
	return derr_set(err, DERR_PEER, res->outcome != NET_PERMANENT,
	    "scripted");
}

static void
fake_free(struct net_smtp *s)
{
	if (s == NULL)
		return;
	fake_state->closed++;
	test_free(s);
}

static const struct net_ops fake_ops = {
	.smtp_new = fake_new, .smtp_send = fake_send, .smtp_free = fake_free,
};

static void
test_smtp_maps_outcomes_per_batch(void **state)
{
	static const struct {
		enum net_outcome	 net;
		enum channel_outcome	 ch;
	} map[] = {
		{ NET_OK, CHANNEL_SENT },
		{ NET_TRANSIENT, CHANNEL_TRANSIENT },
		{ NET_PERMANENT, CHANNEL_PERMANENT },
		{ NET_UNKNOWN, CHANNEL_UNKNOWN },
	};
	struct fixture	*f = *state;
	struct fake	 fk = { 0 };
	struct cfg_smtp	 cfg = { .url = "smtp://127.0.0.1:25",
	    .tls = CFG_TLS_NONE, .from = "duty@office.example.cn" };
	struct derr	 err = { 0 };
	char		 peer[128];
	size_t		 i;

	fake_state = &fk;
	f->ch = smtp_channel_new(&cfg, NULL, &fake_ops, &err);
	assert_non_null(f->ch);
	for (i = 0; i < 4; i++) {
		fk.next = map[i].net;
		assert_int_equal(f->ch->send(f->ch->ctx, &msg, peer, &err),
		    map[i].ch);
	}
	assert_int_equal(fk.opened, 1);
	f->ch->flush(f->ch->ctx);
	assert_int_equal(fk.closed, 1);
	fk.next = NET_OK;
	assert_int_equal(f->ch->send(f->ch->ctx, &msg, peer, &err),
	    CHANNEL_SENT);
	assert_string_equal(peer, "AB12");
	assert_int_equal(fk.opened, 2);
	channel_free(f->ch);
	f->ch = NULL;
	assert_int_equal(fk.closed, 2);
}

/* The channel builds no mail: a message without its bytes is refused. */
static void
test_smtp_sends_only_built_messages(void **state)
{
	struct fixture		*f = *state;
	struct fake		 fk = { 0 };
	struct cfg_smtp		 cfg = { .url = "smtp://127.0.0.1:25",
	    .tls = CFG_TLS_NONE, .from = "duty@office.example.cn" };
	struct channel_msg	 m = msg;
	struct derr		 err = { 0 };
	char			 peer[128];

	fake_state = &fk;
	f->ch = smtp_channel_new(&cfg, NULL, &fake_ops, &err);
	assert_non_null(f->ch);
	m.raw = NULL;
	m.raw_len = 0;
	assert_int_equal(f->ch->send(f->ch->ctx, &m, peer, &err),
	    CHANNEL_PERMANENT);
	assert_int_equal(err.kind, DERR_BUG);
	assert_int_equal(fk.opened, 0);
}

/* Chinese providers' replies (smtp-cn-replies.md): message or channel. */
static void
test_smtp_reply_classes(void **state)
{
	static const struct {
		long			 code;
		const char		*reply;
		enum channel_outcome	 oc;
		int64_t			 pause, not_before;
		bool			 stop;
	} cases[] = {
		{ 535, "535 Error: authentication failed", CHANNEL_PAUSED,
		    1800, 0, true },
		{ 550, "550 User has no permission", CHANNEL_PAUSED, 1800, 0,
		    true },
		{ 550, "550 User not found: x@126.com", CHANNEL_PERMANENT, 0,
		    0, false },
		{ 451, "451 MI:SFQ 163 smtp14 Sender quota exceeded",
		    CHANNEL_PAUSED, 900, 0, false },
		{ 421, "421 HL:IFC 163 smtp3", CHANNEL_PAUSED, 900, 0, false },
		{ 450, "450 WM:BLU user not allowed", CHANNEL_PAUSED, 1800, 0,
		    true },
		{ 451, "451 DT:SPM 163 smtp10, please try again",
		    CHANNEL_TRANSIENT, 0, 120, false },
		{ 554, "554 DT:SPM 163 smtp10, mail content denied",
		    CHANNEL_PERMANENT, 0, 0, false },
		{ 451, "451 4.3.0 try later", CHANNEL_TRANSIENT, 0, 0, false },
	};
	struct fixture	*f = *state;
	struct fake	 fk = { 0 };
	struct cfg_smtp	 cfg = { .url = "smtp://127.0.0.1:25",
	    .tls = CFG_TLS_NONE, .from = "duty@office.example.cn" };
	struct derr	 err = { 0 };
	char		 peer[128];
	size_t		 i;

	fake_state = &fk;
	f->ch = smtp_channel_new(&cfg, NULL, &fake_ops, &err);
	assert_non_null(f->ch);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fk.code = cases[i].code;
		fk.reply = cases[i].reply;
		fk.refuse = -1;
		memset(&f->ch->hold, 0, sizeof(f->ch->hold));
		assert_int_equal(f->ch->send(f->ch->ctx, &msg, peer, &err),
		    cases[i].oc);
		assert_int_equal(f->ch->hold.pause, cases[i].pause);
		assert_int_equal(f->ch->hold.not_before, cases[i].not_before);
		assert_int_equal(f->ch->hold.stop, cases[i].stop);
		if (cases[i].oc == CHANNEL_PAUSED)
			assert_true(f->ch->hold.cause[0] != '\0');
	}
	channel_free(f->ch);
	f->ch = NULL;
}

/* 451 MI:DMC: a new connection and the same message again, once. */
static void
test_smtp_per_connection_cap_reconnects(void **state)
{
	struct fixture	*f = *state;
	struct fake	 fk = { .code = 451, .reply = "451 MI:DMC 4.3.2 too "
	    "many mails", .refuse = 1 };
	struct cfg_smtp	 cfg = { .url = "smtp://127.0.0.1:25",
	    .tls = CFG_TLS_NONE, .from = "duty@office.example.cn",
	    .per_connection = 2 };
	struct derr	 err = { 0 };
	char		 peer[128];
	int		 i;

	fake_state = &fk;
	f->ch = smtp_channel_new(&cfg, NULL, &fake_ops, &err);
	assert_non_null(f->ch);
	assert_int_equal(f->ch->send(f->ch->ctx, &msg, peer, &err),
	    CHANNEL_SENT);
	assert_int_equal(fk.opened, 2);
	/* Two more: the cap of two per connection opens a third. */
	for (i = 0; i < 3; i++)
		assert_int_equal(f->ch->send(f->ch->ctx, &msg, peer, &err),
		    CHANNEL_SENT);
	assert_int_equal(fk.opened, 3);
	/* Refused again on the new connection: retry later. */
	fk.refuse = 2;
	assert_int_equal(f->ch->send(f->ch->ctx, &msg, peer, &err),
	    CHANNEL_TRANSIENT);
	channel_free(f->ch);
	f->ch = NULL;
}

static int
setup(void **state)
{
	struct fixture	*f;

	f = test_calloc(1, sizeof(*f));
	f->env = *state;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	channel_free(f->ch);
	channel_free(f->ch2);
	server_stop(&f->srv);
	*state = f->env;
	test_free(f);
	return 0;
}

static int
group_setup(void **state)
{
	static struct env	 env;
	char			*mk[] = { "/bin/sh", MKCERT, NULL, NULL };
	struct sigaction	 sa = { .sa_handler = SIG_IGN };

	sigaction(SIGPIPE, &sa, NULL);
	snprintf(env.top, sizeof(env.top), "/tmp/test_smtp.XXXXXX");
	assert_non_null(mkdtemp(env.top));
	mk[2] = env.top;
	run(mk);
	env.ca = xasprintf("%s/ca.pem", env.top);
	env.cert = xasprintf("%s/server.pem", env.top);
	env.key = xasprintf("%s/server.key", env.top);
	env.self = xasprintf("%s/self.pem", env.top);
	env.self_key = xasprintf("%s/self.key", env.top);
	mime_global_init();
	net_global_init();
	testmail_build(&msg, "<p>张三同志：</p>", &msg_raw);
	*state = &env;
	return 0;
}

static int
group_teardown(void **state)
{
	struct env	*env = *state;
	char		*rm[] = { "/bin/rm", "-rf", env->top, NULL };

	run(rm);
	lib_free(env->ca);
	lib_free(env->cert);
	lib_free(env->key);
	lib_free(env->self);
	lib_free(env->self_key);
	buf_clear(&msg_raw);
	net_global_cleanup();
	mime_global_cleanup();
	return 0;
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_smtp_starttls_auth_one_connection),
		T(test_smtp_implicit_tls),
		T(test_smtp_untrusted_cert_refused),
		T(test_smtp_rcpt_4xx_is_transient),
		T(test_smtp_rcpt_5xx_is_permanent),
		T(test_smtp_data_5xx_is_permanent),
		T(test_smtp_fail_first_then_accepts),
		T(test_smtp_drop_after_data_is_unknown),
		T(test_smtp_no_server_is_transient),
		T(test_smtp_rcpt_injection_refused),
		T(test_smtp_wrong_password_stops_the_channel),
		T(test_smtp_reply_classes),
		T(test_smtp_per_connection_cap_reconnects),
		T(test_smtp_starttls_cannot_be_stripped),
		T(test_smtp_debug_log_hides_auth),
		T(test_smtp_maps_outcomes_per_batch),
		T(test_smtp_sends_only_built_messages),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
