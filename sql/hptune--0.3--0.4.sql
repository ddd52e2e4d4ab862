-- hptune 0.3 -> 0.4.
-- Every change to the sql/NN_*.sql parts since 0.3 is repeated here, so that
-- ALTER EXTENSION hptune UPDATE gives the same catalog as CREATE EXTENSION.

\echo Use "ALTER EXTENSION hptune UPDATE TO '0.4'" to load this file. \quit

--
-- Progress: what a background worker is doing, down to the batch.
--

-- hptune.progress gains a last column, activity: the worker's
-- pg_stat_activity.query ("hptune: study s trial 7 epoch 2/5, batch 120/390")
CREATE OR REPLACE VIEW hptune.progress WITH (security_invoker = true) AS
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
