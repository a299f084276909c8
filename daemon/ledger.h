/*
 * ledger: turns a rectification ledger (整改台账) spreadsheet, saved as CSV
 * or an Excel workbook (.xlsx), into a list of measures, and writes
 * measures back out as CSV, JSON or a workbook.  It is pure: no database,
 * no SQL, no clock, no logging; the caller stores what it gets.  The only
 * file it touches is the workbook ledger_export_xlsx writes.  It owns
 * libcsv, iconv, libzip, libxml2 and libxlsxwriter and must not let their
 * types out.
 *
 * Import rules (ledger_parse_csv):
 * - What is not a CSV is named, with what to do: an .xlsx or .xls
 *   workbook (zip or OLE magic bytes), a PDF, UTF-16 without a byte order
 *   mark, Excel's tab-separated "Unicode 文本".
 * - Encoding: UTF-8 with or without a BOM, UTF-16LE or UTF-16BE with a
 *   BOM, or, when the bytes are not valid UTF-8, GB18030 (and so
 *   GBK/GB2312, what Excel writes on Chinese Windows).  At most
 *   LEDGER_MAX_FILE bytes.
 * - The header is the first of the first LEDGER_HEADER_ROWS rows that are
 *   not blank which names at least two known columns (else the first
 *   such row); rows above it (a title such as 某某单位巡察整改台账) are
 *   skipped with a note.  Row numbers are always the file's own (Excel's).
 *   Columns are found by name, English case-insensitively, surrounding
 *   spaces ignored:
 *     problem code   problem, problem_code, 问题编号, 问题序号, 问题号
 *     problem title  problem_title, 问题, 存在问题, 问题描述, 巡察反馈问题
 *     measure code   code, measure_code, 序号, 编号, 措施编号
 *     measure text   measure, text, 整改措施, 措施, 整改内容, 整改任务
 *     owners         owners, owner, 责任人, 责任领导/责任人
 *     deadline       deadline, 整改时限, 完成时限, 时限
 *     kind           kind, 整改类型, 类型
 *     status         status, 完成情况, 整改状态
 *     evidence       evidence, 佐证材料, 完成证明
 *   Problem code, measure code, measure text, owners and one of deadline
 *   or kind are required; other columns (备注 ...) are ignored.
 * - An empty problem code or title is carried down from the row above,
 *   like a merged Excel cell.  A problem's title, once given, must not
 *   change.  Without a title column the title is "".
 * - The stored code is "<problem>-<measure>", the measure code stripped of
 *   one pair of surrounding brackets, （） or (): problem "八", measure
 *   "（二）" gives "八-二"; problem "P01", measure "3" gives "P01-3".  A
 *   measure code that already starts with "<problem>-" is kept as it is.
 *   Codes must be unique in the file.
 * - Owners: several, separated by 、，,;；/／ or spaces; each must be a
 *   person key or display name in the config and is stored as the key.
 * - Deadline cell (full-width digits are read as digits; 于 before and
 *   前, 之前, 以前, 完成, 止 after a date are ignored):
 *     2026-12-31, 2026/12/31, 2026.12.31, 2026年12月31日 (or 31号)
 *     2026年12月底, 2026年12月 (the month's last day)
 *     2026年底, 2026年年底, 2026年末 (December 31)
 *     12月31日, 12月底, 12月 without a year: the nearest such date that
 *       is not more than LEDGER_YEAR_PAST_DAYS before `today`, with a
 *       note saying which date was taken; refused when `today` is
 *       DAY_NONE
 *     立行立改, 限期整改, 长期坚持 (or 长期), immediate/deadline/ongoing,
 *       alone or with a date ("限期整改 2024-09-30")
 *     每季度1次, 每月至少1次, 每半年一次, 每年2次 (每<period>..N次): a
 *       standing duty, imported as 长期坚持 with a note suggesting the
 *       `duties` entry for dutyd.conf (每周/每天: no period fits, the
 *       note says so)
 *   A date alone means 限期整改; 立行立改 may go without a date; 长期坚持
 *   takes none; 限期整改 needs one.  Refused, with the reason: no year
 *   (年底前, 年内), no month (月底前), no day (12月下旬, 2026年上半年,
 *   2026年一季度), no date at all (尽快, 近期), anything else.
 * - Status: done/已完成/完成/已销号/已整改 are done; open/未完成/整改中/
 *   推进中 or empty are open.  done_at and closed_by are left 0/NULL for
 *   the caller to fill.
 * - Control characters are refused, except newline and tab in the measure
 *   text and evidence (CR LF there becomes LF) and as separators in the
 *   owners and deadline cells.  A cell may hold LEDGER_MAX_FIELD bytes.
 * - Every problem is reported, not only the first: each bad cell of every
 *   row, then a quoting error that ends the file early.
 */
