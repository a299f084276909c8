/*
 * fuzz_render: libFuzzer target for render_string, the mustache renderer
 * that fills every reminder, digest and report from a template the admin
 * edits.  The input is the template; the data are fixed and look like a
 * reminder's (strings with HTML and Chinese, numbers, a list of maps, an
 * empty list, a boolean, a partial).  Each input is rendered with HTML
 * escaping, JSON escaping and none.  Besides memory errors and timeouts (a template
 * must not cost more than its limits allow) it traps when a failure has
 * no sentence or a success overruns the output cap.  Built and run by
 * `make fuzz`; `make fuzz-replay` replays tests/fuzz/corpus/render.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "render.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define OUT_MAX	(256 * 1024)

static struct rval *
context(void)
{
	struct rval	*ctx = rval_map_new(), *items, *m, *who;

	rval_map_set_str(ctx, "name", "王立群");
	rval_map_set_str(ctx, "title", "<b>整改</b> & \"落实\"");
	rval_map_set_int(ctx, "days", 3);
	rval_map_set_double(ctx, "pct", 62.5);
	rval_map_set_bool(ctx, "overdue", true);
	rval_map_set_bool(ctx, "done", false);
	items = rval_map_set_list(ctx, "items");
	m = rval_list_add_map(items);
	rval_map_set_str(m, "code", "P01-3");
	rval_map_set_str(m, "text", "建立健全谈心谈话制度");
	rval_map_set_str(m, "deadline", "2026-12-31");
	m = rval_list_add_map(items);
	rval_map_set_str(m, "code", "P02-1");
	rval_map_set_str(m, "text", "<script>x</script>");
	rval_map_set_int(m, "deadline", 0);
	rval_map_set_list(ctx, "none");
	who = rval_map_set_map(ctx, "leader");
	rval_map_set_str(who, "name", "李婷");
	rval_list_add_str(rval_map_set_list(ctx, "tags"), "立行立改");
	return ctx;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rval	*ctx;
	static const struct render_partial	 pv[] = {
		{ "foot", "—— {{name}}\n" },
		{ "item", "{{code}} {{> foot}}" },
	};
	static const struct render_partials	 parts = { pv, 2 };
	struct buf		 out;
	struct derr		 err;
	char			*tmpl;
	int			 esc, rc;

	if (ctx == NULL)
		ctx = context();
	tmpl = xmalloc(size + 1);
	memcpy(tmpl, data, size);
	tmpl[size] = '\0';
	for (esc = 0; esc < 3; esc++) {
		buf_init(&out, OUT_MAX);
		memset(&err, 0, sizeof(err));
		rc = render_string(tmpl, ctx, &parts,
		    esc == 0 ? RENDER_NONE : esc == 1 ? RENDER_HTML :
		    RENDER_JSON, &out, &err);
		if (rc < 0 && (err.msg[0] == '\0' || out.len != 0))
			__builtin_trap();
		if (rc == 0 && out.len > OUT_MAX)
			__builtin_trap();
		buf_clear(&out);
	}
	free(tmpl);
	return 0;
}
