/*
 * config: loads dutyd.conf (libconfig) and validates it completely into a
 * plain, immutable `struct cfg`.  Nothing downstream re-checks values or
 * knows defaults; libconfig types never leave config.c.  Every semantic
 * error is collected (up to CFG_MAX_ERRORS) as "file:line: path: problem".
 * This module must not open the database, the network or read templates.
 */
#ifndef DUTYD_CONFIG_H
#define DUTYD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

#define CFG_MAX_ERRORS	50
#define CFG_TARGET_MAX	60
#define CFG_DEFAULT_PATH "/etc/dutyd/dutyd.conf"

/* Person roles (bit set). */
enum cfg_role {
	CFG_ROLE_OFFICER = 1 << 0,	/* 责任人 */
	CFG_ROLE_LEADER = 1 << 1,	/* 分管领导 */
	CFG_ROLE_PRINCIPAL = 1 << 2,	/* 主要负责人 (书记) */
	CFG_ROLE_ADMIN = 1 << 3		/* 办公室 */
};

struct cfg_person {
	char		*key;		/* [a-z0-9_-]{1,32}, unique */
	char		*name;		/* display name, unique */
	char		*email;		/* NULL if none */
	char		*phone;		/* E.164, NULL if none */
	unsigned	 roles;		/* enum cfg_role bits */
	struct strv	 leaders;	/* person keys: 分管领导 to escalate to */
	bool		 disabled;
	char		*unix_user;	/* login that is this person in dutyctl */
};

struct cfg_general {
	char		*timezone;	/* IANA name, default Asia/Shanghai */
	char		*database;	/* path of the SQLite file */
	char		*templates;	/* directory of message templates */
	char		*office;	/* office name shown in messages */
	char		*log_level;	/* "info" by default */
	char		*language;	/* what dutyctl speaks: "zh_CN" or "en" */
	char		*evidence_dir;	/* evidence files (default: beside db) */
	int		 evidence_max;	/* bytes per evidence file */
	int32_t		*holidays;	/* extra days off (sorted) */
	size_t		 nholidays;
	int32_t		*workdays;	/* extra adjusted working days (sorted) */
	size_t		 nworkdays;
};

enum cfg_tls {
	CFG_TLS_STARTTLS,	/* smtp:// or imap:// with STARTTLS required */
	CFG_TLS_IMPLICIT,	/* smtps:// or imaps:// */
	CFG_TLS_NONE		/* plain: only allowed to 127.0.0.1/localhost */
};

/* The From of email when smtp.from is not set (maildir only). */
#define CFG_FROM_FALLBACK	"dutyd@localhost.localdomain"

struct cfg_smtp {
	bool		 enabled;	/* false: email goes to the maildir */
	char		*url;		/* smtp://host:port or smtps://host:port */
	enum cfg_tls	 tls;
	char		*username;	/* NULL: no AUTH */
	char		*password_file;	/* secret file, mode 0600 */
	char		*from;		/* envelope and From address */
	char		*from_name;	/* display name */
	char		*ca_file;	/* extra CA bundle, NULL for system */
	int		 connect_timeout; /* seconds */
	int		 timeout;	/* seconds, whole transfer */
	int		 per_connection; /* messages a connection, 0: no cap */
	int		 rate;		/* messages per minute, 0: no limit */
};

struct cfg_maildir {
	char		*path;		/* NULL: disabled */
};

struct cfg_outbox {
	int		 retry_min;	/* seconds, first retry (300) */
	int		 retry_max;	/* seconds, cap of the backoff (4000) */
	int		 give_up;	/* seconds after first attempt (432000) */
	int		 batch;		/* messages per drain (100) */
};

enum cfg_channel {
	CFG_CH_EMAIL = 1 << 0,
	CFG_CH_SMS = 1 << 1,
	CFG_CH_IM = 1 << 2
};

