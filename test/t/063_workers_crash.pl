# pg_ctlcluster stop -m immediate in the middle of a search with two
# workers: no finished trial is lost, and a second search completes the
# study to exactly max_trials, running again the trials the crash left
# RUNNING (their backends are gone).
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

my $db = fresh_db('hptune_tap_workers_crash');
$ENV{PGOPTIONS} = '-c client_min_messages=warning';

setup('CREATE EXTENSION hptune');
setup(q{CREATE FUNCTION slow(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.3); RETURN (hp->>''x'')::float8; END'});
setup(q{SELECT hptune.create_study('crash', objective_function => 'slow(jsonb)', max_trials => 12, seed => 4)});
setup(q{SELECT hptune.hp_float('crash', 'x', 0, 1)});

my $search = background('tap_crash', q{SELECT count(*) FROM hptune.search('crash', workers => 2)});
ok(poll_until(q{SELECT count(*) >= 4 FROM hptune.trials WHERE status = 'COMPLETED'}, 't'),
	'the workers completed four trials');
my ($ver, $name) = split(/\s+/, `pg_lsclusters -h | head -1`);
my $done = psql(q{SELECT string_agg(trial_id || ':' || score, ',' ORDER BY trial_id) FROM hptune.trials WHERE status = 'COMPLETED'});
system('pg_ctlcluster', $ver, $name, 'stop', '-m', 'immediate') == 0 or die 'immediate stop failed';
wait_session($search);
system('pg_ctlcluster', $ver, $name, 'start') == 0 or die 'start failed';
ok(poll_until('SELECT 1', '1', 60), 'the server is back');

my @before = split(/,/, $done);
my $kept = psql(q{SELECT string_agg(trial_id || ':' || score, ',' ORDER BY trial_id) FROM hptune.trials WHERE status = 'COMPLETED'});
my %after = map { $_ => 1 } split(/,/, $kept);
is(scalar(grep { !$after{$_} } @before), 0, 'every trial completed before the crash is kept, with its score');
note('left by the crash: ' . psql(q{SELECT string_agg(trial_id || ' ' || status, ', ') FROM hptune.trials WHERE status <> 'COMPLETED'}));

is(psql(q{SELECT count(*) > 0 FROM hptune.search('crash', workers => 2)}), 't', 'a second search runs the rest');
is(psql(q{SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'COMPLETED') || ' ' || count(DISTINCT hyperparameters)
	FROM hptune.trials}), '12 12 12', 'the study holds exactly max_trials completed trials, each once');
is(psql(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'hptune worker'}), '0', 'no worker is left');

drop_db($db);
done_testing();
