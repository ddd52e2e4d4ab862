-- Errors of training and model use, each with its SQLSTATE, detail and hint.
CREATE TABLE pts AS
SELECT i, (i % 7)::float8 AS a, (i % 5)::float8 AS b, ARRAY[i % 3, i % 2]::float4[] AS arr,
	   (i % 7 > 3) AS label
  FROM generate_series(1, 200) i;
SELECT hptune.create_study('needs_val', hypermodel => 'mlp', objective => 'val_accuracy', max_trials => 1) > 0;
CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;

SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT a, b, label FROM pts')$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val')$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT a, b, label FROM pts',
	validation => 'SELECT a, b, label FROM pts', options => '{"task": "regression"}')$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT CASE WHEN i = 5 THEN NULL ELSE a END AS a, b, label FROM pts',
	validation_split => 0.2)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT a, b, label FROM pts WHERE false', validation_split => 0.2)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT CASE WHEN i = 9 THEN ARRAY[1,2,3]::float4[] ELSE arr END AS arr, label FROM pts',
	validation_split => 0.2)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT CASE WHEN i = 3 THEN ''NaN''::float8 ELSE a END AS a, label FROM pts',
	validation_split => 0.2)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT a, b, CASE WHEN i = 4 THEN NULL ELSE label END FROM pts',
	validation_split => 0.2)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT a, b, label FROM pts', validation_split => 0.2,
	options => '{"impute": "median"}')$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT a, now() AS t, label FROM pts', validation_split => 0.2)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT a, b, label FROM pts', validation_split => 0.2,
	label => 'nope')$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT a, b, true AS label FROM pts', validation_split => 0.2)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT a, b, label FROM pts', validation_split => 0.2,
	options => '{"metrics": ["no_such_aggregate"]}')$$);
SELECT test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT a, b, label FROM pts',
	validation => 'SELECT a, b, label FROM pts', validation_split => 0.2)$$);
SET hptune.max_memory = '1MB';
SELECT regexp_replace(test_util.try($$SELECT * FROM hptune.search('needs_val', train => 'SELECT ARRAY(SELECT 0::float4 FROM generate_series(1, 2000)) AS x, label FROM pts',
	validation_split => 0.2)$$), 'needs [0-9]+ kB', 'needs N kB') AS try;
SET hptune.max_memory = '2MB';
SELECT regexp_replace(test_util.try($$SELECT hptune.fit('mlp', '{"num_layers": 2, "units": 1024}', 'SELECT a, b, label FROM pts')$$),
	'needs [0-9]+ kB', 'needs N kB') AS try;
RESET hptune.max_memory;
SELECT test_util.try($$SELECT hptune.fit('xgboost', '{}', 'SELECT a, label FROM pts')$$);
SELECT test_util.try($$SELECT hptune.fit('mlp', '{"activation": "swish"}', 'SELECT a, label FROM pts')$$);
SELECT test_util.try($$SELECT hptune.fit('mlp', '[1]', 'SELECT a, label FROM pts')$$);
SELECT test_util.try($$SELECT hptune.fit('mlp', '{}', 'SELECT a, label FROM pts', options => '{"seed": "x"}')$$);
SELECT test_util.try($$SELECT hptune.predict(123456, ARRAY[1, 2]::float4[])$$);
SELECT test_util.try($$SELECT hptune.retrain('needs_val', 'SELECT a, b, label FROM pts')$$);
SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;

-- a damaged model blob is an error, and the backend survives it
SELECT (hptune.fit('mlp', '{"units": 4}', 'SELECT a, b, label FROM pts')->>'model_id')::bigint AS m \gset
SELECT hptune.predict(:m, ARRAY[1, 2]::float8[]) IS NOT NULL AS predicts;
UPDATE hptune.models SET model = substring(model FROM 1 FOR length(model) / 2) WHERE model_id = :m;
SELECT test_util.try($$SELECT hptune.predict($$ || :m || $$, ARRAY[1, 2]::float8[])$$);
UPDATE hptune.models SET model = '\x00'::bytea || model WHERE model_id = :m;
SELECT test_util.try($$SELECT hptune.model_summary($$ || :m || $$)$$);
SELECT 1 AS backend_alive;

-- three diverging trials in a row stop the search
SELECT hptune.create_study('diverge', hypermodel => 'mlp', objective => 'loss', max_trials => 5) > 0;
SELECT hptune.hp_fixed('diverge', 'optimizer', 'sgd'::text);
SELECT hptune.hp_fixed('diverge', 'learning_rate', 1000.0::float8);
SET client_min_messages = warning;
SELECT test_util.try($$SELECT * FROM hptune.search('diverge', train => 'SELECT a * 1000 AS a, b * 1000 AS b, a AS y FROM pts', epochs => 3)$$);
RESET client_min_messages;
