/*
 * model: the plain data types every layer shares (civil days, measures,
 * notifications) and their pure helpers.  No I/O, no allocation policy
 * beyond the _clear functions, no knowledge of config, store or time zones.
 */
#ifndef DUTYD_MODEL_H
#define DUTYD_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* A civil date as days since 1970-01-01 (proleptic Gregorian). */
#define DAY_NONE	INT32_MIN

int32_t	day_from_ymd(int y, int m, int d);
void	day_to_ymd(int32_t, int *y, int *m, int *d);
/* Parse strict "YYYY-MM-DD" (a real date, years 1970..9999); 0 or -1. */
int	day_parse(const char *, int32_t *);
/* Format as "YYYY-MM-DD" into `out` (at least 11 bytes). */
char	*day_format(int32_t, char *out);
/* ISO weekday: 1 = Monday .. 7 = Sunday. */
int	day_weekday(int32_t);
/* Parse "HH:MM" (00:00..23:59) into minutes after midnight; 0 or -1. */
int	hhmm_parse(const char *, int *minutes);

enum measure_kind {
	MEASURE_IMMEDIATE,	/* 立行立改 */
	MEASURE_DEADLINE,	/* 限期整改 */
	MEASURE_ONGOING		/* 长期坚持: no deadline reminders */
};

enum measure_status {
	MEASURE_OPEN,
	MEASURE_DONE
};

/* Chinese label of a kind ("立行立改" ...). */
const char *measure_kind_label(enum measure_kind);
/* Stable ASCII name stored in the database ("immediate" ...). */
const char *measure_kind_name(enum measure_kind);
/* Accepts the ASCII name or the Chinese label; -1 if unknown. */
int	measure_kind_parse(const char *);
const char *measure_status_name(enum measure_status);
int	measure_status_parse(const char *);

struct measure {
	int64_t			 id;
	char			*problem_code;
	char			*problem_title;
	char			*code;
	char			*text;
	struct strv		 owners;	/* person keys */
	enum measure_kind	 kind;
	int32_t			 deadline;	/* DAY_NONE if none */
	enum measure_status	 status;
	int64_t			 done_at;	/* Unix seconds, 0 if open */
	char			*evidence;
	char			*closed_by;
	int			 reopened;	/* times reopened */
	int			 row;		/* ledger file row it came from, or 0 */
	/* 延期: the deadline before the first extension (DAY_NONE: never
	 * extended), the latest extension's reason, how many. */
	int32_t			 extended_from;
	char			*extension_reason;
	int			 extensions;
};

void	measure_clear(struct measure *);

struct measure_list {
	struct measure	*v;
	size_t		 n;
};
void	measure_list_clear(struct measure_list *);

/*
 * One planned notification for one person: a reminder stage of an item, a
 * warning that a standing duty's quota is not met yet, or the news that a
 * closed period fell short.
 */
enum notif_what {
	NOTIF_ITEM,		/* a ledger measure */
	NOTIF_FEEDBACK,		/* assigned feedback awaiting its answer */
	NOTIF_DUTY,		/* an unmet duty quota, period still open */
	NOTIF_SHORTFALL		/* a duty period closed short (to leaders) */
};

enum notif_stage {
	NOTIF_BEFORE,		/* N working days before the deadline */
	NOTIF_DUE,		/* the due day */
	NOTIF_OVERDUE		/* a repeat while overdue */
};

enum notif_colour {
	NOTIF_GREEN,
	NOTIF_YELLOW,
	NOTIF_RED
};

#define NOTIF_KEY_MAX	192

struct notif {
	char			 key[NOTIF_KEY_MAX];	/* item:42:before:3 */
	enum notif_what		 what;
	int64_t			 item_id;
	int32_t			 deadline;	/* duties: the period's end */
	int			 person;	/* index into cfg people */
	int			 owner;		/* the responsible officer */
	unsigned		 channel;	/* one CFG_CH_* bit */
	enum notif_stage	 stage;
	int			 days;		/* working days left, < 0 overdue */
	enum notif_colour	 colour;
	bool			 escalation;	/* sent to a leader */
	/* Duties only: cfg duty index, index in its targets (-1: none),
	 * occurrences counted, quota, period label and first day. */
	int			 duty;
	int			 target;
	int			 done;
	int			 required;
	char			 period[16];
	int32_t			 period_start;
};

struct notif_list {
	struct notif	*v;
	size_t		 n;
};
void	notif_list_clear(struct notif_list *);
/* Append a copy of `n`. */
void	notif_list_push(struct notif_list *, const struct notif *);

/* One cell of the compliance matrix: duty x owner (x target) x period. */
enum duty_state {
	DUTY_MET,		/* done >= required */
	DUTY_OPEN,		/* not yet, no warning yet */
	DUTY_WARN,		/* not yet, inside the warning lead times */
	DUTY_URGENT,		/* not yet, at the last lead time */
	DUTY_SHORT		/* the period closed short */
};

struct duty_cell {
	int			 duty;		/* cfg index */
	const char		*person;	/* person key (borrowed) */
	const char		*target;	/* "" if none (borrowed) */
	char			 period[16];	/* label, e.g. 2026Q4 */
	int32_t			 start, end;	/* its days, inclusive */
	int			 done;
	int			 required;
	bool			 closed;	/* the period is over */
	bool			 recorded;	/* from the closed record */
	int			 days_left;	/* working days to the end */
	enum duty_state		 state;
};

struct duty_cells {
	struct duty_cell	*v;
	size_t			 n;
};
void	duty_cells_clear(struct duty_cells *);

/* Labels for enum duty_state in Chinese ("已完成", ...). */
const char *duty_state_label(enum duty_state);
const char *duty_state_name(enum duty_state);	/* "met", ... */

/*
 * Occurrences of a duty counted for one owner (and target) over one
 * period, or the record kept when that period closed.
 */
struct duty_tally {
	char		*duty;		/* duty id */
	char		*person;	/* person key */
	char		*target;	/* "" if none */
	char		 period[16];	/* label: 2026-11, 2026Q4, 2026H2, 2026 */
	int32_t		 start, end;	/* the period's days, inclusive */
	int		 done;		/* live occurrences, or done at close */
	int		 required;	/* closed records: the quota then */
	char		*title;		/* closed records: the duty's title then */
};

struct duty_tally_list {
	struct duty_tally	*v;
	size_t			 n;
};
void	duty_tally_list_clear(struct duty_tally_list *);
/* Append a tally, taking copies of its strings. */
void	duty_tally_list_push(struct duty_tally_list *,
	    const struct duty_tally *);
/* The tally of (duty, person, target) over the period starting `start`. */
const struct duty_tally *duty_tally_find(const struct duty_tally_list *,
	    const char *duty, const char *person, const char *target,
	    int32_t start);

/*
 * Replies by email (model_reply.c).  The ids of the measures an email is
 * about, ascending without repeats, as "12,15" (caller frees; "" if none).
 */
char	*notif_items_csv(const int64_t *ids, size_t n);
/* What a reply token signs: "dutyd-reply:1|PERSON|ITEMS|MESSAGE-ID"
 * (caller frees). */
char	*notif_token_input(const char *person, const char *items,
	    const char *message_id);

#endif
