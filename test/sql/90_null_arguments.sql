-- NULL in any argument of any hptune function or procedure, generated from
-- pg_proc so that new functions are covered without editing this file.
-- Rule: the call returns NULL (or no rows), as a STRICT function does, or
-- raises SQLSTATE 22004 with a message that names the argument.  Every other
-- argument gets a valid value: the sample below for its function and name,
-- else its default, else the sample for its name or type.  An argument whose
-- default is NULL is not checked (NULL is how it is left out).  Each call is
-- its own statement (\gexec), so a call that crashes the backend shows here.
SET client_min_messages = warning;
CREATE TABLE null_pts AS
SELECT (i % 7)::float8 AS a, (i % 5)::float8 AS b, (i % 7 > 3) AS label FROM generate_series(1, 60) i;
CREATE FUNCTION null_obj(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT (hp->>'x')::float8 $$;
SELECT hptune.create_study('null_fn', objective_function => 'null_obj(jsonb)', max_trials => 1) > 0 AS created;
SELECT hptune.hp_float('null_fn', 'x', 0, 1);
SELECT hptune.create_study('null_mlp', hypermodel => 'mlp', objective => 'loss', max_trials => 1, seed => 1) > 0 AS created;
SELECT count(*) FROM hptune.search('null_mlp', train => 'SELECT a, b, label FROM null_pts');
SELECT (hptune.fit('mlp', '{"units": 4}', 'SELECT a, b, label FROM null_pts')->>'model_id') AS null_model \gset

-- sample values: fn NULL applies to every function; null_type is the type of
-- a NULL for a polymorphic argument
CREATE TABLE test_util.null_samples (fn name, arg name, value text NOT NULL, null_type text);
INSERT INTO test_util.null_samples VALUES
	(NULL, 'study', $$'null_mlp'$$, NULL),
	(NULL, 'model_id', :'null_model', NULL),
	(NULL, 'train', $$'SELECT a, b, label FROM null_pts'$$, NULL),
	(NULL, 'query', $$'SELECT a, b, label FROM null_pts'$$, NULL),
	(NULL, 'features', '(SELECT p FROM null_pts p LIMIT 1)', 'null_pts'),
	(NULL, 'hypermodel', $$'mlp'$$, NULL),
	(NULL, 'hyperparameters', $$'{"units": 4}'$$, NULL),
	('search', 'train', $$'SELECT a, b, label FROM null_pts'$$, NULL),
	('tune', 'train', $$'SELECT a, b, label FROM null_pts'$$, NULL),
	('create_study', 'name', $$'null_new'$$, NULL),
	('create_study', 'objective_function', $$'null_obj(jsonb)'$$, NULL),
	('drop_study', 'name', $$'null_fn'$$, NULL),
	('hp_int', 'study', $$'null_fn'$$, NULL),
	('hp_int', 'name', $$'y'$$, NULL),
	('hp_int', 'min_value', '0', NULL),
	('hp_int', 'max_value', '10', NULL),
	('hp_float', 'study', $$'null_fn'$$, NULL),
	('hp_float', 'name', $$'y'$$, NULL),
	('hp_float', 'min_value', '0', NULL),
	('hp_float', 'max_value', '1', NULL),
	('hp_choice', 'study', $$'null_fn'$$, NULL),
	('hp_choice', 'name', $$'y'$$, NULL),
	('hp_choice', 'values', 'ARRAY[1, 2]', 'int[]'),
	('hp_boolean', 'study', $$'null_fn'$$, NULL),
	('hp_boolean', 'name', $$'y'$$, NULL),
	('hp_fixed', 'study', $$'null_fn'$$, NULL),
	('hp_fixed', 'name', $$'y'$$, NULL),
	('hp_fixed', 'value', '1', 'int');

-- the call of fn with argument number pos (over all arguments) NULL, or NULL
-- when that argument is not checked; raises when an argument has no sample
CREATE FUNCTION test_util.null_call(fn regprocedure, pos int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	p pg_proc;
	a record;
	args text[] := '{}';
	val text;
BEGIN
	SELECT * INTO p FROM pg_proc WHERE oid = fn;
	FOR a IN
		SELECT u.t::regtype AS typ, u.m AS mode, u.n AS argname, u.o AS num,
			   pg_get_function_arg_default(fn, u.o::int) AS dflt
		  FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]),
					  coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[p.pronargs])),
					  p.proargnames) WITH ORDINALITY AS u(t, m, n, o)
		 ORDER BY u.o
	LOOP
		CONTINUE WHEN a.mode NOT IN ('i', 'b', 'v');
		IF a.num = pos THEN
			IF a.dflt ~* '^NULL\M' THEN
				RETURN NULL;
			END IF;
			SELECT 'NULL::' || coalesce(s.null_type, format_type(a.typ, NULL)) INTO val
			  FROM (SELECT NULL) x LEFT JOIN test_util.null_samples s
				ON s.arg = a.argname AND (s.fn = p.proname OR s.fn IS NULL)
			 ORDER BY s.fn IS NULL LIMIT 1;
		ELSE
			SELECT s.value INTO val FROM test_util.null_samples s
			 WHERE s.arg = a.argname AND s.fn = p.proname;
			IF val IS NULL AND a.dflt IS NOT NULL THEN
				CONTINUE;		-- leave it out: its default applies
			END IF;
			val := coalesce(val,
				(SELECT s.value FROM test_util.null_samples s WHERE s.arg = a.argname AND s.fn IS NULL),
				CASE a.typ WHEN 'integer'::regtype THEN '1' WHEN 'bigint'::regtype THEN '1'
					WHEN 'double precision'::regtype THEN '0.5' WHEN 'boolean'::regtype THEN 'true'
					WHEN 'jsonb'::regtype THEN $q$'{}'$q$ END);
			IF val IS NULL THEN
				RAISE EXCEPTION 'no sample value for argument "%" (%) of %', a.argname, a.typ, fn;
			END IF;
		END IF;
		args := args || (quote_ident(a.argname) || ' => ' || val);
	END LOOP;
	RETURN CASE WHEN p.prokind = 'p' THEN 'CALL ' ELSE 'SELECT count(r::text) FROM ' END
		|| 'hptune.' || quote_ident(p.proname) || '(' || array_to_string(args, ', ') || ')'
		|| CASE WHEN p.prokind = 'p' THEN '' ELSE ' r' END;
