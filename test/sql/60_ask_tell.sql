-- Ask / tell: suggest hands out a trial under a lease, report heart-beats it
-- and stores a step's metrics, complete records the result.  A lease that
-- lapses puts the trial back; a late result of a lost lease is rejected.
CREATE FUNCTION at_f(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT (hp->>'x')::float8 $$;
SELECT hptune.create_study('at', objective_function => 'at_f(jsonb)', objective => 'loss',
	direction => 'min', max_trials => 3, seed => 1) > 0 AS created;
SELECT hptune.hp_float('at', 'x', 0, 1);
-- the error's message and hint, without a detail that shows a time
CREATE FUNCTION at_try(stmt text) RETURNS text LANGUAGE sql AS $$
	SELECT regexp_replace(test_util.try(stmt), E'\n  detail: [^\n]*', '') $$;

-- a first trial, its lease and its worker
SELECT trial_id, hyperparameters ? 'x' AS has_x, lease IS NOT NULL AS leased
  FROM hptune.suggest('at', worker => 'w1');
SELECT trial_id AS t0, lease_token AS l0 FROM hptune.trials
 WHERE study_id = hptune.study_id('at') AND trial_id = 0 \gset
SELECT status, worker, attempt, lease_expires_at > now() AS lease_ahead
  FROM hptune.trials WHERE study_id = hptune.study_id('at');

-- report: metrics of a step, the lease renewed; false: go on
SELECT hptune.report('at', :t0, 0, '{"loss": 0.9, "accuracy": 0.5}', :'l0');
SELECT hptune.report('at', :t0, 1, '{"loss": 0.7, "accuracy": 0.6}');
SELECT step, name, value FROM hptune.trial_metrics
 WHERE study_id = hptune.study_id('at') ORDER BY step, name;

-- rejected calls change nothing
CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;
SELECT test_util.try($$SELECT hptune.report('at', 0, 2, '{"accuracy": 0.7}')$$);
SELECT test_util.try($$SELECT hptune.report('at', 0, -1, '{"loss": 0.7}')$$);
SELECT test_util.try($$SELECT hptune.report('at', 0, 2, '{"loss": "NaN"}')$$);
SELECT test_util.try($$SELECT hptune.report('at', 0, NULL, '{"loss": 0.7}')$$);
SELECT test_util.try($$SELECT hptune.complete('at', NULL, '{"loss": 0.7}')$$);
SELECT test_util.try($$SELECT hptune.complete('at', 0, NULL)$$);
SELECT test_util.try($$SELECT hptune.complete('at', 7, '{"loss": 0.7}')$$);
SELECT test_util.try($$SELECT hptune.complete('nope', 0, '{"loss": 0.7}')$$);
SELECT test_util.try($$SELECT hptune.complete(NULL, 0, '{"loss": 0.7}')$$);
SELECT test_util.try($$SELECT * FROM hptune.suggest(NULL)$$);
SELECT test_util.try($$SELECT hptune.complete('at', 0, '{"loss": 0.7}', gen_random_uuid())$$);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT test_util.try($$SELECT * FROM hptune.suggest('at')$$);
COMMIT;
SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;

-- complete: the result, the lease ended
SELECT hptune.complete('at', :t0, '{"loss": 0.5, "accuracy": 0.7}', :'l0');
SELECT trial_id, status, score, metrics, lease_token IS NULL AS lease_ended
  FROM hptune.trials WHERE study_id = hptune.study_id('at');
SELECT test_util.try($$SELECT hptune.complete('at', 0, '{"loss": 0.4}')$$);

-- a lease that lapses: the result is rejected, the trial handed out again
SET hptune.lease_timeout = 1;
SELECT trial_id AS t1, lease AS l1 FROM hptune.suggest('at', 'w1') \gset
SELECT pg_sleep(1.2);
SELECT at_try(format($$SELECT hptune.complete('at', %s, '{"loss": 0.3}', %L)$$, :t1, :'l1'));
SELECT at_try(format($$SELECT hptune.report('at', %s, 0, '{"loss": 0.3}')$$, :t1));
SET hptune.lease_timeout = 60;
SELECT trial_id = :t1 AS same_trial, lease <> :'l1' AS new_lease FROM hptune.suggest('at', 'w2') \gset
\echo :same_trial :new_lease
SELECT status, worker, attempt FROM hptune.trials
 WHERE study_id = hptune.study_id('at') AND trial_id = :t1;
SELECT at_try(format($$SELECT hptune.complete('at', %s, '{"loss": 0.3}', %L)$$, :t1, :'l1'));
-- the objective's value alone is a result too
SELECT hptune.complete('at', :t1, '0.25');
SELECT status, score, metrics FROM hptune.trials
 WHERE study_id = hptune.study_id('at') AND trial_id = :t1;

-- the last trial (max_trials 3), whose lease is lost max_attempts times: FAILED
SET hptune.lease_timeout = 1;
SET hptune.max_attempts = 2;
SELECT trial_id FROM hptune.suggest('at');
SELECT count(*) AS more FROM hptune.suggest('at');
SELECT pg_sleep(1.2);
SELECT trial_id FROM hptune.suggest('at');
SELECT pg_sleep(1.2);
SELECT count(*) AS more FROM hptune.suggest('at');
SELECT trial_id, status, attempt, message FROM hptune.trials
 WHERE study_id = hptune.study_id('at') ORDER BY trial_id;
RESET hptune.lease_timeout;
RESET hptune.max_attempts;

-- a search runs a trial left PENDING, and suggest sees what a search recorded
SELECT hptune.create_study('at2', objective_function => 'at_f(jsonb)', max_trials => 3, seed => 2) > 0 AS created;
SELECT hptune.hp_float('at2', 'x', 0, 1);
SELECT trial_id FROM hptune.suggest('at2');
UPDATE hptune.trials SET status = 'PENDING', lease_token = NULL, lease_expires_at = NULL
 WHERE study_id = hptune.study_id('at2');
SET client_min_messages = warning;
UPDATE hptune.studies SET max_trials = 2 WHERE name = 'at2';
SELECT trial_id, status FROM hptune.search('at2') ORDER BY trial_id;
RESET client_min_messages;
UPDATE hptune.studies SET max_trials = 3 WHERE name = 'at2';
SELECT trial_id FROM hptune.suggest('at2');
SELECT count(*) AS more FROM hptune.suggest('at2');
