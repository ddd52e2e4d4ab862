-- predict() checks every column of a row against the kind its feature had in
-- training, and every blob's feature descriptions when it is loaded: a row or
-- a blob that does not fit is an error, never a misread value.
CREATE TABLE pt AS
SELECT i, (i % 7)::float8 AS n, (i % 3 = 0) AS flag, ARRAY[i % 5, i % 2, 1]::float4[] AS arr,
	   (ARRAY['red', 'sky', 'tan'])[1 + i % 3] AS color,
	   CASE WHEN i % 7 + i % 5 > 5 THEN 'top' ELSE 'low' END AS label
  FROM generate_series(1, 120) i;
SET client_min_messages = warning;
SELECT (hptune.fit('linear', '{}', 'SELECT n, flag, arr, color, label FROM pt', epochs => 2,
	options => '{"seed": 1}')->>'model_id') AS m \gset
SELECT (hptune.fit('linear', '{}', 'SELECT n, arr, label FROM pt', epochs => 2,
	options => '{"seed": 1}')->>'model_id') AS dense \gset
RESET client_min_messages;

-- the training columns, and the same kinds of other types, are accepted
SELECT count(DISTINCT hptune.predict_class(:m, p)) >= 1 AS predicts FROM pt p;
SELECT hptune.predict_class(:m, r) IN ('low', 'top') AS other_types_of_the_same_kinds
  FROM (SELECT n::int AS n, flag, arr::float8[] AS arr, color::varchar AS color FROM pt LIMIT 1) r;
SELECT hptune.predict_class(:m, r) IN ('low', 'top') AS two_dimensional_array_of_three
  FROM (SELECT n, flag, ARRAY[[1, 2, 3]]::numeric[] AS arr, color FROM pt LIMIT 1) r;

-- a number column of another kind
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT 'x'::text AS n, flag, arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT true AS n, flag, arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT '\x01'::bytea AS n, flag, arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT ARRAY[1] AS n, flag, arr, color FROM pt LIMIT 1) r$$, :m));
-- a boolean column of another kind
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, 1 AS flag, arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, 'true'::text AS flag, arr, color FROM pt LIMIT 1) r$$, :m));
-- an array column of another kind
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, 7 AS arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, '{1,2,3}'::text AS arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, '\x000102'::bytea AS arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, ARRAY['1', '2', '3'] AS arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, ARRAY[now(), now(), now()] AS arr, color FROM pt LIMIT 1) r$$, :m));
-- arrays of the wrong length or shape, or with a null
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, ARRAY[1, 2]::float4[] AS arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, ARRAY[[1, 2], [3, 4]]::float4[] AS arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, '{}'::float4[] AS arr, color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, ARRAY[1, NULL, 3]::float4[] AS arr, color FROM pt LIMIT 1) r$$, :m));
-- a text column of another kind
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, arr, 3 AS color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, arr, 'red'::bytea AS color FROM pt LIMIT 1) r$$, :m));
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, arr, ARRAY['red'] AS color FROM pt LIMIT 1) r$$, :m));
-- a missing column
SELECT test_util.try(format($$SELECT hptune.predict(%s, r) FROM (SELECT n, flag, arr FROM pt LIMIT 1) r$$, :m));

-- features as one array: only for a model without text features, and only
-- an array of numbers or booleans of the model's width
SELECT test_util.try(format($$SELECT hptune.predict(%s, ARRAY[1, 2, 3, 4, 5, 6, 7])$$, :m));
SELECT array_length(hptune.predict(:dense, ARRAY[1, 2, 3, 4]::float8[]), 1) AS outputs;
SELECT test_util.try(format($$SELECT hptune.predict(%s, ARRAY['1', '2', '3', '4'])$$, :dense));
SELECT test_util.try(format($$SELECT hptune.predict(%s, ARRAY[1, 2, 3])$$, :dense));
SELECT test_util.try(format($$SELECT hptune.predict(%s, '{}'::int[])$$, :dense));
SELECT test_util.try(format($$SELECT hptune.predict(%s, 5)$$, :dense));
SELECT test_util.try(format($$SELECT hptune.predict(%s, '\x0102'::bytea)$$, :dense));
SELECT test_util.try(format($$SELECT hptune.predict(%s, point(1, 2))$$, :dense));

-- hand-edited blobs, with the checksum recomputed so that the parser sees
-- them: CRC-32 (IEEE) of the payload into bytes 16..19
CREATE FUNCTION test_util.model_fix_crc(b bytea) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
	crc bigint := 4294967295;
BEGIN
	FOR i IN 24 .. length(b) - 1 LOOP
		crc := crc # get_byte(b, i);
		FOR k IN 1 .. 8 LOOP
			crc := CASE WHEN crc & 1 = 1 THEN (crc >> 1) # 3988292384 ELSE crc >> 1 END;
		END LOOP;
	END LOOP;
	crc := crc # 4294967295;
	FOR i IN 0 .. 3 LOOP
		b := set_byte(b, 16 + i, ((crc >> (8 * i)) & 255)::int);
	END LOOP;
	RETURN b;
