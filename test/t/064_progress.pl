# hptune.progress shows another session's running search with workers, to
# the roles that may see the study only, and the workers say in
# pg_stat_activity.query what they are doing, down to the epoch.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

my $db = fresh_db('hptune_tap_progress');
$ENV{PGOPTIONS} = '-c client_min_messages=warning';

setup('CREATE EXTENSION hptune');
setup(q{DROP ROLE IF EXISTS hptune_tap_owner});
setup(q{DROP ROLE IF EXISTS hptune_tap_other});
setup(q{CREATE ROLE hptune_tap_owner LOGIN});
setup(q{CREATE ROLE hptune_tap_other LOGIN});
setup(q{CREATE FUNCTION slow(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.5); RETURN (hp->>''x'')::float8; END'});
setup(q{SET ROLE hptune_tap_owner; SELECT hptune.create_study('helloworld', objective_function => 'slow(jsonb)', max_trials => 12, seed => 1);
	SELECT hptune.hp_float('helloworld', 'x', 0, 1)});

my $search = background('tap_progress', q{SET ROLE hptune_tap_owner; SELECT count(*) FROM hptune.search('helloworld', workers => 2)});
ok(poll_until(q{SET ROLE hptune_tap_owner; SELECT count(*) FROM hptune.progress WHERE study = 'helloworld' AND best_score IS NOT NULL}, '2'),
	'the owner sees two running trials, with a best score so far');
like(psql(q{SET ROLE hptune_tap_owner; SELECT string_agg(worker || '|' || (elapsed >= '0'::interval) || '|' || (estimated_remaining > '0'::interval), ',')
	FROM hptune.progress}), qr/^search \d+\.\d+ worker [12]\|true\|true,search \d+\.\d+ worker [12]\|true\|true$/,
	'with the worker, the elapsed and the estimated remaining time');
is(psql(q{SET ROLE hptune_tap_other; SELECT count(*) FROM hptune.progress}), '0', 'another role sees nothing');
ok(poll_until(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'hptune worker'
	AND usename = 'hptune_tap_owner' AND query ~ '^hptune: study helloworld (trial \d+|claiming a trial)$'}, '2'),
	'both workers run as the owner and say what they do in pg_stat_activity.query');
my ($status, $out) = wait_session($search);
chomp($out);
is($out, '12', 'the search completed');
is(psql(q{SET ROLE hptune_tap_owner; SELECT count(*) FROM hptune.progress}), '0', 'nothing runs any more');

# a hypermodel's worker shows the epoch it trains
setup(q{CREATE TABLE pts AS SELECT i, (i % 7)::float8 AS a, (i % 5)::float8 AS b, (i % 7 > 3) AS label
	FROM generate_series(1, 20000) i});
setup(q{GRANT SELECT ON pts TO hptune_tap_owner});
setup(q{SET ROLE hptune_tap_owner; SELECT hptune.create_study('mlp', hypermodel => 'mlp', objective => 'val_accuracy', max_trials => 2, seed => 1)});
$search = background('tap_progress_mlp', q{SET ROLE hptune_tap_owner; SET hptune.lease_timeout = 600;
	SELECT count(*) FROM hptune.search('mlp', train => 'SELECT a, b, label FROM pts', validation_split => 0.2,
	epochs => 200, workers => 2)});
ok(poll_until(q{SELECT count(*) > 0 FROM pg_stat_activity WHERE backend_type = 'hptune worker'
	AND query ~ '^hptune: study mlp trial \d+ epoch ([2-9]|\d\d+)/200(, batch \d+/\d+)?$'}, 't'),
	'a worker says which epoch of which trial it trains');
ok(poll_until(q{SET ROLE hptune_tap_owner; SELECT count(*) FROM hptune.progress WHERE study = 'mlp'
	AND activity ~ '^hptune: study mlp trial \d+ epoch \d+/200(, batch \d+/\d+)?$'}, '2'),
	'hptune.progress.activity shows the owner what each worker is doing');
is(psql(q{SET ROLE hptune_tap_other; SELECT count(*) FROM hptune.progress}), '0',
	'and another role nothing');
psql(q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'tap_progress_mlp'});
wait_session($search);
ok(poll_until(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'hptune worker'}, '0', 5),
	'the cancelled search left no worker');

