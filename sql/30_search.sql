--
-- Running a search, and its results
--

CREATE FUNCTION hptune.search(
	study text,
	train text DEFAULT NULL,
	validation text DEFAULT NULL,
	validation_split float8 DEFAULT NULL,
	label text DEFAULT NULL,
	features text[] DEFAULT NULL,
	epochs int DEFAULT 1,
	batch_size int DEFAULT 32,
	workers int DEFAULT 0,
	options jsonb DEFAULT '{}')
RETURNS TABLE (trial_id int, status text, score float8, hyperparameters jsonb)
AS 'MODULE_PATHNAME', 'hptune_search'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION hptune.search IS 'run a study''s remaining trials in this transaction; one row per trial run';

CREATE PROCEDURE hptune.tune(
	study text,
	train text DEFAULT NULL,
	validation text DEFAULT NULL,
	validation_split float8 DEFAULT NULL,
	label text DEFAULT NULL,
	features text[] DEFAULT NULL,
	epochs int DEFAULT 1,
	batch_size int DEFAULT 32,
	workers int DEFAULT 0,
	options jsonb DEFAULT '{}')
AS 'MODULE_PATHNAME', 'hptune_tune'
LANGUAGE C;
COMMENT ON PROCEDURE hptune.tune IS 'run a study''s remaining trials, committing after each one: a cancel keeps every finished trial';

CREATE FUNCTION hptune.results_summary(study text, num_trials int DEFAULT 10)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hptune_results_summary'
LANGUAGE C STABLE PARALLEL SAFE ROWS 50;
COMMENT ON FUNCTION hptune.results_summary IS 'the best trials in KerasTuner''s results_summary() layout';

CREATE FUNCTION hptune.best_hyperparameters(study text, num_trials int DEFAULT 1)
RETURNS SETOF jsonb
LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
	SELECT l.hyperparameters
	  FROM hptune.leaderboard l
	 WHERE l.study_id = hptune.study_id(best_hyperparameters.study)
	 ORDER BY l.rank, l.trial_id
	 LIMIT best_hyperparameters.num_trials;
END;
COMMENT ON FUNCTION hptune.best_hyperparameters IS 'the hyperparameters of the best completed trials, best first (KerasTuner get_best_hyperparameters)';

CREATE FUNCTION hptune.best_models(study text, num_models int DEFAULT 1)
RETURNS SETOF bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
	SELECT m.model_id
	  FROM hptune.leaderboard l
	  CROSS JOIN LATERAL (SELECT mm.model_id FROM hptune.models mm
						   WHERE mm.study_id = l.study_id AND mm.trial_id = l.trial_id
						   ORDER BY mm.execution LIMIT 1) m
	 WHERE l.study_id = hptune.study_id(best_models.study)
	 ORDER BY l.rank, l.trial_id
	 LIMIT best_models.num_models;
END;
COMMENT ON FUNCTION hptune.best_models IS 'model_ids of the best trials'' models, best first (KerasTuner get_best_models)';
