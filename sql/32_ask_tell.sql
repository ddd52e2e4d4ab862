--
-- The database as the oracle: ask / tell from any number of sessions
--

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
	   t.study_id,
	   (SELECT a.query FROM pg_catalog.pg_stat_activity a
		 WHERE a.pid = t.backend_pid AND a.query LIKE 'hptune: %') AS activity
  FROM hptune.trials t
  JOIN hptune.studies s USING (study_id)
 WHERE t.status = 'RUNNING';
COMMENT ON VIEW hptune.progress IS 'every running trial whose RUNNING row is committed (workers, tune, suggest): who runs it, steps reported, best score so far, elapsed and estimated time left, and what a background worker is doing (epoch and batch)';
GRANT SELECT ON hptune.progress TO PUBLIC;
