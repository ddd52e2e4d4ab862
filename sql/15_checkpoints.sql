--
-- Checkpoints: where a promoted Hyperband trial continues from.
--
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
