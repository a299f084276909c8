/*
 * digest: the leader's weekly digest.  Reads the ledger, feedback, the
 * outbox and the mailbox state from the store, takes the duty matrix from
 * the caller (planning computes it), and renders digest.subject.txt,
 * digest.txt and digest.html: overdue measures first, then progress per
 * problem, what falls due in the next 14 days, duties, feedback and
 * delivery health.  Decides when the week's digest is due.  Must not
 * send, plan reminders or touch the network.
 */
#ifndef DUTYD_DIGEST_H
#define DUTYD_DIGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "config.h"
#include "model.h"
#include "render.h"
#include "store.h"

#define DIGEST_DUE_DAYS	14	/* "due soon": the next 14 calendar days */
#define DIGEST_ROBOT_LIST 5	/* rows per list in a robot's summary */

struct digest_in {
	const struct cfg		*cfg;
	/* Whose items count: NULL (everyone), or digest_build's reader. */
	const struct cfg_person		*scope;
	const struct cal		*cal;
	int64_t				 now;
	int64_t				 since;	/* feedback received since */
	const struct duty_cells		*cells;	/* duties, current periods */
	const struct duty_tally_list	*closed; /* records of recent closes */
	size_t				 list_max; /* rows per list, 0: 200 */
};

/* The message, rendered. */
struct digest_msg {
	char	*subject;
	char	*text;
	char	*html;
};
void	digest_msg_clear(struct digest_msg *);

/*
 * Build and render the digest for person `to` (a key in cfg).  A
 * principal gets the whole office's; a leader who is not a principal gets
 * what they lead: the measures, duties and assigned feedback of the
 * people whose leaders include them, and their own.  Returns 0, or -1
 * with `err` (a store or template error).
 */
int	digest_build(struct store *, const struct digest_in *, const char *to,
	    struct digest_msg *, struct derr *);

/*
 * Render the short weekly summary for group robot `im` (kind "digest"):
 * the whole office's counts, the first overdue and due-soon measures,
 * duty shortfalls and new feedback, from the same input as the email
 * digest.  subject: im-digest.title.txt; text: im-digest.md (markdown
 * robots), im-digest.txt (text, and Feishu) or im-digest.json (type
 * webhook, JSON-escaped); html stays NULL.  Returns 0, or -1 with `err`.
 */
int	digest_robot_build(struct store *, const struct digest_in *,
	    const struct cfg_im *, struct digest_msg *, struct derr *);

/*
 * Feedback received since this instant is "new" in the digest of `week`:
 * when that week's digest was already queued, the instant it used; else
 * when the previous digest was queued; else 7 days before `now`.
 */
int	digest_since(struct store *, const char *week, int64_t now,
	    int64_t *since, struct derr *);

/*
 * The digest keeps its own state in the store (digest_week, digest_since,
 * digest_at, last_digest).  digest_week_done: 1 if `week`'s digest was
 * queued, 0 if not, -1.  digest_mark_queued: record that it was, at `now`,
 * with feedback counted from `since` and `summary` for dutyctl status.
 */
int	digest_week_done(struct store *, const char *week, struct derr *);
int	digest_mark_queued(struct store *, const char *week, int64_t since,
	    const char *summary, int64_t now, struct derr *);

/*
 * The ISO week label of `now` ("2026-W48") and whether this week's digest
 * is due: at digest.time on digest.weekday, or on the first working day
 * after it within the week when that day is off.  *next is the next
 * instant after `now` the digest will be due (for the daemon's sleep).
 */
bool	digest_due(const struct cfg *, const struct cal *, int64_t now,
	    char week[16], int64_t *next);

#endif
