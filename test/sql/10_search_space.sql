-- The KerasTuner guide's search space, registered through the hp_* functions
SELECT hptune.create_study('helloworld', hypermodel => 'mlp', objective => 'val_accuracy',
	max_trials => 3, executions_per_trial => 2, overwrite => true) > 0 AS created;

-- like hp.Int(...), each function returns the hyperparameter's default
SELECT hptune.hp_int('helloworld', 'num_layers', 1, 3);
SELECT hptune.hp_int('helloworld', 'units_0', min_value => 32, max_value => 512, step => 32);
SELECT hptune.hp_choice('helloworld', 'activation', ARRAY['relu', 'tanh']);
SELECT hptune.hp_boolean('helloworld', 'dropout');
SELECT hptune.hp_float('helloworld', 'lr', min_value => 1e-4, max_value => 1e-2, sampling => 'log');

SELECT * FROM hptune.search_space_summary('helloworld');

SELECT name, kind, min_value, max_value, step, sampling, choices, ordered, default_value, position
  FROM hptune.hyperparameters WHERE study_id = hptune.study_id('helloworld') ORDER BY position;

-- registering the same definition again is a no-op, as in KerasTuner
SELECT hptune.hp_int('helloworld', 'num_layers', 1, 3);
SELECT count(*) FROM hptune.hyperparameters WHERE study_id = hptune.study_id('helloworld');

-- conditional hyperparameters and the other kinds
SELECT hptune.hp_int('helloworld', 'units_1', 32, 512, step => 32,
	parent_name => 'num_layers', parent_values => '[2, 3]');
SELECT hptune.hp_fixed('helloworld', 'optimizer', 'adam'::text);
SELECT hptune.hp_choice('helloworld', 'batch_size', ARRAY[16, 32, 64], "default" => 32);
SELECT hptune.hp_float('helloworld', 'dropout_rate', 0, 0.5, step => 0.1, sampling => 'linear');
SELECT * FROM hptune.search_space_summary('helloworld') OFFSET 12;

-- a direct INSERT goes through the same validation as the functions
INSERT INTO hptune.hyperparameters (study_id, name, kind, min_value, max_value)
VALUES (hptune.study_id('helloworld'), 'epochs_hint', 'int', 1, 10);
SELECT name, step, sampling, position FROM hptune.hyperparameters
 WHERE study_id = hptune.study_id('helloworld') AND name = 'epochs_hint';

-- a study with no registered rows shows its hypermodel's own space
SELECT hptune.create_study('builtin_space', hypermodel => 'mlp', objective => 'val_accuracy') > 0 AS created;
SELECT * FROM hptune.search_space_summary('builtin_space');
