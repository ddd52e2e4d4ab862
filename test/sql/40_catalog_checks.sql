-- The catalog accepts only what the code handles: a row written by hand
-- (INSERT, UPDATE, COPY) meets the checks of the functions that write it,
-- so no direct change can leave a study a later call cannot use.
CREATE FUNCTION cc_f(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT (hp->>'x')::float8 $$;
SELECT hptune.create_study('cc', objective_function => 'cc_f(jsonb)', max_trials => 3, seed => 1) > 0 AS created;
SELECT hptune.hp_float('cc', 'x', 0, 1);
SELECT hptune.study_id('cc') AS cc \gset
SET client_min_messages = warning;
SELECT count(*) AS trials FROM hptune.search('cc');
RESET client_min_messages;

-- columns nothing used are gone
SELECT count(*) AS unused_columns FROM information_schema.columns
 WHERE table_schema = 'hptune' AND column_name IN ('oracle_state');

-- studies: the checks of create_study, on every INSERT and UPDATE
CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;
SELECT test_util.try($$UPDATE hptune.studies SET tuner = 'genetic' WHERE name = 'cc'$$);
SELECT test_util.try($$UPDATE hptune.studies SET hypermodel = 'xgboost' WHERE name = 'cc'$$);
SELECT test_util.try($$UPDATE hptune.studies SET objective_function = 'array_typanalyze(internal)' WHERE name = 'cc'$$);
SELECT test_util.try($$UPDATE hptune.studies SET objective_function = 'textlen(text)' WHERE name = 'cc'$$);
SELECT test_util.try($$UPDATE hptune.studies SET objective_function = NULL WHERE name = 'cc'$$);
SELECT test_util.try($$UPDATE hptune.studies SET tuner_options = '[1]' WHERE name = 'cc'$$);
SELECT test_util.try($$UPDATE hptune.studies SET name = '' WHERE name = 'cc'$$);
SELECT test_util.try($$UPDATE hptune.studies SET max_trials = 0 WHERE name = 'cc'$$);
SELECT test_util.try($$UPDATE hptune.studies SET direction = 'up' WHERE name = 'cc'$$);
SELECT test_util.try($$INSERT INTO hptune.studies (name, objective, direction, tuner, max_trials)
	VALUES ('cc2', 'val_loss', 'min', 'random', 3)$$);
-- trials: statuses, ids and values the code handles (a constraint's
-- message only: its detail shows the row, with timestamps)
CREATE FUNCTION cc_try(stmt text) RETURNS text LANGUAGE sql AS $$ SELECT split_part(test_util.try(stmt), E'\n', 1) $$;
SELECT cc_try(format($$INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters)
	VALUES (%s, 10, 'QUEUED', '{"x": 0.5}')$$, :cc));
SELECT cc_try(format($$INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters)
	VALUES (%s, -1, 'FAILED', '{"x": 0.5}')$$, :cc));
SELECT cc_try(format($$INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters)
	VALUES (%s, 10, 'FAILED', '[0.5]')$$, :cc));
SELECT cc_try(format($$INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters, metrics)
	VALUES (%s, 10, 'FAILED', '{"x": 0.5}', '3')$$, :cc));
SELECT cc_try(format($$UPDATE hptune.trials SET attempt = 0 WHERE study_id = %s$$, :cc));
SELECT cc_try(format($$UPDATE hptune.trials SET best_step = -1 WHERE study_id = %s$$, :cc));
SELECT cc_try(format($$INSERT INTO hptune.trial_metrics VALUES (%s, 0, -1, 0, 'loss', 1)$$, :cc));
SELECT cc_try(format($$INSERT INTO hptune.trial_metrics VALUES (%s, 0, 0, -1, 'loss', 1)$$, :cc));
SELECT cc_try($$INSERT INTO hptune.models (trial_id, hypermodel, hyperparameters, model)
	VALUES (0, 'mlp', '{}', '\x00')$$);
SELECT cc_try($$INSERT INTO hptune.models (hypermodel, hyperparameters, model)
	VALUES ('mlp', '[]', '\x00')$$);
SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;

-- a value the code cannot use: the next search names the row
INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters)
	VALUES (:cc, 7, 'FAILED', '{"x": [1, 2]}');
UPDATE hptune.studies SET max_trials = 5 WHERE name = 'cc';
SELECT regexp_replace(test_util.try($$SELECT * FROM hptune.search('cc')$$), 'study_id [0-9]+', 'study_id N') AS try;
DELETE FROM hptune.trials WHERE study_id = :cc AND trial_id = 7;

