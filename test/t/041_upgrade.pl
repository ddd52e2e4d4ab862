# ALTER EXTENSION hptune UPDATE from 0.1 (the install script as released)
# keeps every study, search space, trial and model usable, and gives the same
# catalog as a fresh CREATE EXTENSION hptune.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

# A canonical description of everything hptune's schema defines, one line
# per object, without oids: extension members, functions (full definition,
# comment, privileges), relations, columns, constraints, indexes, triggers,
# policies, views, sequences, types, the tables pg_dump keeps.
my $catalog_sql = q{
WITH ext AS (SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'hptune'),
rel AS (SELECT c.* FROM pg_class c WHERE c.relnamespace = 'hptune'::regnamespace)
SELECT line FROM (
	SELECT 'extension: ' || e.extname || ' schema ' || e.extnamespace::regnamespace
		   || ' relocatable ' || e.extrelocatable AS line
	  FROM pg_extension e WHERE e.extname = 'hptune'
	UNION ALL
	SELECT 'member: ' || pg_describe_object(d.classid, d.objid, d.objsubid)
	  FROM pg_depend d, ext
	 WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
	UNION ALL
	SELECT 'config table: ' || t.c::regclass || ' where ' || coalesce(t.cond, '')
	  FROM ext, unnest(ext.extconfig, ext.extcondition) AS t(c, cond)
	UNION ALL
	SELECT 'schema: ' || n.nspname || ' owner-is-superuser ' || r.rolsuper || ' acl '
		   || coalesce(n.nspacl::text, '') || ' comment ' || coalesce(obj_description(n.oid, 'pg_namespace'), '')
	  FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'hptune'
	UNION ALL
	SELECT 'function: ' || p.oid::regprocedure || E'\n' || pg_get_functiondef(p.oid)
		   || E'\n  comment: ' || coalesce(obj_description(p.oid, 'pg_proc'), '')
		   || E'\n  acl: ' || coalesce(p.proacl::text, '') || ' cost ' || p.procost || ' rows ' || p.prorows
	  FROM pg_proc p WHERE p.pronamespace = 'hptune'::regnamespace
	UNION ALL
	SELECT format('relation: %s kind %s rls %s force_rls %s options %s acl %s comment %s',
				  c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.reloptions,
				  c.relacl, obj_description(c.oid, 'pg_class'))
	  FROM rel c
	UNION ALL
	SELECT format('column: %s.%s #%s %s not_null %s default %s identity %s generated %s acl %s comment %s',
				  c.relname, a.attname,
				  (SELECT count(*) FROM pg_attribute v WHERE v.attrelid = c.oid AND v.attnum > 0
					AND NOT v.attisdropped AND v.attnum <= a.attnum),
				  format_type(a.atttypid, a.atttypmod), a.attnotnull,
				  pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, a.attacl,
				  col_description(c.oid, a.attnum))
	  FROM rel c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
	 WHERE c.relkind IN ('r', 'v', 'p', 'm', 'f')
	UNION ALL
	SELECT format('constraint: %s.%s %s deferrable %s deferred %s comment %s', c.relname, con.conname,
				  pg_get_constraintdef(con.oid), con.condeferrable, con.condeferred,
				  obj_description(con.oid, 'pg_constraint'))
	  FROM rel c JOIN pg_constraint con ON con.conrelid = c.oid
	UNION ALL
	SELECT 'index: ' || pg_get_indexdef(i.indexrelid)
	  FROM rel c JOIN pg_index i ON i.indrelid = c.oid
	UNION ALL
	SELECT 'trigger: ' || pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text
	  FROM rel c JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
	UNION ALL
	SELECT format('policy: %s.%s cmd %s permissive %s roles %s using %s check %s', c.relname, pol.polname,
				  pol.polcmd, pol.polpermissive,
				  (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END, ',' ORDER BY 1)
					 FROM unnest(pol.polroles) r),
				  pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid))
	  FROM rel c JOIN pg_policy pol ON pol.polrelid = c.oid
	UNION ALL
	SELECT 'view: ' || c.relname || E'\n' || pg_get_viewdef(c.oid)
	  FROM rel c WHERE c.relkind IN ('v', 'm')
	UNION ALL
	SELECT format('sequence: %s %s start %s increment %s min %s max %s cycle %s owned by %s', c.relname,
				  s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle,
				  (SELECT pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) FROM pg_depend d
					WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
	  FROM rel c JOIN pg_sequence s ON s.seqrelid = c.oid
	UNION ALL
	SELECT format('type: %s %s', t.typname, t.typtype)
	  FROM pg_type t WHERE t.typnamespace = 'hptune'::regnamespace
) s ORDER BY line
};

sub catalog
{
	my ($db) = @_;
	local $ENV{PGDATABASE} = $db;
	my $out = setup($catalog_sql);
	return [ split(/\n(?=(?:extension|member|config table|schema|function|relation|column|constraint|index|trigger|policy|view|sequence|type): )/, $out) ];
}

# --- 0.1 with a study, trials and models
fresh_db('hptune_tap_upgrade');
setup(q{CREATE EXTENSION hptune VERSION '0.1'});
is(psql(q{SELECT extversion FROM pg_extension WHERE extname = 'hptune'}), '0.1', 'version 0.1 installed');
setup(q{CREATE TABLE pts AS
	SELECT i, (i % 7)::float8 AS a, (i % 5)::float8 AS b, (i % 7 > 3) AS label FROM generate_series(1, 200) i});
