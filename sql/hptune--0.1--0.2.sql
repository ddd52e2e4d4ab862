-- hptune 0.1 -> 0.2.
-- Every change to the sql/NN_*.sql parts since 0.1 is repeated here, so that
-- ALTER EXTENSION hptune UPDATE gives the same catalog as CREATE EXTENSION.

\echo Use "ALTER EXTENSION hptune UPDATE TO '0.2'" to load this file. \quit

--
-- Catalog and code agree: the tables accept only what the code handles.
--
ALTER TABLE hptune.studies DROP COLUMN oracle_state;
ALTER TABLE hptune.trials DROP COLUMN worker;

-- PENDING was never written by hptune and breaks every later search
UPDATE hptune.trials SET status = 'FAILED',
	message = pg_catalog.concat_ws(' ', message, '(status PENDING is not one hptune handles)')
 WHERE status OPERATOR(pg_catalog.=) 'PENDING';
ALTER TABLE hptune.trials DROP CONSTRAINT trials_status_check;
ALTER TABLE hptune.trials ADD CONSTRAINT trials_status_check
	CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED', 'STOPPED', 'INVALID'));
ALTER TABLE hptune.trials ADD CONSTRAINT trials_trial_id_check CHECK (trial_id >= 0);
ALTER TABLE hptune.trials ADD CONSTRAINT trials_hyperparameters_check
	CHECK (pg_catalog.jsonb_typeof(hyperparameters) = 'object');
ALTER TABLE hptune.trials ADD CONSTRAINT trials_metrics_check
	CHECK (pg_catalog.jsonb_typeof(metrics) = 'object');
ALTER TABLE hptune.trials ADD CONSTRAINT trials_best_step_check CHECK (best_step >= 0);
ALTER TABLE hptune.trials ADD CONSTRAINT trials_attempt_check CHECK (attempt >= 1);
ALTER TABLE hptune.trial_metrics ADD CONSTRAINT trial_metrics_execution_check CHECK (execution >= 0);
ALTER TABLE hptune.trial_metrics ADD CONSTRAINT trial_metrics_step_check CHECK (step >= 0);
ALTER TABLE hptune.models ADD CONSTRAINT models_execution_check CHECK (execution >= 0);
ALTER TABLE hptune.models ADD CONSTRAINT models_step_check CHECK (step >= 0);
ALTER TABLE hptune.models ADD CONSTRAINT models_hyperparameters_check
	CHECK (pg_catalog.jsonb_typeof(hyperparameters) = 'object');
ALTER TABLE hptune.models ADD CONSTRAINT models_trial_needs_study
	CHECK (trial_id IS NULL OR study_id IS NOT NULL);
ALTER TABLE hptune.hyperparameters ADD CONSTRAINT hyperparameters_position_check
	CHECK (position >= 1);
COMMENT ON TABLE hptune.hyperparameters IS 'the search space: one row per hyperparameter of a study, validated on INSERT, UPDATE and DELETE';
COMMENT ON COLUMN hptune.hyperparameters.position IS 'declaration order within the study; 0 (the default) takes the next position';

CREATE FUNCTION hptune.studies_check()
RETURNS trigger
AS 'MODULE_PATHNAME', 'hptune_studies_check'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.studies_check IS 'validates rows of hptune.studies exactly as create_study checks its arguments';
CREATE TRIGGER studies_check
	BEFORE INSERT OR UPDATE ON hptune.studies
	FOR EACH ROW EXECUTE FUNCTION hptune.studies_check();

--
-- A dump restores whole: rows are checked on their own, conditions once the
-- whole statement is in.
--
COMMENT ON FUNCTION hptune.hyperparameters_check IS 'validates each row of hptune.hyperparameters on its own, exactly as the hp_* functions do';
CREATE FUNCTION hptune.hyperparameters_check_space()
RETURNS trigger
AS 'MODULE_PATHNAME', 'hptune_hyperparameters_check_space'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.hyperparameters_check_space IS 'checks the conditions of every search space a statement on hptune.hyperparameters changed';
CREATE TRIGGER hyperparameters_check_space_insert
	AFTER INSERT ON hptune.hyperparameters
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION hptune.hyperparameters_check_space();
CREATE TRIGGER hyperparameters_check_space_update
	AFTER UPDATE ON hptune.hyperparameters
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION hptune.hyperparameters_check_space();
CREATE TRIGGER hyperparameters_check_space_delete
	AFTER DELETE ON hptune.hyperparameters
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION hptune.hyperparameters_check_space();

--
-- Roles stay apart: a model row may name only a study the role sees; SQL
-- functions parsed at call time run with a fixed search_path.
--
DROP POLICY models_owner ON hptune.models;
CREATE POLICY models_owner ON hptune.models
	USING (pg_catalog.pg_has_role(current_user, owner, 'MEMBER')
		   AND (study_id IS NULL OR study_id IN (SELECT s.study_id FROM hptune.studies s)))
	WITH CHECK (pg_catalog.pg_has_role(current_user, owner, 'MEMBER')
		   AND (study_id IS NULL OR study_id IN (SELECT s.study_id FROM hptune.studies s)));
