-- Pruning: tuner_options.pruner stops hopeless trials after an epoch; they
-- end STOPPED with the reason in their message.  The pruner's settings are
-- in tuner_options.pruner_options, apart from the tuner's own.
SET client_min_messages = warning;
CREATE TABLE pr_data AS
SELECT i, (i % 17) / 17.0 AS x1, ((i * 7) % 13) / 13.0 AS x2,
	   3 * (i % 17) / 17.0 - 2 * ((i * 7) % 13) / 13.0 + ((i * 31) % 11) / 110.0 AS y
  FROM generate_series(1, 300) i;

-- median (Optuna's MedianPruner defaults: 5 startup trials, no warm-up)
SELECT hptune.create_study('pr_median', hypermodel => 'linear', objective => 'val_loss',
						   max_trials => 16, seed => 3,
						   tuner_options => '{"pruner": "median"}') > 0 AS created;
SELECT status, count(*) FROM hptune.search('pr_median', train => 'SELECT x1, x2, y FROM pr_data',
										   validation_split => 0.25, epochs => 6)
 GROUP BY status ORDER BY status;

CREATE VIEW pr_trials AS
SELECT s.name AS study, t.trial_id, t.status, t.score, t.message, m.steps, m.best, m.last_step,
	   m.last_value, t.study_id
  FROM hptune.trials t JOIN hptune.studies s USING (study_id)
  JOIN (SELECT study_id, trial_id, count(*) AS steps, min(value) AS best, max(step) AS last_step,
			   (array_agg(value ORDER BY step DESC))[1] AS last_value
		  FROM hptune.trial_metrics WHERE name = 'val_loss' AND execution = 0
		 GROUP BY study_id, trial_id) m USING (study_id, trial_id);

-- a stopped trial trained fewer epochs, says why, and its best value so far
-- was worse than the median of the trials completed before it at the step
-- it stopped; its score is that best value
SELECT trial_id, steps, message LIKE 'Pruned by the median pruner at step %' AS says_why,
	   score = best AS score_is_best_so_far,
	   best > (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m.value)
				 FROM hptune.trial_metrics m JOIN hptune.trials c USING (study_id, trial_id)
				WHERE m.study_id = p.study_id AND c.status = 'COMPLETED' AND c.trial_id < p.trial_id
				  AND m.name = 'val_loss' AND m.step = p.last_step) AS worse_than_median
  FROM pr_trials p WHERE study = 'pr_median' AND status = 'STOPPED' ORDER BY trial_id;
-- no trial stopped before 5 had completed; completed trials ran every epoch
SELECT min(trial_id) FILTER (WHERE status = 'STOPPED') >= 5 AS startup_respected,
	   bool_and(steps = 6) FILTER (WHERE status = 'COMPLETED') AS completed_ran_all
  FROM pr_trials WHERE study = 'pr_median';
-- stopped trials are not ranked
SELECT count(*) AS ranked FROM hptune.leaderboard l
  JOIN hptune.trials t USING (study_id, trial_id)
 WHERE l.study = 'pr_median' AND t.status = 'STOPPED';

-- stopped after 8 trials and resumed, the pruner decides as in one go: it
-- reads the intermediate values back from hptune.trial_metrics
SELECT hptune.create_study('pr_resumed', hypermodel => 'linear', objective => 'val_loss',
						   max_trials => 8, seed => 3,
						   tuner_options => '{"pruner": "median"}') > 0 AS created;
SELECT count(*) AS first_call FROM hptune.search('pr_resumed', train => 'SELECT x1, x2, y FROM pr_data',
												 validation_split => 0.25, epochs => 6);
UPDATE hptune.studies SET max_trials = 16 WHERE name = 'pr_resumed';
SELECT count(*) AS second_call FROM hptune.search('pr_resumed', train => 'SELECT x1, x2, y FROM pr_data',
												  validation_split => 0.25, epochs => 6);
SELECT count(*) AS trials, bool_and(a.status = b.status AND a.score = b.score
									AND a.message IS NOT DISTINCT FROM b.message) AS same_decisions
  FROM pr_trials a JOIN pr_trials b USING (trial_id)
 WHERE a.study = 'pr_median' AND b.study = 'pr_resumed';

-- asha (successive halving, reduction_factor 2, first rung after epoch 1)
SELECT hptune.create_study('pr_asha', hypermodel => 'linear', objective => 'val_loss',
						   max_trials => 12, seed => 3,
						   tuner_options => '{"pruner": "asha", "pruner_options": {"min_resource": 1, "reduction_factor": 2}}') > 0 AS created;
SELECT status, count(*) FROM hptune.search('pr_asha', train => 'SELECT x1, x2, y FROM pr_data',
										   validation_split => 0.25, epochs => 6)
 GROUP BY status ORDER BY status;
SELECT bool_and(message LIKE 'Pruned by the asha pruner at step %') AS says_why,
	   bool_and(last_step IN (1, 2, 4)) AS stopped_at_a_rung
  FROM pr_trials WHERE study = 'pr_asha' AND status = 'STOPPED';

