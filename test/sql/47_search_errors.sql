-- Errors a search reports in its own words, never an internal one.
CREATE FUNCTION se_f(hp jsonb) RETURNS float8 LANGUAGE sql
AS $$ SELECT (hp->>'x')::float8 $$;
SELECT hptune.create_study('se', objective_function => 'se_f(jsonb)', max_trials => 3, seed => 1) > 0 AS created;
SELECT hptune.hp_float('se', 'x', 0, 1);

-- null arguments: 22004 naming the argument (null train, validation,
-- validation_split, label and features mean "not given")
SELECT test_util.try($$SELECT * FROM hptune.search(NULL)$$);
SELECT test_util.try($$CALL hptune.tune(NULL)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('se', epochs => NULL)$$);
SELECT test_util.try($$CALL hptune.tune('se', epochs => NULL)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('se', batch_size => NULL)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('se', workers => NULL)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('se', options => NULL)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('se', features => ARRAY[NULL]::text[])$$);
-- background workers: a count, never negative
SELECT test_util.try($$SELECT * FROM hptune.search('se', workers => -1)$$);
SELECT count(*) AS trials_so_far FROM hptune.trials WHERE study_id = hptune.study_id('se');

-- a study that trains a model needs training data
CREATE TABLE se_data AS SELECT i::float8 AS a, (i % 7)::float8 AS b, (i * 2)::float8 AS y
  FROM generate_series(1, 40) i;
SELECT hptune.create_study('se_mlp', hypermodel => 'mlp', objective => 'loss', max_trials => 3, seed => 1) > 0 AS created;
SELECT test_util.try($$SELECT * FROM hptune.search('se_mlp')$$);
SELECT test_util.try($$SELECT * FROM hptune.search('se_mlp', train => NULL)$$);

-- huge epochs and executions_per_trial allocate nothing up front: the
-- search trains (until the statement timeout here) instead of failing on a
-- memory allocation
UPDATE hptune.studies SET executions_per_trial = 2147483647 WHERE name = 'se_mlp';
SET client_min_messages = warning;
SET statement_timeout = '1s';
\set VERBOSITY terse
SELECT * FROM hptune.search('se_mlp', train => 'SELECT * FROM se_data',
	epochs => 2147483647, options => '{"task": "regression"}');
\set VERBOSITY default
RESET statement_timeout;
RESET client_min_messages;

UPDATE hptune.studies SET executions_per_trial = 1 WHERE name = 'se_mlp';

-- a hypermodel hptune does not know: the trigger on hptune.studies refuses
-- the UPDATE, and a row that holds one anyway (written with triggers off,
-- as a superuser can) is refused by the search
UPDATE hptune.studies SET hypermodel = 'xgboost' WHERE name = 'se_mlp';
SET session_replication_role = replica;
UPDATE hptune.studies SET hypermodel = 'xgboost' WHERE name = 'se_mlp';
SELECT test_util.try($$SELECT * FROM hptune.search('se_mlp', train => 'SELECT * FROM se_data')$$);
UPDATE hptune.studies SET hypermodel = NULL WHERE name = 'se_mlp';
SELECT test_util.try($$SELECT * FROM hptune.search('se_mlp', train => 'SELECT * FROM se_data')$$);
UPDATE hptune.studies SET hypermodel = 'mlp' WHERE name = 'se_mlp';
RESET session_replication_role;

-- an objective function that searches its own study: each such trial
-- fails with a clear reason, and three in a row stop the search
CREATE FUNCTION se_nested(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	PERFORM count(*) FROM hptune.search('se_nest');
	RETURN 1;
END $$;
SELECT hptune.create_study('se_nest', objective_function => 'se_nested(jsonb)', max_trials => 5, seed => 1) > 0 AS created;
SELECT hptune.hp_float('se_nest', 'x', 0, 1);
SET client_min_messages = warning;
SELECT test_util.try($$SELECT * FROM hptune.search('se_nest')$$);
RESET client_min_messages;
SELECT count(*) AS trials_after_search FROM hptune.trials WHERE study_id = hptune.study_id('se_nest');
-- tune() outside a transaction block keeps the failed trials
SET client_min_messages = warning;
CALL hptune.tune('se_nest');
RESET client_min_messages;
SELECT count(*) AS failed_trials_kept_by_tune FROM hptune.trials
 WHERE study_id = hptune.study_id('se_nest') AND status = 'FAILED';
-- searching another study from an objective function works
CREATE FUNCTION se_other(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	PERFORM count(*) FROM hptune.search('se');
	RETURN (hp->>'x')::float8;
END $$;
SELECT hptune.create_study('se_outer', objective_function => 'se_other(jsonb)', max_trials => 1, seed => 1) > 0 AS created;
SELECT hptune.hp_float('se_outer', 'x', 0, 1);
SET client_min_messages = warning;
SELECT count(*) AS outer_trials FROM hptune.search('se_outer');
RESET client_min_messages;
SELECT count(*) AS inner_trials FROM hptune.trials WHERE study_id = hptune.study_id('se');

-- an objective function that drops its own study stops the search; the
-- drop is rolled back with the trial
CREATE FUNCTION se_dropper(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hptune.drop_study('se_drop');
	RETURN 1;
END $$;
CREATE FUNCTION se_deleter(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM hptune.studies WHERE name = 'se_drop';
	RETURN 1;
END $$;
SELECT hptune.create_study('se_drop', objective_function => 'se_dropper(jsonb)', max_trials => 3, seed => 1) > 0 AS created;
SELECT hptune.hp_float('se_drop', 'x', 0, 1);
SET client_min_messages = warning;
SELECT test_util.try($$SELECT * FROM hptune.search('se_drop')$$);
CALL hptune.tune('se_drop');
UPDATE hptune.studies SET objective_function = 'se_deleter(jsonb)' WHERE name = 'se_drop';
SELECT test_util.try($$SELECT * FROM hptune.search('se_drop')$$);
RESET client_min_messages;
SELECT count(*) AS study_kept FROM hptune.studies WHERE name = 'se_drop';
-- the trial tune() had committed as RUNNING is left for the next search to run again
SELECT count(*) AS trials_left_running FROM hptune.trials
 WHERE study_id = hptune.study_id('se_drop') AND status = 'RUNNING';
