/*
 * fuzz_csv: libFuzzer target for ledger_parse_csv, which reads whatever
 * an admin saved from Excel: any encoding, any shape, any deadline text.
 * Besides memory errors it traps when the result contradicts the
 * contract: success with an error listed, failure with none, a listed
 * problem that is not valid UTF-8 or lacks its row.  Built and run by
 * `make fuzz`; `make fuzz-replay` replays tests/fuzz/corpus/csv.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "ledger.h"
#include "model.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct cfg_person people[] = {
	{ .key = "wang", .name = "王立群" },
	{ .key = "li", .name = "李婷" },
};

static void
check_problems(const struct ledger_problems *p, int rc,
    const struct derr *err)
{
	size_t	 i, errors = 0;

	for (i = 0; i < p->n; i++) {
		errors += !p->v[i].note;
		if (!str_utf8_valid(p->v[i].msg, strlen(p->v[i].msg)))
			__builtin_trap();
		if (p->v[i].column != NULL && p->v[i].row == 0)
			__builtin_trap();
	}
	if (errors + p->errors_unlisted != p->nerrors ||
	    errors > LEDGER_MAX_PROBLEMS)
		__builtin_trap();
	if (rc == 0 && p->nerrors != 0)
		__builtin_trap();
	if (rc < 0 && err->kind == DERR_INPUT && p->nerrors == 0)
		__builtin_trap();
	if (rc < 0 && !str_utf8_valid(err->msg, strlen(err->msg)))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cfg	 cfg = { .people = people, .npeople = 2 };
	struct ledger_problems	 probs = { 0 };
	struct measure_list	 ml = { 0 };
	struct derr		 err = { 0 };
	int			 rc;

	rc = ledger_parse_csv((const char *)data, size, &cfg,
	    day_from_ymd(2026, 12, 6), &ml, &probs, &err);
	check_problems(&probs, rc, &err);
	if (rc == 0 && ml.n == 0)
		__builtin_trap();
	ledger_problems_clear(&probs);
	measure_list_clear(&ml);
	return 0;
}