#ifndef DUTYD_LEDGER_H
#define DUTYD_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "util.h"

#define LEDGER_MAX_FILE		(8u * 1024 * 1024)	/* bytes */
#define LEDGER_MAX_FIELD	4000			/* bytes per cell */
#define LEDGER_MAX_ROWS		10000			/* measures per file */
#define LEDGER_MAX_PROBLEMS	50	/* errors (and notes) listed */
#define LEDGER_HEADER_ROWS	5	/* rows searched for the header */
#define LEDGER_YEAR_PAST_DAYS	31	/* 12月31日 may be this far back */

/* A workbook's limits (ledger_parse_xlsx). */
#define LEDGER_XLSX_MAX_PART	(32u * 1024 * 1024) /* bytes, unzipped part */
#define LEDGER_XLSX_MAX_TOTAL	(64u * 1024 * 1024) /* bytes, all parts */
#define LEDGER_XLSX_MAX_CELLS	500000	/* cells (and shared strings) */
#define LEDGER_XLSX_MAX_ROW	100000	/* last row with something in it */
#define LEDGER_XLSX_MAX_COLS	64	/* columns */
#define LEDGER_XLSX_MAX_MERGES	20000	/* merged ranges */
#define LEDGER_XLSX_MAX_STYLES	10000	/* cell formats, number formats */
#define LEDGER_XLSX_MAX_DEPTH	32	/* XML nesting */

/* One thing wrong with a ledger file, or worth a remark. */
struct ledger_problem {
	bool	 note;		/* a remark: it does not stop the import */
	size_t	 row;		/* the file's row (Excel's), 0: the file */
	char	*column;	/* the file's header text, NULL: no one cell */
	char	*msg;		/* the sentence, in Chinese, with row and
				   column: 第7行，“整改时限”列：“2024-13-45”
				   不是日期（…） */
};

/*
 * What ledger_parse_csv found, in file order.  At most
 * LEDGER_MAX_PROBLEMS errors and as many notes are listed; the counts
 * include those left out.
 */
struct ledger_problems {
	struct ledger_problem	*v;
	size_t			 n;
	size_t			 nerrors;	/* errors found */
	size_t			 errors_unlisted;
	size_t			 nnotes;	/* notes found */
	size_t			 notes_unlisted;
};

/* Free the list and zero it; NULL and a second call are no-ops. */
void	ledger_problems_clear(struct ledger_problems *);

/*
 * Parse the whole CSV file `data` (`len` bytes) against the people in
 * `cfg`.  `today` is the current civil date (DAY_NONE if unknown), used
 * only to give a year to a deadline written without one.  Every problem
 * and note goes into `probs`, which starts zeroed (or is NULL); the
 * caller clears it with ledger_problems_clear, on success too, since it
 * may hold notes.
 * On success fills `out` (caller clears it with measure_list_clear; ids
 * are 0) and returns 0.  Any error fails the whole file: returns -1 with
 * DERR_INPUT whose message is the first problem's (with "（共N处错误）"
 * when there are more); `out` is untouched.  DERR_SYS if iconv fails.
 */
int	ledger_parse_csv(const char *data, size_t len, const struct cfg *cfg,
	    int32_t today, struct measure_list *out,
	    struct ledger_problems *probs, struct derr *err);

/*
 * Parse one sheet of the .xlsx workbook `data` (`len` bytes): the sheet
 * named `sheet`, or the first when NULL.  The sheet's rows go through the
 * same checks, with the same results, errors and notes, as
 * ledger_parse_csv's (row numbers are Excel's).  Cells are read as Excel
 * shows them: shared and inline strings (phonetic runs left out), numbers
 * (integers without ".0"), a number in a date format as YYYY-MM-DD (the
 * 1900 system with its 1900-02-29, or the 1904 one), TRUE/FALSE, and the
 * last value of a formula.  A merged range's value is carried into the
 * empty cells below it in its first column (a 问题 merged down over its
 * measures).  Limits: LEDGER_MAX_FILE bytes, LEDGER_XLSX_* above; a part
 * over a limit, a DTD, bad XML or a damaged zip fails the whole file with
 * one problem that says so.  Returns as ledger_parse_csv does.
 */
