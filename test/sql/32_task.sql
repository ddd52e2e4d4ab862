-- The task follows options.task, else the objective (or a built-in metric in
-- options.metrics), else the label's type: an integer label is a class label
-- unless it has more than 100 distinct values or more than a quarter as many
-- as rows.  A NOTICE says what was chosen when the type alone did not.
SELECT setseed(0.17);
CREATE TABLE stock AS
SELECT i AS id, (random() * 40)::int AS weight, (random() * 10)::float8 AS volume,
	   i % 3 AS grade, 0 AS price
  FROM generate_series(1, 3000) i;
UPDATE stock SET price = 50 * weight + (100 * volume)::int + (random() * 100)::int;
SELECT count(DISTINCT price) > 1000 AS many_prices FROM stock;

-- an integer price with a regression objective is a regression target
SELECT hptune.create_study('prices', hypermodel => 'linear', objective => 'val_mean_absolute_error',
	max_trials => 1, seed => 1) > 0 AS created;
SET client_min_messages = warning;
SELECT status, score IS NOT NULL AS scored FROM hptune.search('prices',
	train => 'SELECT weight, volume, price FROM stock WHERE id <= 2400',
	validation => 'SELECT weight, volume, price FROM stock WHERE id > 2400', epochs => 2);
RESET client_min_messages;
SELECT metrics ? 'val_r2' AS regression_metrics FROM hptune.trials WHERE study_id = hptune.study_id('prices');
-- retrain follows the study's objective, and its model predicts a number
SELECT hptune.retrain('prices', 'SELECT weight, volume, price FROM stock') AS retrained \gset
SELECT array_length(hptune.predict(:retrained, r), 1) AS outputs
  FROM (SELECT 10 AS weight, 2.0::float8 AS volume) r;
SELECT regexp_replace(test_util.try(format('SELECT hptune.predict_class(%s, r) FROM (SELECT 10 AS weight, 2.0::float8 AS volume) r', :retrained)),
	'model [0-9]+', 'model N') AS try;

-- the objective says nothing (val_loss): many distinct integers are values,
-- and a few are classes
SELECT hptune.create_study('by_label', hypermodel => 'linear', max_trials => 1, seed => 1) > 0 AS created;
SET client_min_messages = warning;
SELECT status FROM hptune.search('by_label', train => 'SELECT weight, volume, price FROM stock', validation_split => 0.2);
SELECT metrics ? 'val_r2' AS regression_metrics FROM hptune.trials WHERE study_id = hptune.study_id('by_label');
RESET client_min_messages;
SELECT hptune.fit('linear', '{}', 'SELECT weight, volume, grade FROM stock', options => '{"seed": 1}')->'metrics' ? 'accuracy' AS classes;
SELECT hptune.fit('linear', '{}', 'SELECT weight, volume, price FROM stock', options => '{"seed": 1}')->'metrics' ? 'mean_absolute_error' AS values;
-- 12 distinct values in 40 rows: more than a quarter, so values
SELECT hptune.fit('linear', '{}', 'SELECT weight, volume, id % 12 AS label FROM stock WHERE id <= 40',
	options => '{"seed": 1}')->'metrics' ? 'mean_absolute_error' AS values;
-- 10 in 40: classes
SELECT hptune.fit('linear', '{}', 'SELECT weight, volume, id % 10 AS label FROM stock WHERE id <= 40',
	options => '{"seed": 1}')->'metrics' ? 'accuracy' AS classes;

-- options.task overrides everything, without a NOTICE
SELECT hptune.fit('linear', '{}', 'SELECT weight, volume, price FROM stock WHERE id <= 200',
	options => '{"seed": 1, "task": "classification"}')->'metrics' ? 'accuracy' AS classes;
SELECT hptune.fit('linear', '{}', 'SELECT weight, volume, grade FROM stock',
	options => '{"seed": 1, "task": "regression"}')->'metrics' ? 'mean_absolute_error' AS values;
SELECT hptune.create_study('prices_as_classes', hypermodel => 'linear', objective => 'val_mean_absolute_error',
	max_trials => 1) > 0 AS created;
SELECT test_util.try($$SELECT * FROM hptune.search('prices_as_classes', train => 'SELECT weight, volume, price FROM stock',
	validation_split => 0.2, options => '{"task": "classification"}')$$);

-- fit has no objective: a built-in metric in options.metrics decides
SELECT hptune.fit('linear', '{}', 'SELECT weight, volume, grade FROM stock', validation_split => 0.2,
	options => '{"seed": 1, "metrics": ["mean_absolute_error"]}')->'metrics' ? 'val_mean_absolute_error' AS values;
-- a classification objective makes classes even of a float label
SELECT hptune.create_study('float_classes', hypermodel => 'linear', objective => 'val_accuracy',
	max_trials => 1, seed => 1) > 0 AS created;
SET client_min_messages = warning;
SELECT status FROM hptune.search('float_classes', train => 'SELECT weight, grade::float8 AS g FROM stock', validation_split => 0.2);
SELECT metrics ? 'val_accuracy' AS classification_metrics FROM hptune.trials WHERE study_id = hptune.study_id('float_classes');
RESET client_min_messages;
-- the same choice in fit, with its NOTICE
SELECT hptune.fit('linear', '{}', 'SELECT weight, grade::float8 AS g FROM stock', validation_split => 0.2,
	options => '{"seed": 1, "metrics": ["val_accuracy"]}')->'metrics' ? 'val_accuracy' AS classes;

-- a regression objective with a text label is an error that says why
SELECT hptune.create_study('text_prices', hypermodel => 'linear', objective => 'val_mean_squared_error',
	max_trials => 1) > 0 AS created;
SELECT test_util.try($$SELECT * FROM hptune.search('text_prices', train => 'SELECT weight, price::text FROM stock',
	validation_split => 0.2)$$);
SELECT test_util.try($$SELECT hptune.fit('linear', '{}', 'SELECT weight, price::text FROM stock',
	options => '{"metrics": ["r2"]}')$$);
