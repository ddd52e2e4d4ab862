-- The loader's memory: the data matrix and nothing that grows with the rows
-- besides it.  Each load runs in a fresh backend, whose peak resident size
-- (VmHWM in /proc/self/status) is compared with its size before the load:
-- the growth must stay within the matrix plus a fixed margin, far below what
-- keeping each row's converted array would cost.  The tables are made with
-- CREATE TABLE AS and never analysed, so the planner's row estimate is wrong.
CREATE TABLE mem_int8 WITH (autovacuum_enabled = false) AS
SELECT i, array_fill((i % 97)::bigint, ARRAY[784]) AS x, (i % 2 = 0) AS label
  FROM generate_series(1, 60000) i;
CREATE TABLE mem_bool WITH (autovacuum_enabled = false) AS
SELECT i, array_fill(i % 3 = 0, ARRAY[784]) AS x, (i % 2 = 0) AS label
  FROM generate_series(1, 20000) i;
CREATE TABLE mem_num WITH (autovacuum_enabled = false) AS
SELECT i, array_fill((i % 89)::numeric / 7, ARRAY[200]) AS x, (i % 2 = 0) AS label
  FROM generate_series(1, 20000) i;
SELECT relname, reltuples FROM pg_class WHERE relname LIKE 'mem\_%' ORDER BY relname;

-- a backend's own memory figure, in kB
CREATE FUNCTION test_util.proc_kb(field text) RETURNS bigint LANGUAGE sql AS $$
	SELECT substring(pg_catalog.pg_read_file('/proc/self/status') FROM field || ':\s+(\d+) kB')::bigint
$$;

-- before measuring: load hptune and BLAS, and read the table once, so that
-- the shared buffers it occupies are already counted
CREATE FUNCTION test_util.warm_up(tab text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('SELECT count(*) FROM %I', tab);
	PERFORM hptune.fit('linear', '{}', format('SELECT x, label FROM %I LIMIT 16', tab),
					   options => '{"seed": 1}');
END $$;

-- 60,000 rows of bigint[784]: a 184 MB matrix, under a hptune.max_memory
-- that it just fits in (without statistics the planner expects about twice
-- as many rows)
\c
SELECT test_util.warm_up('mem_int8');
SELECT test_util.proc_kb('VmRSS') AS rss_before \gset
SET hptune.max_memory = '190MB';
SELECT hptune.fit('linear', '{}', 'SELECT x, label FROM mem_int8', options => '{"seed": 1}') ? 'model_id' AS trained;
SELECT test_util.proc_kb('VmHWM') - :rss_before AS growth_kb, 60000 * (784 + 1) * 4 / 1024 AS matrix_kb \gset
SELECT :growth_kb < :matrix_kb + 16384 AS within_matrix_and_margin,
	   :growth_kb < 190 * 1024 AS within_max_memory;

-- one row too many: the error counts the rows really read
SET hptune.max_memory = '100MB';
SELECT test_util.try($$SELECT hptune.fit('linear', '{}', 'SELECT x, label FROM mem_int8')$$);
SET hptune.max_memory = '1MB';
SELECT test_util.try($$SELECT hptune.fit('linear', '{}', 'SELECT array_fill(1.0::float4, ARRAY[300000]) AS x, true AS label')$$);
RESET hptune.max_memory;

-- 20,000 rows of boolean[784]
\c
SELECT test_util.warm_up('mem_bool');
SELECT test_util.proc_kb('VmRSS') AS rss_before \gset
SELECT hptune.fit('linear', '{}', 'SELECT x, label FROM mem_bool', options => '{"seed": 1}') ? 'model_id' AS trained;
SELECT test_util.proc_kb('VmHWM') - :rss_before AS growth_kb, 20000 * (784 + 1) * 4 / 1024 AS matrix_kb \gset
SELECT :growth_kb < :matrix_kb + 16384 AS within_matrix_and_margin;

-- 20,000 rows of numeric[200], read by evaluate() as well
\c
SELECT test_util.warm_up('mem_num');
SELECT test_util.proc_kb('VmRSS') AS rss_before \gset
SELECT (hptune.fit('linear', '{}', 'SELECT x, label FROM mem_num', options => '{"seed": 1}')->>'model_id')::bigint AS m \gset
SELECT (hptune.evaluate(:m, 'SELECT x, label FROM mem_num')->>'rows')::int AS evaluated;
SELECT test_util.proc_kb('VmHWM') - :rss_before AS growth_kb, 20000 * (200 + 1) * 4 / 1024 AS matrix_kb \gset
SELECT :growth_kb < :matrix_kb + 16384 AS within_matrix_and_margin;

-- the tables were never analysed
SELECT relname, reltuples FROM pg_class WHERE relname LIKE 'mem\_%' ORDER BY relname;
DROP TABLE mem_int8, mem_bool, mem_num;
