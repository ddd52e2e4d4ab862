-- Every user query hptune runs (train, validation, predict_query's and
-- evaluate's query) is one statement that only reads: SELECT, VALUES, TABLE
-- or WITH.  Anything else is refused before any of it runs.
CREATE TABLE q AS
SELECT i, (i % 7)::float8 AS a, (i % 5)::float8 AS b, (i % 7 > 3) AS label
  FROM generate_series(1, 40) i;
SELECT hptune.create_study('queries', hypermodel => 'linear', objective => 'val_accuracy', max_trials => 1) > 0;
CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;
CREATE FUNCTION q_state() RETURNS text LANGUAGE sql AS $$
	SELECT count(*) || ' rows, sum ' || sum(a) || ', q2 ' ||
		   CASE WHEN to_regclass('q2') IS NULL THEN 'absent' ELSE 'present' END FROM q
$$;
SELECT q_state();

-- one function checks them all; try each kind as the training query
CREATE TEMP TABLE bad(query text);
INSERT INTO bad VALUES
	('SELECT a, label FROM q; SELECT b, label FROM q'),
	('SELECT a, label FROM q; DROP TABLE q'),
	('SELECT a, label FROM q; INSERT INTO q VALUES (0, 0, 0, true); SELECT 1'),
	('INSERT INTO q VALUES (0, 0, 0, true) RETURNING a, label'),
	('UPDATE q SET a = a + 1 RETURNING a, label'),
	('DELETE FROM q RETURNING a, label'),
	('MERGE INTO q USING q AS s ON q.i = s.i WHEN MATCHED THEN DELETE'),
	('WITH d AS (DELETE FROM q RETURNING *) SELECT a, label FROM d'),
	('WITH u AS (UPDATE q SET a = 0 RETURNING *) SELECT a, label FROM q'),
	('WITH r AS (SELECT a, label FROM q), d AS (INSERT INTO q SELECT * FROM q RETURNING *) SELECT * FROM r'),
	('SELECT a, label INTO q2 FROM q'),
	('SELECT a, label FROM q FOR UPDATE'),
	('SELECT a, label FROM q FOR SHARE'),
	('EXPLAIN SELECT a, label FROM q'),
	('EXPLAIN ANALYZE DELETE FROM q'),
	('CREATE TABLE q2 AS SELECT a, label FROM q'),
	('DROP TABLE q'),
	('TRUNCATE q'),
	('COPY q TO STDOUT'),
	('SHOW work_mem'),
	('DECLARE c CURSOR FOR SELECT a, label FROM q'),
	('PREPARE p AS SELECT a, label FROM q'),
	('EXECUTE p'),
	('CALL no_such_procedure()'),
	('VACUUM q'),
	('DO $do$ BEGIN DELETE FROM q; END $do$'),
	(''),
	(';'),
	('-- nothing but a comment');
SELECT query, test_util.try(format('SELECT * FROM hptune.search(%L, train => %L, validation_split => 0.2)',
								   'queries', query)) AS result
  FROM bad;
SELECT q_state();
SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;

-- a syntax error is reported as one
SELECT test_util.try($$SELECT * FROM hptune.search('queries', train => 'SELEC a, label FROM q')$$);

-- the same check for fit and retrain's train, and for validation
SELECT test_util.try($$SELECT hptune.fit('linear', '{}', 'SELECT a, label FROM q; DROP TABLE q')$$);
SELECT test_util.try($$SELECT hptune.fit('linear', '{}', 'DELETE FROM q RETURNING a, label')$$);
SELECT test_util.try($$SELECT * FROM hptune.search('queries', train => 'SELECT a, label FROM q',
	validation => 'SELECT a, label FROM q; DROP TABLE q')$$);
SELECT test_util.try($$SELECT * FROM hptune.search('queries', train => 'SELECT a, label FROM q',
	validation => 'WITH d AS (DELETE FROM q RETURNING *) SELECT a, label FROM d')$$);
SELECT q_state();

-- queries that read are accepted, in every form
SET client_min_messages = warning;
SELECT count(*) AS trials FROM hptune.search('queries', train => 'SELECT a, label FROM q;',
	validation => $$WITH v AS (SELECT a, label FROM q WHERE i % 2 = 0) SELECT * FROM v$$);
SELECT test_util.try($$SELECT hptune.retrain('queries', 'SELECT a, label FROM q; SELECT 1')$$);
SELECT test_util.try($$SELECT hptune.retrain('queries', 'SELECT a, label INTO q2 FROM q')$$);
SELECT (hptune.fit('linear', '{}', 'TABLE q', features => '{a, b}', options => '{"seed": 1}')->>'model_id')::bigint AS m \gset
SELECT (hptune.fit('linear', '{}', 'VALUES (1.0, true), (2.0, false), (3.0, true), (4.0, false), (5.0, true), (6.0, false), (7.0, true), (8.0, false)',
	options => '{"seed": 1}')->'metrics') ? 'loss' AS values_trains;
RESET client_min_messages;
SELECT count(*) AS predicted FROM hptune.predict_query(:m, '(SELECT a, b FROM q) UNION ALL (SELECT a, b FROM q)');
SELECT (hptune.evaluate(:m, 'SELECT a, b, label FROM q ORDER BY i')->>'rows')::int AS evaluated;

-- predict_query and evaluate refuse the same statements
SELECT test_util.try(format('SELECT * FROM hptune.predict_query(%s, %L)', :m, query)) AS predict_query,
	   test_util.try(format('SELECT hptune.evaluate(%s, %L)', :m, query)) AS evaluate
  FROM (VALUES ('SELECT a, b, label FROM q; DROP TABLE q'),
			   ('DELETE FROM q RETURNING a, b, label'),
			   ('WITH d AS (DELETE FROM q RETURNING *) SELECT a, b, label FROM d'),
			   ('SELECT a, b, label INTO q2 FROM q'),
			   ('')) AS t(query);
SELECT q_state();