int	ledger_parse_xlsx(const char *data, size_t len, const char *sheet,
	    const struct cfg *cfg, int32_t today, struct measure_list *out,
	    struct ledger_problems *probs, struct derr *err);

/* How a measure is shown in a workbook. */
enum ledger_state {
	LEDGER_STATE_OPEN,
	LEDGER_STATE_DONE,	/* green */
	LEDGER_STATE_SOON,	/* open, due soon: yellow */
	LEDGER_STATE_OVERDUE	/* open, past its deadline: red */
};

/* What ledger_export_xlsx writes. */
struct ledger_book {
	const struct measure_list	*ml;
	const enum ledger_state		*state;	/* one per measure */
	const struct duty_cells		*duties; /* the current period's */
	const struct cfg		*cfg;	/* names, duty titles */
	int32_t				 today;	/* 统计's date */
};

/*
 * Write the workbook `path` (mode as the umask allows: the caller sets
 * 077 for 0600): sheet 台账 with the ledger_export_csv columns, a
 * problem's code and title merged over its measures, each measure's row
 * in its state's colour, deadlines as dates, a frozen autofiltered header
 * repeated on every printed page (A4 landscape), widths that fit Chinese
 * text; sheet 统计 (per problem: measures, done, open, overdue, 完成率);
 * sheet 常态化工作 (the duty cells: duty, period, owner, target, done,
 * required, state).  Text is always written as text, never a formula.
 * ledger_parse_xlsx reads 台账 back to the same measures.  Returns 0, or
 * -1 with DERR_SYS naming libxlsxwriter's error.
 */
int	ledger_export_xlsx(const struct ledger_book *, const char *path,
	    struct derr *err);

/*
 * Append the measures to `out` as CSV for Excel: UTF-8 with a BOM, CRLF
 * line ends, RFC 4180 quoting, a Chinese header whose names
 * ledger_parse_csv accepts (问题编号,问题,序号,整改措施,责任人,整改时限,
 * 整改类型,完成情况,佐证材料), so export then import gives the same
 * measures back (except id, done_at and closed_by).  The measure code
 * column holds the code without its "<problem>-" prefix; 责任人 holds the
 * people's names from `cfg` (a key where two people share a name, or the
 * person is not in `cfg`; keys only when `cfg` is NULL).  A cell that
 * starts with = + - @, a tab or CR is written after a "'" so a spreadsheet
 * does not run it as a formula; ledger_parse_csv drops that "'" again.
 * Returns 0, or -1 (DERR_INPUT) if `out` reaches its maximum.
 */
int	ledger_export_csv(const struct measure_list *, const struct cfg *cfg,
	    struct buf *out, struct derr *err);

/*
 * Append the measures to `out` as a JSON array of objects with the fields
 * id, problem, problem_title, code, text, owners (array of keys), kind
 * ("immediate"/"deadline"/"ongoing"), deadline ("YYYY-MM-DD" or null),
 * status ("open"/"done"), done_at (Unix seconds or null), evidence and
 * closed_by (string or null).  Returns 0, or -1 (DERR_INPUT if `out` is
 * full, DERR_SYS if jansson fails).
 */
int	ledger_export_json(const struct measure_list *, struct buf *out,
	    struct derr *err);

/* How a ledger_field is written. */
enum ledger_json_type {
	LEDGER_JSON_AUTO,	/* str, or (str NULL) num */
	LEDGER_JSON_NULLABLE,	/* str, or (str NULL) null */
	LEDGER_JSON_BOOL	/* num != 0 as true/false */
};

/* One field of a flat JSON record. */
struct ledger_field {
	const char		*key;
	const char		*str;
	long long		 num;
	enum ledger_json_type	 type;
};

/*
 * Append `nrec` records of `nf` fields each (f[rec * nf + i]) to `out` as
 * a JSON array of objects, for dutyctl's --json listings; with `one`
 * (nrec 1) the object alone.  Returns 0/-1.
 */
int	ledger_json_records(const struct ledger_field *f, size_t nf,
	    size_t nrec, bool one, struct buf *out, struct derr *err);

#endif
