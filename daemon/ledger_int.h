/*
 * ledger's private header: what its files share.  ledger_rows.c checks
 * rows (problems, header, cells) whatever file they came from;
 * ledger_csv.c reads CSV into rows; ledger_date.c reads the deadline cell
 * (dates as offices write them, kinds, standing duties); ledger_export.c
 * writes CSV and JSON.  Nothing outside ledger*.c includes this.
 */
#ifndef DUTYD_LEDGER_INT_H
#define DUTYD_LEDGER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ledger.h"
#include "model.h"
#include "util.h"

/* What one deadline cell says. */
struct ledger_deadline {
	int		 kind;		/* enum measure_kind, -1: not said */
	int32_t		 date;		/* DAY_NONE: no date */
	bool		 guessed_year;	/* the year came from `today` */
	bool		 duty;		/* 每季度1次 ...: a standing duty */
	const char	*period;	/* its cfg period, NULL: none fits */
	int		 times;		/* its at_least */
};

/*
 * Read a deadline cell (ledger.h lists the forms) with `today` (DAY_NONE:
 * unknown) for dates without a year.  Returns 0 and fills `d`, or -1
 * with DERR_INPUT and the reason in Chinese, which quotes the cell.
 */
int	ledger_deadline_parse(const char *cell, int32_t today,
	    struct ledger_deadline *d, struct derr *err);

/* A kind cell: 立行立改, 限期整改, 长期坚持, 长期 or the English name. */
int	ledger_kind_parse(const char *s);

/* Copy `s` into `out` (`n` bytes), cut on a UTF-8 boundary with "...". */
const char *ledger_shorten(const char *s, char *out, size_t n);

/* Trim ASCII white space and full-width spaces at both ends, in place. */
char	*ledger_trim(char *s);

#define LEDGER_DATE_HINT \
	"应为2026-12-31、2026年12月底前、长期坚持或立行立改"

#define LEDGER_SAVE_AS	"请在Excel中“另存为”→“CSV UTF-8(逗号分隔)”，再导入" \
			"另存的.csv文件"
#define LEDGER_XLS_TODO	"请在Excel或WPS中“另存为”→“Excel工作簿(*.xlsx)”" \
			"（有密码的先取消），再导入.xlsx文件"

/* One row of a sheet: its cells, as UTF-8 text, and its own number. */
struct row {
	struct strv	 f;
	size_t		 no;	/* the file's row (Excel's), 1-based */
};

/* The rows of a file, in order; cur, recno, last: the CSV reader's. */
struct rows {
	struct row	*v;
	size_t		 n;
	struct strv	 cur;
	size_t		 recno;
	int		 last;	/* terminator of the previous record */
};

/* Free the rows and zero them; a second call is a no-op. */
void	ledger_rows_clear(struct rows *);

/*
 * Find the header in `rows`, check every row below it against `cfg`, and
 * record every problem in `probs`; `cut`: the file ended early (an error
 * already recorded).  When no error was found, `out` gets the measures.
 */
void	ledger_rows_parse(const struct rows *rows, const struct cfg *cfg,
	    int32_t today, bool cut, struct ledger_problems *probs,
	    struct measure_list *out);

/* Record `reason` at `row` (0: the file) and `column` (NULL: none). */
void	ledger_problem_add(struct ledger_problems *p, bool note, size_t row,
	    const char *column, const char *reason);
void	ledger_problem_addf(struct ledger_problems *p, bool note, size_t row,
	    const char *column, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* A file-level error in `err` (DERR_INPUT) as the only problem; -1. */
int	ledger_problem_file(struct ledger_problems *p, struct derr *err);

/* The first error, and how many there are, as one sentence in `err`; -1. */
int	ledger_problems_err(const struct ledger_problems *p, struct derr *err);

/*
 * A cell that starts with = + - @ (or a tab or CR) is a formula to Excel
 * and WPS (ledger_export.c writes it after a "'").
 */
bool	ledger_csv_formula(const char *s);

/* `s` without the "'" that guards a formula-like cell. */
const char *ledger_csv_unguard(const char *s);

/* A measure's code without its "<problem>-" prefix (borrowed). */
const char *ledger_code_suffix(const struct measure *m);

/*
 * What the 责任人 cell says for person `key`: the name, which import
 * resolves back to the same person, else the key (borrowed).
 */
const char *ledger_owner_cell(const struct cfg *cfg, const char *key);

#endif