END $$;
-- set the u32 at `skip` bytes after the string s (length-prefixed) in b
CREATE FUNCTION test_util.model_set_after(b bytea, s text, skip int, v int) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
	needle bytea := set_byte('\x00000000'::bytea, 0, length(s)) || convert_to(s, 'UTF8');
	at int := position(needle IN b);
BEGIN
	IF at = 0 THEN
		RAISE EXCEPTION 'string % not in the blob', s;
	END IF;
	at := at - 1 + length(needle) + skip;
	RETURN set_byte(set_byte(set_byte(set_byte(b, at, v & 255), at + 1, (v >> 8) & 255),
					at + 2, (v >> 16) & 255), at + 3, (v >> 24) & 255);
END $$;
SELECT test_util.model_fix_crc(model) = model AS crc_function_agrees
  FROM hptune.models WHERE model_id = :m;
CREATE TABLE saved_model AS SELECT model FROM hptune.models WHERE model_id = :m;

-- feature kinds: 0 number, 1 boolean, 2 array, 3 text.  "flag" declared an
-- array (one column wide: a consistent description) is checked against the
-- row's boolean column
UPDATE hptune.models SET model = test_util.model_fix_crc(test_util.model_set_after(model, 'flag', 0, 2))
 WHERE model_id = :m;
SELECT test_util.try(format($$SELECT hptune.predict(%s, p) FROM pt p$$, :m));
SELECT test_util.try(format($$SELECT * FROM hptune.predict_query(%s, 'SELECT n, flag, arr, color FROM pt')$$, :m));
SELECT test_util.try(format($$SELECT hptune.evaluate(%s, 'SELECT n, flag, arr, color, label FROM pt')$$, :m));
-- declarations that contradict the model's layout are invalid model data
UPDATE hptune.models SET model = test_util.model_fix_crc(test_util.model_set_after(s.model, 'arr', 0, 0))
  FROM saved_model s WHERE model_id = :m;
SELECT test_util.try(format($$SELECT hptune.predict(%s, p) FROM pt p$$, :m));
UPDATE hptune.models SET model = test_util.model_fix_crc(test_util.model_set_after(s.model, 'flag', 0, 3))
  FROM saved_model s WHERE model_id = :m;
SELECT test_util.try(format($$SELECT hptune.predict(%s, p) FROM pt p$$, :m));
UPDATE hptune.models SET model = test_util.model_fix_crc(test_util.model_set_after(s.model, 'color', 0, 2))
  FROM saved_model s WHERE model_id = :m;
SELECT test_util.try(format($$SELECT * FROM hptune.predict_query(%s, 'SELECT n, flag, arr, color FROM pt')$$, :m));
UPDATE hptune.models SET model = test_util.model_fix_crc(test_util.model_set_after(s.model, 'color', 4, 0))
  FROM saved_model s WHERE model_id = :m;
SELECT test_util.try(format($$SELECT hptune.evaluate(%s, 'SELECT n, flag, arr, color, label FROM pt')$$, :m));
UPDATE hptune.models SET model = test_util.model_fix_crc(test_util.model_set_after(s.model, 'n', 4, 1))
  FROM saved_model s WHERE model_id = :m;
SELECT test_util.try(format($$SELECT hptune.model_summary(%s)$$, :m));
-- a vocabulary entry or class label that is not valid text, or repeated:
-- refused by every function that reads the blob
UPDATE hptune.models SET model = test_util.model_fix_crc(overlay(s.model PLACING '\xff'::bytea
	FROM position('\x03000000'::bytea || convert_to('top', 'UTF8') IN s.model) + 4 FOR 1))
  FROM saved_model s WHERE model_id = :m;
SELECT test_util.try(format($$SELECT hptune.predict_class(%s, p) FROM pt p$$, :m));
SELECT test_util.try(format($$SELECT * FROM hptune.predict_query(%s, 'SELECT n, flag, arr, color FROM pt')$$, :m));
SELECT test_util.try(format($$SELECT hptune.evaluate(%s, 'SELECT n, flag, arr, color, label FROM pt')$$, :m));
SELECT test_util.try(format($$SELECT hptune.model_summary(%s)$$, :m));
UPDATE hptune.models SET model = test_util.model_fix_crc(overlay(s.model PLACING convert_to('red', 'UTF8')
	FROM position('\x03000000'::bytea || convert_to('tan', 'UTF8') IN s.model) + 4 FOR 3))
  FROM saved_model s WHERE model_id = :m;
SELECT test_util.try(format($$SELECT * FROM hptune.predict_query(%s, 'SELECT n, flag, arr, color FROM pt')$$, :m));
UPDATE hptune.models SET model = test_util.model_fix_crc(overlay(s.model PLACING convert_to('low', 'UTF8')
	FROM position('\x03000000'::bytea || convert_to('top', 'UTF8') IN s.model) + 4 FOR 3))
  FROM saved_model s WHERE model_id = :m;
SELECT test_util.try(format($$SELECT hptune.predict_class(%s, p) FROM pt p$$, :m));
UPDATE hptune.models SET model = s.model FROM saved_model s WHERE model_id = :m;
SELECT count(DISTINCT hptune.predict_class(:m, p)) >= 1 AS restored_model_predicts FROM pt p;
SELECT 1 AS backend_alive;
DROP TABLE saved_model;
