-- Calls that compose: a function that reads a model sees a model created
-- earlier in the same statement.
CREATE TABLE compose_pts AS
SELECT i, (i % 7)::float8 AS a, (i % 5)::float8 AS b, (i % 7 > 3) AS label
  FROM generate_series(1, 80) i;
SET client_min_messages = warning;
SELECT hptune.create_study('compose', hypermodel => 'linear', objective => 'loss', max_trials => 1, seed => 1) > 0 AS created;
SELECT count(*) AS trials FROM hptune.search('compose', train => 'SELECT a, b, label FROM compose_pts');

-- evaluate(retrain(...)), model_summary(retrain(...))
SELECT hptune.evaluate(hptune.retrain('compose', 'SELECT a, b, label FROM compose_pts',
		options => '{"seed": 1}'), 'SELECT a, b, label FROM compose_pts') ?& ARRAY['loss', 'accuracy', 'rows']
	AS evaluated;
SELECT count(*) > 0 AS summarised
  FROM hptune.model_summary(hptune.retrain('compose', 'SELECT a, b, label FROM compose_pts'));

-- predict(fit(...)), predict_class(fit(...)), predict_query(fit(...))
SELECT array_length(hptune.predict((hptune.fit('linear', '{}', 'SELECT a, b, label FROM compose_pts',
		options => '{"seed": 1}')->>'model_id')::bigint, ARRAY[1, 2]), 1) AS outputs;
SELECT hptune.predict_class((hptune.fit('linear', '{}', 'SELECT a, b, label FROM compose_pts',
		options => '{"seed": 1}')->>'model_id')::bigint, ARRAY[1, 2]) IN ('t', 'f') AS predicted;
SELECT count(*) AS rows
  FROM hptune.predict_query((hptune.fit('linear', '{}', 'SELECT a, b, label FROM compose_pts',
		options => '{"seed": 1}')->>'model_id')::bigint, 'SELECT a, b FROM compose_pts');
-- one model trained, then predicted row by row in the same statement
SELECT count(*) AS rows, count(DISTINCT array_length(hptune.predict(m.id, p), 1)) AS widths
  FROM (SELECT (hptune.fit('linear', '{}', 'SELECT a, b, label FROM compose_pts',
			options => '{"seed": 1}')->>'model_id')::bigint AS id OFFSET 0) m,
	   (SELECT a, b FROM compose_pts) p;
-- in a DO block, models trained by earlier statements of the block
DO $$
DECLARE
	id bigint;
BEGIN
	id := hptune.retrain('compose', 'SELECT a, b, label FROM compose_pts');
	PERFORM hptune.evaluate(id, 'SELECT a, b, label FROM compose_pts');
	PERFORM hptune.predict(id, ARRAY[1, 2]);
END $$;
RESET client_min_messages;

-- NULL arguments: NULL from STRICT functions, 22004 naming the argument
-- otherwise; a NULL model id is never looked up
SELECT hptune.predict(NULL, ARRAY[1, 2]) IS NULL AS predict_null,
	   hptune.evaluate(NULL, 'SELECT a, b, label FROM compose_pts') IS NULL AS evaluate_null;
SELECT test_util.try($$SELECT * FROM hptune.predict_query(NULL, 'SELECT a, b FROM compose_pts')$$);
SELECT test_util.try($$SELECT * FROM hptune.predict_query(1, NULL)$$);
SELECT test_util.try($$SELECT hptune.fit('linear', NULL, 'SELECT a, b, label FROM compose_pts')$$);
SELECT test_util.try($$SELECT hptune.fit('linear', '{}', 'SELECT a, b, label FROM compose_pts', epochs => NULL)$$);
SELECT test_util.try($$SELECT hptune.retrain('compose', 'SELECT a, b, label FROM compose_pts', options => NULL)$$);
-- a seed beyond bigint says so
SELECT test_util.try($$SELECT hptune.fit('linear', '{}', 'SELECT a, b, label FROM compose_pts', options => '{"seed": 1e30}')$$);

-- the SQL predict, evaluate and retrain run never resolves an operator of
-- the caller's search_path
CREATE FUNCTION public.compose_hostile_int8eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN RAISE EXCEPTION 'hostile operator ran'; END $$;
CREATE OPERATOR public.= (leftarg = bigint, rightarg = bigint, function = public.compose_hostile_int8eq);
SET search_path = public, pg_catalog;
SET client_min_messages = warning;
SELECT hptune.evaluate(hptune.retrain('compose', 'SELECT a, b, label FROM compose_pts'),
	'SELECT a, b, label FROM compose_pts') ? 'loss' AS evaluated;
SELECT count(*) AS rows FROM hptune.predict_query(
	(SELECT max(model_id) FROM hptune.models), 'SELECT a, b FROM compose_pts');
SELECT array_length(hptune.predict((SELECT max(model_id) FROM hptune.models), ARRAY[1, 2]), 1) AS outputs;
RESET client_min_messages;
RESET search_path;
DROP OPERATOR public.= (bigint, bigint);
DROP FUNCTION public.compose_hostile_int8eq(bigint, bigint);
SELECT hptune.drop_study('compose');
