/*
 * dutyctl report: the public progress report (通报) as printable HTML, as
 * a Word document from the admin's template (report.docx_template), and
 * as a bundle: both reports, every evidence file recorded by the report's
 * day (--as-of) named by measure (证据材料/八-二/会议纪要.pdf) and
 * SHA256SUMS, which `sha256sum -c` checks after unzipping.  Files
 * written here are mode 0600: a report draft and its evidence are not
 * for every local user.
 */
#include "cli_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "docx.h"
#include "evidence.h"
#include "i18n.h"
#include "model.h"
#include "report.h"
#include "sign.h"
#include "store.h"
#include "util.h"

#define BUNDLE_DOCX	"整改情况通报.docx"
#define BUNDLE_HTML	"整改情况通报.html"
#define BUNDLE_DIR	"证据材料"
#define BUNDLE_SUMS	"SHA256SUMS"

/*
 * Write `len` bytes to `path`, mode 0600 whatever the umask: into a
 * temporary file beside it, then renamed, so a reader never sees half a
 * file.  0 or a sysexits code (said).
 */
static int
write_private(const char *path, const char *data, size_t len)
{
	char	*tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	int	 fd, r = 0;

	(void)unlink(tmp);	/* a leftover of a killed run, if any */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		r = cli_fail(EX_CANTCREAT, "%s: %s", path, strerror(errno));
		free(tmp);
		return r;
	}
	if (fchmod(fd, 0600) == -1 || fd_write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1)
		r = cli_fail(EX_IOERR, "%s: %s", path, strerror(errno));
	if (close(fd) == -1 && r == 0)
		r = cli_fail(EX_IOERR, "%s: %s", path, strerror(errno));
	if (r == 0 && rename(tmp, path) == -1)
		r = cli_fail(EX_CANTCREAT, "%s: %s", path, strerror(errno));
	if (r != 0)
		(void)unlink(tmp);
	free(tmp);
	return r;
}

/* The .docx report as of `as_of` into `out` (initialised here). */
static int
docx_build(struct cli *c, int32_t as_of, struct buf *out)
{
	const char	*tp = c->cfg->report.docx_template;
	struct docx_pkg	 pkg = { 0 };
	struct derr	 err = { 0 };
	char		*data;
	size_t		 len;
	int		 r;

	if (file_read(tp, DOCX_PKG_MAX, &data, &len, &err) < 0)
		return cli_fail(err.kind == DERR_INPUT ? EX_DATAERR :
		    EX_NOINPUT, _("the Word template: %s (report.docx_template "
		    "in %s)"), err.msg, c->path);
	r = docx_pkg_read(data, len, &pkg, &err);
	free(data);
	if (r == 0 && (r = report_docx(c->store, c->cfg, c->cal, as_of, &pkg,
	    &err)) < 0 && err.kind != DERR_INPUT) {
		docx_pkg_clear(&pkg);
		return cli_fail_err(&err);
	}
	if (r < 0) {
		docx_pkg_clear(&pkg);
		return cli_fail(EX_DATAERR, _("the Word template %s is not "
		    "usable: %s"), tp, err.msg);
	}
	r = docx_pkg_zip(&pkg, c->now, out, &err);
	docx_pkg_clear(&pkg);
	return r < 0 ? cli_fail_err(&err) : 0;
}

/* "证据材料/八-二/纪要.pdf", made unique in `pkg` with the hash. */
static char *
evidence_path(const struct docx_pkg *pkg, const struct store_evidence *e)
{
	const char	*dot;
	char		*code, *p, *name;
	size_t		 i;

	code = xstrdup(e->code);
	for (p = code; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			*p = '-';
	name = xasprintf("%s/%s/%s%s", BUNDLE_DIR, code,
	    e->name[0] == '.' ? "_" : "", e->name);
	for (i = 0; i < pkg->n; i++)
		if (strcmp(pkg->v[i].name, name) == 0) {
			free(name);
			dot = strrchr(e->name, '.');
			name = xasprintf("%s/%s/%.*s-%.8s%s", BUNDLE_DIR, code,
			    (int)(dot && dot != e->name ? dot - e->name :
			    (long)strlen(e->name)), e->name, e->hash,
			    dot && dot != e->name ? dot : "");
			break;
		}
	free(code);
	return name;
}

/*
 * Every evidence file recorded on or before `as_of` into `pkg`, each
 * checked against its hash: the bundle shows the ledger of that day.
 */
static int
bundle_evidence(struct cli *c, int32_t as_of, struct docx_pkg *pkg)
{
	const struct cfg_general	*g = &c->cfg->general;
	struct store_evidence_list	 l = { 0 };
	struct derr			 err = { 0 };
	char				 hex[SIGN_SHA256_HEX], *data, *name;
	size_t				 i, len;
	int				 r = 0, found;

	if (store_evidence_list(c->store, NULL, NULL, &l, &err) < 0)
		return cli_fail_err(&err);
	report_evidence_as_of(&l, c->cal, as_of);
	for (i = 0; r == 0 && i < l.n; i++) {
		data = NULL;
		found = evidence_read(g->evidence_dir, l.v[i].hash,
		    (size_t)g->evidence_max, &data, &len, &err);
		if (found < 0)
			r = cli_fail_err(&err);
		else if (found == 0)
			r = cli_fail(EX_IOERR, _("%s: evidence file %s (%s) is "
			    "recorded but missing from %s"), l.v[i].code,
			    l.v[i].name, l.v[i].hash, g->evidence_dir);
		else if (sign_sha256_hex(data, len, hex, &err) < 0 ||
		    strcmp(hex, l.v[i].hash) != 0)
			r = cli_fail(EX_IOERR, _("%s: evidence file %s in %s "
			    "is damaged (its content no longer has that hash)"),
			    l.v[i].code, l.v[i].hash, g->evidence_dir);
		else {
			name = evidence_path(pkg, &l.v[i]);
			docx_pkg_add(pkg, name, data, len);
			free(name);
		}
		free(data);
	}
	store_evidence_list_clear(&l);
	return r;
}

/* SHA256SUMS: "hash  name" for every part, as sha256sum writes it. */
static int
bundle_sums(struct docx_pkg *pkg)
{
	struct derr	 err = { 0 };
	struct buf	 b;
	char		 hex[SIGN_SHA256_HEX];
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; i < pkg->n; i++) {
		if (sign_sha256_hex(pkg->v[i].data, pkg->v[i].len, hex,
		    &err) < 0) {
			buf_clear(&b);
			return cli_fail_err(&err);
		}
		buf_printf(&b, NULL, "%s  %s\n", hex, pkg->v[i].name);
	}
	docx_pkg_add(pkg, BUNDLE_SUMS, b.data ? b.data : "", b.len);
	buf_clear(&b);
	return 0;
}

