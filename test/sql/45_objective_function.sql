-- A study's objective function is checked when the study is created, at
-- every search and before every call: an UPDATE of
-- hptune.studies.objective_function to a function of another signature, a
-- dropped function or one the caller may not execute gives an error naming
-- the study and the function, never a call through the wrong signature.
-- The trigger on hptune.studies refuses such UPDATEs (40_catalog_checks);
-- here they are made with triggers off, as a superuser can, to show that
-- the search checks again whatever the row holds.
CREATE FUNCTION obj_ok(hp jsonb) RETURNS float8 LANGUAGE sql
AS $$ SELECT (hp->>'x')::float8 $$;
SELECT hptune.create_study('obj_changed', objective_function => 'obj_ok(jsonb)', max_trials => 3, seed => 1) > 0 AS created;
SELECT hptune.hp_float('obj_changed', 'x', 0, 1);
SELECT test_util.fingerprint() AS before \gset

SET session_replication_role = replica;
-- internal argument: would crash the backend if called with a jsonb
UPDATE hptune.studies SET objective_function = 'array_typanalyze(internal)' WHERE name = 'obj_changed';
SELECT test_util.try($$SELECT * FROM hptune.search('obj_changed')$$);
SELECT test_util.try($$CALL hptune.tune('obj_changed')$$);
-- text argument: would "complete" trials with garbage
UPDATE hptune.studies SET objective_function = 'textlen(text)' WHERE name = 'obj_changed';
SELECT test_util.try($$SELECT * FROM hptune.search('obj_changed')$$);
-- two arguments, a set, an aggregate, a procedure
CREATE FUNCTION obj_two(a jsonb, b jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT 1.0::float8 $$;
CREATE FUNCTION obj_set(hp jsonb) RETURNS SETOF float8 LANGUAGE sql AS $$ SELECT 1.0::float8 $$;
CREATE AGGREGATE obj_agg(jsonb) (sfunc = jsonb_concat, stype = jsonb);
CREATE PROCEDURE obj_proc(hp jsonb) LANGUAGE sql AS $$ SELECT 1 $$;
UPDATE hptune.studies SET objective_function = 'obj_two(jsonb,jsonb)' WHERE name = 'obj_changed';
SELECT test_util.try($$SELECT * FROM hptune.search('obj_changed')$$);
UPDATE hptune.studies SET objective_function = 'obj_set(jsonb)' WHERE name = 'obj_changed';
SELECT test_util.try($$SELECT * FROM hptune.search('obj_changed')$$);
UPDATE hptune.studies SET objective_function = 'obj_agg(jsonb)' WHERE name = 'obj_changed';
SELECT test_util.try($$SELECT * FROM hptune.search('obj_changed')$$);
UPDATE hptune.studies SET objective_function = 'obj_proc(jsonb)' WHERE name = 'obj_changed';
SELECT test_util.try($$SELECT * FROM hptune.search('obj_changed')$$);
-- right argument, wrong result type
CREATE FUNCTION obj_text(hp jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;
UPDATE hptune.studies SET objective_function = 'obj_text(jsonb)' WHERE name = 'obj_changed';
SELECT test_util.try($$SELECT * FROM hptune.search('obj_changed')$$);
-- a function dropped after the study named it
CREATE FUNCTION obj_gone(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT 1.0::float8 $$;
UPDATE hptune.studies SET objective_function = 'obj_gone(jsonb)' WHERE name = 'obj_changed';
DROP FUNCTION obj_gone(jsonb);
SELECT test_util.try($$SELECT * FROM hptune.search('obj_changed')$$)
	~ '^42883: objective function of study "obj_changed" does not exist' AS dropped_function_refused;
-- none of these ran a trial
RESET session_replication_role;
UPDATE hptune.studies SET objective_function = 'obj_ok(jsonb)' WHERE name = 'obj_changed';
SELECT test_util.fingerprint() = :'before' AS nothing_changed;

-- create_study names the study and the function too
SELECT test_util.try($$SELECT hptune.create_study('obj_bad', objective_function => 'textlen(text)')$$);
SELECT test_util.try($$SELECT hptune.create_study('obj_bad', objective_function => 'obj_text(jsonb)')$$);
