-- Objectives: a custom SQL aggregate, and an objective function that trains
-- with hptune.fit() and returns its validation MAE (HyperModel.fit).
SELECT setseed(0.1);
CREATE TABLE rnd AS
SELECT i, ARRAY(SELECT random() FROM generate_series(1, 10) WHERE i > 0)::real[] AS x,
	   random() AS y, i > 100 AS is_validation
  FROM generate_series(1, 120) i;

CREATE FUNCTION sq_err_accum(s float8[], t float8, p float8) RETURNS float8[]
	LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY[s[1] + (t - p) ^ 2, s[2] + 1] $$;
CREATE FUNCTION sq_err_final(s float8[]) RETURNS float8
	LANGUAGE sql IMMUTABLE AS $$ SELECT s[1] / nullif(s[2], 0) $$;
CREATE AGGREGATE custom_metric(y_true float8, y_pred float8) (
	sfunc = sq_err_accum, stype = float8[], initcond = '{0,0}', finalfunc = sq_err_final);

SELECT hptune.create_study('custom_metrics', hypermodel => 'mlp', objective => 'val_custom_metric',
	direction => 'min', max_trials => 3, seed => 4) > 0 AS created;
SELECT hptune.hp_int('custom_metrics', 'units', 32, 128, step => 32);
SET client_min_messages = warning;
SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS completed FROM hptune.search('custom_metrics',
	train => 'SELECT x, y FROM rnd WHERE NOT is_validation',
	validation => 'SELECT x, y FROM rnd WHERE is_validation',
	options => '{"metrics": ["custom_metric"]}');
RESET client_min_messages;
-- the aggregate equals the built-in mean squared error on the same rows
SELECT bool_and(abs(score - (metrics->>'val_mean_squared_error')::float8) < 1e-5) AS aggregate_matches_mse
  FROM hptune.trials WHERE study_id = hptune.study_id('custom_metrics');
SELECT line FROM hptune.results_summary('custom_metrics') line LIMIT 4;

-- an objective function training with hptune.fit and returning the MAE
CREATE FUNCTION fit_and_score(hp jsonb) RETURNS float8 LANGUAGE sql AS $$
	SELECT (hptune.fit('mlp', hp || '{"num_layers": 1}',
		train => 'SELECT x, y FROM rnd WHERE NOT is_validation',
		validation => 'SELECT x, y FROM rnd WHERE is_validation', options => '{"seed": 7}')
		->'metrics'->>'val_mean_absolute_error')::float8
$$;
SELECT hptune.create_study('custom_eval', objective_function => 'fit_and_score(jsonb)', max_trials => 3, seed => 5) > 0 AS created;
SELECT hptune.hp_int('custom_eval', 'units', 32, 128, step => 32);
SET client_min_messages = warning;
SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS completed, bool_and(score BETWEEN 0 AND 1) AS mae_in_range
  FROM hptune.search('custom_eval');
RESET client_min_messages;
SELECT objective, direction FROM hptune.studies WHERE name = 'custom_eval';
SELECT count(*) >= 3 AS fit_models_kept FROM hptune.models WHERE study_id IS NULL;
