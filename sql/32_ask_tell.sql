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