# the workers heart-beat as each epoch starts: trials longer than a 1 s
# lease, of short epochs, keep their lease
setup(q{SET ROLE hptune_tap_owner; SELECT hptune.create_study('beat', hypermodel => 'mlp', objective => 'val_accuracy', max_trials => 2, seed => 2)});
my $beat = psql(q{SET ROLE hptune_tap_owner; SET hptune.lease_timeout = 1; SET client_min_messages = warning;
	SELECT count(*) FILTER (WHERE status = 'COMPLETED') FROM hptune.search('beat',
	train => 'SELECT a, b, label FROM pts WHERE i <= 4000', validation_split => 0.2, epochs => 400, workers => 2)});
is($beat, '2', 'both trials completed');
my $spans = psql(q{SELECT string_agg(round(extract(epoch FROM ended_at - started_at), 1)::text, ' ')
	FROM hptune.trials WHERE study_id = hptune.study_id('beat')});
note("trials took $spans s");
is(psql(q{SELECT count(*) FILTER (WHERE ended_at - started_at > interval '1.2 s') || ' ' || max(attempt)
	FROM hptune.trials WHERE study_id = hptune.study_id('beat')}), '2 1',
	'each trial outlived the lease timeout and ran once');

# and every quarter second within an epoch, saying how many batches are
# done: a trial of one epoch longer than the 1 s lease keeps its lease
setup(q{CREATE TABLE many AS SELECT i, (i % 7)::float8 AS a, (i % 5)::float8 AS b, (i % 7 > 3) AS label
	FROM generate_series(1, 300000) i});
setup(q{GRANT SELECT ON many TO hptune_tap_owner});
setup(q{SET ROLE hptune_tap_owner; SELECT hptune.create_study('long', hypermodel => 'mlp', objective => 'val_accuracy', max_trials => 1, seed => 3)});
$search = background('tap_progress_long', q{SET ROLE hptune_tap_owner; SET hptune.lease_timeout = 1;
	SET client_min_messages = warning;
	SELECT count(*) FILTER (WHERE status = 'COMPLETED') FROM hptune.search('long', train => 'SELECT a, b, label FROM many',
	validation_split => 0.1, epochs => 1, batch_size => 1, workers => 1)});
# two lease timeouts into the epoch, another session asking for a trial
# (which puts back lapsed leases first) gets none: the lease held
ok(poll_until(q{SELECT count(*) FROM hptune.trials WHERE study_id = hptune.study_id('long')
	AND status = 'RUNNING' AND started_at < clock_timestamp() - interval '2 s'}, '1'),
	'the trial has been running for two lease timeouts');
is(psql(q{SET ROLE hptune_tap_owner; SET hptune.lease_timeout = 1;
	SELECT count(*) FROM hptune.suggest('long')}), '0',
	'a session asking for a trial mid-epoch gets none: the worker kept its lease');
ok(poll_until(q{SELECT count(*) > 0 FROM pg_stat_activity WHERE backend_type = 'hptune worker'
	AND query ~ '^hptune: study long trial 0 epoch 1/1, batch \d+/270000$'}, 't'),
	'within an epoch a worker says how many batches it has done');
($status, $out) = wait_session($search);
chomp($out);
is($out, '1', 'the one-epoch trial completed');
$spans = psql(q{SELECT round(extract(epoch FROM ended_at - started_at), 1) FROM hptune.trials
	WHERE study_id = hptune.study_id('long')});
note("the trial took $spans s");
is(psql(q{SELECT count(*) FILTER (WHERE ended_at - started_at > interval '2 s') || ' ' || max(attempt)
	FROM hptune.trials WHERE study_id = hptune.study_id('long')}), '1 1',
	'its one epoch outlived the lease timeout twice over and it ran once');

drop_db($db);
setup(q{DROP ROLE hptune_tap_owner}, db => 'postgres');
setup(q{DROP ROLE hptune_tap_other}, db => 'postgres');
done_testing();
