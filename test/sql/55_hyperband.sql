-- Hyperband (KerasTuner's semantics) on a small regression table:
-- max_epochs 9, factor 3 gives rungs of 1, 3 and 9 epochs; a promoted trial
-- continues its parent's checkpoint (weights and optimizer state) and its
-- history in trial_metrics goes on from epoch initial_epoch + 1 (step
-- initial_epoch, steps counting from 0).
SET client_min_messages = warning;
CREATE TABLE hb_data AS
SELECT i, (i % 17) / 17.0 AS x1, ((i * 7) % 13) / 13.0 AS x2,
	   3 * (i % 17) / 17.0 - 2 * ((i * 7) % 13) / 13.0 + ((i * 31) % 11) / 110.0 AS y
  FROM generate_series(1, 300) i;

SELECT hptune.create_study('hb', hypermodel => 'linear', objective => 'val_loss',
						   tuner => 'hyperband', max_trials => 100, seed => 7,
						   tuner_options => '{"max_epochs": 9, "factor": 3}') > 0 AS created;
SELECT count(*) AS trials_run
  FROM hptune.search('hb', train => 'SELECT x1, x2, y FROM hb_data', validation_split => 0.25);

CREATE VIEW hb_trials AS
SELECT s.name AS study, t.trial_id, t.status, t.score, t.message,
	   (t.hyperparameters->>'tuner/bracket')::int AS bracket,
	   (t.hyperparameters->>'tuner/round')::int AS round,
	   (t.hyperparameters->>'tuner/epochs')::int AS epochs,
	   (t.hyperparameters->>'tuner/initial_epoch')::int AS initial_epoch,
	   (t.hyperparameters->>'tuner/trial_id')::int AS parent,
	   t.hyperparameters - ARRAY['tuner/bracket', 'tuner/round', 'tuner/epochs',
								 'tuner/initial_epoch', 'tuner/trial_id'] AS own,
	   t.study_id
  FROM hptune.trials t JOIN hptune.studies s USING (study_id);

-- the brackets: 9 trials of 1 epoch, the best 3 to 3, the best to 9; then
-- 5 of 3 epochs, the best 2 to 9; then 3 of 9
SELECT bracket, round, count(*) AS trials, min(epochs) AS epochs,
	   min(initial_epoch) AS initial_epoch, count(parent) AS promoted,
	   bool_and(status = 'COMPLETED') AS completed
  FROM hb_trials WHERE study = 'hb'
 GROUP BY bracket, round ORDER BY bracket DESC, round;

-- a promoted trial has its parent's hyperparameters, comes from the round
-- before in its bracket, and its parent was the best not yet promoted
SELECT count(*) AS promoted,
	   bool_and(c.own = p.own) AS same_values,
	   bool_and(p.bracket = c.bracket AND p.round = c.round - 1) AS from_round_before,
	   bool_and(c.initial_epoch = p.epochs) AS continues_at_parent_epochs,
	   bool_and(NOT EXISTS (
		   SELECT 1 FROM hb_trials o
			WHERE o.study = 'hb' AND o.bracket = p.bracket AND o.round = p.round
			  AND o.trial_id < c.trial_id AND o.score < p.score
			  AND NOT EXISTS (SELECT 1 FROM hb_trials q WHERE q.study = 'hb'
								 AND q.parent = o.trial_id AND q.trial_id < c.trial_id))) AS best_promoted
  FROM hb_trials c JOIN hb_trials p ON p.study = 'hb' AND p.trial_id = c.parent
 WHERE c.study = 'hb';

-- each trial's epochs in trial_metrics: steps initial_epoch .. epochs - 1
SELECT bool_and(m.first = t.initial_epoch AND m.last = t.epochs - 1
				AND m.n = t.epochs - t.initial_epoch) AS steps_continue
  FROM hb_trials t
  JOIN (SELECT trial_id, min(step) AS first, max(step) AS last, count(DISTINCT step) AS n
		  FROM hptune.trial_metrics WHERE study_id = hptune.study_id('hb')
		 GROUP BY trial_id) m USING (trial_id)
 WHERE t.study = 'hb';

-- the epochs trained, against training all 23 trials for 9 epochs
SELECT count(*) AS epochs_trained, 23 * 9 AS epochs_if_full,
	   count(*) < 23 * 9 / 2.0 AS fewer_than_half
  FROM (SELECT DISTINCT trial_id, step FROM hptune.trial_metrics
		 WHERE study_id = hptune.study_id('hb')) e;

-- checkpoints: one per trial not in its bracket's last round and not yet
-- continued (a continued trial's went when its continuation finished), at
-- its last epoch, with the Adam moments of the 3 parameters
-- (72 + 2 * 3 * 4 + 4 bytes)
SELECT count(*) AS checkpoints,
	   bool_and(k.epochs = t.epochs) AS at_last_epoch,
	   min(octet_length(k.optimizer_state)) AS state_bytes,
	   max(octet_length(k.optimizer_state)) AS state_bytes_max
  FROM hptune.checkpoints k JOIN hb_trials t USING (study_id, trial_id)
 WHERE t.study = 'hb';
SELECT count(*) AS trials_needing_one FROM hb_trials t
 WHERE study = 'hb' AND round < bracket
   AND NOT EXISTS (SELECT 1 FROM hb_trials c WHERE c.study = 'hb' AND c.parent = t.trial_id);

-- a continuation starts where its parent stopped: its first epoch is not
-- the parent's first again (the same seed would repeat it exactly), and
-- its loss is below the parent's first epoch's
SELECT bool_and(cm.value <> pm.value) AS not_restarted,
	   bool_and(cm.value < pm.value) AS loss_went_on_down
  FROM hb_trials c
  JOIN hptune.trial_metrics cm ON cm.study_id = c.study_id AND cm.trial_id = c.trial_id
							  AND cm.step = c.initial_epoch AND cm.name = 'loss'
  JOIN hptune.trial_metrics pm ON pm.study_id = c.study_id AND pm.trial_id = c.parent
							  AND pm.step = 0 AND pm.name = 'loss'
 WHERE c.study = 'hb' AND c.parent IS NOT NULL;

-- the search is done: another call runs nothing
SELECT count(*) AS trials_run
  FROM hptune.search('hb', train => 'SELECT x1, x2, y FROM hb_data', validation_split => 0.25);

-- stopped after 10 trials (inside bracket 2's second round), then resumed:
-- the same trials, with the same values, as the search run in one go
SELECT hptune.create_study('hb_resumed', hypermodel => 'linear', objective => 'val_loss',
						   tuner => 'hyperband', max_trials => 10, seed => 7,
						   tuner_options => '{"max_epochs": 9, "factor": 3}') > 0 AS created;
SELECT count(*) AS first_call
  FROM hptune.search('hb_resumed', train => 'SELECT x1, x2, y FROM hb_data', validation_split => 0.25);
UPDATE hptune.studies SET max_trials = 100 WHERE name = 'hb_resumed';
SELECT count(*) AS second_call
  FROM hptune.search('hb_resumed', train => 'SELECT x1, x2, y FROM hb_data', validation_split => 0.25);
SELECT count(*) AS trials,
	   bool_and(a.own = b.own AND a.bracket = b.bracket AND a.round = b.round
				AND a.parent IS NOT DISTINCT FROM b.parent) AS same_decisions,
	   bool_and(a.score = b.score) AS same_scores
  FROM hb_trials a JOIN hb_trials b USING (trial_id)
 WHERE a.study = 'hb' AND b.study = 'hb_resumed';

-- a hand-edited optimizer state is refused when a trial continues from it:
-- that trial fails, nothing crashes
SELECT hptune.create_study('hb_hostile', hypermodel => 'linear', objective => 'val_loss',
						   tuner => 'hyperband', max_trials => 9, seed => 7,
						   tuner_options => '{"max_epochs": 9, "factor": 3}') > 0 AS created;
SELECT count(*) AS first_call
  FROM hptune.search('hb_hostile', train => 'SELECT x1, x2, y FROM hb_data', validation_split => 0.25);
UPDATE hptune.checkpoints SET optimizer_state = set_byte(optimizer_state, 80, get_byte(optimizer_state, 80) # 1)
 WHERE study_id = hptune.study_id('hb_hostile');
UPDATE hptune.studies SET max_trials = 10 WHERE name = 'hb_hostile';
SELECT trial_id, status, score FROM hptune.search('hb_hostile', train => 'SELECT x1, x2, y FROM hb_data',
												 validation_split => 0.25);
SELECT trial_id, round, message FROM hb_trials WHERE study = 'hb_hostile' AND status = 'FAILED';
DELETE FROM hptune.checkpoints WHERE study_id = hptune.study_id('hb_hostile');
DELETE FROM hptune.trials WHERE study_id = hptune.study_id('hb_hostile') AND trial_id = 9;
SELECT trial_id, status FROM hptune.search('hb_hostile', train => 'SELECT x1, x2, y FROM hb_data',
										  validation_split => 0.25);
SELECT trial_id, message FROM hb_trials WHERE study = 'hb_hostile' AND status = 'FAILED';

-- an objective function gets the tuner/... values too, and decides what
-- they mean: here the objective improves with the epochs it is given
CREATE FUNCTION hb_f(hp jsonb) RETURNS float8 LANGUAGE sql
AS $$ SELECT (hp->>'x')::float8 + 1.0 / (hp->>'tuner/epochs')::float8 $$;
SELECT hptune.create_study('hb_function', objective_function => 'hb_f(jsonb)', tuner => 'hyperband',
						   max_trials => 100, seed => 7, tuner_options => '{"max_epochs": 9}') > 0 AS created;
SELECT hptune.hp_float('hb_function', 'x', 0, 1);
SELECT count(*) AS trials, count(*) FILTER (WHERE hyperparameters ? 'tuner/trial_id') AS promoted,
	   min(score) FILTER (WHERE hyperparameters ? 'tuner/trial_id') <
	   min(score) FILTER (WHERE (hyperparameters->>'tuner/epochs')::int = 1) AS promoted_score_better
  FROM hptune.search('hb_function');
SELECT count(*) AS checkpoints FROM hptune.checkpoints WHERE study_id = hptune.study_id('hb_function');

-- tuner_options are checked when the study is made (and when its row is
-- changed)
SELECT test_util.try($$SELECT hptune.create_study('hb_bad', hypermodel => 'linear', tuner => 'hyperband', tuner_options => '{"max_epochs": 0}')$$);
SELECT test_util.try($$SELECT hptune.create_study('hb_bad', hypermodel => 'linear', tuner => 'hyperband', tuner_options => '{"factor": 1}')$$);
SELECT test_util.try($$SELECT hptune.create_study('hb_bad', hypermodel => 'linear', tuner => 'hyperband', tuner_options => '{"max_epochs": "nine"}')$$);
SELECT test_util.try($$SELECT hptune.create_study('hb_bad', hypermodel => 'linear', tuner => 'hyperband', tuner_options => '{"hyperband_iterations": 1.5}')$$);
SELECT test_util.try($$UPDATE hptune.studies SET tuner_options = '{"factor": 1000000}' WHERE name = 'hb'$$);
SELECT count(*) AS bad_studies FROM hptune.studies WHERE name = 'hb_bad';

DROP VIEW hb_trials;
DROP TABLE hb_data;
SELECT hptune.drop_study(name) FROM hptune.studies WHERE name IN ('hb', 'hb_resumed', 'hb_hostile', 'hb_function') ORDER BY name;
DROP FUNCTION hb_f(jsonb);
SELECT count(*) AS checkpoints_left FROM hptune.checkpoints;
