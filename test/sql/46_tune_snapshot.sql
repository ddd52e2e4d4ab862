-- CALL hptune.tune() from a DO block or a procedure sees what the block did
-- before the CALL: a study it created, a budget it raised.
CREATE FUNCTION snap_f(hp jsonb) RETURNS float8 LANGUAGE sql
AS $$ SELECT (hp->>'x')::float8 $$;
SET client_min_messages = warning;

-- a study created earlier in the same block
DO $$
BEGIN
	PERFORM hptune.create_study('snap_new', objective_function => 'snap_f(jsonb)', max_trials => 2, seed => 1);
	PERFORM hptune.hp_float('snap_new', 'x', 0, 1);
	CALL hptune.tune('snap_new');
END $$;
SELECT count(*) AS trials, bool_and(status = 'COMPLETED') AS all_completed
  FROM hptune.trials WHERE study_id = hptune.study_id('snap_new');

-- max_trials raised between two CALLs in one block
DO $$
BEGIN
	PERFORM hptune.create_study('snap_budget', objective_function => 'snap_f(jsonb)', max_trials => 2, seed => 1);
	PERFORM hptune.hp_float('snap_budget', 'x', 0, 1);
	CALL hptune.tune('snap_budget');
	UPDATE hptune.studies SET max_trials = 5 WHERE name = 'snap_budget';
	CALL hptune.tune('snap_budget');
END $$;
SELECT count(*) AS trials FROM hptune.trials WHERE study_id = hptune.study_id('snap_budget');

-- the same from a procedure, with a COMMIT between the two CALLs
CREATE PROCEDURE snap_proc() LANGUAGE plpgsql AS $$
BEGIN
	UPDATE hptune.studies SET max_trials = 7 WHERE name = 'snap_budget';
	CALL hptune.tune('snap_budget');
	COMMIT;
	UPDATE hptune.studies SET max_trials = 8 WHERE name = 'snap_budget';
	CALL hptune.tune('snap_budget');
END $$;
CALL snap_proc();
SELECT count(*) AS trials, count(DISTINCT trial_id) AS distinct_ids
  FROM hptune.trials WHERE study_id = hptune.study_id('snap_budget');

-- and inside a transaction block (atomic CALL)
BEGIN;
SELECT hptune.create_study('snap_txn', objective_function => 'snap_f(jsonb)', max_trials => 2, seed => 1) > 0 AS created;
SELECT hptune.hp_float('snap_txn', 'x', 0, 1);
CALL hptune.tune('snap_txn');
UPDATE hptune.studies SET max_trials = 3 WHERE name = 'snap_txn';
CALL hptune.tune('snap_txn');
COMMIT;
SELECT count(*) AS trials FROM hptune.trials WHERE study_id = hptune.study_id('snap_txn');

-- two searches of one study in one statement: the second sees the first's
-- trials and runs the rest of the budget
SELECT hptune.create_study('snap_twice', objective_function => 'snap_f(jsonb)', max_trials => 5, seed => 1) > 0 AS created;
SELECT hptune.hp_float('snap_twice', 'x', 0, 1);
UPDATE hptune.studies SET max_trials = 2 WHERE name = 'snap_twice';
SELECT (SELECT count(*) FROM hptune.search('snap_twice')) AS first,
	   (SELECT count(*) FROM hptune.search('snap_twice')) AS second;
-- and in one transaction, with the budget raised in between
BEGIN;
UPDATE hptune.studies SET max_trials = 4 WHERE name = 'snap_twice';
SELECT count(*) AS third FROM hptune.search('snap_twice');
UPDATE hptune.studies SET max_trials = 5 WHERE name = 'snap_twice';
SELECT count(*) AS fourth FROM hptune.search('snap_twice');
COMMIT;
SELECT count(*) AS trials, count(DISTINCT trial_id) AS distinct_ids
  FROM hptune.trials WHERE study_id = hptune.study_id('snap_twice');
RESET client_min_messages;
