# A search asking for more workers than hptune.max_workers, or than there
# are free background worker slots, runs with fewer and says so; with no
# slot free it fails with a max_worker_processes hint.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

my $db = fresh_db('hptune_tap_worker_slots');

setup('CREATE EXTENSION hptune');
setup(q{CREATE FUNCTION slow(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.3); RETURN (hp->>''x'')::float8; END'});
for my $s ('many', 'busy', 'none')
{
	my $max = $s eq 'many' ? 4 : 40;
	setup(qq{SELECT hptune.create_study('$s', objective_function => 'slow(jsonb)', max_trials => $max, seed => 1)});
	setup(qq{SELECT hptune.hp_float('$s', 'x', 0, 1)});
}
my $slots = psql('SHOW max_worker_processes');

# more than hptune.max_workers, and than the free slots (some bgworker, such
# as the logical replication launcher, takes one)
my ($out, $notices) = psql_notices(qq{SET hptune.max_workers = 20;
	SELECT count(*) FROM hptune.search('many', workers => 30)});
like($notices, qr/searching study "many" with 20 workers, not 30/, 'hptune.max_workers caps the workers');
like($notices, qr/searching study "many" with (\d+) of 20 workers/, 'fewer free slots: a NOTICE says how many run');
is($out, '4', 'and the search completes');

# every slot taken by another search: an error with a max_worker_processes hint
my $busy = background('tap_busy', qq{SET client_min_messages = warning;
	SELECT count(*) FROM hptune.search('busy', workers => $slots)});
ok(poll_until(q{SELECT count(*) > 0 FROM hptune.trials WHERE study_id = hptune.study_id('busy') AND status = 'COMPLETED'}, 't'),
	'another search holds the free slots');
like(psql(q{SELECT * FROM hptune.search('none', workers => 2)}, verbose => 1),
	qr/53400: no background worker slot is free for the search of study "none".*HINT:  Raise max_worker_processes/s,
	'no slot free: an error with a max_worker_processes hint');
is(psql(q{SELECT count(*) FROM hptune.trials WHERE study_id = hptune.study_id('none')}), '0', 'nothing ran');
psql(q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'tap_busy'});
wait_session($busy);
ok(poll_until(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'hptune worker'}, '0', 5), 'no worker is left');

# a worker that stops with an error: the search fails with its message
setup(q{SELECT hptune.create_study('broken', objective_function => 'slow(jsonb)', max_trials => 40, seed => 1)});
setup(q{SELECT hptune.hp_float('broken', 'x', 0, 1)});
my $broken = background('tap_broken', q{SELECT count(*) FROM hptune.search('broken', workers => 2)}, verbose => 1);
ok(poll_until(q{SELECT count(*) > 0 FROM hptune.trials WHERE study_id = hptune.study_id('broken') AND status = 'COMPLETED'}, 't'),
	'the workers run');
setup(q{INSERT INTO hptune.trials (study_id, trial_id, status, hyperparameters)
	VALUES (hptune.study_id('broken'), 1000, 'COMPLETED', '{"x": [1]}')});
my (undef, $err) = wait_session($broken);
like($err, qr/55000: worker \d of the search of study "broken" failed.*It stopped with: trial 1000 of study "broken" has an invalid value for hyperparameter "x"/s,
	'the search fails with the worker\'s error');

drop_db($db);
done_testing();
