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

ALTER TABLE hptune.trials DROP CONSTRAINT trials_status_check;
ALTER TABLE hptune.trials ADD CONSTRAINT trials_status_check
	CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED', 'STOPPED', 'INVALID', 'PENDING'));
ALTER TABLE hptune.trials ADD COLUMN worker text;
ALTER TABLE hptune.trials ADD COLUMN lease_token uuid;
ALTER TABLE hptune.trials ADD COLUMN lease_expires_at timestamptz;
COMMENT ON COLUMN hptune.trials.worker IS 'who holds or last held the trial''s lease (suggest''s worker argument)';
COMMENT ON COLUMN hptune.trials.lease_token IS 'the current lease of a RUNNING trial handed out by suggest; report and complete must hold it';
COMMENT ON COLUMN hptune.trials.lease_expires_at IS 'database time at which the lease lapses unless report heart-beats it; then the trial goes back to PENDING';
CREATE FUNCTION hptune.suggest(study text, worker text DEFAULT NULL)
RETURNS TABLE (trial_id int, hyperparameters jsonb, lease uuid)
AS 'MODULE_PATHNAME', 'hptune_suggest'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 1;
COMMENT ON FUNCTION hptune.suggest IS 'hand out a trial under a lease (a lapsed one, or the oracle''s next); no row when the study has all its trials';

CREATE FUNCTION hptune.report(study text, trial_id int, step int, metrics jsonb, lease uuid DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'hptune_report'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.report IS 'store a leased trial''s metrics of one step and renew its lease; true: the oracle says stop the trial';

CREATE FUNCTION hptune.complete(study text, trial_id int, metrics jsonb, lease uuid DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'hptune_complete'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.complete IS 'record a leased trial''s result (an object holding the objective, or its value) and end the lease';

CREATE VIEW hptune.progress WITH (security_invoker = true) AS
SELECT s.name AS study,
	   coalesce(t.worker, 'backend ' || t.backend_pid) AS worker,
	   t.trial_id,
	   t.attempt,
	   (SELECT max(m.step) + 1 FROM hptune.trial_metrics m
		 WHERE m.study_id = t.study_id AND m.trial_id = t.trial_id) AS steps_done,
	   (SELECT CASE WHEN s.direction = 'max' THEN max(d.score) ELSE min(d.score) END
		  FROM hptune.trials d
		 WHERE d.study_id = t.study_id AND d.status = 'COMPLETED') AS best_score,
	   clock_timestamp() - t.started_at AS elapsed,
	   (SELECT avg(d.ended_at - d.started_at)
			   * greatest(s.max_trials - count(*) FILTER (WHERE d.status NOT IN ('RUNNING', 'PENDING')), 0)
			   / greatest(count(*) FILTER (WHERE d.status = 'RUNNING'), 1)
		  FROM hptune.trials d WHERE d.study_id = t.study_id) AS estimated_remaining,
	   t.lease_expires_at,
	   t.backend_pid,
	   t.study_id
  FROM hptune.trials t
  JOIN hptune.studies s USING (study_id)
 WHERE t.status = 'RUNNING';
COMMENT ON VIEW hptune.progress IS 'every running trial whose RUNNING row is committed (workers, tune, suggest): who runs it, steps reported, best score so far, elapsed and estimated time left';
GRANT SELECT ON hptune.progress TO PUBLIC;


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