static int
bundle_write(struct cli *c, int32_t as_of, const char *path)
{
	struct docx_pkg	 pkg = { 0 };
	struct derr	 err = { 0 };
	struct buf	 b;
	int		 r;

	if ((r = docx_build(c, as_of, &b)) != 0)
		return r;
	docx_pkg_add(&pkg, BUNDLE_DOCX, b.data, b.len);
	buf_clear(&b);
	if (report_html(c->store, c->cfg, c->cal, as_of, &b, &err) < 0) {
		docx_pkg_clear(&pkg);
		return cli_fail_err(&err);
	}
	docx_pkg_add(&pkg, BUNDLE_HTML, b.data ? b.data : "", b.len);
	buf_clear(&b);
	if ((r = bundle_evidence(c, as_of, &pkg)) == 0 &&
	    (r = bundle_sums(&pkg)) == 0) {
		if (docx_pkg_zip(&pkg, c->now, &b, &err) < 0)
			r = cli_fail_err(&err);
		else {
			r = write_private(path, b.data, b.len);
			if (r == 0)
				printf(_("%s: the report and %zu evidence "
				    "file(s), with SHA256SUMS\n"), path,
				    pkg.n - 3);
			buf_clear(&b);
		}
	}
	docx_pkg_clear(&pkg);
	return r;
}

static int
html_write(struct cli *c, int32_t as_of, const char *path)
{
	struct derr	 err = { 0 };
	struct buf	 b;
	int		 r;

	if (report_html(c->store, c->cfg, c->cal, as_of, &b, &err) < 0)
		return cli_fail_err(&err);
	if (path == NULL || strcmp(path, "-") == 0) {
		fwrite(b.data ? b.data : "", 1, b.len, stdout);
		r = fflush(stdout) == 0 ? 0 : cli_fail(EX_IOERR, "stdout: %s",
		    strerror(errno));
	} else
		r = write_private(path, b.data ? b.data : "", b.len);
	buf_clear(&b);
	return r;
}

/*
 * report [--html [-o FILE]] [--docx FILE] [--bundle FILE] [--as-of DATE]:
 * the public progress report in each form asked for.
 */
static int
cmd_report(struct cli *c, struct cli_args *a)
{
	struct buf	 b;
	int32_t		 as_of = c->today;
	int		 r = 0;

	if ((!a->html && a->docx == NULL && a->bundle == NULL) ||
	    a->argc != 0 || (a->output != NULL && !a->html))
		return cli_fail(EX_USAGE, _("usage: dutyctl report [--html [-o "
		    "FILE]] [--docx FILE] [--bundle FILE.zip] [--as-of "
		    "YYYY-MM-DD]   (at least one form)"));
	if (a->as_of != NULL && day_parse(a->as_of, &as_of) < 0)
		return cli_fail(EX_USAGE, _("--as-of: not a date YYYY-MM-DD "
		    "(got \"%s\")"), a->as_of);
	if (a->docx != NULL && (r = docx_build(c, as_of, &b)) == 0) {
		r = write_private(a->docx, b.data, b.len);
		buf_clear(&b);
	}
	if (r == 0 && a->bundle != NULL)
		r = bundle_write(c, as_of, a->bundle);
	if (r == 0 && a->html)
		r = html_write(c, as_of, a->output);
	return r;
}

const struct cli_cmd cli_report_cmds[] = {
	{ "report", NULL, cmd_report, "html output docx bundle as-of", NULL,
	    N_("the public progress report (通报): printable HTML, Word, or "
	    "a zip with its evidence") },
};
const size_t cli_report_ncmds = sizeof(cli_report_cmds) /
    sizeof(cli_report_cmds[0]);
