-- The KerasTuner "Getting started" guide, in SQL, on Fashion-MNIST.
-- Run by scripts/demo.sh against a database where fashion_mnist is loaded
-- (scripts/load_fashion_mnist.py).  Each section names the guide's section.

\set ON_ERROR_STOP 1
\pset pager off
-- a fresh extension each run, so the demo always uses the installed version
DROP EXTENSION IF EXISTS hptune CASCADE;
CREATE EXTENSION hptune;
SET client_min_messages = notice;

\echo '== Tune the model architecture: define the search space'
-- build_model(hp): a Flatten + Dense(units, activation) [+ Dropout] + Dense(10)
-- network is the built-in 'mlp' hypermodel; its hyperparameters are rows.
SELECT hptune.create_study('helloworld', hypermodel => 'mlp', objective => 'val_accuracy',
	max_trials => 3, executions_per_trial => 2, overwrite => true) AS study_id;
-- hp.Int("units", min_value=32, max_value=512, step=32) returns its default: 32
SELECT hptune.hp_int('helloworld', 'num_layers', 1, 3);
SELECT hptune.hp_int('helloworld', 'units_0', min_value => 32, max_value => 512, step => 32);
SELECT hptune.hp_choice('helloworld', 'activation', ARRAY['relu', 'tanh']);
SELECT hptune.hp_boolean('helloworld', 'dropout');
SELECT hptune.hp_float('helloworld', 'lr', min_value => 1e-4, max_value => 1e-2, sampling => 'log');
-- units_1 and units_2 come from the mlp hypermodel's own space: active for deeper networks

\echo '== tuner.search_space_summary()'
SELECT * FROM hptune.search_space_summary('helloworld');

\echo '== tuner.search(x_train, y_train, epochs=2, validation_data=(x_val, y_val))'
SELECT trial_id, status, round(score::numeric, 4) AS val_accuracy, hyperparameters
  FROM hptune.search('helloworld',
	train      => $$SELECT image, label FROM fashion_mnist WHERE split = 'train' ORDER BY id$$,
	validation => $$SELECT image, label FROM fashion_mnist WHERE split = 'validation' ORDER BY id$$,
	epochs => 2);

\echo '== Query the results: tuner.get_best_models(num_models=2); best_model.summary()'
SELECT hptune.best_models('helloworld', 2) AS model_id;
SELECT * FROM hptune.model_summary((SELECT hptune.best_models('helloworld')));

\echo '== tuner.results_summary()'
SELECT * FROM hptune.results_summary('helloworld');

\echo '== per-epoch history of every execution of the best trial'
SELECT execution, step AS epoch, round(value::numeric, 4) AS val_accuracy
  FROM hptune.trial_metrics
 WHERE study_id = hptune.study_id('helloworld') AND name = 'val_accuracy'
   AND trial_id = (SELECT trial_id FROM hptune.leaderboard WHERE study = 'helloworld' AND rank = 1 LIMIT 1)
 ORDER BY execution, step;

\echo '== test accuracy of the best model (model.evaluate on x_test)'
SELECT hptune.evaluate((SELECT hptune.best_models('helloworld')),
	$$SELECT image, label FROM fashion_mnist WHERE split = 'test'$$) AS test_metrics;
SELECT c.name AS predicted, count(*)
  FROM fashion_mnist f
  JOIN fashion_mnist_classes c ON c.label = hptune.predict_class((SELECT hptune.best_models('helloworld')), f.image)::int
 WHERE f.split = 'test' AND f.id < 60020
 GROUP BY 1 ORDER BY 2 DESC;

\echo '== Retrain the model: best hyperparameters on train + validation, 1 epoch'
SELECT hptune.best_hyperparameters('helloworld', 5);
SELECT hptune.retrain('helloworld',
	train => $$SELECT image, label FROM fashion_mnist WHERE split IN ('train', 'validation') ORDER BY id$$,
	epochs => 1) AS retrained_model_id \gset
