-- hptune 0.2 -> 0.3.
-- Every change to the sql/NN_*.sql parts since 0.2 is repeated here, so that
-- ALTER EXTENSION hptune UPDATE gives the same catalog as CREATE EXTENSION.

\echo Use "ALTER EXTENSION hptune UPDATE TO '0.3'" to load this file. \quit

--
-- Oracles: Bayesian optimisation, TPE, Hyperband and pruning.
--

-- Checkpoints: where a promoted Hyperband trial continues from.
CREATE TABLE hptune.checkpoints (
	study_id bigint NOT NULL,
	trial_id int NOT NULL,
	execution int NOT NULL
		CONSTRAINT checkpoints_execution_check CHECK (execution >= 0),
	epochs int NOT NULL
		CONSTRAINT checkpoints_epochs_check CHECK (epochs >= 1),
	model bytea NOT NULL,
	optimizer_state bytea NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (study_id, trial_id, execution),
	FOREIGN KEY (study_id, trial_id) REFERENCES hptune.trials ON DELETE CASCADE
);
COMMENT ON TABLE hptune.checkpoints IS 'the last epoch of a Hyperband trial that may be promoted: weights in the model format, optimizer state in its own checksummed format';
ALTER TABLE hptune.checkpoints ENABLE ROW LEVEL SECURITY;
CREATE POLICY checkpoints_owner ON hptune.checkpoints
	USING (study_id IN (SELECT s.study_id FROM hptune.studies s));
GRANT SELECT, INSERT, UPDATE, DELETE ON hptune.checkpoints TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('hptune.checkpoints', '');


--
-- Parallel trials: workers, leases, ask/tell, progress.
--


--
-- Image models: input shapes and convolutional hypermodels.
--

ALTER TABLE hptune.studies ADD COLUMN hypermodel_options jsonb NOT NULL DEFAULT '{}';
COMMENT ON COLUMN hptune.studies.hypermodel_options IS 'the hypermodel''s constructor arguments: input_shape, classes, include_top';

-- create_study, fit and retrain take hypermodel_options as a last argument
DROP FUNCTION hptune.create_study(text, text, text, text, text, int, int, regprocedure, jsonb, bigint, boolean);
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

DROP FUNCTION hptune.fit(text, jsonb, text, text, float8, text, text[], int, int, jsonb);
CREATE FUNCTION hptune.fit(
	hypermodel text,
	hyperparameters jsonb,
	train text,
	validation text DEFAULT NULL,
	validation_split float8 DEFAULT NULL,
	label text DEFAULT NULL,
	features text[] DEFAULT NULL,
	epochs int DEFAULT 1,
	batch_size int DEFAULT 32,
	options jsonb DEFAULT '{}',
	hypermodel_options jsonb DEFAULT '{}')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hptune_fit'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.fit IS 'train one model: {"model_id", "best_step", "metrics", "epoch_seconds", "load_seconds"}';

DROP FUNCTION hptune.retrain(text, text, int, text, text[], int, jsonb);
CREATE FUNCTION hptune.retrain(
	study text,
	train text,
	epochs int DEFAULT 1,
	label text DEFAULT NULL,
	features text[] DEFAULT NULL,
	batch_size int DEFAULT 32,
	options jsonb DEFAULT '{}',
	hypermodel_options jsonb DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'hptune_retrain'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.retrain IS 'train the study''s best hyperparameters on all of train; returns the new model_id';

