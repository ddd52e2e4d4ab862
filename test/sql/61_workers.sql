-- search(..., workers => n): background workers run the trials under
-- leases, each committed on its own; the caller relays and returns them.
CREATE FUNCTION wk_f(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT (hp->>'x')::float8 $$;
SELECT hptune.create_study('wk', objective_function => 'wk_f(jsonb)', max_trials => 6, seed => 3) > 0 AS created;
SELECT hptune.hp_float('wk', 'x', 0, 1);

SET client_min_messages = warning;
SELECT count(*) AS trials, count(DISTINCT trial_id) AS distinct_trials,
	   bool_and(status = 'COMPLETED') AS all_completed
  FROM hptune.search('wk', workers => 2);
RESET client_min_messages;
SELECT count(*) AS recorded, count(DISTINCT worker) BETWEEN 1 AND 2 AS by_the_workers,
	   bool_and(worker ~ '^search [0-9]+\.[0-9]+ worker [12]$') AS labelled, max(attempt) AS attempts
  FROM hptune.trials WHERE study_id = hptune.study_id('wk');
-- the study has all its trials: nothing more to run
SELECT count(*) AS more FROM hptune.search('wk', workers => 2);
-- the same with CALL
UPDATE hptune.studies SET max_trials = 8 WHERE name = 'wk';
SET client_min_messages = warning;
CALL hptune.tune('wk', workers => 2);
RESET client_min_messages;
SELECT count(*) AS recorded FROM hptune.trials WHERE study_id = hptune.study_id('wk') AND status = 'COMPLETED';

-- a hypermodel: the caller reads the data once, the workers train on the
-- copy in shared memory and store metrics and models
CREATE TABLE wk_pts AS
	SELECT i, (i % 7)::float8 AS a, (i % 5)::float8 AS b, (i % 7 > 3) AS label FROM generate_series(1, 200) i;
SELECT hptune.create_study('wk_mlp', hypermodel => 'mlp', objective => 'val_accuracy', max_trials => 4, seed => 5) > 0 AS created;
SELECT hptune.hp_int('wk_mlp', 'num_layers', 1, 2);
SELECT hptune.hp_int('wk_mlp', 'units', 4, 8, step => 4);
SET client_min_messages = warning;
SELECT count(*) AS trials, bool_and(status = 'COMPLETED') AS all_completed, bool_and(score BETWEEN 0 AND 1) AS scored
  FROM hptune.search('wk_mlp', train => 'SELECT a, b, label FROM wk_pts', validation_split => 0.25,
					 epochs => 2, workers => 2);
RESET client_min_messages;
SELECT count(*) AS completed, bool_and(best_step BETWEEN 0 AND 1) AS best_steps,
	   bool_and(metrics ? 'val_accuracy') AS with_metrics
  FROM hptune.trials WHERE study_id = hptune.study_id('wk_mlp');
SELECT count(DISTINCT (trial_id, step)) AS epochs_recorded FROM hptune.trial_metrics
 WHERE study_id = hptune.study_id('wk_mlp');
SELECT count(*) AS models FROM hptune.models WHERE study_id = hptune.study_id('wk_mlp');
SELECT array_length(hptune.predict(m, p), 1) AS outputs
  FROM hptune.best_models('wk_mlp') m, (SELECT a, b FROM wk_pts WHERE i = 1) p;

-- what workers cannot do, before any starts
CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;
BEGIN;
SELECT hptune.create_study('wk_new', objective_function => 'wk_f(jsonb)', max_trials => 2) > 0 AS created;
SELECT hptune.hp_float('wk_new', 'x', 0, 1);
SELECT test_util.try($$SELECT * FROM hptune.search('wk_new', workers => 2)$$);
ROLLBACK;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT test_util.try($$SELECT * FROM hptune.search('wk', workers => 2)$$);
ROLLBACK;
CREATE ROLE hptune_wk_nologin NOLOGIN;
SET ROLE hptune_wk_nologin;
SELECT test_util.try($$SELECT * FROM hptune.search('wk', workers => 2)$$);
RESET ROLE;
DROP ROLE hptune_wk_nologin;
SET hptune.max_workers = 0;
SELECT test_util.try($$SELECT * FROM hptune.search('wk', workers => 2)$$);
RESET hptune.max_workers;
SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;
