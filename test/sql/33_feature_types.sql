-- A feature column of a type hptune cannot read is an error naming the
-- column, its type and the types it can read, never an internal error.
CREATE DOMAIN small_count AS int CHECK (VALUE >= 0);
CREATE TABLE ft AS
SELECT i, (i % 7)::float8 AS a, ARRAY[i % 3, i % 2]::int[] AS arr, (i % 7 > 3) AS label
  FROM generate_series(1, 40) i;
SELECT col, test_util.try(format('SELECT hptune.fit(%L, %L, %L)', 'linear', '{}',
		format('SELECT a, %s AS c, label FROM ft', col))) AS result
  FROM (VALUES ('now()'), ($$'{"x": 1}'::json$$), ('gen_random_uuid()'), ('int4range(1, i)'),
			   ($$ARRAY['a', 'b']$$), ('point(i, i)'), ('i::small_count'), ($$'\x01'::bytea$$),
			   ('ARRAY[i::small_count]'), ('ROW(i, i)')) AS t(col);

-- predict: a value of another type than the training column's
SELECT (hptune.fit('linear', '{}', 'SELECT a, arr, label FROM ft', options => '{"seed": 1}')->>'model_id')::bigint AS m \gset
SELECT array_length(hptune.predict(:m, r), 1) AS outputs FROM (SELECT 1.0::float8 AS a, ARRAY[1, 0] AS arr) r;
SELECT test_util.try(format($$SELECT hptune.predict(%s, ARRAY['1', '2', '3']::text[])$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT ARRAY[1.0] AS a, ARRAY[1, 0] AS arr) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT 1.0::float8 AS a, 7 AS arr) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT 1.0::float8 AS a, 'x'::text AS arr) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT 1.0::float8 AS a, '\x0102'::bytea AS arr) r$$, :m));
-- evaluate and predict_query check the columns against the model
SELECT test_util.try(format($$SELECT hptune.evaluate(%s, 'SELECT a, (arr[1])::int AS arr, label FROM ft')$$, :m));
SELECT test_util.try(format($$SELECT * FROM hptune.predict_query(%s, 'SELECT a, arr::text AS arr FROM ft')$$, :m));
