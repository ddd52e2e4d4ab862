-- Roles stay apart: a row naming another role's study or trial is refused by
-- row-level security before any foreign key could say whether it exists;
-- study names are shared, and a taken one is a clear error; hostile
-- operators ahead of pg_catalog on the search_path never run.
CREATE ROLE hptune_rose;
CREATE ROLE hptune_vic;
CREATE FUNCTION roles_f(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT (hp->>'x')::float8 $$;

SET client_min_messages = warning;
SET ROLE hptune_rose;
SELECT hptune.create_study('rose_study', objective_function => 'roles_f(jsonb)', max_trials => 2, seed => 3) > 0 AS created;
SELECT hptune.hp_float('rose_study', 'x', 0, 1);
SELECT count(*) AS trials FROM hptune.search('rose_study');
SELECT hptune.study_id('rose_study') AS rose_id \gset
-- a model row of her own trial (as a search of a hypermodel would write)
INSERT INTO hptune.models (study_id, trial_id, execution, step, hypermodel, hyperparameters, model)
	VALUES (:rose_id, 0, 0, 0, 'mlp', '{}', '\x00');
RESET ROLE;
RESET client_min_messages;

CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;
SET ROLE hptune_vic;
-- rows pointing at rose's study and trial: the policy refuses them, and the
-- error is the same for an id that does not exist
SELECT test_util.try(format($$INSERT INTO hptune.models (study_id, trial_id, hypermodel, hyperparameters, model)
	VALUES (%s, 0, 'mlp', '{}', '\x00')$$, :rose_id));
SELECT test_util.try($$INSERT INTO hptune.models (study_id, trial_id, hypermodel, hyperparameters, model)
	VALUES (987654, 0, 'mlp', '{}', '\x00')$$);
SELECT test_util.try(format($$INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters)
	VALUES (%s, 5, 'FAILED', '{}')$$, :rose_id));
SELECT test_util.try($$INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters)
	VALUES (987654, 5, 'FAILED', '{}')$$);
SELECT test_util.try(format($$INSERT INTO hptune.trial_metrics VALUES (%s, 0, 0, 0, 'loss', 1)$$, :rose_id));
SELECT test_util.try($$INSERT INTO hptune.trial_metrics VALUES (987654, 0, 0, 0, 'loss', 1)$$);
SELECT regexp_replace(test_util.try(format($$INSERT INTO hptune.hyperparameters (study_id, name, kind)
	VALUES (%s, 'b', 'boolean')$$, :rose_id)), '(study(_id)? )[0-9]+', '\1N', 'g') AS try;
-- a model of his own may not be moved into her study either
INSERT INTO hptune.models (hypermodel, hyperparameters, model) VALUES ('mlp', '{}', '\x01');
SELECT test_util.try(format($$UPDATE hptune.models SET study_id = %s, trial_id = 0 WHERE study_id IS NULL$$, :rose_id));
DELETE FROM hptune.models WHERE study_id IS NULL;
-- her models do not rank in his best_models; her study name is taken
SELECT count(*) AS models_vic_sees FROM hptune.models;
SELECT test_util.try($$SELECT * FROM hptune.best_models('rose_study')$$);
SELECT test_util.try($$SELECT hptune.create_study('rose_study', objective_function => 'roles_f(jsonb)')$$);
RESET ROLE;
SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;
-- the name taken by the same role is resumed as before
SET ROLE hptune_rose;
SELECT hptune.create_study('rose_study', objective_function => 'roles_f(jsonb)', max_trials => 2, seed => 3)
	 = hptune.study_id('rose_study') AS resumed;
SELECT count(*) AS best_models_rose FROM hptune.best_models('rose_study');
RESET ROLE;

-- hostile operators in public, ahead of pg_catalog: hptune's own SQL never
-- resolves to them
CREATE FUNCTION public.hostile_int8eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN RAISE EXCEPTION 'hostile operator ran'; END $$;
CREATE FUNCTION public.hostile_int4eq(int, int) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN RAISE EXCEPTION 'hostile operator ran'; END $$;
CREATE FUNCTION public.hostile_texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN RAISE EXCEPTION 'hostile operator ran'; END $$;
CREATE FUNCTION public.hostile_exists(jsonb, text) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN RAISE EXCEPTION 'hostile operator ran'; END $$;
CREATE FUNCTION public.hostile_int4pl(int, int) RETURNS int LANGUAGE plpgsql AS
	$$ BEGIN RAISE EXCEPTION 'hostile operator ran'; END $$;
CREATE OPERATOR public.= (leftarg = bigint, rightarg = bigint, function = public.hostile_int8eq);
CREATE OPERATOR public.= (leftarg = int, rightarg = int, function = public.hostile_int4eq);
CREATE OPERATOR public.= (leftarg = text, rightarg = text, function = public.hostile_texteq);
CREATE OPERATOR public.<> (leftarg = text, rightarg = text, function = public.hostile_texteq);
CREATE OPERATOR public.? (leftarg = jsonb, rightarg = text, function = public.hostile_exists);
CREATE OPERATOR public.+ (leftarg = int, rightarg = int, function = public.hostile_int4pl);

SET search_path = public, pg_catalog;
-- the operators would run in the caller's own SQL
SELECT test_util.try($$SELECT 1::bigint = 1::bigint$$);
SET ROLE hptune_rose;
SELECT hptune.create_study('hostile', objective_function => 'roles_f(jsonb)', max_trials => 2, seed => 1) > 0 AS created;
SELECT hptune.create_study('hostile', objective_function => 'roles_f(jsonb)', max_trials => 2, seed => 1) > 0 AS resumed;
SELECT hptune.hp_choice('hostile', 'branch', ARRAY['a', 'b']);
SELECT hptune.hp_float('hostile', 'x', 0, 1, parent_name => 'branch', parent_values => '["a"]');
SELECT hptune.hp_int('hostile', 'n', 1, 3);
SELECT hptune.hp_boolean('hostile', 'flag');
SELECT hptune.hp_fixed('hostile', 'k', 7);
SELECT hptune.hp_fixed('hostile', 'k', 7);
INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value, max_value)
	SELECT hptune.study_id('hostile'), 'm', 'int', 1, 2;
SELECT count(*) AS lines FROM hptune.search_space_summary('hostile');
-- a hypermodel's conditional rows are looked up in the trials (jsonb ?)
SELECT hptune.create_study('hostile_mlp', hypermodel => 'mlp') > 0 AS created;
INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters)
	SELECT hptune.study_id('hostile_mlp'), 0, 'FAILED', '{"num_layers": 3, "units_2": 64}';
SELECT count(*) AS lines FROM hptune.search_space_summary('hostile_mlp');
SELECT hptune.drop_study('hostile_mlp');
SELECT count(*) AS lines FROM hptune.results_summary('rose_study');
SELECT count(*) AS best FROM hptune.best_hyperparameters('rose_study', 2);
SELECT count(*) AS best FROM hptune.best_models('rose_study', 2);
SELECT hptune.drop_study('hostile');
RESET ROLE;
RESET search_path;

DROP OPERATOR public.= (bigint, bigint);
DROP OPERATOR public.= (int, int);
DROP OPERATOR public.= (text, text);
DROP OPERATOR public.<> (text, text);
DROP OPERATOR public.? (jsonb, text);
DROP OPERATOR public.+ (int, int);
DROP FUNCTION public.hostile_int8eq, public.hostile_int4eq, public.hostile_texteq,
	public.hostile_exists, public.hostile_int4pl;
SELECT hptune.drop_study('rose_study');
DROP TABLE before;
DROP ROLE hptune_vic;
DROP ROLE hptune_rose;
