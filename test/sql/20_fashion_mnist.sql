-- The guide's first example end to end on Fashion-MNIST (10k training rows):
-- RandomSearch on the default mlp space, val_accuracy, 3 trials x 2
-- executions x 2 epochs; then results, models, predictions, retraining.
\setenv PGDATABASE :DBNAME
\! python3 scripts/load_fashion_mnist.py --limit-train 10000 --limit-eval 2000 >/dev/null
SELECT split, count(*), min(array_length(image, 1)) AS pixels FROM fashion_mnist GROUP BY 1 ORDER BY 1;

SELECT hptune.create_study('fmnist', hypermodel => 'mlp', objective => 'val_accuracy',
	max_trials => 3, executions_per_trial => 2, seed => 1) > 0 AS created;
SELECT * FROM hptune.search_space_summary('fmnist');

SET client_min_messages = warning;
SELECT count(*) AS trials, count(*) FILTER (WHERE status = 'COMPLETED') AS completed,
	   max(score) >= 0.80 AS best_val_accuracy_at_least_0_80
  FROM hptune.search('fmnist',
	train      => $$SELECT image, label FROM fashion_mnist WHERE split = 'train' ORDER BY id$$,
	validation => $$SELECT image, label FROM fashion_mnist WHERE split = 'validation' ORDER BY id$$,
	epochs => 2);
RESET client_min_messages;

-- every execution of every trial has its per-epoch history
SELECT trial_id, count(DISTINCT execution) AS executions, count(DISTINCT step) AS epochs,
	   count(DISTINCT name) >= 6 AS has_train_and_val_metrics
  FROM hptune.trial_metrics WHERE study_id = hptune.study_id('fmnist') GROUP BY 1 ORDER BY 1;
-- the trial's score is the mean over executions of each one's best epoch
SELECT bool_and(abs(t.score - m.avg_best) < 1e-9) AS score_is_mean_of_best_epochs
  FROM hptune.trials t
  JOIN (SELECT trial_id, avg(best) AS avg_best
		  FROM (SELECT trial_id, execution, max(value) AS best FROM hptune.trial_metrics
				 WHERE study_id = hptune.study_id('fmnist') AND name = 'val_accuracy'
				 GROUP BY 1, 2) e GROUP BY 1) m USING (trial_id)
 WHERE t.study_id = hptune.study_id('fmnist');
-- one model per execution, saved at its best epoch
SELECT count(*) AS models, count(DISTINCT (trial_id, execution)) AS distinct_executions
  FROM hptune.models WHERE study_id = hptune.study_id('fmnist');
SELECT bool_and(m.step = b.best_step) AS models_keep_best_epoch
  FROM hptune.models m
  JOIN LATERAL (SELECT step AS best_step FROM hptune.trial_metrics tm
				 WHERE tm.study_id = m.study_id AND tm.trial_id = m.trial_id AND tm.execution = m.execution
				   AND tm.name = 'val_accuracy' ORDER BY value DESC, step LIMIT 1) b ON true
 WHERE m.study_id = hptune.study_id('fmnist');

-- results_summary in the guide's layout
SELECT line FROM hptune.results_summary('fmnist') AS line LIMIT 4;
SELECT count(*) FILTER (WHERE line ~ '^Trial [0-9]+ summary$') AS trial_blocks,
	   count(*) FILTER (WHERE line ~ '^Score: 0\.[0-9]+$') AS scores,
	   bool_and(line ~ '^(Results summary|Results in .*|Showing 10 best trials|Objective\(name="val_accuracy", direction="max"\)|Trial [0-9]+ summary|Hyperparameters:|[a-z_0-9]+: .+|Score: .+|)$') AS layout_ok
  FROM hptune.results_summary('fmnist') AS line;

-- best models, predictions, evaluation
SELECT count(*) AS best_two FROM hptune.best_models('fmnist', 2);
SELECT count(*) AS one_per_trial FROM hptune.best_models('fmnist', 100);
SELECT hptune.best_models('fmnist') AS best \gset
SELECT avg((hptune.predict_class(:best, image) = label::text)::int) >= 0.78 AS test_accuracy_at_least_0_78
  FROM fashion_mnist WHERE split = 'test';
SELECT bool_and(abs((SELECT sum(p) FROM unnest(hptune.predict(:best, image)) p) - 1) < 1e-4) AS probabilities_sum_to_1,
	   bool_and(array_length(hptune.predict(:best, image), 1) = 10) AS ten_classes
  FROM fashion_mnist WHERE split = 'test' AND id < 60050;
SELECT (e->>'accuracy')::float8 >= 0.78 AS evaluate_accuracy, (e->>'rows')::int AS rows,
	   abs((e->>'accuracy')::float8 - (SELECT avg((hptune.predict_class(:best, image) = label::text)::int)
										  FROM fashion_mnist WHERE split = 'test')) < 1e-6 AS agrees_with_predict_class
  FROM hptune.evaluate(:best, $$SELECT image, label FROM fashion_mnist WHERE split = 'test'$$) e;
-- a whole query at once: the same predictions, keyed by a column
SELECT count(*) AS rows, bool_and(p.predicted_class = hptune.predict_class(:best, f.image)) AS same_classes,
	   max((SELECT max(abs(a - b)) FROM unnest(p.prediction, hptune.predict(:best, f.image)) u(a, b))) < 1e-5
		AS same_probabilities
  FROM hptune.predict_query(:best, $$SELECT id, image FROM fashion_mnist WHERE split = 'test'$$, key => 'id') p
  JOIN fashion_mnist f ON f.id = p.key::int;
SELECT key FROM hptune.predict_query(:best, $$SELECT image FROM fashion_mnist WHERE split = 'test' ORDER BY id LIMIT 3$$);
SELECT test_util.try($$SELECT * FROM hptune.predict_query($$ || :best || $$, 'SELECT id FROM fashion_mnist')$$);
SELECT line FROM hptune.model_summary(:best) line WHERE line ~ '^ *(Model|Total params|Non-trainable)';

-- retrain: the best hyperparameters on train + validation
SELECT hptune.retrain('fmnist', $$SELECT image, label FROM fashion_mnist WHERE split <> 'test'$$, epochs => 1) AS retrained \gset
SELECT (hptune.evaluate(:retrained, $$SELECT image, label FROM fashion_mnist WHERE split = 'test'$$)->>'accuracy')::float8 > 0.75
	AS retrained_accuracy;
SELECT study_id = hptune.study_id('fmnist') AS belongs_to_study, trial_id IS NULL AS no_trial
  FROM hptune.models WHERE model_id = :retrained;
