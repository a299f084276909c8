-- 003: what the feedback mailbox needs beyond 001: a header hash to
-- dedupe messages without a Message-ID, a note for what could not be
-- read (oversized, too complex), who answered and when, and the poll
-- state for backoff and the digest's delivery-health section.

ALTER TABLE feedback ADD COLUMN header_hash TEXT;
ALTER TABLE feedback ADD COLUMN note TEXT;
ALTER TABLE feedback ADD COLUMN size INTEGER;
ALTER TABLE feedback ADD COLUMN assigned_at INTEGER;
ALTER TABLE feedback ADD COLUMN answered_at INTEGER;
ALTER TABLE feedback ADD COLUMN answered_by TEXT;
CREATE UNIQUE INDEX feedback_header_hash ON feedback(header_hash)
    WHERE header_hash IS NOT NULL;
CREATE INDEX feedback_received ON feedback(received_at);
CREATE INDEX feedback_open_deadline ON feedback(status, answer_deadline);

ALTER TABLE mailbox_state ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailbox_state ADD COLUMN next_poll INTEGER;
ALTER TABLE mailbox_state ADD COLUMN last_ok INTEGER;
ALTER TABLE mailbox_state ADD COLUMN last_error TEXT;