struct cfg_reminders {
	int		 time;		/* minutes after midnight (09:00) */
	bool		 working_days_only; /* true: only on working days */
	int		*before;	/* working days before the deadline */
	size_t		 nbefore;	/* default 7, 3, 1 */
	bool		 due_day;	/* remind on the due day */
	int		 overdue_every;	/* working days between repeats (2) */
	int		 escalate_leader; /* working days overdue -> leaders (3) */
	int		 escalate_principal; /* -> principals (10) */
	int		 yellow;	/* working days left: yellow at <= (7) */
	int		 red;		/* red at <= (3); overdue is red */
	unsigned	 channels;	/* enum cfg_channel bits (email) */
	unsigned	 sms_from;	/* SMS only from this many days before */
};

struct cfg_sms {
	bool		 enabled;
	char		*provider;	/* "aliyun" | "tencent" */
	char		*endpoint;	/* https URL (a stand-in in tests) */
	char		*access_key_id;
	char		*secret_file;
	char		*sign_name;
	char		*sdk_app_id;	/* tencent only */
	char		*region;
	char		*template_reminder;
	char		*template_overdue;
	char		*template_shortfall;	/* duties: to the leaders */
	char		*template_duty;		/* duties: warnings, owners */
	char		*ca_file;
	int		 timeout;
	int		 param_max;	/* characters per template parameter */
	int		 min_interval;	/* seconds between two SMS to a number */
	int		 per_hour;	/* SMS per number per hour */
	int		 per_day;	/* SMS per number per 24 hours */
};

struct cfg_im {
	char		*name;
	char		*type;		/* dingtalk | wecom | feishu | webhook */
	char		*url;
	char		*secret_file;	/* NULL: no signature */
	struct strv	 kinds;		/* reminder, escalation, digest, duty */
	char		*format;	/* "text" or "markdown" (feishu: text) */
	char		*body_template;	/* webhook: template file of the body */
	int		 timeout;	/* seconds */
	char		*ca_file;
};

struct cfg_mailbox {
	bool		 enabled;
	char		*url;		/* imaps://host/INBOX */
	char		*username;
	char		*password_file;
	char		*ca_file;
	int		 poll_interval;	/* seconds (600) */
	int		 max_size;	/* bytes; larger: headers only */
	int		 timeout;	/* seconds an IMAP command may take */
	bool		 mark_seen;
	int		 answer_days;	/* working days to answer (15) */
};

/*
 * Officers answer reminders by email (issue 18): reminders carry a
 * Reply-To and a token, an HMAC under the key in key_file.
 */
struct cfg_replies {
	bool		 enabled;
	char		*address;	/* Reply-To: a replies mailbox, or the
					 * feedback mailbox with a +tag */
	char		*key_file;	/* secret, mode 0600 */
	bool		 require_dkim;
	char		*authserv_id;	/* trusted Authentication-Results */
	int		 max_attachment; /* bytes per attachment */
};

enum cfg_period {
	CFG_PERIOD_MONTH,
	CFG_PERIOD_QUARTER,
	CFG_PERIOD_HALF,
	CFG_PERIOD_YEAR
};

struct cfg_duty {
	char		*id;		/* [a-z0-9_-]{1,32} */
	char		*title;
	enum cfg_period	 period;
	int		 at_least;
	struct strv	 owners;	/* person keys */
	struct strv	 targets;	/* labels (<= CFG_TARGET_MAX bytes, no
					 * ':'); empty: none */
	int		*warn;		/* working days before period end */
	size_t		 nwarn;		/* default 20, 10, 3 */
	unsigned	 channels;
	int		 late_days;	/* a closed period accepts logs for N days */
};

struct cfg_digest {
	bool		 enabled;
	int		 weekday;	/* 1 = Monday .. 7 */
	int		 time;		/* minutes after midnight (08:30) */
	struct strv	 to;		/* person keys */
};

/* The public progress report (dutyctl report). */
struct cfg_report {
	char		*title;		/* NULL: <office>关于巡察整改进展情况的通报 */
	char		*signature;	/* 落款; NULL: general.office */
	char		*phone;		/* the public's channels, NULL if none */
	char		*email;
	char		*docx_template;	/* default: general.templates/report.docx */
};

