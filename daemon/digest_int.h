/*
 * digest: what digest.c and digest_reply.c share (private to the module).
 */
#ifndef DUTYD_DIGEST_INT_H
#define DUTYD_DIGEST_INT_H

#include <stdbool.h>

#include "digest.h"

/* Whether person `key`'s items are in the digest's scope (its reader's). */
bool	digest_in_scope(const struct digest_in *, const char *key);

/*
 * The digest's part on officers' answers by email (digest_reply.c): the
 * progress notes received since in->since and the requests waiting for
 * approval, in scope, into `ctx` (has_reply_section, reply_progress[],
 * reply_pending[] ...).  Nothing when replies are off.  0 or -1.
 */
int	digest_reply_part(struct store *, const struct digest_in *,
	    struct rval *ctx, struct derr *);

#endif
