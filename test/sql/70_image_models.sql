-- Image hypermodels (resnet, xception, cnn) and hypermodel_options: the
-- options' checks, the image checks against the data, each with its
-- SQLSTATE, detail and hint and without a trace in the tables; then a tiny
-- cnn search and resnet / xception models with their Keras summaries.
SET client_min_messages = warning;
-- 40 images of 8x8 pixels, flat, as 2-D and as 3-D arrays, in 4 classes
CREATE TABLE img8 AS
SELECT i,
	   ARRAY(SELECT (((i * 7 + j * (1 + i % 4)) % 13) / 13.0)::float4 FROM generate_series(0, 63) j) AS flat,
	   i % 4 AS label
  FROM generate_series(1, 40) i;
ALTER TABLE img8 ADD COLUMN grid float4[][], ADD COLUMN cube float4[][][];
UPDATE img8 SET grid = (SELECT array_agg(r ORDER BY k) FROM
		(SELECT k, ARRAY(SELECT flat[k * 8 + c + 1] FROM generate_series(0, 7) c) AS r
		   FROM generate_series(0, 7) k) rows),
	cube = (SELECT array_agg(r ORDER BY k) FROM
		(SELECT k, ARRAY(SELECT ARRAY[flat[k * 8 + c + 1]] FROM generate_series(0, 7) c) AS r
		   FROM generate_series(0, 7) k) rows);
SELECT array_dims(grid) AS grid, array_dims(cube) AS cube, flat[10] = grid[2][2] AND flat[10] = cube[2][2][1] AS same
  FROM img8 WHERE i = 1;
-- 16 of them at 32x32 (each pixel repeated 4x4), for the resnet
CREATE TABLE img32 AS
SELECT i, ARRAY(SELECT flat[(r / 4) * 8 + (c / 4) + 1] FROM generate_series(0, 31) r, generate_series(0, 31) c) AS x,
	   label
  FROM img8 WHERE i <= 16;

SELECT hptune.create_study('img_cnn', hypermodel => 'cnn', objective => 'val_accuracy', max_trials => 2,
	executions_per_trial => 2, seed => 7, hypermodel_options => '{"input_shape": [8, 8, 1], "classes": 4}') AS cnn_id \gset
CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;

-- hypermodel_options is checked where it is given
SELECT test_util.try($$SELECT hptune.create_study('x', hypermodel => 'cnn', hypermodel_options => '[8, 8, 1]')$$);
SELECT test_util.try($$SELECT hptune.create_study('x', hypermodel => 'cnn', hypermodel_options => '{"shape": [8, 8, 1]}')$$);
SELECT test_util.try($$SELECT hptune.create_study('x', hypermodel => 'cnn', hypermodel_options => '{"input_shape": [8, 8]}')$$);
SELECT test_util.try($$SELECT hptune.create_study('x', hypermodel => 'cnn', hypermodel_options => '{"input_shape": [8, 0, 1]}')$$);
SELECT test_util.try($$SELECT hptune.create_study('x', hypermodel => 'cnn', hypermodel_options => '{"input_shape": [8, 8.5, 1]}')$$);
SELECT test_util.try($$SELECT hptune.create_study('x', hypermodel => 'cnn', hypermodel_options => '{"input_shape": "8x8"}')$$);
SELECT test_util.try($$SELECT hptune.create_study('x', hypermodel => 'cnn', hypermodel_options => '{"classes": 0}')$$);
SELECT test_util.try($$SELECT hptune.create_study('x', hypermodel => 'cnn', hypermodel_options => '{"include_top": "yes"}')$$);
SELECT test_util.try($$SELECT hptune.create_study('x', hypermodel => 'mlp', hypermodel_options => '{"input_shape": [8, 8, 1]}')$$);
SELECT test_util.try($$SELECT hptune.create_study('x', hypermodel => 'cnn', hypermodel_options => NULL)$$);
-- resuming needs the same options
SELECT test_util.try($$SELECT hptune.create_study('img_cnn', hypermodel => 'cnn', objective => 'val_accuracy', max_trials => 2,
	executions_per_trial => 2, seed => 7, hypermodel_options => '{"input_shape": [8, 8, 3], "classes": 4}')$$);
SELECT hptune.create_study('img_cnn', hypermodel => 'cnn', objective => 'val_accuracy', max_trials => 2,
	executions_per_trial => 2, seed => 7, hypermodel_options => '{"classes": 4, "input_shape": [8, 8, 1]}') = :cnn_id AS resumed;
