/*
 * report: the public progress report of a rectification (关于巡察整改进展
 * 情况的通报), the genre of the seed document: 一、总体情况 (counts,
 * 完成率, what is long-term), 二、整改落实情况 problem by problem with
 * each measure's state in words and a short evidence note, 三、下一步工作
 * (what is open, with deadlines), and the closing paragraph with the
 * public's channels (report.phone, report.email).  Reads the ledger and
 * its evidence files' names from the store and renders templates/
 * report.html, or the word/document.xml of a Word template the caller has
 * read (docx).  Must not send, read or write files besides the HTML
 * template; the caller writes the result.
 */
#ifndef DUTYD_REPORT_H
#define DUTYD_REPORT_H

#include <stdint.h>

#include "calendar.h"
#include "config.h"
#include "docx.h"
#include "err.h"
#include "store.h"
#include "util.h"

/*
 * Render the report as of civil day `as_of` (measures done after it are
 * still open in it; deadlines are told against it) into `out`, which this
 * initialises (HTML that prints on A4; the caller clears it).  0, or -1
 * with `err` (store or template).
 */
/*
 * Keep in `ev` only the files recorded on or before civil day `as_of`
 * (their `at` in the calendar's time zone), as the report and the bundle
 * of that day show them; the others are freed.  A file removed since is
 * not in the store any more and cannot come back here.
 */
void	report_evidence_as_of(struct store_evidence_list *ev,
	    const struct cal *, int32_t as_of);

int	report_html(struct store *, const struct cfg *, const struct cal *,
	    int32_t as_of, struct buf *out, struct derr *);

/*
 * The same report from a Word template: `pkg` is the template package
 * (docx_pkg_read), whose word/document.xml holds the mustache tags of
 * report.html; tags split across runs are joined first
 * (docx_template_prepare), then the part is rendered with XML escaping
 * and replaced in `pkg`; every other part stays as it was.  0, or -1
 * with `err` (store; DERR_INPUT naming word/document.xml and what is
 * wrong with the template, in the user's language).
 */
int	report_docx(struct store *, const struct cfg *, const struct cal *,
	    int32_t as_of, struct docx_pkg *pkg, struct derr *);

#endif
