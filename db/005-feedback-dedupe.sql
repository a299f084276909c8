-- 005: two different messages may share a Message-ID (mailers reuse
-- them, and anyone can forge one); only the same message is a
-- duplicate: the same UIDVALIDITY and UID, or the same bytes (content
-- hash, which covers the Message-ID).  Rows stored before 005 have no
-- content hash; store_feedback_insert still matches them the old way
-- (Message-ID, else header hash), so re-reading the mailbox after a
-- UIDVALIDITY change does not duplicate them.
--
-- Not every message is 群众意见: bounces, auto-replies and mail from the
-- office's own address are kept but classified (kind), and left out of
-- the digest's counts; dutyctl feedback spam marks spam (kind) and
-- dutyctl feedback close records why a message needs no answer.

DROP INDEX feedback_message_id;
DROP INDEX feedback_header_hash;
ALTER TABLE feedback ADD COLUMN content_hash TEXT;
CREATE UNIQUE INDEX feedback_content_hash ON feedback(content_hash)
    WHERE content_hash IS NOT NULL;
CREATE UNIQUE INDEX feedback_mailbox_uid ON feedback(uidvalidity, uid)
    WHERE source = 'imap' AND uid IS NOT NULL;
CREATE INDEX feedback_message_id ON feedback(message_id)
    WHERE message_id IS NOT NULL;
CREATE INDEX feedback_header_hash ON feedback(header_hash)
    WHERE header_hash IS NOT NULL;
ALTER TABLE feedback ADD COLUMN kind TEXT NOT NULL DEFAULT 'citizen'
    CHECK (kind IN ('citizen', 'bounce', 'auto', 'own', 'spam'));
ALTER TABLE feedback ADD COLUMN closed_reason TEXT;
