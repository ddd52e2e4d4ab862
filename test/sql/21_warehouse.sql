-- A warehouse-style table: float, int, text and NULL-containing columns with
-- a float label.  Regression with normalize and shuffle in the space and mean
-- imputation beats a quarter of the predict-the-mean error.
SELECT setseed(0.42);
CREATE TABLE sales AS
SELECT i AS id,
	   CASE WHEN i % 17 = 0 THEN NULL ELSE round((random() * 100)::numeric, 2)::float8 END AS price,
	   (random() * 50)::int AS quantity,
	   (ARRAY['north', 'south', 'east', 'west'])[1 + i % 4] AS region,
	   CASE WHEN i % 23 = 0 THEN NULL ELSE random() > 0.5 END AS promo,
	   0::float8 AS revenue
  FROM generate_series(1, 3000) i;
UPDATE sales SET revenue = coalesce(price, 50) * 0.04 + quantity * 0.1
	+ CASE region WHEN 'north' THEN 3 WHEN 'south' THEN -2 WHEN 'east' THEN 1 ELSE 0 END
	+ CASE WHEN promo THEN 1.5 ELSE 0 END + (random() - 0.5) * 0.2;

SELECT hptune.create_study('warehouse', hypermodel => 'mlp', objective => 'val_mean_absolute_error',
	max_trials => 4, seed => 3) > 0 AS created;
SELECT hptune.hp_int('warehouse', 'num_layers', 1, 2);
SELECT hptune.hp_int('warehouse', 'units', 16, 64, step => 16);
SELECT hptune.hp_boolean('warehouse', 'normalize', "default" => true);
SELECT hptune.hp_boolean('warehouse', 'shuffle');
SELECT hptune.hp_float('warehouse', 'learning_rate', 3e-3, 3e-2, sampling => 'log');

SET client_min_messages = warning;
SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS completed
  FROM hptune.search('warehouse',
	train => 'SELECT price, quantity, region, promo, revenue FROM sales WHERE id <= 2400',
	validation => 'SELECT price, quantity, region, promo, revenue FROM sales WHERE id > 2400',
	epochs => 20, options => '{"impute": "mean"}');
RESET client_min_messages;

WITH mean AS (SELECT avg(revenue) AS m FROM sales WHERE id <= 2400),
	 baseline AS (SELECT avg(abs(revenue - m)) AS mae FROM sales, mean WHERE id > 2400)
SELECT (SELECT min(score) FROM hptune.trials WHERE study_id = hptune.study_id('warehouse')) < baseline.mae / 4
	AS beats_quarter_of_mean_mae
  FROM baseline;
SELECT metrics ? 'val_r2' AS has_r2, metrics ? 'val_root_mean_squared_error' AS has_rmse
  FROM hptune.leaderboard WHERE study = 'warehouse' AND rank = 1;

-- predictions from a whole row, columns matched by name, nulls imputed
SELECT hptune.best_models('warehouse') AS best \gset
SELECT avg(abs((hptune.predict(:best, s))[1] - s.revenue)) < 1 AS row_predictions_close
  FROM sales s WHERE id > 2400;
SELECT hptune.predict(:best, s) IS NOT NULL AS null_price_imputed FROM sales s WHERE price IS NULL LIMIT 1;
SELECT regexp_replace(test_util.try($$SELECT hptune.predict_class($$ || :best || $$, s) FROM sales s LIMIT 1$$),
	'model [0-9]+', 'model N') AS try;

-- the linear hypermodel on the same query
SELECT hptune.create_study('warehouse_linear', hypermodel => 'linear', objective => 'val_mean_absolute_error',
	max_trials => 2, seed => 4) > 0 AS created;
SET client_min_messages = warning;
SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS completed, min(score) < 2 AS reasonable
  FROM hptune.search('warehouse_linear',
	train => 'SELECT price, quantity, region, promo, revenue FROM sales WHERE id <= 2400',
	validation => 'SELECT price, quantity, region, promo, revenue FROM sales WHERE id > 2400',
	epochs => 5, options => '{"impute": "mean"}');
RESET client_min_messages;

-- classification with a text label: predict_class answers in the label's own values
SELECT hptune.fit('mlp', '{"units": 16, "normalize": true}',
	train => 'SELECT price, quantity, revenue, region FROM sales WHERE id <= 2400',
	validation => 'SELECT price, quantity, revenue, region FROM sales WHERE id > 2400',
	epochs => 3, options => '{"impute": "zero"}') AS fit \gset
SELECT (:'fit'::jsonb)->'metrics' ? 'val_accuracy' AS has_val_accuracy,
	   jsonb_array_length((:'fit'::jsonb)->'epoch_seconds') AS epochs;
SELECT DISTINCT hptune.predict_class(((:'fit'::jsonb)->>'model_id')::bigint, s) IN ('north', 'south', 'east', 'west') AS label_domain
  FROM sales s WHERE id > 2990;
