-- "Tune any function": the guide's run_trial override, f(x) = x*x + 1
CREATE FUNCTION x_squared(hp jsonb) RETURNS float8 LANGUAGE sql
AS $$ SELECT (hp->>'x')::float8 * (hp->>'x')::float8 + 1 $$;
SELECT hptune.create_study('tune_anything', objective_function => 'x_squared(jsonb)',
	max_trials => 20, seed => 42) > 0 AS created;
SELECT hptune.hp_float('tune_anything', 'x', min_value => -1.0, max_value => 1.0);

SET client_min_messages = warning;
SELECT count(*) AS trials, count(*) FILTER (WHERE status = 'COMPLETED') AS completed,
	   min(score) < 1.05 AS best_below_1_05
  FROM hptune.search('tune_anything');
RESET client_min_messages;
SELECT abs((h->>'x')::float8) < 0.23 AS x_near_zero FROM hptune.best_hyperparameters('tune_anything') h;
SELECT rank, trial_id, round(score::numeric, 6) AS score FROM hptune.leaderboard
 WHERE study = 'tune_anything' ORDER BY rank, trial_id LIMIT 3;
-- the budget is spent: running again does nothing
SELECT count(*) FROM hptune.search('tune_anything');

-- one row per trial; the NOTICE block each trial prints (KerasTuner's words,
-- with elapsed times) is checked in test/t/040_notices.pl
SELECT hptune.create_study('notices', objective_function => 'x_squared(jsonb)', max_trials => 2, seed => 3) > 0;
SELECT hptune.hp_choice('notices', 'x', ARRAY[0.5, 0.25]);
SET client_min_messages = warning;
SELECT trial_id, status, score, hyperparameters FROM hptune.search('notices');
RESET client_min_messages;
SELECT * FROM hptune.results_summary('notices');

-- a jsonb result is a set of named metrics; one of them is the objective
CREATE FUNCTION two_metrics(hp jsonb) RETURNS jsonb LANGUAGE sql
AS $$ SELECT jsonb_build_object('metric_a', -abs((hp->>'units')::int - 64) / 100.0,
                                'metric_b', (hp->>'units')::int * 2) $$;
SELECT hptune.create_study('custom_eval_dict', objective_function => 'two_metrics(jsonb)',
	objective => 'metric_a', direction => 'max', max_trials => 3, seed => 7) > 0 AS created;
SELECT hptune.hp_int('custom_eval_dict', 'units', 32, 128, step => 32);
SET client_min_messages = warning;
SELECT count(*) FROM hptune.search('custom_eval_dict');
RESET client_min_messages;
SELECT * FROM hptune.results_summary('custom_eval_dict');
SELECT trial_id, score = (metrics->>'metric_a')::float8 AS score_is_objective,
	   (metrics->>'metric_b')::int = 2 * (hyperparameters->>'units')::int AS other_metric_kept
  FROM hptune.trials WHERE study_id = hptune.study_id('custom_eval_dict') ORDER BY trial_id;

-- a discrete space of 4 values runs 4 trials, then says it is exhausted
SELECT hptune.create_study('four', objective_function => 'two_metrics(jsonb)', objective => 'metric_a',
	direction => 'max', max_trials => 9, seed => 1) > 0 AS created;
SELECT hptune.hp_int('four', 'units', 32, 128, step => 32);
SET client_min_messages = warning;
SELECT count(*) AS trials, count(DISTINCT hyperparameters) AS distinct_values FROM hptune.search('four');
-- the next search has nothing left to try, and says so
SET client_min_messages = notice;
SELECT count(*) FROM hptune.search('four');

-- grid: 3 x 2 values, every combination once, defaults first, last parameter fastest
SET client_min_messages = warning;
CREATE FUNCTION grid_f(hp jsonb) RETURNS float8 LANGUAGE sql
AS $$ SELECT (hp->>'a')::float8 + CASE WHEN (hp->>'b')::boolean THEN 0.5 ELSE 0 END $$;
SELECT hptune.create_study('grid', objective_function => 'grid_f(jsonb)', tuner => 'grid', max_trials => 10) > 0;
SELECT hptune.hp_int('grid', 'a', 1, 3, "default" => 2);
SELECT hptune.hp_boolean('grid', 'b');
SELECT trial_id, hyperparameters FROM hptune.search('grid') ORDER BY trial_id;

