-- 010: officers answer reminders by email (issue 18).  Each reminder
-- carries a token bound to its recipient, its measures and its
-- Message-ID (reply_token); each answer that comes back is a row of
-- `reply`, applied or refused with the reason, keyed by its own
-- Message-ID so that a replayed message is dropped.  A 销号 or 延期
-- request stays 'pending' (待认定) until the leader or admin decides.

CREATE TABLE reply_token (
	token		TEXT PRIMARY KEY CHECK (length(token) = 16),
	message_id	TEXT NOT NULL UNIQUE,	-- the email that carried it
	kind		TEXT NOT NULL CHECK (kind IN ('reminder', 'approval')),
	person		TEXT NOT NULL,		-- whom it was sent to
	items		TEXT NOT NULL,		-- measure ids, ascending, ","
	request_id	INTEGER,		-- approval: the reply it asks about
	created_at	INTEGER NOT NULL
) STRICT;

CREATE TABLE reply (
	id		INTEGER PRIMARY KEY,
	message_id	TEXT UNIQUE,		-- the answer's own Message-ID
	from_addr	TEXT NOT NULL,
	person		TEXT,			-- the sender, when known
	token		TEXT,
	subject		TEXT NOT NULL,
	received_at	INTEGER NOT NULL,
	verb		TEXT CHECK (verb IS NULL OR verb IN ('progress', 'done',
	    'extend', 'approve', 'reject')),
	measure_id	INTEGER REFERENCES measure(id) ON DELETE CASCADE,
	text		TEXT NOT NULL DEFAULT '',	-- the note or reason
	new_deadline	TEXT CHECK (new_deadline IS NULL OR new_deadline GLOB
	    '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
	status		TEXT NOT NULL CHECK (status IN ('applied', 'pending',
	    'approved', 'rejected', 'refused')),
	reason		TEXT,			-- why refused
	decided_by	TEXT,
	decided_at	INTEGER,
	decided_mid	TEXT,			-- the leader's reply, if by mail
	-- What dutyd answers the sender (NULL: nothing, e.g. an
	-- auto-reply) and whether that answer is queued yet.
	answer_to	TEXT,			-- person key
	answer_subject	TEXT,
	answer_text	TEXT,
	answered	INTEGER NOT NULL DEFAULT 0 CHECK (answered IN (0, 1)),
	-- A pending request: whether its approver has been asked by mail.
	asked		INTEGER NOT NULL DEFAULT 0 CHECK (asked IN (0, 1))
) STRICT;
CREATE INDEX reply_measure ON reply(measure_id, status);
CREATE INDEX reply_received ON reply(received_at);

-- Evidence files a reply brought (stored by hash like evidence_file).
CREATE TABLE reply_file (
	reply_id	INTEGER NOT NULL REFERENCES reply(id) ON DELETE CASCADE,
	hash		TEXT NOT NULL CHECK (length(hash) = 64),
	name		TEXT NOT NULL CHECK (name <> ''),
	size		INTEGER NOT NULL CHECK (size >= 0),
	PRIMARY KEY (reply_id, hash)
) STRICT;
