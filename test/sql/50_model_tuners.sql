-- The bayesian and tpe tuners.  Their tuner_options are checked when a study
-- is created and by the studies table's trigger, each error naming the
-- setting and the fix; a rejected call changes nothing.  Both tuners search
-- SQL objective functions in either direction without trying a combination
-- twice, over numbers, choices and conditional hyperparameters.
SET client_min_messages = warning;
CREATE FUNCTION mt_bowl(hp jsonb) RETURNS float8 LANGUAGE sql
AS $$ SELECT ((hp->>'x')::float8 - 0.3) ^ 2 + ((hp->>'y')::float8 - 0.7) ^ 2 $$;
CREATE FUNCTION mt_hill(hp jsonb) RETURNS float8 LANGUAGE sql
AS $$ SELECT 1 - ((hp->>'x')::float8 - 0.3) ^ 2 - ((hp->>'y')::float8 - 0.7) ^ 2 $$;
SELECT test_util.fingerprint() AS before \gset

-- tuner_options of bayesian
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'bayesian', tuner_options => '{"acquisition": "pi"}')$$);
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'bayesian', tuner_options => '{"acquisition": 1}')$$);
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'bayesian', tuner_options => '{"num_initial_points": 0}')$$);
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'bayesian', tuner_options => '{"num_initial_points": 2.5}')$$);
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'bayesian', tuner_options => '{"beta": "high"}')$$);
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'bayesian', tuner_options => '{"alpha": -1}')$$);
-- tuner_options of tpe
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'tpe', tuner_options => '{"n_startup_trials": -1}')$$);
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'tpe', tuner_options => '{"n_ei_candidates": 0}')$$);
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'tpe', tuner_options => '{"multivariate": "yes"}')$$);
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'tpe', tuner_options => '{"constant_liar": null}')$$);
SELECT test_util.try($$SELECT hptune.create_study('mt_bad', objective_function => 'mt_bowl(jsonb)', tuner => 'tpe', tuner_options => '{"prior_weight": 0}')$$);
SELECT test_util.fingerprint() = :'before' AS nothing_changed;

-- settings other tuners read are not theirs to refuse
SELECT hptune.create_study('mt_other', objective_function => 'mt_bowl(jsonb)', tuner => 'tpe',
	tuner_options => '{"max_epochs": 27}') > 0 AS created;
SELECT hptune.drop_study('mt_other');

-- a study written by hand meets the same checks
SELECT hptune.create_study('mt_b', objective_function => 'mt_bowl(jsonb)', tuner => 'bayesian',
	max_trials => 20, seed => 3, tuner_options => '{"num_initial_points": 5}') > 0 AS created;
SELECT test_util.fingerprint() AS before \gset
SELECT test_util.try($$UPDATE hptune.studies SET tuner_options = '{"acquisition": "pi"}' WHERE name = 'mt_b'$$);
SELECT test_util.try($$UPDATE hptune.studies SET tuner = 'tpe', tuner_options = '{"n_ei_candidates": 1e9}' WHERE name = 'mt_b'$$);
SELECT test_util.fingerprint() = :'before' AS nothing_changed;

-- bayesian minimises the bowl; every trial is a new combination
SELECT hptune.hp_float('mt_b', 'x', 0, 1);
SELECT hptune.hp_float('mt_b', 'y', 0, 1);
SELECT count(*) AS trials FROM hptune.search('mt_b');
SELECT count(*) AS trials, count(DISTINCT values_hash) AS distinct_combinations,
	   min(score) < 1e-4 AS found_the_minimum,
	   count(*) FILTER (WHERE trial_id >= 5 AND score < 1e-2) >= 10 AS model_trials_stay_near_it
  FROM hptune.trials WHERE study_id = hptune.study_id('mt_b');

-- maximising: ucb on the hill, tpe on the hill
SELECT hptune.create_study('mt_ucb', objective_function => 'mt_hill(jsonb)', direction => 'max',
	tuner => 'bayesian', max_trials => 20, seed => 3,
	tuner_options => '{"acquisition": "ucb", "beta": 1.5, "num_initial_points": 5}') > 0 AS created;
SELECT hptune.hp_float('mt_ucb', 'x', 0, 1);
SELECT hptune.hp_float('mt_ucb', 'y', 0, 1);
SELECT count(*) AS trials FROM hptune.search('mt_ucb');
SELECT max(score) > 1 - 1e-3 AS found_the_maximum
  FROM hptune.trials WHERE study_id = hptune.study_id('mt_ucb');

SELECT hptune.create_study('mt_t', objective_function => 'mt_hill(jsonb)', direction => 'max',
	tuner => 'tpe', max_trials => 60, seed => 3) > 0 AS created;
SELECT hptune.hp_float('mt_t', 'x', 0, 1);
SELECT hptune.hp_float('mt_t', 'y', 0, 1);
SELECT count(*) AS trials FROM hptune.search('mt_t');
SELECT max(score) > 1 - 1e-2 AS found_the_maximum,
	   avg(score) FILTER (WHERE trial_id >= 30) > avg(score) FILTER (WHERE trial_id < 10)
	   AS later_trials_are_better
  FROM hptune.trials WHERE study_id = hptune.study_id('mt_t');

-- choices (one-hot in the GP) and a conditional hyperparameter: a small
-- space is walked without repeats until it is exhausted
CREATE FUNCTION mt_mixed(hp jsonb) RETURNS float8 LANGUAGE sql
AS $$ SELECT CASE hp->>'kind' WHEN 'a' THEN 0.0 WHEN 'b' THEN 1.0 ELSE 2.0 END
	+ coalesce((hp->>'n')::float8, 0) + CASE WHEN (hp->>'flag')::boolean THEN 0.5 ELSE 0 END $$;
SELECT hptune.create_study('mt_mb', objective_function => 'mt_mixed(jsonb)', tuner => 'bayesian',
	max_trials => 30, seed => 4, tuner_options => '{"num_initial_points": 3}') > 0 AS created;
SELECT hptune.create_study('mt_mt', objective_function => 'mt_mixed(jsonb)', tuner => 'tpe',
	max_trials => 30, seed => 4, tuner_options => '{"n_startup_trials": 3, "multivariate": true}') > 0 AS created;
SELECT hptune.hp_choice(s, 'kind', ARRAY['a', 'b', 'c']), hptune.hp_boolean(s, 'flag'),
	   hptune.hp_int(s, 'n', 0, 2, parent_name => 'kind', parent_values => '["b", "c"]')
  FROM unnest(ARRAY['mt_mb', 'mt_mt']) s;
SELECT count(*) AS trials FROM hptune.search('mt_mb');
SELECT count(*) AS trials FROM hptune.search('mt_mt');
-- a: 2 (flag), b and c: 2 x 3 each: 14 combinations
SELECT s.name, count(*) AS trials, count(DISTINCT t.values_hash) AS distinct_combinations,
	   count(*) FILTER (WHERE t.hyperparameters ? 'n') AS with_n,
	   min(t.score) AS best
  FROM hptune.trials t JOIN hptune.studies s USING (study_id)
 WHERE s.name IN ('mt_mb', 'mt_mt') GROUP BY s.name ORDER BY s.name;

SELECT count(*) AS dropped FROM (SELECT hptune.drop_study(s)
  FROM unnest(ARRAY['mt_b', 'mt_ucb', 'mt_t', 'mt_mb', 'mt_mt']) s) d;
RESET client_min_messages;