-- conditional children appear exactly when their parent takes a matching value
SELECT hptune.create_study('cond', objective_function => 'grid_f(jsonb)', tuner => 'grid', max_trials => 20) > 0;
SELECT hptune.hp_int('cond', 'a', 1, 3);
SELECT hptune.hp_boolean('cond', 'b', parent_name => 'a', parent_values => '[2, 3]');
SELECT count(*) AS trials,
	   bool_and((hyperparameters ? 'b') = ((hyperparameters->>'a')::int IN (2, 3))) AS children_exactly_when_active
  FROM hptune.search('cond');

-- the same seed gives the same sequence of trials
SELECT hptune.create_study('seed_a', objective_function => 'x_squared(jsonb)', max_trials => 5, seed => 99) > 0;
SELECT hptune.create_study('seed_b', objective_function => 'x_squared(jsonb)', max_trials => 5, seed => 99) > 0;
SELECT hptune.create_study('seed_c', objective_function => 'x_squared(jsonb)', max_trials => 5, seed => 100) > 0;
SELECT hptune.hp_float(s, 'x', -1, 1) FROM unnest(ARRAY['seed_a', 'seed_b', 'seed_c']) s;
SELECT count(*) FROM hptune.search('seed_a');
SELECT count(*) FROM hptune.search('seed_b');
SELECT count(*) FROM hptune.search('seed_c');
SELECT (SELECT array_agg(hyperparameters ORDER BY trial_id) FROM hptune.trials WHERE study_id = hptune.study_id('seed_a'))
	 = (SELECT array_agg(hyperparameters ORDER BY trial_id) FROM hptune.trials WHERE study_id = hptune.study_id('seed_b')) AS same_seed_same_trials,
	   (SELECT array_agg(hyperparameters ORDER BY trial_id) FROM hptune.trials WHERE study_id = hptune.study_id('seed_a'))
	 = (SELECT array_agg(hyperparameters ORDER BY trial_id) FROM hptune.trials WHERE study_id = hptune.study_id('seed_c')) AS other_seed_same_trials;

-- best_hyperparameters ranks one study's trials only, even when another scores better
SELECT count(*) AS seed_a_trials, bool_and(h IN (SELECT hyperparameters FROM hptune.trials
		WHERE study_id = hptune.study_id('seed_a'))) AS all_from_seed_a
  FROM hptune.best_hyperparameters('seed_a', 100) h;

-- an error inside the function fails that trial only; the search goes on
CREATE FUNCTION picky(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	IF (hp->>'a')::int = 2 THEN
		RAISE EXCEPTION 'a = 2 is not allowed';
	END IF;
	RETURN (hp->>'a')::float8;
END $$;
SELECT hptune.create_study('picky', objective_function => 'picky(jsonb)', tuner => 'grid', max_trials => 5) > 0;
SELECT hptune.hp_int('picky', 'a', 1, 4);
SELECT trial_id, status, score FROM hptune.search('picky') ORDER BY trial_id;
SELECT trial_id, status, message FROM hptune.trials
 WHERE study_id = hptune.study_id('picky') AND status = 'FAILED';

-- three failures in a row end the search with an error quoting the last one
CREATE FUNCTION always_fails(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'no good value for a = %', hp->>'a';
END $$;
SELECT hptune.create_study('failing', objective_function => 'always_fails(jsonb)', tuner => 'grid', max_trials => 5) > 0;
SELECT hptune.hp_int('failing', 'a', 1, 5);
SELECT test_util.try($$SELECT * FROM hptune.search('failing')$$);
-- search() is atomic: the failed trials rolled back with it
SELECT count(*) FROM hptune.trials WHERE study_id = hptune.study_id('failing');

-- bad arguments to search()
SELECT test_util.try($$SELECT * FROM hptune.search('nosuchstudy')$$);
SELECT test_util.try($$SELECT * FROM hptune.search('grid', epochs => 0)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('grid', batch_size => 0)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('grid', validation_split => 1.5)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('grid', options => '[]')$$);
SELECT hptune.create_study('empty', objective_function => 'x_squared(jsonb)') > 0;
SELECT test_util.try($$SELECT * FROM hptune.search('empty')$$);
