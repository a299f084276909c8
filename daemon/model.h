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
};

void	measure_clear(struct measure *);

struct measure_list {
	struct measure	*v;
	size_t		 n;
};
void	measure_list_clear(struct measure_list *);

/* One planned notification: a reminder stage of one item for one person. */
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

struct notif {
	char			 key[64];	/* e.g. item:42:before:3 */
	int64_t			 item_id;
	int32_t			 deadline;
	int			 person;	/* index into cfg people */
	int			 owner;		/* the responsible officer */
	unsigned		 channel;	/* one CFG_CH_* bit */
	enum notif_stage	 stage;
	int			 days;		/* working days left, < 0 overdue */
	enum notif_colour	 colour;
	bool			 escalation;	/* sent to a leader */
};

struct notif_list {
	struct notif	*v;
	size_t		 n;
};
void	notif_list_clear(struct notif_list *);
/* Append a copy of `n`. */
void	notif_list_push(struct notif_list *, const struct notif *);

#endif
