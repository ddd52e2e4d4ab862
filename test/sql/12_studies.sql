-- create_study: direction inference, resume, overwrite, drop
CREATE FUNCTION f_num(hp jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT 1.0::float8 $$;
CREATE FUNCTION f_text(hp jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;
CREATE FUNCTION f_two(a jsonb, b jsonb) RETURNS float8 LANGUAGE sql AS $$ SELECT 1.0::float8 $$;

SELECT hptune.create_study('s_acc', hypermodel => 'mlp', objective => 'val_accuracy') > 0;
SELECT hptune.create_study('s_loss', hypermodel => 'mlp', objective => 'val_loss') > 0;
SELECT hptune.create_study('s_mae', hypermodel => 'mlp', objective => 'val_mean_absolute_error') > 0;
SELECT hptune.create_study('s_auc', hypermodel => 'linear', objective => 'auc') > 0;
SELECT hptune.create_study('s_fn', objective_function => 'f_num(jsonb)') > 0;
SELECT hptune.create_study('s_custom', hypermodel => 'mlp', objective => 'val_custom_metric', direction => 'min') > 0;
SELECT hptune.create_study('s_default', hypermodel => 'mlp') > 0;
SELECT name, hypermodel, objective, direction, tuner, max_trials, executions_per_trial,
	   objective_function, tuner_options, seed, owner = current_user::regrole AS owned
  FROM hptune.studies WHERE name LIKE 's\_%' ORDER BY name;

-- the same settings resume the study; different ones are an error naming the setting
SELECT hptune.create_study('s_acc', hypermodel => 'mlp', objective => 'val_accuracy')
	 = hptune.study_id('s_acc') AS resumed;
SELECT test_util.try($$SELECT hptune.create_study('s_acc', hypermodel => 'mlp', objective => 'val_accuracy', max_trials => 5)$$);
SELECT test_util.try($$SELECT hptune.create_study('s_acc', hypermodel => 'linear', objective => 'val_accuracy')$$);
SELECT test_util.try($$SELECT hptune.create_study('s_acc', hypermodel => 'mlp', objective => 'val_accuracy', seed => 7)$$);
SELECT test_util.try($$SELECT hptune.create_study('s_acc', hypermodel => 'mlp', objective => 'val_accuracy', tuner => 'grid')$$);
-- overwrite starts afresh with a new id
SELECT hptune.study_id('s_acc') AS old_id \gset
SELECT hptune.create_study('s_acc', hypermodel => 'mlp', objective => 'val_accuracy',
	max_trials => 5, overwrite => true) <> :old_id AS replaced;
SELECT max_trials FROM hptune.studies WHERE name = 's_acc';

CREATE TEMP TABLE before AS SELECT test_util.fingerprint() AS f;
SELECT test_util.try($$SELECT hptune.create_study('', hypermodel => 'mlp')$$);
SELECT test_util.try($$SELECT hptune.create_study(repeat('s', 64), hypermodel => 'mlp')$$);
SELECT test_util.try($$SELECT hptune.create_study(NULL, hypermodel => 'mlp')$$);
SELECT test_util.try($$SELECT hptune.create_study('bad', hypermodel => 'mlp', tuner => 'genetic')$$);
SELECT test_util.try($$SELECT hptune.create_study('bad', hypermodel => 'mlp', max_trials => 0)$$);
SELECT test_util.try($$SELECT hptune.create_study('bad', hypermodel => 'mlp', executions_per_trial => 0)$$);
SELECT test_util.try($$SELECT hptune.create_study('bad', hypermodel => 'mlp', objective => 'val_loss', direction => 'up')$$);
SELECT test_util.try($$SELECT hptune.create_study('bad', hypermodel => 'mlp', objective => 'val_custom_metric')$$);
SELECT test_util.try($$SELECT hptune.create_study('bad', hypermodel => 'xgboost')$$);
SELECT test_util.try($$SELECT hptune.create_study('bad')$$);
SELECT test_util.try($$SELECT hptune.create_study('bad', objective_function => 'f_text(jsonb)')$$);
SELECT test_util.try($$SELECT hptune.create_study('bad', objective_function => 'f_two(jsonb,jsonb)')$$);
SELECT test_util.try($$SELECT hptune.create_study('bad', objective_function => 'abs(float8)')$$);
SELECT test_util.try($$SELECT hptune.create_study('bad', hypermodel => 'mlp', tuner_options => '[1]')$$);
SELECT test_util.try($$SELECT hptune.drop_study('nosuchstudy')$$);
SELECT test_util.fingerprint() = f AS tables_unchanged FROM before;

SELECT hptune.drop_study('s_loss');
SELECT count(*) FROM hptune.studies WHERE name = 's_loss';
