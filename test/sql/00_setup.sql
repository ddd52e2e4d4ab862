-- Helpers shared by the regression tests (which run in order, in one database).
CREATE SCHEMA test_util;
GRANT USAGE ON SCHEMA test_util TO PUBLIC;

-- run a statement; show its SQLSTATE, message, detail and hint on one line
CREATE FUNCTION test_util.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	msg text; det text; hin text;
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT;
	RETURN SQLSTATE || ': ' || msg || E'\n  detail: ' || coalesce(det, '') || E'\n  hint: ' || coalesce(hin, '');
END $$;

-- a digest of every hptune table, to show that a rejected call changed nothing
CREATE FUNCTION test_util.fingerprint() RETURNS text LANGUAGE sql AS $$
	SELECT md5(concat_ws('|',
		(SELECT string_agg(s::text, ',' ORDER BY study_id) FROM hptune.studies s),
		(SELECT string_agg(h::text, ',' ORDER BY study_id, name) FROM hptune.hyperparameters h),
		(SELECT string_agg(t::text, ',' ORDER BY study_id, trial_id) FROM hptune.trials t),
		(SELECT count(*)::text FROM hptune.trial_metrics),
		(SELECT count(*)::text FROM hptune.models)))
$$;

SELECT extname, extversion FROM pg_extension WHERE extname = 'hptune';
