/*
 * config: routes.  Every kind a group robot takes is sent, and every "im"
 * in a channel list reaches a robot (issue 15): a combination that would
 * never be sent is refused at check time.  Part of the config module
 * (config_int.h); reads the loaded struct cfg only, not libconfig.
 */
#include "config_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "util.h"

/* Whether any robot takes one of `kinds` (NULL-terminated). */
static bool
robot_takes(const struct cfg *cfg, const char *const *kinds)
{
	size_t	 i, k;

	for (i = 0; i < cfg->nim; i++)
		for (k = 0; kinds[k] != NULL; k++)
			if (strv_has(&cfg->im[i].kinds, kinds[k]))
				return true;
	return false;
}

/* Whether kind `kind` of robot messages is ever planned. */
static const char *
kind_unsent(const struct cfg *cfg, const char *kind)
{
	size_t	 i;

	if (strcmp(kind, "reminder") == 0 || strcmp(kind, "escalation") == 0)
		return cfg->reminders.channels & CFG_CH_IM ? NULL :
		    _("reminders.channels has no \"im\"");
	if (strcmp(kind, "digest") == 0)
		return cfg->digest.enabled ? NULL :
		    _("digest.enabled is false");
	for (i = 0; i < cfg->nduties; i++)
		if (cfg->duties[i].channels & CFG_CH_IM)
			return NULL;
	return _("no duty has \"im\" in its channels");
}

/*
 * A robot without `kinds` takes those of the defaults that are sent; one
 * left with none would never post.
 */
static void
robot_default_kinds(struct ld *ld, const struct cfg *cfg, struct cfg_im *im,
    size_t i)
{
	struct strv	 keep = { 0 };
	char		*ep;
	size_t		 k;

	for (k = 0; k < im->kinds.n; k++)
		if (kind_unsent(cfg, im->kinds.v[k]) == NULL)
			strv_push(&keep, im->kinds.v[k]);
	if (keep.n == 0) {
		ep = xasprintf("im.[%zu]", i);
		cfg_ld_bad(ld, ep, _("takes none of the kinds that are sent "
		    "(default \"escalation\", \"digest\"): set kinds"));
		free(ep);
	}
	strv_clear(&im->kinds);
	im->kinds = keep;
}

/* Each kind written in im.[i].kinds must be sent. */
static void
robot_kinds(struct ld *ld, const struct cfg *cfg, const struct cfg_im *im,
    size_t i)
{
	const char	*why;
	char		*ep, *what;
	size_t		 k;

	ep = xasprintf("im.[%zu].kinds", i);
	for (k = 0; k < im->kinds.n; k++) {
		if ((why = kind_unsent(cfg, im->kinds.v[k])) == NULL)
			continue;
		what = xasprintf(_("takes kind \"%s\", but %s: it would "
		    "never be sent"), im->kinds.v[k], why);
		cfg_ld_bad(ld, ep, what);
		free(what);
	}
	free(ep);
}

/*
 * Every kind a robot takes is sent, and every "im" in a channel list
 * reaches a robot: a combination that would never be sent is refused
 * rather than left to fail quietly.
 */
void
cfg_check_routes(struct ld *ld, struct cfg *cfg)
{
	static const char *const rem[] = { "reminder", "escalation", NULL };
	static const char *const duty[] = { "duty", NULL };
	char		*ep;
	size_t		 i;

	for (i = 0; i < cfg->nim; i++) {
		ep = xasprintf("im.[%zu].kinds", i);
		if (!cfg_ld_has(ld, ep))
			robot_default_kinds(ld, cfg, &cfg->im[i], i);
		else
			robot_kinds(ld, cfg, &cfg->im[i], i);
		free(ep);
	}
	if (cfg->nim > 0 && (cfg->reminders.channels & CFG_CH_IM) &&
	    !robot_takes(cfg, rem))
		cfg_ld_bad(ld, "reminders.channels", _("\"im\" goes to the "
		    "robots that take kind \"reminder\" or \"escalation\", "
		    "and none does: it would never be sent"));
	for (i = 0; cfg->nim > 0 && i < cfg->nduties; i++) {
		if ((cfg->duties[i].channels & CFG_CH_IM) == 0 ||
		    robot_takes(cfg, duty))
			continue;
		ep = xasprintf("duties.[%zu].channels", i);
		cfg_ld_bad(ld, ep, _("\"im\" goes to the robots that take "
		    "kind \"duty\", and none does: it would never be sent"));
		free(ep);
	}
}
