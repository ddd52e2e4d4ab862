-- predict() caches models per backend, keyed by the row version that holds
-- the blob: a blob rewritten or damaged in the same transaction, or a model
-- re-created under the same id, is never served stale.
CREATE TABLE cache_pts AS
SELECT i, (i % 7)::float8 AS a, (i % 5)::float8 AS b, (i % 7 > 3) AS label
  FROM generate_series(1, 80) i;
SET client_min_messages = warning;
SELECT (hptune.fit('linear', '{}', 'SELECT a, b, label FROM cache_pts', epochs => 3,
	options => '{"seed": 1}')->>'model_id') AS m1 \gset
SELECT (hptune.fit('linear', '{"learning_rate": 0.1}', 'SELECT a, b, label FROM cache_pts', epochs => 3,
	options => '{"seed": 2}')->>'model_id') AS m2 \gset
RESET client_min_messages;
SELECT hptune.predict(:m1, ARRAY[1, 2]) AS p1, hptune.predict(:m2, ARRAY[1, 2]) AS p2 \gset
SELECT :'p1' <> :'p2' AS models_differ;

-- rewritten in the same transaction: the new blob's predictions
BEGIN;
SELECT hptune.predict(:m1, ARRAY[1, 2])::text = :'p1' AS first_blob;
UPDATE hptune.models SET model = (SELECT model FROM hptune.models WHERE model_id = :m2)
 WHERE model_id = :m1;
SELECT hptune.predict(:m1, ARRAY[1, 2])::text = :'p2' AS rewritten_blob;
-- damaged in the same transaction: an error, not the cached model
UPDATE hptune.models SET model = set_byte(model, length(model) / 2, get_byte(model, length(model) / 2) # 1)
 WHERE model_id = :m1;
SELECT test_util.try(format($$SELECT hptune.predict(%s, ARRAY[1, 2])$$, :m1));
SELECT test_util.try(format($$SELECT hptune.predict_class(%s, ARRAY[1, 2])$$, :m1));
ROLLBACK;
SELECT hptune.predict(:m1, ARRAY[1, 2])::text = :'p1' AS first_blob_again;

-- a PL/pgSQL expression keeps its state for the whole transaction: a loop
-- that rewrites the blob between two calls of the same expression sees it
SELECT set_config('test.m1', :'m1', false), set_config('test.m2', :'m2', false) \gset
BEGIN;
DO $$
DECLARE
	m1 bigint := current_setting('test.m1')::bigint;
	p float4[];
	seen text[] := '{}';
BEGIN
	FOR i IN 1 .. 3 LOOP
		p := hptune.predict(m1, ARRAY[1, 2]);
		seen := seen || p::text;
		IF i = 1 THEN
			UPDATE hptune.models SET model = (SELECT model FROM hptune.models
				WHERE model_id = current_setting('test.m2')::bigint)
			 WHERE model_id = m1;
		END IF;
	END LOOP;
	RAISE NOTICE 'first differs from second: %, second equals third: %',
		seen[1] <> seen[2], seen[2] = seen[3];
END $$;
ROLLBACK;

-- in one statement, rows naming different models
SELECT count(DISTINCT hptune.predict(id, ARRAY[1, 2])::text) AS distinct_predictions
  FROM (VALUES (:m1), (:m2), (:m1), (:m2)) v(id);

-- deleted: no longer found
BEGIN;
SELECT hptune.predict(:m1, ARRAY[1, 2]) IS NOT NULL AS cached;
DELETE FROM hptune.models WHERE model_id = :m1;
SELECT regexp_replace(test_util.try(format($$SELECT hptune.predict(%s, ARRAY[1, 2])$$, :m1)),
	'(model|model_id) [0-9]+', '\1 N', 'g') AS try;
ROLLBACK;

-- a model re-created under the same id after DROP and CREATE EXTENSION in one
-- transaction (same transaction id, and the first row of a new table: often
-- the same ctid): the second model, a regression with one output
BEGIN;
SET LOCAL client_min_messages = warning;
DROP EXTENSION hptune CASCADE;
CREATE EXTENSION hptune;
SELECT (hptune.fit('linear', '{}', 'SELECT a, b, label FROM cache_pts', epochs => 1,
	options => '{"seed": 1}')->>'model_id') AS again \gset
SELECT :again AS first_id, array_length(hptune.predict(:again, ARRAY[1, 2]), 1) AS outputs;
DROP EXTENSION hptune CASCADE;
CREATE EXTENSION hptune;
SELECT (hptune.fit('linear', '{}', 'SELECT a, b, label::int::float8 AS y FROM cache_pts', epochs => 1,
	options => '{"seed": 1}')->>'model_id') = :'again' AS same_id;
SELECT array_length(hptune.predict(:again, ARRAY[1, 2]), 1) AS outputs;
SELECT test_util.try(format($$SELECT hptune.predict_class(%s, ARRAY[1, 2])$$, :again));
ROLLBACK;
SELECT hptune.predict(:m1, ARRAY[1, 2])::text = :'p1' AS extension_back;