ALTER FUNCTION hptune.hp_fixed(text, text, anyelement, text, jsonb)
	SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION hptune.best_hyperparameters(text, int) STRICT;
ALTER FUNCTION hptune.best_models(text, int) STRICT;

-- The hp_* functions register a row of hptune.hyperparameters, which its
-- triggers check (hyperparameters_check).  An argument whose default is not
-- NULL must not be NULL: that is a 22004 error naming it.
CREATE OR REPLACE FUNCTION hptune.hp_int(
	study text,
	name text,
	min_value bigint,
	max_value bigint,
	step bigint DEFAULT NULL,
	sampling text DEFAULT 'linear',
	"default" bigint DEFAULT NULL,
	parent_name text DEFAULT NULL,
	parent_values jsonb DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF sampling IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'sampling must not be null',
			DETAIL = format('hp_int(''%s'', ''%s'', ...) was called with sampling => NULL.', study, name),
			HINT = 'Pass sampling => ''linear'', ''log'' or ''reverse_log'', or leave it out for linear.';
	END IF;
	INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value, max_value, step,
		sampling, default_value, parent_name, parent_values)
	VALUES (hptune.study_id(study), name, 'int', min_value, max_value, step,
		sampling, to_jsonb("default"), parent_name, parent_values);
	RETURN coalesce("default", min_value);
END
$$;
COMMENT ON FUNCTION hptune.hp_int IS 'register an integer hyperparameter (KerasTuner hp.Int); returns its default';

CREATE OR REPLACE FUNCTION hptune.hp_float(
	study text,
	name text,
	min_value float8,
	max_value float8,
	step float8 DEFAULT NULL,
	sampling text DEFAULT 'linear',
	"default" float8 DEFAULT NULL,
	parent_name text DEFAULT NULL,
	parent_values jsonb DEFAULT NULL)
RETURNS float8
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF sampling IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'sampling must not be null',
			DETAIL = format('hp_float(''%s'', ''%s'', ...) was called with sampling => NULL.', study, name),
			HINT = 'Pass sampling => ''linear'', ''log'' or ''reverse_log'', or leave it out for linear.';
	END IF;
	INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value, max_value, step,
		sampling, default_value, parent_name, parent_values)
	VALUES (hptune.study_id(study), name, 'float', min_value, max_value, step,
		sampling, to_jsonb("default"), parent_name, parent_values);
	RETURN coalesce("default", min_value);
END
$$;
COMMENT ON FUNCTION hptune.hp_float IS 'register a floating-point hyperparameter (KerasTuner hp.Float); returns its default';

CREATE OR REPLACE FUNCTION hptune.hp_choice(
	study text,
	name text,
	"values" anyarray,
	ordered boolean DEFAULT NULL,
	"default" anyelement DEFAULT NULL,
	parent_name text DEFAULT NULL,
	parent_values jsonb DEFAULT NULL)
RETURNS anyelement
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF "values" IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'values must not be null',
			DETAIL = format('hp_choice(''%s'', ''%s'', ...) was called with values => NULL.', study, name),
			HINT = 'Pass the choices as an array, such as ARRAY[32, 64, 128].';
	END IF;
	INSERT INTO hptune.hyperparameters (study_id, name, kind, choices, ordered,
		default_value, parent_name, parent_values)
	VALUES (hptune.study_id(study), name, 'choice', to_jsonb("values"), ordered,
		to_jsonb("default"), parent_name, parent_values);
	RETURN coalesce("default", "values"[array_lower("values", 1)]);
END
$$;
COMMENT ON FUNCTION hptune.hp_choice IS 'register a hyperparameter taking one of a list of values (KerasTuner hp.Choice); returns its default';

CREATE OR REPLACE FUNCTION hptune.hp_boolean(
	study text,
	name text,
	"default" boolean DEFAULT false,
	parent_name text DEFAULT NULL,
	parent_values jsonb DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF "default" IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'default must not be null',
			DETAIL = format('hp_boolean(''%s'', ''%s'', ...) was called with "default" => NULL.', study, name),
			HINT = 'Pass "default" => true or false, or leave it out for false.';
	END IF;
	INSERT INTO hptune.hyperparameters (study_id, name, kind, default_value,
		parent_name, parent_values)
	VALUES (hptune.study_id(study), name, 'boolean', to_jsonb("default"),
		parent_name, parent_values);
	RETURN "default";
END
$$;
COMMENT ON FUNCTION hptune.hp_boolean IS 'register a boolean hyperparameter (KerasTuner hp.Boolean); returns its default';

--
-- Calls that compose: evaluate() runs a user query and must see a model
-- trained earlier in the same statement.
--
ALTER FUNCTION hptune.evaluate(bigint, text) VOLATILE;
