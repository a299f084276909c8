/*
 * fuzz_xlsx: libFuzzer target for ledger_parse_xlsx, which reads whatever
 * workbook an admin hands dutyctl import: any zip, any XML, any sheet.
 * An input that starts with "PK" is the workbook itself.  Any other is
 * parts separated by NUL bytes (the sheet, shared strings, styles, the
 * workbook part), zipped here with libzip: a mutated zip mostly fails its
 * CRC, so this is how mutations reach the XML readers.
 * Besides memory errors it traps when the result contradicts the
 * contract: success with an error listed, failure with none, a listed
 * problem that is not valid UTF-8 or lacks its row.  Built and run by
 * `make fuzz`; `make fuzz-replay` replays tests/fuzz/corpus/xlsx (small workbooks
 * stored uncompressed, so mutations reach the XML).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

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

static const char *const names[] = {
	"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
	"xl/workbook.xml", "xl/_rels/workbook.xml.rels"
};
#define NPARTS	(sizeof(names) / sizeof(names[0]))

static const char book[] = "<workbook xmlns:r=\"r\"><sheets><sheet "
    "name=\"S\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels[] = "<Relationships><Relationship Id=\"rId1\" "
    "Target=\"worksheets/sheet1.xml\"/></Relationships>";

/* Zip the parts (stored, not deflated) into a new buffer; NULL: failed. */
static char *
zip_parts(const char *part[NPARTS], const size_t len[NPARTS], size_t *n)
{
	zip_error_t	 ze;
	zip_source_t	*src, *s;
	zip_t		*z;
	zip_int64_t	 idx, size;
	char		*out = NULL;
	size_t		 i;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(NULL, 0, 0, &ze)) == NULL)
		return NULL;
	zip_source_keep(src);
	if ((z = zip_open_from_source(src, ZIP_TRUNCATE, &ze)) == NULL) {
		zip_source_free(src);
		zip_source_free(src);
		return NULL;
	}
	for (i = 0; i < NPARTS; i++) {
		if (part[i] == NULL)
			continue;
		s = zip_source_buffer(z, part[i], len[i], 0);
		if (s == NULL || (idx = zip_file_add(z, names[i], s, 0)) < 0) {
			zip_source_free(s);
			continue;
		}
		zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
	}
	if (zip_close(z) < 0)
		zip_discard(z);
	else if (zip_source_open(src) == 0) {
		zip_source_seek(src, 0, SEEK_END);
		size = zip_source_tell(src);
		zip_source_seek(src, 0, SEEK_SET);
		if (size > 0 && (out = malloc((size_t)size)) != NULL &&
		    zip_source_read(src, out, (zip_uint64_t)size) != size) {
			free(out);
			out = NULL;
		}
		*n = size > 0 ? (size_t)size : 0;
		zip_source_close(src);
	}
	zip_source_free(src);
	zip_error_fini(&ze);
	return out;
}

static char *
split_zip(const uint8_t *data, size_t size, size_t *n)
{
	const char	*part[NPARTS] = { NULL, NULL, NULL, book, rels };
	size_t		 len[NPARTS] = { 0, 0, 0, sizeof(book) - 1,
			    sizeof(rels) - 1 };
	const char	*p = (const char *)data, *end = p + size, *nul;
	size_t		 i;

	for (i = 0; i < 4 && p <= end; i++) {
		nul = memchr(p, '\0', (size_t)(end - p));
		part[i] = p;
		len[i] = (size_t)((nul != NULL ? nul : end) - p);
		if (nul == NULL)
			break;
		p = nul + 1;
	}
	return zip_parts(part, len, n);
}

static void
parse(const char *data, size_t size)
{
	static const struct cfg	 cfg = { .people = people, .npeople = 2 };
	struct ledger_problems	 probs = { 0 };
	struct measure_list	 ml = { 0 };
	struct derr		 err = { 0 };
	int			 rc;

	rc = ledger_parse_xlsx(data, size, NULL, &cfg,
	    day_from_ymd(2026, 12, 6), &ml, &probs, &err);
	check_problems(&probs, rc, &err);
	if (rc == 0 && ml.n == 0)
		__builtin_trap();
	ledger_problems_clear(&probs);
	measure_list_clear(&ml);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*zip;
	size_t	 n = 0;

	if (size >= 2 && memcmp(data, "PK", 2) == 0) {
		parse((const char *)data, size);
		return 0;
	}
	if ((zip = split_zip(data, size, &n)) != NULL)
		parse(zip, n);
	free(zip);
	return 0;
}