setup(q{SELECT hptune.create_study('up', hypermodel => 'mlp', objective => 'val_accuracy', max_trials => 3, seed => 5)});
setup(q{SELECT hptune.hp_int('up', 'num_layers', 1, 2)});
setup(q{SELECT hptune.hp_int('up', 'units', 4, 8, step => 4)});
setup(q{SELECT hptune.hp_choice('up', 'activation', ARRAY['relu', 'tanh'],
	parent_name => 'num_layers', parent_values => '[2]')});
setup(q{SET client_min_messages = warning;
	SELECT count(*) FROM hptune.search('up', train => 'SELECT a, b, label FROM pts', validation_split => 0.25, epochs => 2)});
my $fitted = setup(q{SELECT hptune.fit('mlp', '{"units": 4}', 'SELECT a, b, label FROM pts')->>'model_id'});
like($fitted, qr/^\d+$/, 'fit() stored a model');

# 0.2 drops two columns nothing wrote (studies.oracle_state, trials.worker),
# 0.3 adds studies.hypermodel_options ('{}' for every study made before) and
# trials.worker, lease_token and lease_expires_at (null for every old trial),
# 0.4 only a column of the hptune.progress view:
# every other column must come through the update unchanged
my $tables_sql = q{SELECT concat_ws(' | ',
	(SELECT string_agg((to_jsonb(s) - 'oracle_state' - 'hypermodel_options')::text, ',' ORDER BY study_id) FROM hptune.studies s),
	(SELECT string_agg(h::text, ',' ORDER BY study_id, name) FROM hptune.hyperparameters h),
	(SELECT string_agg((to_jsonb(t) - 'worker' - 'lease_token' - 'lease_expires_at')::text, ',' ORDER BY study_id, trial_id) FROM hptune.trials t),
	(SELECT string_agg(m::text, ',' ORDER BY study_id, trial_id, execution, step, name) FROM hptune.trial_metrics m),
	(SELECT string_agg(model_id || ':' || md5(model), ',' ORDER BY model_id) FROM hptune.models))};
my $predict_sql = qq{SELECT array_agg(hptune.predict($fitted, p) ORDER BY i)::text FROM (SELECT i, a, b FROM pts WHERE i <= 5) p};
my $best_sql = q{SELECT array_agg(hptune.predict(m.model_id, p) ORDER BY i)::text
	FROM hptune.best_models('up') AS m(model_id), (SELECT i, a, b FROM pts WHERE i <= 5) p};
my $tables = setup($tables_sql);
my $predicted = setup($predict_sql);
my $best_predicted = setup($best_sql);
is(setup(q{SELECT count(*) FROM hptune.trials WHERE status = 'COMPLETED'}), '3', 'three trials completed under 0.1');
is(setup(q{SELECT count(*) FROM hptune.models}), '4', 'a model per trial and the fitted one');

# --- the update
setup(q{ALTER EXTENSION hptune UPDATE});
is(psql(q{SELECT extversion FROM pg_extension WHERE extname = 'hptune'}),
	psql(q{SELECT default_version FROM pg_available_extensions WHERE name = 'hptune'}),
	'updated to the default version');
is(setup($tables_sql), $tables, 'every study, hyperparameter, trial, metric and model is unchanged');
is(setup($predict_sql), $predicted, 'a model fitted under 0.1 predicts the same');
is(setup($best_sql), $best_predicted, 'the best model of the study predicts the same');
like(setup(q{SELECT hptune.model_summary(} . $fitted . q{)}), qr/\S/, 'and can be summarised');
like(setup(q{SELECT hptune.evaluate(} . $fitted . q{, 'SELECT a, b, label FROM pts')::text}), qr/accuracy/,
	'and evaluated');

# the study resumes: two more trials of the same search space
setup(q{UPDATE hptune.studies SET max_trials = 5 WHERE name = 'up'});
is(setup(q{SET client_min_messages = warning;
	SELECT count(*) FROM hptune.search('up', train => 'SELECT a, b, label FROM pts', validation_split => 0.25, epochs => 2)}),
	'2', 'the study resumes with two more trials');
is(setup(q{SELECT count(*) || ' ' || count(DISTINCT values_hash) || ' ' || bool_and(status = 'COMPLETED')
	FROM hptune.trials}), '5 5 true', 'five distinct completed trials');
is(setup(q{SELECT count(*) FROM hptune.trials
	WHERE (hyperparameters ? 'activation') <> ((hyperparameters->>'num_layers')::int = 2)}), '0',
	'the conditional hyperparameter still appears exactly when its parent matches');
like(setup(q{SELECT hptune.retrain('up', 'SELECT a, b, label FROM pts')}), qr/^\d+$/,
	'retrain() of the best trial works');

# --- the updated catalog is the fresh one
my $upgraded = catalog('hptune_tap_upgrade');
fresh_db('hptune_tap_fresh');
setup('CREATE EXTENSION hptune');
my $fresh = catalog('hptune_tap_fresh');
cmp_ok(scalar(@$fresh), '>', 100, 'the catalog description covers the schema (' . scalar(@$fresh) . ' objects)');
my %in_fresh = map { $_ => 1 } @$fresh;
my %in_upgraded = map { $_ => 1 } @$upgraded;
my @missing = grep { !$in_upgraded{$_} } @$fresh;
my @extra = grep { !$in_fresh{$_} } @$upgraded;
is(scalar(@missing) + scalar(@extra), 0, 'ALTER EXTENSION UPDATE gives the catalog of CREATE EXTENSION');
diag("only in a fresh install:\n$_") for @missing;
diag("only after the update:\n$_") for @extra;

drop_db('hptune_tap_fresh');
drop_db('hptune_tap_upgrade');
done_testing();
