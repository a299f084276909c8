/*
 * reply: officers answer reminders by email (issue 18).  Reads the
 * answers the mailbox poll hands over (a token in the subject or body, or
 * In-Reply-To a reminder dutyd sent), checks that the token is one dutyd
 * issued to the sender's address for those measures, and applies what
 * the first line asks: a progress note (进展：…) with the attachments as
 * evidence, or a 销号 / 延期 request that stays pending (待认定) until a
 * leader or admin decides (dutyctl item approve/reject, or a reply
 * 同意 / 不同意：原因 to the approval request).  Everything refused is
 * kept with the reason.  What dutyd answers, and whom it asks to
 * approve, is recorded for the engine to queue; this module sends
 * nothing and never includes another service.
 */
#ifndef DUTYD_REPLY_H
#define DUTYD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "mime.h"
#include "store.h"

/* ---- the first line (reply_parse.c: pure) ------------------------- */

enum reply_verb {
	REPLY_NONE,		/* not understood */
	REPLY_PROGRESS,		/* 进展：… */
	REPLY_DONE,		/* 已完成：… / 销号 */
	REPLY_EXTEND,		/* 申请延期至2027-01-15：原因 */
	REPLY_APPROVE,		/* 同意 */
	REPLY_REJECT		/* 不同意：原因 */
};

#define REPLY_CODE_MAX	64	/* bytes of an item code, with its NUL */
#define REPLY_TEXT_MAX	2000	/* bytes of a note kept */

struct reply_line {
	enum reply_verb	 verb;
	char		 code[REPLY_CODE_MAX];	/* "" if none given */
	char		*text;		/* the note or reason, "" if none */
	int32_t		 date;		/* REPLY_EXTEND: the new deadline */
};
void	reply_line_clear(struct reply_line *);

/*
 * The answer in `body` (a reply's text, UTF-8): quoted lines ("> ..."),
 * the quoted original ("-----原始邮件-----", "在…写道：", "On … wrote:",
 * "发件人：" …) and signatures ("-- ", "发自我的iPhone" …) are dropped;
 * the first line left is the command, what follows it is part of the
 * note.  Full- and half-width colons and spaces are alike; an item code
 * may come first ("八-二 已完成：…").  Returns 0 (out filled), or -1
 * when the first line is not understood (out->verb REPLY_NONE, text is
 * the line, for the explanation).
 */
int	reply_parse(const char *body, struct reply_line *out);

/* The verb's Chinese name for answers and lists (进展, 销号申请 …). */
const char *reply_verb_name(enum reply_verb);

/* ---- handling (reply.c) -------------------------------------------- */

struct reply_stats {
	int	 applied;	/* progress notes recorded */
	int	 pending;	/* requests waiting for approval */
	int	 decided;	/* approvals / rejections by mail */
	int	 refused;
	int	 duplicates;	/* a Message-ID seen before: dropped */
};

/*
 * Look at one message of the mailbox (`raw`, `len` bytes, already parsed
 * into `m`; `headers_only` when only its header could be fetched because
 * it was too large).  Returns 0 if it is no answer to dutyd (it is
 * feedback), 1 if it was (applied, pending, refused or a duplicate; see
 * `stats`), -1 on a database error (DERR_DB).  Refusals are logged here
 * at info, never as errors.  Runs its own transactions.
 */
int	reply_handle(struct store *, const struct cfg *, const char *raw,
	    size_t len, bool headers_only, const struct mime_msg *m,
	    int64_t now, struct reply_stats *, struct derr *);

/*
 * Approve or reject pending request `id` (a reply row) as person `who`
 * ("admin" from the command line), `reason` for a rejection, `mid` the
 * Message-ID of the leader's reply or NULL.  Approving a 销号 signs the
 * measure off with the request's text and evidence; a 延期 moves its
 * deadline.  Records an answer to the officer.  Returns 1 done, 0 if
 * the request was no longer pending, -1 (DERR_INPUT with why, DERR_DB).
 */
int	reply_decide(struct store *, const struct cfg *, int64_t id,
	    bool approve, const char *reason, const char *who,
	    const char *mid, int64_t now, struct derr *);

/* One email the engine should queue for replies. */
struct reply_out {
	int64_t		 reply_id;
	bool		 ask;		/* an approval request (answerable) */
	char		*key;		/* outbox key */
	char		*person;	/* to */
	char		*subject;
	char		*text;
	char		*items;		/* ask: the measure id */
};
struct reply_out_list {
	struct reply_out	*v;
	size_t			 n;
};
void	reply_out_list_clear(struct reply_out_list *);

/*
 * The answers and approval requests recorded but not yet queued.  The
 * engine queues each and then calls reply_out_done.  0 or -1.
 */
int	reply_outgoing(struct store *, const struct cfg *,
	    struct reply_out_list *, struct derr *);
int	reply_out_done(struct store *, const struct reply_out *,
	    struct derr *);

#endif
