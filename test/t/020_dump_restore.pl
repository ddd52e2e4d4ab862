# pg_dump of a database with hptune studies restores whole: every row of
# every hptune table comes back identical (conditional search spaces,
# declaration positions, trials, metrics, models from a search and from
# fit), identity sequences go on after the restored ids, and a study
# resumes in the restored database.  Plain format through psql, and custom
# format through pg_restore.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

sub run
{
	my ($cmd) = @_;
	my $out = `$cmd 2>&1`;
	is($?, 0, $cmd) or diag($out);
	return $out;
}

# trial progress NOTICEs would mix with the results
$ENV{PGOPTIONS} = '-c client_min_messages=warning';
my $src = fresh_db('hptune_tap_dump_src');
drop_db('hptune_tap_dump_plain', 'hptune_tap_dump_custom');

setup('CREATE EXTENSION hptune');
setup(q{CREATE FUNCTION branchy(hp jsonb) RETURNS float8 LANGUAGE sql AS
	'SELECT coalesce((hp->>''x'')::float8, 0) + coalesce((hp->>''y'')::float8, 0)'});
setup(q{SELECT setseed(0.3); CREATE TABLE rnd AS
	SELECT i, ARRAY(SELECT random() FROM generate_series(1, 4) WHERE i > 0)::real[] AS x,
		   random() AS y FROM generate_series(1, 60) i});

# a conditional space, declared in an order that is not alphabetical
setup(q{SELECT hptune.create_study('branchy', objective_function => 'branchy(jsonb)',
	max_trials => 6, seed => 3)});
setup(q{SELECT hptune.hp_choice('branchy', 'model', ARRAY['b', 'a'])});
setup(q{SELECT hptune.hp_float('branchy', 'y', 0, 1, parent_name => 'model', parent_values => '["b"]')});
setup(q{SELECT hptune.hp_float('branchy', 'x', 0, 1, parent_name => 'model', parent_values => '["a"]')});
setup(q{SELECT count(*) FROM hptune.search('branchy')});

# a hypermodel study: metrics and models from a search, and a model from fit
setup(q{SELECT hptune.create_study('mlp', hypermodel => 'mlp', objective => 'val_loss',
	max_trials => 2, seed => 4)});
setup(q{SELECT hptune.hp_int('mlp', 'units', 8, 16, step => 8)});
setup(q{SET client_min_messages = warning; SELECT count(*) FROM hptune.search('mlp',
	train => 'SELECT x, y FROM rnd WHERE i <= 50', validation => 'SELECT x, y FROM rnd WHERE i > 50')});
setup(q{SET client_min_messages = warning; SELECT hptune.fit('mlp', '{"units": 8}',
	train => 'SELECT x, y FROM rnd')});

my %tables = (
	studies => 'study_id',
	hyperparameters => 'study_id, name',
	trials => 'study_id, trial_id',
	trial_metrics => 'study_id, trial_id, execution, step, name',
	models => 'model_id');
my %rows;
for my $t (sort keys %tables)
{
	$rows{$t} = psql("SELECT count(*) FROM hptune.$t", db => $src);
	cmp_ok($rows{$t}, '>', 0, "source has rows in hptune.$t");
}
is(psql(q{SELECT count(*) FROM hptune.models WHERE study_id IS NULL}, db => $src), '1',
	'source has a model from fit');

sub digest
{
	my ($db, $t) = @_;
	return psql("SELECT count(*) || ' ' || md5(string_agg(r::text, '|' ORDER BY $tables{$t})) FROM hptune.$t r", db => $db);
}

sub check_restored
{
	my ($db, $how) = @_;

	for my $t (sort keys %tables)
	{
		is(digest($db, $t), digest($src, $t), "$how: hptune.$t restored row for row");
	}
	is(psql(q{SELECT string_agg(name || '@' || position, ',' ORDER BY position)
		FROM hptune.hyperparameters WHERE study_id = hptune.study_id('branchy')}, db => $db),
		'model@1,y@2,x@3', "$how: declaration order kept");
	is(join(',', split(/\n/, psql(q{SELECT * FROM hptune.search_space_summary('branchy')}, db => $db))),
		join(',', split(/\n/, psql(q{SELECT * FROM hptune.search_space_summary('branchy')}, db => $src))),
		"$how: search space summary unchanged");

	# the study resumes: the further trials are new ones
	setup(q{UPDATE hptune.studies SET max_trials = 9 WHERE name = 'branchy'}, db => $db);
	is(psql(q{SELECT count(*) FROM hptune.search('branchy')}, db => $db), '3',
		"$how: a further search runs the remaining trials");
	is(psql(q{SELECT count(*), count(DISTINCT hyperparameters), min(trial_id), max(trial_id)
		FROM hptune.trials WHERE study_id = hptune.study_id('branchy')}, db => $db),
		'9|9|0|8', "$how: the study resumed where it stopped, no combination repeated");

	# identity sequences continue after the restored ids
	my $next = psql(q{SET client_min_messages = warning; SELECT (hptune.fit('mlp', '{"units": 8}',
		train => 'SELECT x, y FROM rnd')->>'model_id')::bigint >
		(SELECT max(model_id) FROM hptune.models WHERE model_id < (SELECT max(model_id) FROM hptune.models))}, db => $db);
	is($next, 't', "$how: a new model gets a new id");
	is(psql(q{SELECT hptune.create_study('another', objective_function => 'branchy(jsonb)') >
		(SELECT max(study_id) FROM hptune.studies WHERE name <> 'another')}, db => $db), 't',
		"$how: a new study gets a new id");
}

my $dir = $ENV{TMPDIR} // '/tmp';
my $plain = "$dir/hptune_dump_$$.sql";
my $custom = "$dir/hptune_dump_$$.dump";

run("pg_dump -d $src -f $plain");
run("createdb hptune_tap_dump_plain");
my $out = run("psql -XAq -v ON_ERROR_STOP=1 -d hptune_tap_dump_plain -f $plain");
unlike($out, qr/ERROR/, 'plain: the dump restores without errors');
check_restored('hptune_tap_dump_plain', 'plain');

run("pg_dump -Fc -d $src -f $custom");
run("createdb hptune_tap_dump_custom");
run("pg_restore --exit-on-error -d hptune_tap_dump_custom $custom");
check_restored('hptune_tap_dump_custom', 'custom');

unlink($plain, $custom);
drop_db($src, 'hptune_tap_dump_plain', 'hptune_tap_dump_custom');
done_testing();
