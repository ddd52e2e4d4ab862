-- Invariants over the hptune tables after a mix of searches.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS hptune;
SELECT plan(14);

CREATE FUNCTION pg_temp.obj(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	IF (hp->>'kind') = 'bad' AND (hp->>'a')::int > 0 THEN
		RAISE EXCEPTION 'bad kind';
	END IF;
	RETURN (hp->>'a')::float8 + coalesce((hp->>'b')::float8, 0);
END $$;

SELECT hptune.create_study('inv_random', objective_function => 'pg_temp.obj(jsonb)'::regprocedure,
	max_trials => 30, seed => 11);
SELECT hptune.hp_int('inv_random', 'a', -5, 5);
SELECT hptune.hp_choice('inv_random', 'kind', ARRAY['good', 'fine', 'bad']);
SELECT hptune.hp_float('inv_random', 'b', 0.001, 10, sampling => 'log', parent_name => 'kind', parent_values => '["good"]');
SELECT hptune.create_study('inv_grid', objective_function => 'pg_temp.obj(jsonb)'::regprocedure,
	tuner => 'grid', direction => 'max', objective => 'default_objective', max_trials => 100);
SELECT hptune.hp_int('inv_grid', 'a', 0, 8, step => 2);
SELECT hptune.hp_choice('inv_grid', 'kind', ARRAY['good', 'fine']);
SELECT hptune.hp_float('inv_grid', 'b', 0, 1, step => 0.25, parent_name => 'kind', parent_values => '["good"]');
SELECT count(*) FROM hptune.search('inv_random');
SELECT count(*) FROM hptune.search('inv_grid');

SELECT is((SELECT count(*)::int FROM hptune.trials WHERE study_id = hptune.study_id('inv_random')), 30,
	'random search runs max_trials trials');
SELECT is((SELECT count(*)::int FROM hptune.trials WHERE study_id = hptune.study_id('inv_grid')), 5 * (5 + 1),
	'grid search runs every combination of the conditional space once');
SELECT is((SELECT count(*)::int FROM hptune.trials t
			WHERE t.study_id IN (hptune.study_id('inv_random'), hptune.study_id('inv_grid'))
			GROUP BY study_id, hyperparameters HAVING count(*) > 1 LIMIT 1), NULL,
	'no combination is tried twice in a study');
SELECT ok(bool_and(score IS NOT NULL AND message IS NULL), 'completed trials have a score and no message')
  FROM hptune.trials WHERE status = 'COMPLETED';
SELECT ok(bool_and(score IS NULL AND message LIKE '%bad kind%'), 'failed trials have a message and no score')
  FROM hptune.trials WHERE status = 'FAILED';
SELECT ok(count(*) > 0, 'the random search met failing trials') FROM hptune.trials
 WHERE status = 'FAILED' AND study_id = hptune.study_id('inv_random');
SELECT ok(bool_and((hyperparameters->>'a')::int BETWEEN -5 AND 5), 'int values stay in range')
  FROM hptune.trials WHERE study_id = hptune.study_id('inv_random');
SELECT ok(bool_and((hyperparameters ? 'b') = (hyperparameters->>'kind' = 'good')),
	'a conditional value is present exactly when its parent matches')
  FROM hptune.trials WHERE study_id IN (hptune.study_id('inv_random'), hptune.study_id('inv_grid'));
SELECT ok(bool_and((hyperparameters->>'b')::float8 BETWEEN 0.001 AND 10), 'log-sampled floats stay in range')
  FROM hptune.trials WHERE study_id = hptune.study_id('inv_random') AND hyperparameters ? 'b';
SELECT ok(bool_and(score = (SELECT max(score) FROM hptune.trials t2 WHERE t2.study_id = l.study_id AND t2.status = 'COMPLETED')),
	'rank 1 of a max study has the highest score')
  FROM hptune.leaderboard l WHERE study = 'inv_grid' AND rank = 1;
SELECT ok(bool_and(score = (SELECT min(score) FROM hptune.trials t2 WHERE t2.study_id = l.study_id AND t2.status = 'COMPLETED')),
	'rank 1 of a min study has the lowest score')
  FROM hptune.leaderboard l WHERE study = 'inv_random' AND rank = 1;
SELECT ok(bool_and(ended_at >= started_at), 'every finished trial ended after it started')
  FROM hptune.trials WHERE status <> 'RUNNING';

-- the extension is built the way extensions should be
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			WHERE n.nspname = 'hptune' AND obj_description(p.oid, 'pg_proc') IS NULL), 0,
	'every function has a comment');
SELECT set_eq($$SELECT c.relname::text FROM pg_extension e, unnest(e.extconfig) r(oid) JOIN pg_class c ON c.oid = r.oid
				WHERE e.extname = 'hptune' AND c.relkind = 'r'$$,
	ARRAY['studies', 'hyperparameters', 'trials', 'trial_metrics', 'models', 'checkpoints'],
	'every table of user state is dumped by pg_dump');

SELECT * FROM finish();
ROLLBACK;
