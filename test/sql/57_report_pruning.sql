-- Pruning for training done elsewhere: report() asks the study's pruner.
-- With the median pruner, a trial whose value at a step is far worse than
-- the completed trials' median there is stopped (report answers true, the
-- trial ends STOPPED with the reason); a good one goes on (false).
CREATE FUNCTION rp_f(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT (hp->>'x')::float8 $$;
SELECT hptune.create_study('rp', objective_function => 'rp_f(jsonb)', objective => 'loss',
	max_trials => 10, seed => 1,
	tuner_options => '{"pruner": "median", "pruner_options": {"n_startup_trials": 2}}') > 0 AS created;
SELECT hptune.hp_float('rp', 'x', 0, 1);

-- two trials complete, reporting losses 1.0, 0.8, 0.6 and 1.2, 1.0, 0.8
SELECT trial_id AS t0 FROM hptune.suggest('rp') \gset
SELECT hptune.report('rp', :t0, s, jsonb_build_object('loss', 1.0 - 0.2 * s)) AS stop
  FROM generate_series(0, 2) s;
SELECT hptune.complete('rp', :t0, '{"loss": 0.6}');
SELECT trial_id AS t1 FROM hptune.suggest('rp') \gset
-- before n_startup_trials have completed, nothing is pruned, however bad
SELECT hptune.report('rp', :t1, 0, '{"loss": 50}') AS stop_before_startup;
SELECT hptune.report('rp', :t1, s, jsonb_build_object('loss', 1.2 - 0.2 * s)) AS stop
  FROM generate_series(0, 2) s;
SELECT hptune.complete('rp', :t1, '{"loss": 0.8}');

-- a good trial: at step 1 its 0.5 beats the median (0.9): go on
SELECT trial_id AS t2 FROM hptune.suggest('rp') \gset
SELECT hptune.report('rp', :t2, 0, '{"loss": 0.7}') AS stop_good_step0;
SELECT hptune.report('rp', :t2, 1, '{"loss": 0.5}') AS stop_good_step1;

-- a hopeless trial: at step 0 its 5.0 is far worse than the median (1.1)
SELECT trial_id AS t3 FROM hptune.suggest('rp') \gset
SELECT hptune.report('rp', :t3, 0, '{"loss": 5.0}') AS stop_bad;
SELECT trial_id = :t3 AS is_t3, status, score, best_step, message
  FROM hptune.trials WHERE study_id = hptune.study_id('rp') AND status = 'STOPPED';
-- its lease is over: a late complete is refused and changes nothing
CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;
SELECT regexp_replace(test_util.try(format($$SELECT hptune.complete('rp', %s, '{"loss": 4.0}')$$, :t3)),
					  E'\n  detail: [^\n]*', '') AS late_complete;
SELECT f = test_util.fingerprint() AS unchanged FROM before;
-- the good trial completes; stopped trials are not ranked
SELECT hptune.complete('rp', :t2, '{"loss": 0.5}');
SELECT trial_id = :t2 AS best_is_t2 FROM hptune.leaderboard
 WHERE study = 'rp' ORDER BY rank LIMIT 1;

-- without a pruner report never stops a trial
SELECT hptune.create_study('rp_none', objective_function => 'rp_f(jsonb)', objective => 'loss',
	max_trials => 10, seed => 1) > 0 AS created;
SELECT hptune.hp_float('rp_none', 'x', 0, 1);
SELECT trial_id AS n0 FROM hptune.suggest('rp_none') \gset
SELECT hptune.report('rp_none', :n0, 0, '{"loss": 0.5}');
SELECT hptune.complete('rp_none', :n0, '{"loss": 0.5}');
SELECT trial_id AS n1 FROM hptune.suggest('rp_none') \gset
SELECT hptune.report('rp_none', :n1, 0, '{"loss": 0.6}');
SELECT hptune.complete('rp_none', :n1, '{"loss": 0.6}');
SELECT trial_id AS n2 FROM hptune.suggest('rp_none') \gset
SELECT hptune.report('rp_none', :n2, 0, '{"loss": 500}') AS stop_without_pruner;

SELECT hptune.drop_study('rp');
SELECT hptune.drop_study('rp_none');
DROP FUNCTION rp_f(jsonb);