END $$;

CREATE TABLE test_util.null_results (fn regprocedure, arg name, call text, offence text);

-- run one call and roll it back; record what happened, offence NULL when it
-- followed the rule
CREATE PROCEDURE test_util.null_check(fn regprocedure, pos int, arg name) LANGUAGE plpgsql AS $$
DECLARE
	q text;
	n bigint;
	outcome text;
	st text;
	msg text;
BEGIN
	BEGIN
		q := test_util.null_call(fn, pos);
	EXCEPTION WHEN OTHERS THEN
		INSERT INTO test_util.null_results VALUES (fn, arg, NULL, SQLERRM);
		RETURN;
	END;
	IF q IS NULL THEN
		RETURN;
	END IF;
	BEGIN
		IF q LIKE 'CALL %' THEN
			EXECUTE q;
			outcome := 'completed without an error';
		ELSE
			EXECUTE q INTO n;
			outcome := CASE WHEN n > 0 THEN 'returned a value' END;
		END IF;
		RAISE EXCEPTION USING ERRCODE = 'HTNUL', MESSAGE = 'undo the call';
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
		IF st <> 'HTNUL' THEN
			outcome := CASE WHEN st = '22004' AND msg ~ ('\m' || arg || '\M') THEN NULL
							ELSE st || ': ' || msg END;
		END IF;
	END;
	INSERT INTO test_util.null_results VALUES (fn, arg, q, outcome);
END $$;

-- one statement per (function, argument), not echoed: the list of calls
-- changes with the catalog, the rule does not
\set ECHO none
SELECT format('CALL test_util.null_check(%L, %s, %L)', p.oid::regprocedure, u.o, u.n)
  FROM pg_proc p,
	   unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]),
			  coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[p.pronargs])),
			  p.proargnames) WITH ORDINALITY AS u(t, m, n, o)
 WHERE p.pronamespace = 'hptune'::regnamespace
   AND p.prorettype <> 'trigger'::regtype
   AND u.m IN ('i', 'b', 'v')
 ORDER BY p.oid::regprocedure::text, u.o
\gexec
\set ECHO all

-- the offenders, one line each, then how many
SELECT format('%s(%s): %s', regexp_replace(fn::text, '\(.*', ''), arg, offence) AS offender
  FROM test_util.null_results WHERE offence IS NOT NULL ORDER BY 1;
SELECT count(*) FILTER (WHERE offence IS NOT NULL) AS offenders,
	   count(DISTINCT fn) >= 20 AND count(call) >= 40 AS whole_catalog_checked
  FROM test_util.null_results;

-- every function says what it does
SELECT p.oid::regprocedure AS without_comment FROM pg_proc p
 WHERE p.pronamespace = 'hptune'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL;

-- the hyperparameters trigger (the one function not called above) with NULL
-- in each NOT NULL column of an otherwise valid row: refused (23502 or 22004)
-- or accepted, nothing else
CREATE FUNCTION test_util.null_column(col name) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO hptune.hyperparameters
	SELECT (jsonb_populate_record(NULL::hptune.hyperparameters,
			to_jsonb(h) || jsonb_build_object('name', 'z') || jsonb_build_object(col, NULL))).*
	  FROM hptune.hyperparameters h WHERE study_id = hptune.study_id('null_fn') AND name = 'x';
	RAISE EXCEPTION USING ERRCODE = 'HTNUL', MESSAGE = 'undo the insert';
EXCEPTION WHEN OTHERS THEN
	RETURN CASE WHEN SQLSTATE = 'HTNUL' THEN 'accepted' ELSE SQLSTATE END;
END $$;
SELECT count(*) >= 3 AS columns_checked,
	   string_agg(attname || ': ' || res, ', ') FILTER (WHERE res NOT IN ('23502', '22004', 'accepted')) AS offenders
  FROM (SELECT a.attname, test_util.null_column(a.attname) AS res
		  FROM pg_attribute a
		 WHERE a.attrelid = 'hptune.hyperparameters'::regclass AND a.attnum > 0 AND a.attnotnull
		   AND NOT a.attisdropped) c;

RESET client_min_messages;
