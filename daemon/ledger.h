/*
 * ledger: turns a rectification ledger (整改台账) spreadsheet saved as CSV
 * into a list of measures, and writes measures back out as CSV or JSON.
 * It is pure: no database, no SQL, no clock, no logging; the caller stores
 * what it gets.  It owns libcsv and iconv and must not let their types out.
 *
 * Import rules (ledger_parse_csv):
 * - Encoding: UTF-8 with or without a BOM, UTF-16LE with a BOM, or, when
 *   the bytes are not valid UTF-8, GB18030 (and so GBK/GB2312, what Excel
 *   writes on Chinese Windows).  At most LEDGER_MAX_FILE bytes.
 * - The first row that is not blank is the header.  Columns are found by
 *   name, English case-insensitively, surrounding spaces ignored:
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
 * - Deadline cell: a date (2024-09-30, 2024/9/30, 2024.9.30, 2024年9月30日),
 *   a kind (立行立改/限期整改/长期坚持 or immediate/deadline/ongoing), or
 *   both ("限期整改 2024-09-30").  A date alone means 限期整改; 立行立改
 *   may go without a date; 长期坚持 takes none; 限期整改 needs one.
 * - Status: done/已完成/完成/已销号/已整改 are done; open/未完成/整改中/
 *   推进中 or empty are open.  done_at and closed_by are left 0/NULL for
 *   the caller to fill.
 * - Control characters are refused, except newline and tab in the measure
 *   text and evidence (CR LF there becomes LF) and as separators in the
 *   owners and deadline cells.  A cell may hold LEDGER_MAX_FIELD bytes.
 */
#ifndef DUTYD_LEDGER_H
#define DUTYD_LEDGER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "util.h"

#define LEDGER_MAX_FILE		(8u * 1024 * 1024)	/* bytes */
#define LEDGER_MAX_FIELD	4000			/* bytes per cell */
#define LEDGER_MAX_ROWS		10000			/* measures per file */

/*
 * Parse the whole CSV file `data` (`len` bytes) against the people in
 * `cfg`.  On success fills `out` (caller clears it with
 * measure_list_clear; ids are 0) and returns 0.  The first bad row fails
 * the whole file: returns -1 with DERR_INPUT and a message such as
 *   row 7, problem 三, column 整改时限: "2024-13-45" is not a date (...)
 * where the row is the 1-based CSV record number (the header is usually
 * row 1) and the column is named by its header text; `out` is untouched.
 */
int	ledger_parse_csv(const char *data, size_t len, const struct cfg *cfg,
	    struct measure_list *out, struct derr *err);

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
