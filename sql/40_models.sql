--
-- Using trained models, and training outside a search
--

CREATE FUNCTION hptune.predict(model_id bigint, features anyelement)
RETURNS float4[]
AS 'MODULE_PATHNAME', 'hptune_predict'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hptune.predict IS 'class probabilities (or the regression output) for one row or numeric array';

CREATE FUNCTION hptune.predict_class(model_id bigint, features anyelement)
RETURNS text
AS 'MODULE_PATHNAME', 'hptune_predict_class'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hptune.predict_class IS 'the most likely label of one row or numeric array, as text in the label''s own form';

CREATE FUNCTION hptune.predict_query(model_id bigint, query text, key text DEFAULT NULL)
RETURNS TABLE (key text, prediction float4[], predicted_class text)
AS 'MODULE_PATHNAME', 'hptune_predict_query'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 1000;
COMMENT ON FUNCTION hptune.predict_query IS 'predictions for every row of a query at once (batched); key names a column returned with each row, else the row number';

-- VOLATILE: it runs a user query, which may call volatile functions and must
-- see what earlier parts of the same statement wrote (a model just trained)
CREATE FUNCTION hptune.evaluate(model_id bigint, query text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hptune_evaluate'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION hptune.evaluate IS 'a model''s metrics (loss, accuracy, ...) on the rows of any query with the training columns';

CREATE FUNCTION hptune.model_summary(model_id bigint)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hptune_model_summary'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION hptune.model_summary IS 'layers, output shapes and parameter counts, as Keras''s Model.summary()';

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
