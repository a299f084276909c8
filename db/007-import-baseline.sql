-- 007: what each measure's fields were in the ledger file at its last
-- import, so a re-import can tell a field the office changed in the file
-- from one changed in dutyd since (a conflict, not silently undone).
-- owners: person keys joined with ','; deadline NULL when none.

CREATE TABLE import_base (
	measure_id	INTEGER PRIMARY KEY
	    REFERENCES measure(id) ON DELETE CASCADE,
	text		TEXT NOT NULL,
	kind		TEXT NOT NULL,
	deadline	TEXT,
	owners		TEXT NOT NULL,
	status		TEXT NOT NULL CHECK (status IN ('open', 'done')),
	source		TEXT NOT NULL,
	imported_at	INTEGER NOT NULL
) STRICT;

-- Measures that exist already: their current state is the best guess of
-- what the file last said.
INSERT INTO import_base (measure_id, text, kind, deadline, owners, status,
    source, imported_at)
SELECT m.id, m.text, m.kind, m.deadline,
    COALESCE((SELECT group_concat(person, ',') FROM
	(SELECT person FROM measure_owner o WHERE o.measure_id = m.id
	 ORDER BY pos)), ''),
    m.status, '(before migration 007)', 0
FROM measure m;