-- a row written by hand meets the same checks
SELECT test_util.try($$UPDATE hptune.studies SET hypermodel_options = '{"input_shape": [8, 8]}' WHERE name = 'img_cnn'$$);
SELECT test_util.try($$UPDATE hptune.studies SET hypermodel_options = '{"input_shape": [8, 8, 1]}', hypermodel = 'linear' WHERE name = 'img_cnn'$$);

-- images against the data: a first row of the wrong length, a later one,
-- an array whose shape is not input_shape, one-hot columns beside the image
SELECT test_util.try($$SELECT * FROM hptune.search('img_cnn', train => 'SELECT flat[1:60] AS x, label FROM img8', validation_split => 0.25)$$);
SELECT test_util.try($$SELECT * FROM hptune.search('img_cnn',
	train => 'SELECT CASE WHEN i = 6 THEN flat[1:63] ELSE flat END AS x, label FROM img8 ORDER BY i', validation_split => 0.25)$$);
SELECT test_util.try($$SELECT hptune.fit('cnn', '{}', 'SELECT grid, label FROM img8', hypermodel_options => '{"input_shape": [4, 16, 1]}')$$);
SELECT test_util.try($$SELECT hptune.fit('cnn', '{}', 'SELECT flat, (i % 2)::text AS tag, label FROM img8',
	hypermodel_options => '{"input_shape": [8, 8, 1]}')$$);
SELECT test_util.try($$SELECT hptune.fit('cnn', '{}', 'SELECT flat, label FROM img8', hypermodel_options => '{"input_shape": [8, 8, 1], "classes": 10}')$$);
-- a network without its classifier cannot be trained
SELECT test_util.try($$SELECT hptune.fit('cnn', '{}', 'SELECT flat, label FROM img8', hypermodel_options => '{"input_shape": [8, 8, 1], "include_top": false}')$$);
-- an image hypermodel needs a shape: input_shape, or arrays of 2 or 3 dimensions
SELECT test_util.try($$SELECT hptune.fit('resnet', '{}', 'SELECT flat, label FROM img8')$$);
-- images too small for the network's strides
SELECT test_util.try($$SELECT hptune.fit('resnet', '{}', 'SELECT flat, label FROM img8', hypermodel_options => '{"input_shape": [8, 8, 1]}')$$);
SELECT test_util.try($$SELECT hptune.fit('cnn', '{"num_conv_blocks": 3}', 'SELECT flat[1:16] AS x, label FROM img8',
	hypermodel_options => '{"input_shape": [4, 4, 1]}')$$);
-- a hyperparameter out of its hypermodel's range
SELECT test_util.try($$SELECT hptune.fit('resnet', '{"version": "v3"}', 'SELECT x, label FROM img32', hypermodel_options => '{"input_shape": [32, 32, 1]}')$$);
SELECT test_util.try($$SELECT hptune.fit('xception', '{"pooling": "min"}', 'SELECT grid, label FROM img8')$$);
-- a network over hptune.max_memory, before anything is allocated
SET hptune.max_memory = '64MB';
SELECT regexp_replace(test_util.try($$SELECT hptune.fit('resnet', '{}', 'SELECT x, label FROM img32', hypermodel_options => '{"input_shape": [32, 32, 1]}')$$),
	'needs [0-9]+ kB', 'needs N kB') AS try;
RESET hptune.max_memory;
SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;

-- a tiny cnn search: 2 trials of 2 executions of 2 epochs; every epoch's
-- metrics are recorded, each execution keeps its best epoch's model, and
-- the trials' models predict
SELECT trial_id, status FROM hptune.search('img_cnn', train => 'SELECT flat, label FROM img8', validation_split => 0.25,
	epochs => 2)
 ORDER BY trial_id;
SELECT count(*) AS epochs_recorded FROM hptune.trial_metrics WHERE study_id = :cnn_id AND name = 'val_accuracy';
SELECT count(*) AS models, count(DISTINCT (trial_id, execution)) AS executions
  FROM hptune.models WHERE study_id = :cnn_id;
SELECT hptune.predict_class(m.model_id, img8.flat) IN ('0', '1', '2', '3') AS predicts,
	   array_length(hptune.predict(m.model_id, img8.flat), 1) AS outputs
  FROM hptune.models m, img8 WHERE m.study_id = :cnn_id AND m.trial_id = 0 AND m.execution = 1 AND img8.i = 3;

