-- 004: the rendered content of an outbox row moves to its own table.
-- A drain round changes the status of each row twice (claimed, then its
-- result); with the subject and bodies inline every change rewrote a
-- page-sized record, and the bookkeeping cost more than the message.

CREATE TABLE outbox_body (
	id		INTEGER PRIMARY KEY REFERENCES outbox(id)
	    ON DELETE CASCADE,
	subject		TEXT NOT NULL DEFAULT '',
	body_text	TEXT NOT NULL DEFAULT '',
	body_html	TEXT
) STRICT;

INSERT INTO outbox_body (id, subject, body_text, body_html)
    SELECT id, subject, body_text, body_html FROM outbox;

ALTER TABLE outbox DROP COLUMN subject;
ALTER TABLE outbox DROP COLUMN body_text;
ALTER TABLE outbox DROP COLUMN body_html;
