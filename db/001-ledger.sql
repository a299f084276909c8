-- 001: the rectification ledger, duties, feedback, outbox and audit.
-- Civil dates are TEXT 'YYYY-MM-DD'; instants are INTEGER Unix seconds UTC.

CREATE TABLE problem (
	id		INTEGER PRIMARY KEY,
	code		TEXT NOT NULL UNIQUE,
	title		TEXT NOT NULL,
	source		TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE measure (
	id		INTEGER PRIMARY KEY,
	problem_id	INTEGER NOT NULL REFERENCES problem(id),
	code		TEXT NOT NULL UNIQUE,
	text		TEXT NOT NULL,
	kind		TEXT NOT NULL
	    CHECK (kind IN ('immediate', 'deadline', 'ongoing')),
	deadline	TEXT CHECK (deadline IS NULL OR deadline GLOB
	    '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
	status		TEXT NOT NULL DEFAULT 'open'
	    CHECK (status IN ('open', 'done')),
	done_at		INTEGER,
	evidence	TEXT,
	closed_by	TEXT,
	reopened	INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	CHECK (status = 'open' OR (done_at IS NOT NULL AND evidence IS NOT NULL))
) STRICT;

CREATE TABLE measure_owner (
	measure_id	INTEGER NOT NULL REFERENCES measure(id) ON DELETE CASCADE,
	person		TEXT NOT NULL,
	pos		INTEGER NOT NULL,
	PRIMARY KEY (measure_id, person)
) STRICT;
CREATE INDEX measure_owner_person ON measure_owner(person);
CREATE INDEX measure_open_deadline ON measure(status, deadline);

CREATE TABLE occurrence (
	id		INTEGER PRIMARY KEY,
	duty		TEXT NOT NULL,
	person		TEXT NOT NULL,
	target		TEXT NOT NULL DEFAULT '',
	day		TEXT NOT NULL,
	period		TEXT NOT NULL,
	note		TEXT NOT NULL DEFAULT '',
	evidence	TEXT NOT NULL DEFAULT '',
	logged_by	TEXT NOT NULL,
	logged_at	INTEGER NOT NULL,
	late_reason	TEXT,
	removed_at	INTEGER,
	removed_reason	TEXT
) STRICT;
CREATE INDEX occurrence_period ON occurrence(duty, period);

CREATE TABLE shortfall (
	duty		TEXT NOT NULL,
	person		TEXT NOT NULL,
	target		TEXT NOT NULL DEFAULT '',
	period		TEXT NOT NULL,
	done		INTEGER NOT NULL,
	required	INTEGER NOT NULL,
	recorded_at	INTEGER NOT NULL,
	PRIMARY KEY (duty, person, target, period)
) STRICT;

CREATE TABLE feedback (
	id		INTEGER PRIMARY KEY,
	source		TEXT NOT NULL CHECK (source IN ('imap', 'phone', 'manual')),
	uidvalidity	INTEGER,
	uid		INTEGER,
	message_id	TEXT,
	sender		TEXT NOT NULL DEFAULT '',
	subject		TEXT NOT NULL DEFAULT '',
	date		INTEGER,
	date_flagged	INTEGER NOT NULL DEFAULT 0,
	excerpt		TEXT NOT NULL DEFAULT '',
	attachments	TEXT NOT NULL DEFAULT '',
	status		TEXT NOT NULL DEFAULT 'new'
	    CHECK (status IN ('new', 'assigned', 'answered', 'closed')),
	assignee	TEXT,
	answer_deadline	TEXT,
	answer		TEXT,
	received_at	INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX feedback_message_id ON feedback(message_id)
    WHERE message_id IS NOT NULL;

CREATE TABLE mailbox_state (
	mailbox		TEXT PRIMARY KEY,
	uidvalidity	INTEGER NOT NULL,
	last_uid	INTEGER NOT NULL,
	last_poll	INTEGER,
	last_result	TEXT
) STRICT;

-- One row per message to send. `key` is deterministic (DESIGN.md), so
-- planning the same thing twice inserts nothing.
CREATE TABLE outbox (
	id		INTEGER PRIMARY KEY,
	key		TEXT NOT NULL UNIQUE,
	kind		TEXT NOT NULL,
	channel		TEXT NOT NULL,
	person		TEXT NOT NULL,
	recipient	TEXT NOT NULL,
	recipient_name	TEXT NOT NULL DEFAULT '',
	subject		TEXT NOT NULL DEFAULT '',
	body_text	TEXT NOT NULL DEFAULT '',
	body_html	TEXT,
	message_id	TEXT NOT NULL,
	status		TEXT NOT NULL DEFAULT 'pending'
	    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead',
	    'cancelled')),
	attempts	INTEGER NOT NULL DEFAULT 0,
	maybe_dup	INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	first_attempt_at INTEGER,
	next_attempt_at	INTEGER NOT NULL,
	sent_at		INTEGER,
	last_error	TEXT,
	provider_id	TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

-- Each planned reminder stage (item:42:before:3) per person and channel,
-- and the outbox message that carries it: stages are grouped into one
-- message per person per run, and never planned twice.
CREATE TABLE notif (
	key		TEXT NOT NULL,
	person		TEXT NOT NULL,
	channel		TEXT NOT NULL,
	outbox_id	INTEGER NOT NULL REFERENCES outbox(id),
	created_at	INTEGER NOT NULL,
	PRIMARY KEY (key, person, channel)
) STRICT;

CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,
	at		INTEGER NOT NULL,
	who		TEXT NOT NULL,
	action		TEXT NOT NULL,
	object		TEXT NOT NULL,
	before		TEXT,
	after		TEXT
) STRICT;

CREATE TABLE daemon_state (
	name		TEXT PRIMARY KEY,
	value		TEXT NOT NULL,
	updated_at	INTEGER NOT NULL
) STRICT;