struct cfg {
	char			*path;		/* the file it came from */
	struct cfg_general	 general;
	struct cfg_person	*people;
	size_t			 npeople;
	struct cfg_smtp		 smtp;
	struct cfg_maildir	 maildir;
	struct cfg_outbox	 outbox;
	struct cfg_reminders	 reminders;
	struct cfg_sms		 sms;
	struct cfg_im		*im;
	size_t			 nim;
	struct cfg_mailbox	 mailbox;
	struct cfg_replies	 replies;
	struct cfg_duty		*duties;
	size_t			 nduties;
	struct cfg_digest	 digest;
	struct cfg_report	 report;
};

/*
 * Load and validate `path`. On success returns a new cfg (free with
 * cfg_free). On failure returns NULL and fills `errors` with one line per
 * problem, each "file:line: path: problem (got value)"; `err` carries a
 * one-line summary (DERR_CONFIG, or DERR_SYS if unreadable).  Lines come
 * in file order; a syntax error is the only line ("file:7: syntax error").
 * Besides single values it checks references between settings: leaders,
 * owners and digest.to name people; a channel in use has a way out (email:
 * smtp or maildir; sms: sms.enabled; im: an im entry).  Derived defaults:
 * digest.to is every principal; sms endpoint and region follow provider.
 */
struct cfg *cfg_load(const char *path, struct strv *errors, struct derr *);

/*
 * A secret file setting (password_file, secret_file) may read
 * "credential:NAME" (SECRET_CREDENTIAL): the systemd credential NAME,
 * resolved against $CREDENTIALS_DIRECTORY when that is set.
 *
 * cfg_load with flags.  CFG_LOAD_NO_FILES skips the check that the secret
 * and CA files named in the config exist (for validating a config meant
 * for another machine, and for the shipped example); paths are still
 * resolved.  Relative paths (database, templates, maildir, secret and CA
 * files, @include) are taken from the directory of `path`.
 */
#define CFG_LOAD_NO_FILES	0x1
/*
 * CFG_LOAD_LANGUAGE: general.language = "en" turns gettext to English
 * (i18n_english) as soon as the file is parsed, so its problems read in
 * the language it asks for; for callers whose environment named none.
 */
#define CFG_LOAD_LANGUAGE	0x2
/*
 * CFG_LOAD_TEMPLATES: every message template the configuration will use
 * must be a readable file in general.templates (report.docx_template,
 * a webhook's body_template included); each missing one is an error at
 * the setting that needs it (checked last, in a file otherwise valid).
 * For dutyd (start, reload, -n) and dutyctl check-config; other dutyctl
 * commands need only the ones they render.
 */
#define CFG_LOAD_TEMPLATES	0x4
/*
 * CFG_LOAD_REPORT: with CFG_LOAD_TEMPLATES, the report's templates too
 * (report.html, the .docx): dutyctl check-config.  dutyd never renders
 * them, so a templates directory older than them stops no reminder.
 */
#define CFG_LOAD_REPORT		0x8
struct cfg *cfg_load_flags(const char *path, unsigned flags,
	    struct strv *errors, struct derr *);
void	cfg_free(struct cfg *);

/*
 * cfg_load, logging every error line and then the summary at err (the
 * one reporter for dutyd, dutyd -n, reload and dutyctl).  NULL if invalid.
 */
struct cfg *cfg_report(const char *path);
/* cfg_report with cfg_load_flags' flags. */
struct cfg *cfg_report_flags(const char *path, unsigned flags);


/* Look a person up by key; NULL if absent. Borrowed pointer. */
const struct cfg_person *cfg_person_get(const struct cfg *, const char *key);

/*
 * Whether `address` is still person `key`'s email (case aside): a bounce
 * mark for an address the admin has since changed is no longer news.
 */
bool	cfg_person_email_is(const struct cfg *, const char *key,
	    const char *address);
/* Look a person up by key or by display name; NULL if absent. */
const struct cfg_person *cfg_person_find(const struct cfg *, const char *);
const struct cfg_duty *cfg_duty_get(const struct cfg *, const char *id);

/* One-line summary: "configuration OK: 8 people, 5 duties, ..." (caller frees). */
char	*cfg_summary(const struct cfg *);

#endif
