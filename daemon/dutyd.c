/*
 * dutyd: the daemon.  main and wiring only: options, config, signals
 * (signalfd, no handlers), the single-instance lock, sd_notify and the
 * poll loop that calls engine_tick at the earliest next event.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "config.h"
#include "engine.h"
#include "i18n.h"
#include "log.h"
#include "mime.h"
#include "model.h"
#include "net.h"
#include "store.h"
#include "util.h"

/* The signal fd: the one global besides the logger's settings. */
static int	sigfd = -1;

struct opts {
	const char	*config;
	const char	*dry_run;
	const char	*now;
	bool		 check;
	bool		 once;
	int		 level;
};

struct run {
	struct opts	 o;
	struct engine	*engine;
	int64_t		 clock_offset;	/* --now minus the real clock */
	uint64_t	 wd_usec;	/* WatchdogSec, 0 if off */
	int64_t		 wd_last;	/* last WATCHDOG=1, monotonic ms */
	bool		 stop;
	bool		 reload;
	bool		 lang_env;	/* the environment chose */
	bool		 english;	/* the running config's language */
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: dutyd [-c FILE] [-n|--check-config] [--once] "
	    "[--now \"YYYY-MM-DD HH:MM\"] [--dry-run DIR] [-d]\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "  -n, --check-config  validate the configuration and exit\n"
	    "      --once          plan, send what is due, and exit\n"
	    "      --now TIME      pretend the local time is TIME\n"
	    "      --dry-run DIR   one tick on a copy of the database: list\n"
	    "                      what would be sent, write the emails to\n"
	    "                      the maildir DIR, send nothing, exit\n"
	    "  -d, --debug         log debug messages\n", CFG_DEFAULT_PATH);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "once", no_argument, NULL, 'o' },
		{ "now", required_argument, NULL, 't' },
		{ "dry-run", required_argument, NULL, 'r' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c;

	memset(o, 0, sizeof(*o));
	o->config = CFG_DEFAULT_PATH;
	o->level = -1;
	while ((c = getopt_long(argc, argv, "c:ndh", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'n': o->check = true; break;
		case 'o': o->once = true; break;
		case 't': o->now = optarg; break;
		case 'r': o->dry_run = optarg; break;
		case 'd': o->level = LOGL_DEBUG; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(EX_USAGE);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(EX_USAGE);
	}
	/* A dry run is one tick: it never sends, so it never waits. */
	if (o->dry_run != NULL)
		o->once = true;
}

static int64_t
real_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

/*
 * "YYYY-MM-DD HH:MM" in the configured zone, through the engine's
 * calendar (the process's TZ plays no part).
 */
static int64_t
parse_now(const struct engine *e, const char *s)
{
	struct tm	 tm;
	char		*end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d %H:%M", &tm);
	if (end == NULL || *end != '\0') {
		log_err("--now: not \"YYYY-MM-DD HH:MM\" (got \"%s\")", s);
		exit(EX_USAGE);
	}
	return engine_local_instant(e, day_from_ymd(tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday), tm.tm_hour * 60 + tm.tm_min);
}

/*
 * Load and validate, templates included (start, reload and -n refuse a
 * missing one); every error is logged.  NULL if invalid.  Unless the
 * environment named a language (`lang_env`), general.language = "en"
 * makes what dutyd says English from here on.
 */
static struct cfg *
load_config(const char *path, bool quiet_ok, bool lang_env)
{
	struct cfg	*cfg;
	char		*sum;

	cfg = cfg_report_flags(path, CFG_LOAD_TEMPLATES |
	    (lang_env ? 0 : CFG_LOAD_LANGUAGE));
	if (cfg != NULL && !quiet_ok) {
		sum = cfg_summary(cfg);
		printf("%s\n", sum);
		free(sum);
	}
	return cfg;
}

static void
block_signals(void)
{
	struct sigaction sa;
	sigset_t	 set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		log_crit("signals: %s", strerror(errno));
		exit(EX_OSERR);
	}
	/* net sets CURLOPT_NOSIGNAL, so a dropped connection must not kill us. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Read pending signals into flags; never blocks. */
static void
read_signals(struct run *r)
{
	struct signalfd_siginfo	 si;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			r->reload = true;
		else
			r->stop = true;
	}
}

/* The engine's clock for each send: real time plus --now's offset. */
static int64_t
run_clock(void *arg)
{
	const struct run	*r = arg;

	return real_now() + r->clock_offset;
}

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Long work (a mailbox poll, a drain round) is making progress: ping the
 * watchdog, at most once a second, so a long poll is not mistaken for a
 * hang and the restart does not fetch the same mail again.
 */
static void
alive(void *arg)
{
	struct run	*r = arg;
	int64_t		 now;

	if (r->wd_usec == 0)
		return;
	now = mono_ms();
	if (now - r->wd_last < 1000)
		return;
	r->wd_last = now;
	sd_notify(0, "WATCHDOG=1");
}

static bool
should_stop(void *arg)
{
	struct run	*r = arg;

	read_signals(r);
	return r->stop;
}

/*
 * One daemon per database: an flock on DATABASE.lock held until exit.
 * Returns 0, or the exit status after logging why not.
 */
static int
take_lock(const char *db)
{
	struct derr	 err = { 0 };

	if (store_lock(db, &err) < 0) {
		log_crit("%s", err.msg);
		return err.kind == DERR_SYS ? EX_CANTCREAT : EX_TEMPFAIL;
	}
	return 0;
}

static void
do_reload(struct run *r)
{
	struct cfg	*cfg;
	struct derr	 err = { 0 };

	r->reload = false;
	sd_notify(0, "RELOADING=1");
	log_notice("reloading %s", r->o.config);
	cfg = load_config(r->o.config, true, r->lang_env);
	if (cfg != NULL && engine_reload(r->engine, cfg, &err) == 0) {
		r->english = strcmp(cfg->general.language, "en") == 0;
		log_notice("reload: configuration updated");
	} else if (cfg == NULL)
		log_err("reload: %s is invalid: keeping the running "
		    "configuration", r->o.config);
	else
		log_err("reload: %s: keeping the running configuration",
		    err.msg);
	/* A rejected config's language goes with it. */
	if (!r->lang_env)
		i18n_set_english(r->english);
	sd_notify(0, "READY=1");
}

/* Sleep in poll until `next`, a signal, or half the watchdog interval. */
static void
wait_until(struct run *r, int64_t next, uint64_t wd_usec)
{
	struct pollfd	 p = { .fd = sigfd, .events = POLLIN };
	int64_t		 ms = (next - (real_now() + r->clock_offset)) * 1000;

	if (ms < 0)
		ms = 0;
	if (wd_usec > 0 && ms > (int64_t)(wd_usec / 2000))
		ms = (int64_t)(wd_usec / 2000);
	if (ms > INT32_MAX)
		ms = INT32_MAX;
	if (poll(&p, 1, (int)ms) < 0 && errno != EINTR)
		log_err("poll: %s", strerror(errno));
	read_signals(r);
}

/* An email's subject, an SMS's or robot message's text. */
static const char *
what_is_sent(const struct outbox_row *r)
{
	if (strcmp(r->channel, "email") == 0 || r->body_text == NULL)
		return r->subject;
	return r->body_text;
}

/* Bytes of `s` up to its first newline. */
static int
first_line(const char *s)
{
	size_t	 n = strcspn(s, "\n");

	return n > 1000 ? 1000 : (int)n;
}

/* After a dry run's tick: what would have been sent, on stdout. */
static int
dry_run_report(struct run *r, int64_t now)
{
	struct outbox_list	 l = { 0 };
	struct derr		 err = { 0 };
	size_t			 i;

	if (engine_queued_since(r->engine, now, &l, &err) < 0) {
		log_err("dry run: %s", err.msg);
		return EX_SOFTWARE;
	}
	printf("dry run: %zu notification(s) would be sent; nothing was "
	    "sent or stored, the emails are in %s/new\n", l.n, r->o.dry_run);
	for (i = 0; i < l.n; i++)
		printf("  %-6s %s <%s>  %.*s\n", l.v[i].channel,
		    l.v[i].recipient_name, l.v[i].recipient,
		    first_line(what_is_sent(&l.v[i])),
		    what_is_sent(&l.v[i]));
	outbox_list_clear(&l);
	return 0;
}

static int
loop(struct run *r)
{
	uint64_t	 wd = 0;
	int64_t		 now, next;
	int		 rc = 0;

	if (sd_watchdog_enabled(0, &wd) <= 0)
		wd = 0;
	sd_notify(0, "READY=1");
	log_notice("started: config %s", r->o.config);
	while (!r->stop) {
		now = real_now() + r->clock_offset;
		rc = engine_tick(r->engine, now, &next);
		if (r->o.dry_run != NULL && rc == 0)
			rc = dry_run_report(r, now) == 0 ? 0 : -1;
		if (r->o.once)
			break;
		sd_notifyf(0, "STATUS=next wakeup in %llds, outbox backlog %d",
		    (long long)(next - now), engine_backlog(r->engine));
		while (!r->stop && !r->reload &&
		    real_now() + r->clock_offset < next) {
			wait_until(r, next, wd);
			if (wd > 0)
				sd_notify(0, "WATCHDOG=1");
		}
		if (r->reload)
			do_reload(r);
	}
	sd_notify(0, "STOPPING=1");
	log_notice("stopping");
	if (r->o.once && (rc < 0 || engine_poll_failed(r->engine)))
		return EX_TEMPFAIL;
	return 0;
}

/*
 * The kernel's boot id, NULL if unknown.  Outbox recovery trusts its
 * unsynced records only when the machine has not rebooted since
 * (store.c explains why).
 */
static char *
boot_id(void)
{
	struct derr	 err = { 0 };
	char		*id = NULL;
	size_t		 len;

	if (file_read("/proc/sys/kernel/random/boot_id", 64, &id, &len,
	    &err) < 0) {
		log_warn("%s: after a crash every message being sent will be "
		    "counted as maybe duplicated", err.msg);
		return NULL;
	}
	while (len > 0 && (id[len - 1] == '\n' || id[len - 1] == ' '))
		id[--len] = '\0';
	return id;
}

int
main(int argc, char **argv)
{
	struct run		 r;
	struct engine_opts	 eo;
	struct derr		 err = { 0 };
	struct cfg		*cfg;
	char			*bootid;
	int			 lvl, rc;

	memset(&r, 0, sizeof(r));
	/* What a person reads (dutyd -n) is Chinese unless asked otherwise. */
	r.lang_env = i18n_env_chose();
	if (!r.lang_env)
		(void)setenv("LANGUAGE", "zh_CN", 1);	/* only fails on ENOMEM */
	i18n_init();
	parse_opts(argc, argv, &r.o);
	log_init("dutyd", LOG_DEST_AUTO, LOGL_INFO);
	/* Whatever the umask, nothing dutyd creates is for others. */
	umask(077);
	block_signals();
	if ((cfg = load_config(r.o.config, !r.o.check, r.lang_env)) == NULL)
		return EX_CONFIG;
	if (r.o.check) {
		cfg_free(cfg);
		return 0;
	}
	r.english = strcmp(cfg->general.language, "en") == 0;
	lvl = r.o.level >= 0 ? r.o.level : log_level_parse(cfg->general.log_level);
	log_init("dutyd", LOG_DEST_AUTO, lvl < 0 ? LOGL_INFO : lvl);
	if (geteuid() == 0)
		log_warn("running as root: dutyd needs no privilege; run it "
		    "as its own user (see systemd/dutyd.service)");
	rc = r.o.dry_run == NULL ? take_lock(cfg->general.database) : 0;
	if (rc != 0) {
		cfg_free(cfg);
		return rc;
	}
	net_global_init();
	mime_global_init();
	memset(&eo, 0, sizeof(eo));
	eo.dry_run_dir = r.o.dry_run;
	eo.stop = should_stop;
	eo.alive = alive;
	eo.stopctx = &r;
	eo.clock = run_clock;
	eo.clockctx = &r;
	if (sd_watchdog_enabled(0, &r.wd_usec) <= 0)
		r.wd_usec = 0;
	eo.boot_id = bootid = boot_id();
	if ((r.engine = engine_new(cfg, &eo, &err)) == NULL) {
		log_crit("%s", err.msg);
		free(bootid);
		mime_global_cleanup();
		net_global_cleanup();
		return err.kind == DERR_CONFIG ? EX_CONFIG : EX_UNAVAILABLE;
	}
	if (r.o.now != NULL)
		r.clock_offset = parse_now(r.engine, r.o.now) - real_now();
	rc = loop(&r);
	engine_free(r.engine);
	free(bootid);
	mime_global_cleanup();
	net_global_cleanup();
	return rc;
}
