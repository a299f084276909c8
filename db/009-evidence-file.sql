-- 009: evidence files (佐证材料) of a measure: each stored once by its
-- SHA-256 under general.evidence_dir; this table says which measure it
-- proves, under what name, who added it and when.

CREATE TABLE evidence_file (
	id		INTEGER PRIMARY KEY,
	measure_id	INTEGER NOT NULL REFERENCES measure(id)
	    ON DELETE CASCADE,
	hash		TEXT NOT NULL CHECK (length(hash) = 64),
	name		TEXT NOT NULL CHECK (name <> ''),
	size		INTEGER NOT NULL CHECK (size >= 0),
	who		TEXT NOT NULL,
	at		INTEGER NOT NULL,
	UNIQUE (measure_id, hash)
) STRICT;
CREATE INDEX evidence_file_hash ON evidence_file(hash);
