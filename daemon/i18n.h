/*
 * i18n: the words people read, through gettext.  English is the msgid;
 * po/zh_CN.po is the Chinese catalog (domain "dutyd"), built into
 * build/locale and installed under PREFIX/share/locale.  Chinese is the
 * default; the LANGUAGE, LC_ALL or LC_MESSAGES the user sets, or
 * general.language, choose otherwise.  Log lines for machines stay
 * key=value.  No I/O besides finding the catalog.
 */
#ifndef DUTYD_I18N_H
#define DUTYD_I18N_H

#include <stdbool.h>
#include <libintl.h>

#define _(s)	gettext(s)
#define N_(s)	(s)

/*
 * Whether the environment names a language (LANGUAGE, or LC_ALL /
 * LC_MESSAGES other than C or POSIX).  LANG alone does not: a server's
 * LANG says little about who reads dutyctl.
 */
bool	i18n_env_chose(void);

/*
 * Set up gettext: LC_CTYPE and LC_MESSAGES from the environment (C.UTF-8
 * when they say C, so LANGUAGE is honoured), the catalog from locale/
 * beside the program when it exists (the build tree), else from
 * LOCALEDIR.  main sets LANGUAGE=zh_CN first when i18n_env_chose() is
 * false (only the entry points touch the environment).
 */
void	i18n_init(void);

/* From now on speak English (general.language = "en"). */
void	i18n_english(void);

/* Speak English or, again, the catalog's language (a reloaded config). */
void	i18n_set_english(bool english);

#endif