SELECT hptune.evaluate(:retrained_model_id, $$SELECT image, label FROM fashion_mnist WHERE split = 'test'$$)->'accuracy' AS test_accuracy;

\echo '== Tune model training: shuffle as a hyperparameter (MyHyperModel.fit)'
SELECT hptune.create_study('tune_training', hypermodel => 'mlp', objective => 'val_accuracy', max_trials => 3, overwrite => true, seed => 1);
-- MyHyperModel: one Dense(units, relu) layer, Adam at its default rate; hp_fixed pins the rest of the mlp space
SELECT hptune.hp_fixed('tune_training', 'num_layers', 1);
SELECT hptune.hp_fixed('tune_training', 'activation', 'relu'::text);
SELECT hptune.hp_fixed('tune_training', 'dropout', false);
SELECT hptune.hp_fixed('tune_training', 'lr', 0.001);
SELECT hptune.hp_int('tune_training', 'units_0', 32, 512, step => 32);
SELECT hptune.hp_boolean('tune_training', 'shuffle');
SELECT trial_id, round(score::numeric, 4) AS val_accuracy, hyperparameters
  FROM hptune.search('tune_training',
	train      => $$SELECT image, label FROM fashion_mnist WHERE split = 'train' AND id < 10000$$,
	validation => $$SELECT image, label FROM fashion_mnist WHERE split = 'validation'$$);

\echo '== Tune data preprocessing: normalize, and image_size by cropping in the query'
-- MyHyperModel.fit crops x[:, :image_size, :image_size]: here the objective
-- function crops in the training query and trains with hptune.fit().
CREATE OR REPLACE FUNCTION crop_query(size int, part text) RETURNS text LANGUAGE sql AS $$
	SELECT format($q$SELECT ARRAY(SELECT image[r * 28 + c + 1] FROM generate_series(0, %1$s - 1) r,
	                       generate_series(0, %1$s - 1) c ORDER BY r, c) AS pixels, label
	                 FROM fashion_mnist WHERE split = %2$L AND id %% 50000 < 5000$q$, size, part)
