#include "i18n.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LOCALEDIR
#define LOCALEDIR	"/usr/local/share/locale"
#endif
#define I18N_DOMAIN	"dutyd"

static bool
names_language(const char *v)
{
	return v != NULL && *v != '\0' && strcmp(v, "C") != 0 &&
	    strcmp(v, "POSIX") != 0;
}

bool
i18n_env_chose(void)
{
	const char	*all = getenv("LC_ALL");

	if (names_language(getenv("LANGUAGE")))
		return true;
	if (all != NULL && *all != '\0')
		return names_language(all);
	return names_language(getenv("LC_MESSAGES"));
}

/* A locale that is not C, so that gettext reads LANGUAGE. */
static void
locale_not_c(int cat)
{
	const char	*l = setlocale(cat, "");

	if (l == NULL || strcmp(l, "C") == 0 || strcmp(l, "POSIX") == 0)
		(void)setlocale(cat, "C.UTF-8");	/* else stays C */
}

/* DIR/locale beside this program (the build tree), if there is one. */
static bool
beside_exe(char *dir, size_t n)
{
	struct stat	 st;
	ssize_t		 len = readlink("/proc/self/exe", dir, n - 1);
	char		*slash;

	if (len <= 0)
		return false;
	dir[len] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL ||
	    (size_t)(slash - dir) + sizeof("/locale") > n)
		return false;
	memcpy(slash, "/locale", sizeof("/locale"));
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

void
i18n_init(void)
{
	char	 dir[4096];

	locale_not_c(LC_CTYPE);
	locale_not_c(LC_MESSAGES);
	if (!beside_exe(dir, sizeof(dir)))
		snprintf(dir, sizeof(dir), "%s", LOCALEDIR);
	bindtextdomain(I18N_DOMAIN, dir);
	bind_textdomain_codeset(I18N_DOMAIN, "UTF-8");
	textdomain(I18N_DOMAIN);
}

void
i18n_english(void)
{
	/* A domain with no catalog: gettext returns the English msgids. */
	textdomain(I18N_DOMAIN "-en");
}

void
i18n_set_english(bool english)
{
	if (english)
		i18n_english();
	else
		textdomain(I18N_DOMAIN);
}
