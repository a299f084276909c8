/*
 * reply: what reply.c and reply_decide.c share (private to the module).
 */
#ifndef DUTYD_REPLY_INT_H
#define DUTYD_REPLY_INT_H

#include "config.h"
#include "err.h"
#include "render.h"

/*
 * Render templates `name`.subject.txt and `name`.txt with `ctx`, each
 * trimmed; the caller frees both.  0, or -1 with both NULL.
 */
int	reply_render_pair(const struct cfg *, const char *name,
	    const struct rval *ctx, char **subject, char **text,
	    struct derr *);

#endif
