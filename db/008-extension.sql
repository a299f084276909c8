-- 008: 延期.  A measure's deadline moved later with a reason (and who
-- approved it): every extension is a row of `extension`, and the measure
-- keeps its first deadline and the latest reason so that reminders, the
-- digest and the report can say 已延期至…（原因…） without a join.

CREATE TABLE extension (
	id		INTEGER PRIMARY KEY,
	measure_id	INTEGER NOT NULL REFERENCES measure(id)
	    ON DELETE CASCADE,
	old_deadline	TEXT,
	new_deadline	TEXT NOT NULL CHECK (new_deadline GLOB
	    '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
	reason		TEXT NOT NULL CHECK (reason <> ''),
	approved_by	TEXT,
	who		TEXT NOT NULL,
	at		INTEGER NOT NULL
) STRICT;
CREATE INDEX extension_measure ON extension(measure_id);

ALTER TABLE measure ADD COLUMN extended_from TEXT CHECK (extended_from IS
    NULL OR extended_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]');
ALTER TABLE measure ADD COLUMN extension_reason TEXT;
ALTER TABLE measure ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
