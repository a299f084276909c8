-- 002: what each closed duty period required and achieved, recorded once
-- when the period closes, so that a later change of the duty in the
-- config (quota, owners) never rewrites history.  One row per duty, owner
-- and target; done < required is a shortfall.
CREATE TABLE duty_period (
	duty		TEXT NOT NULL,
	person		TEXT NOT NULL,
	target		TEXT NOT NULL DEFAULT '',
	period		TEXT NOT NULL,
	start		TEXT NOT NULL,
	end		TEXT NOT NULL,
	title		TEXT NOT NULL,
	done		INTEGER NOT NULL CHECK (done >= 0),
	required	INTEGER NOT NULL CHECK (required >= 1),
	closed_at	INTEGER NOT NULL,
	PRIMARY KEY (duty, person, target, period)
) STRICT;
CREATE INDEX duty_period_end ON duty_period(end);
CREATE INDEX occurrence_day ON occurrence(duty, day) WHERE removed_at IS NULL;
DROP TABLE shortfall;	-- never used: duty_period holds shortfalls
