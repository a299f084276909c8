/*
 * ledger, out: measures written as CSV for Excel and as JSON.
 */
#include "ledger.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config.h"
#include "ledger_int.h"
#include "model.h"
#include "util.h"

/* Export. */

static bool
csv_plain(const char *s)
{
	size_t	 n = strlen(s);

	return s[strcspn(s, ",\"\r\n")] == '\0' &&
	    (n == 0 || (s[0] != ' ' && s[n - 1] != ' '));
}

/* One RFC 4180 cell, then a comma or the CRLF that ends the record. */
static int
csv_put(struct buf *b, const char *s, bool last, struct derr *err)
{
	const char	*p;
	int		 rc;

	if (csv_plain(s) && !ledger_csv_formula(s))
		rc = buf_puts(b, s, err);
	else {
		rc = buf_puts(b, ledger_csv_formula(s) ? "\"'" : "\"", err);
		for (p = s; rc == 0 && *p != '\0'; p++)
			rc = buf_append(b, *p == '"' ? "\"\"" : p,
			    *p == '"' ? 2 : 1, err);
		if (rc == 0)
			rc = buf_puts(b, "\"", err);
	}
	if (rc == 0)
		rc = buf_puts(b, last ? "\r\n" : ",", err);
	return rc;
}

const char *
ledger_code_suffix(const struct measure *m)
{
	size_t	 n = strlen(m->problem_code);

	if (strncmp(m->code, m->problem_code, n) == 0 && m->code[n] == '-')
		return m->code + n + 1;
	return m->code;
}

/*
 * What the 责任人 cell says for `key`: the person's name, which import
 * resolves back to the same person, else the key.
 */
const char *
ledger_owner_cell(const struct cfg *cfg, const char *key)
{
	const struct cfg_person	*p = cfg ? cfg_person_get(cfg, key) : NULL;

	if (p == NULL || p->name == NULL || cfg_person_find(cfg, p->name) != p)
		return key;
	return p->name;
}

static int
csv_measure(struct buf *b, const struct measure *m, const struct cfg *cfg,
    struct derr *err)
{
	struct buf	 owners;
	const char	*cells[9];
	char		 day[11];
	size_t		 i;
	int		 rc = 0;

	buf_init(&owners, 0);
	for (i = 0; i < m->owners.n; i++)
		(void)buf_printf(&owners, NULL, "%s%s", i > 0 ? "、" : "",
		    ledger_owner_cell(cfg, m->owners.v[i]));	/* unlimited buf */
	cells[0] = m->problem_code;
	cells[1] = m->problem_title != NULL ? m->problem_title : "";
	cells[2] = ledger_code_suffix(m);
	cells[3] = m->text;
	cells[4] = owners.data != NULL ? owners.data : "";
	cells[5] = day_format(m->deadline, day);
	cells[6] = measure_kind_label(m->kind);
	cells[7] = m->status == MEASURE_DONE ? "已完成" : "未完成";
	cells[8] = m->evidence != NULL ? m->evidence : "";
	for (i = 0; rc == 0 && i < 9; i++)
		rc = csv_put(b, cells[i], i == 8, err);
	buf_clear(&owners);
	return rc;
}

int
ledger_export_csv(const struct measure_list *ml, const struct cfg *cfg,
    struct buf *out, struct derr *err)
{
	size_t	 i;

	if (buf_puts(out, "\xef\xbb\xbf" "问题编号,问题,序号,整改措施,责任人,"
	    "整改时限,整改类型,完成情况,佐证材料\r\n", err) < 0)
		return -1;
	for (i = 0; i < ml->n; i++)
		if (csv_measure(out, &ml->v[i], cfg, err) < 0)
			return -1;
	return 0;
}

/* A new object, or NULL if jansson ran out of memory. */
static json_t *
json_measure(const struct measure *m)
{
	json_t	*owners = json_array();
	char	 day[11];
	size_t	 i;

	for (i = 0; owners != NULL && i < m->owners.n; i++)
		if (json_array_append_new(owners,
		    json_string(m->owners.v[i])) != 0) {
			json_decref(owners);
			return NULL;
		}
	/* "o" steals `owners` even when packing fails. */
	return json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:o, s:s, s:s?, s:s, "
	    "s:o?, s:s?, s:s?}", "id", (json_int_t)m->id,
	    "problem", m->problem_code, "problem_title", m->problem_title,
	    "code", m->code, "text", m->text, "owners", owners,
	    "kind", measure_kind_name(m->kind),
	    "deadline", m->deadline == DAY_NONE ? NULL :
	    day_format(m->deadline, day),
	    "status", measure_status_name(m->status),
	    "done_at", m->done_at == 0 ? NULL : json_integer(m->done_at),
	    "evidence", m->evidence, "closed_by", m->closed_by);
}

struct json_sink {
	struct buf	*out;
	struct derr	*err;
	bool		 full;
};

static int
json_sink_put(const char *s, size_t n, void *data)
{
	struct json_sink	*k = data;

	if (buf_append(k->out, s, n, k->err) < 0) {
		k->full = true;
		return -1;
	}
	return 0;
}

int
ledger_export_json(const struct measure_list *ml, struct buf *out,
    struct derr *err)
{
	struct json_sink	 sink = { out, err, false };
	json_t			*arr = json_array();
	size_t			 i;
	int			 rc = 0;

	if (arr == NULL)
		return derr_set(err, DERR_SYS, false, "jansson: out of memory");
	for (i = 0; rc == 0 && i < ml->n; i++)
		if (json_array_append_new(arr, json_measure(&ml->v[i])) != 0)
			rc = derr_set(err, DERR_SYS, false,
			    "jansson: out of memory");
	if (rc == 0 && json_dump_callback(arr, json_sink_put, &sink,
	    JSON_INDENT(2)) != 0)
		rc = sink.full ? -1 : derr_set(err, DERR_SYS, false,
		    "jansson: cannot write the JSON export");
	json_decref(arr);
	if (rc == 0)
		rc = buf_puts(out, "\n", err);
	return rc;
}

static json_t *
json_field(const struct ledger_field *x)
{
	if (x->type == LEDGER_JSON_BOOL)
		return json_boolean(x->num != 0);
	if (x->str != NULL)
		return json_string(x->str);
	return x->type == LEDGER_JSON_NULLABLE ? json_null() :
	    json_integer(x->num);
}

int
ledger_json_records(const struct ledger_field *f, size_t nf, size_t nrec,
    bool one, struct buf *out, struct derr *err)
{
	struct json_sink	 sink = { out, err, false };
	json_t			*arr = json_array(), *o;
	const struct ledger_field *x;
	size_t			 r, i;
	int			 rc = 0;

	if (arr == NULL)
		return derr_set(err, DERR_SYS, false, "jansson: out of memory");
	for (r = 0; rc == 0 && r < nrec; r++) {
		if ((o = json_object()) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			rc = derr_set(err, DERR_SYS, false,
			    "jansson: out of memory");
			break;
		}
		for (i = 0; i < nf; i++) {
			x = &f[r * nf + i];
			if (json_object_set_new(o, x->key, json_field(x)) != 0)
				rc = derr_set(err, DERR_SYS, false,
				    "jansson: cannot store %s", x->key);
		}
	}
	if (rc == 0 && json_dump_callback(one && nrec == 1 ?
	    json_array_get(arr, 0) : arr, json_sink_put, &sink,
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		rc = sink.full ? -1 : derr_set(err, DERR_SYS, false,
		    "jansson: cannot write JSON");
	json_decref(arr);
	if (rc == 0)
		rc = buf_puts(out, "\n", err);
	return rc;
}