-- without a pruner nothing stops
SELECT hptune.create_study('pr_none', hypermodel => 'linear', objective => 'val_loss',
						   max_trials => 8, seed => 3) > 0 AS created;
SELECT status, count(*) FROM hptune.search('pr_none', train => 'SELECT x1, x2, y FROM pr_data',
										   validation_split => 0.25, epochs => 6)
 GROUP BY status ORDER BY status;

-- tpe and the median pruner each read their own n_startup_trials: tpe's at
-- the top level, the pruner's in pruner_options.  pr_tpe10 differs from
-- pr_tpe only in tpe's setting.
SELECT hptune.create_study('pr_tpe', hypermodel => 'linear', objective => 'val_loss',
						   tuner => 'tpe', max_trials => 8, seed => 3,
						   tuner_options => '{"n_startup_trials": 3, "pruner": "median", "pruner_options": {"n_startup_trials": 2}}') > 0 AS created;
SELECT hptune.create_study('pr_tpe10', hypermodel => 'linear', objective => 'val_loss',
						   tuner => 'tpe', max_trials => 8, seed => 3,
						   tuner_options => '{"n_startup_trials": 10, "pruner": "median", "pruner_options": {"n_startup_trials": 2}}') > 0 AS created;
SELECT count(*) AS pr_tpe FROM hptune.search('pr_tpe', train => 'SELECT x1, x2, y FROM pr_data',
											 validation_split => 0.25, epochs => 6);
SELECT count(*) AS pr_tpe10 FROM hptune.search('pr_tpe10', train => 'SELECT x1, x2, y FROM pr_data',
											   validation_split => 0.25, epochs => 6);
-- the pruner judged after 2 completed trials (its default would wait for 5)
SELECT p.trial_id, p.status, p.steps,
	   (SELECT count(*) FROM hptune.trials c
		 WHERE c.study_id = p.study_id AND c.trial_id < p.trial_id AND c.status = 'COMPLETED') AS completed_before
  FROM pr_trials p WHERE study = 'pr_tpe' AND status = 'STOPPED' ORDER BY trial_id LIMIT 1;
-- tpe drew its first 3 trials at random, as with 10 startup trials, and
-- then its own: the two studies part at trial 3
SELECT a.trial_id, a.hyperparameters = b.hyperparameters AS same_as_pr_tpe10
  FROM hptune.trials a JOIN hptune.studies sa USING (study_id),
	   hptune.trials b JOIN hptune.studies sb USING (study_id)
 WHERE sa.name = 'pr_tpe' AND sb.name = 'pr_tpe10' AND a.trial_id = b.trial_id AND a.trial_id < 5
 ORDER BY a.trial_id;

-- pruner settings are checked, each error naming the setting of the tuner
-- or of the pruner
SELECT test_util.fingerprint() AS before \gset
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner_options => '{"pruner": "percentile"}')$$);
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner_options => '{"pruner": ["median"]}')$$);
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner_options => '{"pruner": "median", "pruner_options": {"interval_steps": 0}}')$$);
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner_options => '{"pruner": "median", "pruner_options": {"n_startup_trials": -1}}')$$);
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner_options => '{"pruner": "asha", "pruner_options": {"min_resource": "soon"}}')$$);
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner_options => '{"pruner": "asha", "pruner_options": {"reduction_factor": 1}}')$$);
-- pruner_options needs a pruner, is an object, and holds only the pruner's
-- settings
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner_options => '{"pruner_options": {"n_startup_trials": 3}}')$$);
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner_options => '{"pruner": "median", "pruner_options": 3}')$$);
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner_options => '{"pruner": "median", "pruner_options": {"reduction_factor": 2, "n_startup": 3}}')$$);
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner_options => '{"pruner": "asha", "pruner_options": {"n_startup_trials": 3}}')$$);
-- with tpe, each n_startup_trials is checked by its reader
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner => 'tpe', tuner_options => '{"n_startup_trials": -1, "pruner": "median", "pruner_options": {"n_startup_trials": 3}}')$$);
SELECT test_util.try($$SELECT hptune.create_study('pr_bad', hypermodel => 'linear', tuner => 'tpe', tuner_options => '{"n_startup_trials": 3, "pruner": "median", "pruner_options": {"n_startup_trials": -1}}')$$);
-- and by the studies table's trigger
SELECT test_util.try($$UPDATE hptune.studies SET tuner_options = '{"pruner": "median", "pruner_options": {"n_min_trials": 0}}' WHERE name = 'pr_tpe'$$);
SELECT test_util.fingerprint() = :'before' AS nothing_changed;
SELECT count(*) AS bad_studies FROM hptune.studies WHERE name = 'pr_bad';

DROP VIEW pr_trials;
DROP TABLE pr_data;
SELECT hptune.drop_study(name) FROM hptune.studies WHERE name IN ('pr_median', 'pr_resumed', 'pr_asha', 'pr_none', 'pr_tpe', 'pr_tpe10') ORDER BY name;