-- hyperparameters: a null in any column is a clear error, never "(null)"
DROP TABLE before;
CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;
SELECT test_util.try($$SELECT hptune.hp_float('cc', NULL, 0, 1)$$);
SELECT test_util.try($$SELECT hptune.hp_choice('cc', NULL, ARRAY[1, 2])$$);
SELECT test_util.try($$SELECT hptune.hp_int(NULL, 'n', 1, 2)$$);
SELECT test_util.try(format($$INSERT INTO hptune.hyperparameters (study_id, name, kind) VALUES (%s, NULL, 'boolean')$$, :cc));
SELECT test_util.try(format($$INSERT INTO hptune.hyperparameters (study_id, name, kind) VALUES (%s, 'b', NULL)$$, :cc));
SELECT test_util.try($$INSERT INTO hptune.hyperparameters (study_id, name, kind) VALUES (NULL, 'b', 'boolean')$$);
SELECT test_util.try(format($$INSERT INTO hptune.hyperparameters (study_id, name, kind, position) VALUES (%s, 'b', 'boolean', NULL)$$, :cc));
SELECT cc_try(format($$INSERT INTO hptune.hyperparameters (study_id, name, kind, position) VALUES (%s, 'b', 'boolean', -2)$$, :cc));
SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;

-- one statement may bring parents and children in any row order; a position
-- given is kept, a missing one (0) continues the study's declaration order
SELECT hptune.create_study('cc_space', objective_function => 'cc_f(jsonb)', max_trials => 4, seed => 2) AS cs \gset
INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value, max_value, choices, parent_name, parent_values, position)
VALUES (:cs, 'x', 'float', 0, 1, NULL, 'branch', '["a"]', 2),
	   (:cs, 'branch', 'choice', NULL, NULL, '["a", "b"]', NULL, NULL, 1);
INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value, max_value, parent_name, parent_values)
VALUES (:cs, 'y', 'float', 0, 1, 'branch', '["b"]'),
	   (:cs, 'flag', 'boolean', NULL, NULL, NULL, NULL);
SELECT hptune.hp_int('cc_space', 'z', 1, 3);
SELECT name, position, parent_name FROM hptune.hyperparameters WHERE study_id = :cs ORDER BY position;
SELECT * FROM hptune.search_space_summary('cc_space');

-- what relates rows is checked once the statement is complete
DROP TABLE before;
CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;
SELECT test_util.try(format($$INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value, max_value, parent_name, parent_values)
	VALUES (%s, 'w', 'float', 0, 1, 'nosuch', '[1]')$$, :cs));
SELECT test_util.try(format($$INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value, max_value, parent_name, parent_values)
	VALUES (%s, 'w', 'float', 0, 1, 'branch', '["c"]')$$, :cs));
-- a cycle made by UPDATE
SELECT test_util.try(format($$UPDATE hptune.hyperparameters SET parent_name = 'y', parent_values = '[0.5]'
	WHERE study_id = %s AND name = 'branch'$$, :cs));
SELECT test_util.try(format($$UPDATE hptune.hyperparameters SET parent_name = 'x', parent_values = '[0.5]'
	WHERE study_id = %s AND name = 'x'$$, :cs));
-- a child before its parent, and a parent deleted under its children
SELECT test_util.try(format($$UPDATE hptune.hyperparameters SET position = 9 WHERE study_id = %s AND name = 'branch'$$, :cs));
SELECT test_util.try(format($$DELETE FROM hptune.hyperparameters WHERE study_id = %s AND name = 'branch'$$, :cs));
SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;
-- the whole space at once is fine
WITH d AS (DELETE FROM hptune.hyperparameters WHERE study_id = :cs RETURNING 1)
SELECT count(*) AS deleted FROM d;

-- null arguments: null where the default is not null is an error naming
-- the argument; STRICT functions return null (or no rows)
SELECT test_util.try($$SELECT hptune.create_study('cc3', objective_function => 'cc_f(jsonb)', tuner => NULL)$$);
SELECT test_util.try($$SELECT hptune.create_study('cc3', objective_function => 'cc_f(jsonb)', max_trials => NULL)$$);
SELECT test_util.try($$SELECT hptune.create_study('cc3', objective_function => 'cc_f(jsonb)', executions_per_trial => NULL)$$);
SELECT test_util.try($$SELECT hptune.create_study('cc3', objective_function => 'cc_f(jsonb)', tuner_options => NULL)$$);
SELECT test_util.try($$SELECT hptune.create_study('cc3', objective_function => 'cc_f(jsonb)', overwrite => NULL)$$);
SELECT test_util.try($$SELECT hptune.study_id(NULL)$$);
SELECT test_util.try($$SELECT * FROM hptune.results_summary('cc', NULL)$$);
SELECT hptune.drop_study(NULL) IS NULL AS drop_null;
SELECT count(*) AS summary_null FROM hptune.search_space_summary(NULL);
SELECT count(*) AS best_null FROM hptune.best_hyperparameters('cc', NULL);
SELECT count(*) AS best_models_null FROM hptune.best_models(NULL);

SELECT hptune.drop_study('cc');
SELECT hptune.drop_study('cc_space');
