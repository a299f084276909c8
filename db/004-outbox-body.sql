-- 004: the rendered content of an outbox row moves to its own table, and
-- the outbox is rebuilt without it.  A drain round changes the status of
-- each row twice (claimed, then its result); with the subject and bodies
-- inline every change rewrote a page-sized record.  The status CHECK is
-- spelled with OR: SQLite built a temporary table for the IN list on
-- every status change.  (store.c runs migrations with foreign keys off
-- and checks them before each commit, as SQLite's table rebuild needs.)

CREATE TABLE outbox_new (
	id		INTEGER PRIMARY KEY,
	key		TEXT NOT NULL UNIQUE,
	kind		TEXT NOT NULL,
	channel		TEXT NOT NULL,
	person		TEXT NOT NULL,
	recipient	TEXT NOT NULL,
	recipient_name	TEXT NOT NULL DEFAULT '',
	message_id	TEXT NOT NULL,
	status		TEXT NOT NULL DEFAULT 'pending'
	    CHECK (status = 'pending' OR status = 'sending' OR
	    status = 'sent' OR status = 'failed' OR status = 'dead' OR
	    status = 'cancelled'),
	attempts	INTEGER NOT NULL DEFAULT 0,
	maybe_dup	INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	first_attempt_at INTEGER,
	next_attempt_at	INTEGER NOT NULL,
	sent_at		INTEGER,
	last_error	TEXT,
	provider_id	TEXT
) STRICT;

INSERT INTO outbox_new (id, key, kind, channel, person, recipient,
    recipient_name, message_id, status, attempts, maybe_dup, created_at,
    first_attempt_at, next_attempt_at, sent_at, last_error, provider_id)
    SELECT id, key, kind, channel, person, recipient, recipient_name,
    message_id, status, attempts, maybe_dup, created_at, first_attempt_at,
    next_attempt_at, sent_at, last_error, provider_id FROM outbox;

-- message: an email as it goes out (RFC 5322, CRLF), built when it is
-- queued, as a mail queue keeps it; NULL for SMS and robot rows, and for
-- rows queued before this migration (built when sent).
CREATE TABLE outbox_body (
	id		INTEGER PRIMARY KEY REFERENCES outbox(id)
	    ON DELETE CASCADE,
	subject		TEXT NOT NULL DEFAULT '',
	body_text	TEXT NOT NULL DEFAULT '',
	body_html	TEXT,
	message		BLOB
) STRICT;

INSERT INTO outbox_body (id, subject, body_text, body_html)
    SELECT id, subject, body_text, body_html FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
