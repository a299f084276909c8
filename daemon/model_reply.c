/*
 * model: what a reply token is bound to (see model.h).
 */
#include "model.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
id_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

char *
notif_items_csv(const int64_t *ids, size_t n)
{
	int64_t		*v;
	struct buf	 b;
	size_t		 i, k = 0;

	if (n == 0)
		return xstrdup("");
	buf_init(&b, 0);
	v = xreallocarray(NULL, n, sizeof(*v));
	memcpy(v, ids, n * sizeof(*v));
	qsort(v, n, sizeof(*v), id_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && v[i] == v[i - 1])
			continue;
		/* An unbounded buffer cannot fill up. */
		(void)buf_printf(&b, NULL, "%s%" PRId64, k++ ? "," : "", v[i]);
	}
	free(v);
	return buf_take(&b);
}

char *
notif_token_input(const char *person, const char *items,
    const char *message_id)
{
	return xasprintf("dutyd-reply:1|%s|%s|%s", person, items, message_id);
}
