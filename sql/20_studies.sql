--
-- Studies and their search spaces
--

CREATE FUNCTION hptune.create_study(
	name text,
	hypermodel text DEFAULT NULL,
	objective text DEFAULT NULL,
	direction text DEFAULT NULL,
	tuner text DEFAULT 'random',
	max_trials int DEFAULT 10,
	executions_per_trial int DEFAULT 1,
	objective_function regprocedure DEFAULT NULL,
	tuner_options jsonb DEFAULT '{}',
	seed bigint DEFAULT NULL,
	overwrite boolean DEFAULT false,
	hypermodel_options jsonb DEFAULT '{}')
RETURNS bigint
AS 'MODULE_PATHNAME', 'hptune_create_study'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.create_study IS 'create a study (or resume one with the same settings); returns its study_id';

CREATE FUNCTION hptune.drop_study(name text)
RETURNS void
AS 'MODULE_PATHNAME', 'hptune_drop_study'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.drop_study IS 'delete a study with its search space, trials, metrics and models';

CREATE FUNCTION hptune.study_id(study text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'hptune_study_id'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION hptune.study_id IS 'the study_id of a study name, or an error if no such study is visible';

CREATE FUNCTION hptune.studies_check()
RETURNS trigger
AS 'MODULE_PATHNAME', 'hptune_studies_check'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.studies_check IS 'validates rows of hptune.studies exactly as create_study checks its arguments';

CREATE TRIGGER studies_check
	BEFORE INSERT OR UPDATE ON hptune.studies
	FOR EACH ROW EXECUTE FUNCTION hptune.studies_check();

CREATE FUNCTION hptune.hyperparameters_check()
RETURNS trigger
AS 'MODULE_PATHNAME', 'hptune_hyperparameters_check'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.hyperparameters_check IS 'validates each row of hptune.hyperparameters on its own, exactly as the hp_* functions do';

CREATE TRIGGER hyperparameters_check
	BEFORE INSERT OR UPDATE ON hptune.hyperparameters
	FOR EACH ROW EXECUTE FUNCTION hptune.hyperparameters_check();

-- Conditions relate rows to each other, so they are checked once the whole
-- statement is in (a COPY of a dump inserts parents and children together).
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

-- The hp_* functions register a row of hptune.hyperparameters, which its
-- triggers check (hyperparameters_check).  An argument whose default is not
-- NULL must not be NULL: that is a 22004 error naming it.
CREATE FUNCTION hptune.hp_int(
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

CREATE FUNCTION hptune.hp_float(
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

CREATE FUNCTION hptune.hp_choice(
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

CREATE FUNCTION hptune.hp_boolean(
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

CREATE FUNCTION hptune.hp_fixed(
	study text,
	name text,
	value anyelement,
	parent_name text DEFAULT NULL,
	parent_values jsonb DEFAULT NULL)
RETURNS anyelement
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
	INSERT INTO hptune.hyperparameters (study_id, name, kind, default_value,
		parent_name, parent_values)
	VALUES (hptune.study_id(study), name, 'fixed', pg_catalog.to_jsonb(value),
		parent_name, parent_values);
	SELECT value;
$$;
COMMENT ON FUNCTION hptune.hp_fixed IS 'pin a hyperparameter to one value (KerasTuner hp.Fixed); returns it';

CREATE FUNCTION hptune.search_space_summary(study text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hptune_search_space_summary'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION hptune.search_space_summary IS 'the search space in KerasTuner''s search_space_summary() layout';
