-- 006: a channel the mail server (or provider) refuses as a whole -- a
-- login denied, a used-up sender quota, SMTP not enabled for the
-- account -- pauses instead of spending an attempt of every queued
-- message (issue 15).  One row per paused channel, until a message goes
-- out on it again; dutyctl status and the digest show the cause.
CREATE TABLE channel_pause (
	channel		TEXT PRIMARY KEY,
	since		INTEGER NOT NULL,	-- first refusal of this pause
	until		INTEGER NOT NULL,	-- next try
	stop		INTEGER NOT NULL DEFAULT 0 CHECK (stop IN (0, 1)),
	cause		TEXT NOT NULL,		-- for the admin, in Chinese
	reply		TEXT NOT NULL DEFAULT ''	-- the server's words
) STRICT;