-- fit takes the shape from 2-D and 3-D arrays; predict takes them too
SELECT (hptune.fit('cnn', '{"filters_0": 16, "filters_1": 16, "dense_units": 32}', 'SELECT grid, label FROM img8',
	options => '{"seed": 3}')->>'model_id')::bigint AS grid_model \gset
SELECT (hptune.fit('cnn', '{"filters_0": 16, "filters_1": 16, "dense_units": 32}', 'SELECT cube, label FROM img8',
	options => '{"seed": 3}')->>'model_id')::bigint AS cube_model \gset
SELECT hptune.predict(:grid_model, grid) = hptune.predict(:cube_model, cube) AS same_network,
	   hptune.predict(:grid_model, grid) = hptune.predict(:grid_model, flat) AS flat_reads_the_same
  FROM img8 WHERE i = 5;
SELECT * FROM hptune.model_summary(:grid_model);
SELECT (hptune.evaluate(:grid_model, 'SELECT grid, label FROM img8') ? 'accuracy') AS evaluates;
SELECT count(*) AS predicted FROM hptune.predict_query(:grid_model, 'SELECT i, grid FROM img8', key => 'i');
-- retrain takes the study's options
SELECT count(*) > 0 AS image_layers FROM hptune.model_summary(hptune.retrain('img_cnn', 'SELECT flat, label FROM img8'))
 WHERE model_summary LIKE '%(None, 8, 8, %';

-- xception's summary in Keras's layout (128 separable filters, 2 residual
-- blocks; the other hyperparameters at their defaults; on 8x8 images)
SELECT * FROM hptune.model_summary((hptune.fit('xception', '{"sep_num_filters": 128, "num_residual_blocks": 2}',
	'SELECT grid, label FROM img8', batch_size => 40)->>'model_id')::bigint);

-- resnet (HyperResNet's defaults: ResNet50V2) on 16 images of 32x32: the
-- Keras layer names, output shapes, parameter counts and inputs (rows
-- whose first line names a layer of the stem, of two blocks and of the top)
SELECT (hptune.fit('resnet', '{}', 'SELECT x, label FROM img32', batch_size => 16,
	hypermodel_options => '{"input_shape": [32, 32, 1]}')->>'model_id')::bigint AS resnet \gset
SELECT model_summary FROM hptune.model_summary(:resnet)
 WHERE model_summary ~ '^( (conv1_|pool1|conv2_block1_|conv4_block6_|post_|avg_pool|probs)|Model|Total)';
-- 53 Conv2D, 49 BatchNormalization and 16 Add layers, as ResNet50V2 (a
-- class that does not fit beside its layer's name is on the next line)
SELECT count(*) FILTER (WHERE model_summary ~ '^ (\S+ )?\(Conv2D\)') AS conv2d,
	   count(*) FILTER (WHERE model_summary ~ '^ (\S+ )?\(BatchNormalization\)') AS batch_normalization,
	   count(*) FILTER (WHERE model_summary ~ '^ (\S+ )?\(Add\)') AS add
  FROM hptune.model_summary(:resnet);
SELECT hptune.predict_class(:resnet, x) IN ('0', '1', '2', '3') AS resnet_predicts FROM img32 WHERE i = 1;
-- evaluate and predict_query count the model, the forward pass's buffers
-- and the rows against hptune.max_memory (54000 before the buffers are made)
SET hptune.max_memory = '16MB';
SELECT regexp_replace(test_util.try(format($$SELECT hptune.evaluate(%s, 'SELECT x, label FROM img32')$$, :resnet)),
	'needs [0-9]+ kB', 'needs N kB') AS try;
SELECT regexp_replace(test_util.try(format($$SELECT count(*) FROM hptune.predict_query(%s, 'SELECT x FROM img32')$$, :resnet)),
	'needs [0-9]+ kB', 'needs N kB') AS try;
RESET hptune.max_memory;
SELECT (hptune.evaluate(:resnet, 'SELECT x, label FROM img32') ->> 'rows')::int AS evaluated_rows,
	   (SELECT count(*) FROM hptune.predict_query(:resnet, 'SELECT x FROM img32')) AS predicted_rows;
DELETE FROM hptune.models WHERE model_id = :resnet;
SELECT hptune.drop_study('img_cnn');
