-- Every bad definition is rejected with a specific SQLSTATE, a message, a
-- detail naming the value and a hint, and leaves every table as it was.
CREATE FUNCTION sq(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT (hp->>'x')::float8 ^ 2 $$;
SELECT hptune.create_study('errs', objective_function => 'sq(jsonb)'::regprocedure) > 0 AS created;
SELECT hptune.hp_int('errs', 'n', 1, 5);
SELECT hptune.hp_choice('errs', 'act', ARRAY['relu', 'tanh']);
CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;

SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 10, 1)$$);
SELECT test_util.try($$SELECT hptune.hp_float('errs', 'a', 1, 0.5)$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 1, 10, step => 0)$$);
SELECT test_util.try($$SELECT hptune.hp_float('errs', 'a', 0, 1, step => -0.1)$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 1, 10, step => 20)$$);
SELECT test_util.try($$SELECT hptune.hp_float('errs', 'a', 0, 1, sampling => 'log')$$);
SELECT test_util.try($$SELECT hptune.hp_float('errs', 'a', -1, 1, sampling => 'reverse_log')$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 1, 32, step => 1, sampling => 'log')$$);
SELECT test_util.try($$SELECT hptune.hp_float('errs', 'a', 0, 1, sampling => 'cubic')$$);
SELECT test_util.try($$SELECT hptune.hp_float('errs', 'a', 0, 'infinity')$$);
SELECT test_util.try($$SELECT hptune.hp_float('errs', 'a', 'nan', 1)$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 1, 10, "default" => 11)$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 0, 100, step => 10, "default" => 15)$$);
SELECT test_util.try($$SELECT hptune.hp_float('errs', 'a', 0, 1, "default" => 2)$$);
SELECT test_util.try($$SELECT hptune.hp_choice('errs', 'a', ARRAY[]::text[])$$);
SELECT test_util.try($$SELECT hptune.hp_choice('errs', 'a', ARRAY['x', 'y', 'x'])$$);
SELECT test_util.try($$SELECT hptune.hp_choice('errs', 'a', ARRAY['x', 'y'], ordered => true)$$);
SELECT test_util.try($$SELECT hptune.hp_choice('errs', 'a', ARRAY['x', 'y'], "default" => 'z')$$);
SELECT test_util.try($$INSERT INTO hptune.hyperparameters (study_id, name, kind, choices)
	VALUES (hptune.study_id('errs'), 'a', 'choice', '[1, "one"]')$$);
SELECT test_util.try($$INSERT INTO hptune.hyperparameters (study_id, name, kind, choices)
	VALUES (hptune.study_id('errs'), 'a', 'choice', '[]')$$);
SELECT test_util.try($$INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value, max_value)
	VALUES (hptune.study_id('errs'), 'a', 'int', 5, 1)$$);
SELECT test_util.try($$INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value)
	VALUES (hptune.study_id('errs'), 'a', 'float', 5)$$);
SELECT test_util.try($$INSERT INTO hptune.hyperparameters (study_id, name, kind)
	VALUES (hptune.study_id('errs'), 'a', 'complex')$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 1, 5, parent_name => 'missing', parent_values => '[1]')$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 1, 5, parent_name => 'n', parent_values => '[7]')$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 1, 5, parent_name => 'act', parent_values => '["gelu"]')$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 1, 5, parent_name => 'n', parent_values => '[]')$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 1, 5, parent_name => 'n')$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'a', 1, 5, parent_name => 'a', parent_values => '[1]')$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', 'n', 1, 6)$$);
SELECT test_util.try($$SELECT hptune.hp_float('errs', 'n', 1, 5)$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', '', 1, 5)$$);
SELECT test_util.try($$SELECT hptune.hp_int('errs', repeat('x', 64), 1, 5)$$);
SELECT test_util.try($$SELECT hptune.hp_int('nosuchstudy', 'a', 1, 5)$$);
SELECT test_util.try($$SELECT hptune.hp_int(NULL, 'a', 1, 5)$$);
SELECT test_util.try($$SELECT hptune.search_space_summary('nosuchstudy')$$);

SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;