$$;
CREATE OR REPLACE FUNCTION crop_and_fit(hp jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT hptune.fit('mlp', hp - 'image_size',
		train => crop_query((hp->>'image_size')::int, 'train'),
		validation => crop_query((hp->>'image_size')::int, 'validation'), epochs => 2)->'metrics'
$$;
SELECT hptune.create_study('tune_hypermodel', hypermodel => 'mlp', objective => 'val_accuracy',
	objective_function => 'crop_and_fit(jsonb)', max_trials => 3, overwrite => true, seed => 2);
SELECT hptune.hp_int('tune_hypermodel', 'image_size', 10, 28);
SELECT hptune.hp_fixed('tune_hypermodel', 'num_layers', 1);
SELECT hptune.hp_int('tune_hypermodel', 'units_0', 32, 512, step => 32);
SELECT hptune.hp_boolean('tune_hypermodel', 'normalize');
SELECT hptune.hp_boolean('tune_hypermodel', 'shuffle');
SELECT trial_id, round(score::numeric, 4) AS val_accuracy, hyperparameters FROM hptune.search('tune_hypermodel');

\echo '== Specify the tuning objective: a regression on random data'
CREATE TABLE IF NOT EXISTS random_regression AS
SELECT i, ARRAY(SELECT random() FROM generate_series(1, 10) WHERE i > 0)::real[] AS x, random() AS y,
	   i > 100 AS is_validation
  FROM generate_series(1, 120) i;
DROP AGGREGATE IF EXISTS custom_metric(float8, float8);
-- CustomMetric: the mean squared error, as any SQL aggregate of (y_true, y_pred)
CREATE OR REPLACE FUNCTION sq_err_accum(s float8[], t float8, p float8) RETURNS float8[]
	LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY[s[1] + (t - p) ^ 2, s[2] + 1] $$;
CREATE OR REPLACE FUNCTION sq_err_final(s float8[]) RETURNS float8
	LANGUAGE sql IMMUTABLE AS $$ SELECT s[1] / nullif(s[2], 0) $$;
CREATE AGGREGATE custom_metric(y_true float8, y_pred float8) (
	sfunc = sq_err_accum, stype = float8[], initcond = '{0,0}', finalfunc = sq_err_final);

\echo '-- built-in metric as the objective: val_mean_absolute_error'
SELECT hptune.create_study('built_in_metrics', hypermodel => 'mlp', objective => 'val_mean_absolute_error',
	max_trials => 3, overwrite => true, seed => 3);
SELECT hptune.hp_fixed('built_in_metrics', 'num_layers', 1);
SELECT hptune.hp_int('built_in_metrics', 'units_0', 32, 128, step => 32);
SELECT count(*) FROM hptune.search('built_in_metrics',
	train => 'SELECT x, y FROM random_regression WHERE NOT is_validation',
	validation => 'SELECT x, y FROM random_regression WHERE is_validation');
SELECT * FROM hptune.results_summary('built_in_metrics');

\echo '-- custom metric as the objective: val_custom_metric'
SELECT hptune.create_study('custom_metrics', hypermodel => 'mlp', objective => 'val_custom_metric',
	direction => 'min', max_trials => 3, overwrite => true, seed => 4);
SELECT hptune.hp_fixed('custom_metrics', 'num_layers', 1);
SELECT hptune.hp_int('custom_metrics', 'units_0', 32, 128, step => 32);
SELECT count(*) FROM hptune.search('custom_metrics',
	train => 'SELECT x, y FROM random_regression WHERE NOT is_validation',
	validation => 'SELECT x, y FROM random_regression WHERE is_validation',
	options => '{"metrics": ["custom_metric"]}');
SELECT * FROM hptune.results_summary('custom_metrics');

\echo '-- HyperRegressor.fit returning a number: the objective function returns the MAE'
CREATE OR REPLACE FUNCTION fit_and_score(hp jsonb) RETURNS float8 LANGUAGE sql AS $$
	SELECT (hptune.fit('mlp', hp || '{"num_layers": 1}',
		train => 'SELECT x, y FROM random_regression WHERE NOT is_validation',
		validation => 'SELECT x, y FROM random_regression WHERE is_validation')
		->'metrics'->>'val_mean_absolute_error')::float8
$$;
SELECT hptune.create_study('custom_eval', objective_function => 'fit_and_score(jsonb)', max_trials => 3, overwrite => true, seed => 5);
SELECT hptune.hp_int('custom_eval', 'units', 32, 128, step => 32);
SELECT count(*) FROM hptune.search('custom_eval');
SELECT * FROM hptune.results_summary('custom_eval');

\echo '-- returning a dict of metrics: metric_a is the objective, maximised'
CREATE OR REPLACE FUNCTION fit_two_metrics(hp jsonb) RETURNS jsonb LANGUAGE sql AS $$
	WITH f AS (SELECT hptune.fit('mlp', hp || '{"num_layers": 1}',
		train => 'SELECT x, y FROM random_regression WHERE NOT is_validation',
		validation => 'SELECT x, y FROM random_regression WHERE is_validation')->'metrics' AS m)
	SELECT jsonb_build_object('metric_a', -(m->>'val_mean_absolute_error')::float8,
	                          'metric_b', (m->>'val_mean_squared_error')::float8) FROM f
$$;
SELECT hptune.create_study('custom_eval_dict', objective_function => 'fit_two_metrics(jsonb)',
	objective => 'metric_a', direction => 'max', max_trials => 3, overwrite => true, seed => 6);
SELECT hptune.hp_int('custom_eval_dict', 'units', 32, 128, step => 32);
SELECT count(*) FROM hptune.search('custom_eval_dict');
SELECT * FROM hptune.results_summary('custom_eval_dict');

\echo '== Tune end to end workflows: tune any function'
CREATE OR REPLACE FUNCTION x_squared_plus_one(hp jsonb) RETURNS float8 LANGUAGE sql
	AS $$ SELECT (hp->>'x')::float8 * (hp->>'x')::float8 + 1 $$;
SELECT hptune.create_study('tune_anything', objective_function => 'x_squared_plus_one(jsonb)',
	max_trials => 20, overwrite => true);
SELECT hptune.hp_float('tune_anything', 'x', min_value => -1.0, max_value => 1.0);
SET client_min_messages = warning;
SELECT count(*) FROM hptune.search('tune_anything');
SET client_min_messages = notice;
SELECT h->'x' AS best_x FROM hptune.best_hyperparameters('tune_anything') h;

\echo '== KerasTuner includes pre-made tunable applications: HyperResNet and HyperXception'
-- hypermodel = HyperResNet(input_shape=(28, 28, 1), classes=10)
-- tuner = RandomSearch(hypermodel, objective="val_accuracy", max_trials=2, overwrite=True,
--                      project_name="built_in_hypermodel")
SELECT hptune.create_study('built_in_hypermodel', hypermodel => 'resnet', objective => 'val_accuracy',
	max_trials => 2, overwrite => true,
	hypermodel_options => '{"input_shape": [28, 28, 1], "classes": 10}') AS study_id;
SELECT * FROM hptune.search_space_summary('built_in_hypermodel');
-- tuner.search(x_train[:100], y_train[:100], epochs=1, validation_data=(x_val[:100], y_val[:100]))
SELECT trial_id, status, round(score::numeric, 4) AS val_accuracy, hyperparameters
  FROM hptune.search('built_in_hypermodel',
	train      => $$SELECT image, label FROM fashion_mnist WHERE split = 'train' ORDER BY id LIMIT 100$$,
	validation => $$SELECT image, label FROM fashion_mnist WHERE split = 'validation' ORDER BY id LIMIT 100$$,
	epochs => 1);
-- best_model.summary(): Keras's layer names, output shapes, parameter
-- counts and inputs (the stem, the first block, the top and the totals
-- shown here)
WITH s AS (SELECT line, n FROM hptune.model_summary((SELECT hptune.best_models('built_in_hypermodel')))
		WITH ORDINALITY AS s(line, n))
SELECT line AS model_summary FROM s
 WHERE (n < (SELECT min(n) FROM s WHERE line ~ '^ conv2_block2_')
		OR n >= (SELECT min(n) FROM s WHERE line ~ '^ (post_bn|avg_pool|max_pool) '))
   AND line !~ '^\s*$';

\echo '== cnn: a tunable convolutional network on all of the data'
-- the grid's first trial is every default (two conv blocks of 32 and 64
-- filters, Dense(128), dropout 0.2, adam at 1e-3); the next walks the grid
SELECT hptune.create_study('fashion_cnn', hypermodel => 'cnn', objective => 'val_accuracy',
	tuner => 'grid', max_trials => 2, overwrite => true,
	hypermodel_options => '{"input_shape": [28, 28, 1]}') AS study_id;
SELECT trial_id, status, round(score::numeric, 4) AS val_accuracy, hyperparameters
  FROM hptune.search('fashion_cnn',
	train      => $$SELECT image, label FROM fashion_mnist WHERE split = 'train' ORDER BY id$$,
	validation => $$SELECT image, label FROM fashion_mnist WHERE split = 'validation' ORDER BY id$$,
	epochs => 2);
SELECT * FROM hptune.model_summary((SELECT hptune.best_models('fashion_cnn')));
SELECT hptune.evaluate((SELECT hptune.best_models('fashion_cnn')),
	$$SELECT image, label FROM fashion_mnist WHERE split = 'test'$$) AS test_metrics;
