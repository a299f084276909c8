/*
 * config: templates.  Each message template the configuration will use
 * (general.templates, report.docx_template, a webhook's body_template)
 * must be there and readable when dutyd starts or reloads and when
 * `dutyctl check-config` runs (CFG_LOAD_TEMPLATES): a directory copied
 * from an older release lacks the newer files, and a missing SMS
 * template would otherwise only fail when its message is queued.  Each
 * missing file is reported once, at the setting that needs it.  Part of
 * the config module (config_int.h); reads the loaded struct cfg and the
 * files, not libconfig.  Whether a template parses is the renderer's
 * business, when it renders (a partial it names included).
 */
#include "config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "util.h"

/* The files already reported (or found), so each is told once. */
struct seen {
	struct strv	 paths;
};

/* 0 if `path` is a readable regular file, else an errno value. */
static int
readable(const char *path)
{
	struct stat	 st;
	int		 fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	if (fstat(fd, &st) == -1)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	close(fd);
	return e;
}

/* Template file `path`, needed by setting `key`: report it if unusable. */
static void
need_path(struct ld *ld, struct seen *s, const char *key, const char *path)
{
	char	*what;
	int	 e;

	if (strv_has(&s->paths, path))
		return;
	strv_push(&s->paths, path);
	if ((e = readable(path)) == 0)
		return;
	if (e == ENOENT)
		what = xasprintf(_("needs the template %s, which does not "
		    "exist (copy it from the templates of this version of "
		    "dutyd)"), path);
	else
		what = xasprintf(_("needs the template %s, which cannot be "
		    "read: %s"), path, e == EINVAL ? _("not a regular file") :
		    strerror(e));
	cfg_ld_bad_near(ld, key, what);
	free(what);
}

/* Template `name` in general.templates, needed by setting `key`. */
static void
need(struct ld *ld, struct seen *s, const struct cfg *cfg, const char *key,
    const char *name)
{
	char	*path;

	path = xasprintf("%s/%s", cfg->general.templates, name);
	need_path(ld, s, key, path);
	free(path);
}

/* What every configuration uses: the reminder email, and the report
 * for dutyctl (CFG_LOAD_REPORT). */
static void
need_always(struct ld *ld, struct seen *s, const struct cfg *cfg)
{
	static const char *const names[] = { "reminder.subject.txt",
	    "reminder.txt", "reminder.html", NULL };
	size_t	 i;

	for (i = 0; names[i] != NULL; i++)
		need(ld, s, cfg, "general.templates", names[i]);
	if ((cfg_ld_flags(ld) & CFG_LOAD_REPORT) == 0)
		return;
	need(ld, s, cfg, "general.templates", "report.html");
	if (cfg->report.docx_template != NULL)
		need_path(ld, s, cfg_ld_has(ld, "report.docx_template") ?
		    "report.docx_template" : "general.templates",
		    cfg->report.docx_template);
}

/* The weekly digest and the answers to officers' replies. */
static void
need_digest_replies(struct ld *ld, struct seen *s, const struct cfg *cfg)
{
	static const char *const digest[] = { "digest.subject.txt",
	    "digest.txt", "digest.html", NULL };
	static const char *const replies[] = { "reply-answer.subject.txt",
	    "reply-answer.txt", "reply-ask.subject.txt", "reply-ask.txt",
	    "reply-decided.subject.txt", "reply-decided.txt", NULL };
	size_t	 i;

	for (i = 0; cfg->digest.enabled && digest[i] != NULL; i++)
		need(ld, s, cfg, "digest.enabled", digest[i]);
	for (i = 0; cfg->replies.enabled && replies[i] != NULL; i++)
		need(ld, s, cfg, "replies.enabled", replies[i]);
}

/* SMS parameters: reminders, and each duty that texts its owners. */
static void
need_sms(struct ld *ld, struct seen *s, const struct cfg *cfg)
{
	char	*key;
	size_t	 i;

	if (cfg->reminders.channels & CFG_CH_SMS) {
		need(ld, s, cfg, "reminders.channels", "sms-reminder.txt");
		need(ld, s, cfg, "reminders.channels", "sms-overdue.txt");
	}
	for (i = 0; i < cfg->nduties; i++) {
		if ((cfg->duties[i].channels & CFG_CH_SMS) == 0)
			continue;
		key = xasprintf("duties.[%zu].channels", i);
		need(ld, s, cfg, key, "sms-duty.txt");
		need(ld, s, cfg, key, "sms-shortfall.txt");
		free(key);
	}
}

/* Markdown or text, as outbox and digest choose for this robot. */
static bool
robot_md(const struct cfg_im *im)
{
	return im->format != NULL && strcmp(im->format, "markdown") == 0 &&
	    strcmp(im->type, "feishu") != 0;
}

/* Robot `i`: the templates of the kinds it takes. */
static void
need_robot(struct ld *ld, struct seen *s, const struct cfg *cfg, size_t i)
{
	const struct cfg_im	*im = &cfg->im[i];
	bool			 hook = strcmp(im->type, "webhook") == 0;
	char			*key, *body;

	key = xasprintf("im.[%zu].kinds", i);
	if (strv_has(&im->kinds, "reminder") ||
	    strv_has(&im->kinds, "escalation") ||
	    strv_has(&im->kinds, "duty")) {
		if (hook && im->body_template != NULL) {
			body = xasprintf("im.[%zu].body_template", i);
			need(ld, s, cfg, cfg_ld_has(ld, body) ? body : key,
			    im->body_template);
			free(body);
		} else if (!hook) {
			need(ld, s, cfg, key, "im-reminder.title.txt");
			need(ld, s, cfg, key, robot_md(im) ? "im-reminder.md" :
			    "im-reminder.txt");
		}
	}
	if (strv_has(&im->kinds, "digest")) {
		need(ld, s, cfg, key, "im-digest.title.txt");
		need(ld, s, cfg, key, hook ? "im-digest.json" : robot_md(im) ?
		    "im-digest.md" : "im-digest.txt");
	}
	free(key);
}

void
cfg_check_templates(struct ld *ld, struct cfg *cfg)
{
	struct seen	 s = { { 0 } };
	size_t		 i;

	/* Last, and only for a file that is otherwise valid. */
	if ((cfg_ld_flags(ld) & CFG_LOAD_TEMPLATES) == 0 ||
	    (cfg_ld_flags(ld) & CFG_LOAD_NO_FILES) != 0 ||
	    cfg_ld_nerrs(ld) > 0 || cfg->general.templates == NULL)
		return;
	need_always(ld, &s, cfg);
	need_digest_replies(ld, &s, cfg);
	need_sms(ld, &s, cfg);
	for (i = 0; i < cfg->nim; i++)
		if (cfg->im[i].type != NULL)
			need_robot(ld, &s, cfg, i);
	strv_clear(&s.paths);
}
