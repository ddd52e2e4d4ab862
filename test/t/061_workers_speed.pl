# search(..., workers => 2) runs trials in two background workers at once:
# 16 trials of an objective function that sleeps 0.25 s finish in under 0.7
# times the serial search's time, all COMPLETED, each relayed once as a
# NOTICE block by the calling session.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;
use Time::HiRes qw(time);

my $db = fresh_db('hptune_tap_workers');

setup('CREATE EXTENSION hptune');
setup(q{CREATE FUNCTION slow(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.25); RETURN (hp->>''x'')::float8; END'});
for my $s ('serial', 'parallel')
{
	setup(qq{SELECT hptune.create_study('$s', objective_function => 'slow(jsonb)', max_trials => 16, seed => 1)});
	setup(qq{SELECT hptune.hp_float('$s', 'x', 0, 1)});
}

my $t0 = time();
my ($serial_out) = psql_notices(q{SELECT count(*) FILTER (WHERE status = 'COMPLETED') FROM hptune.search('serial')});
my $serial = time() - $t0;
is($serial_out, '16', 'the serial search completed 16 trials');

$t0 = time();
my ($out, $notices) = psql_notices(q{SELECT count(*) FILTER (WHERE status = 'COMPLETED') || ' ' || count(DISTINCT trial_id)
	FROM hptune.search('parallel', workers => 2)});
my $parallel = time() - $t0;
is($out, '16 16', 'the search with two workers returned 16 distinct completed trials');
note(sprintf('serial %.2f s, workers => 2 %.2f s, ratio %.2f', $serial, $parallel, $parallel / $serial));
cmp_ok($parallel, '<', 0.7 * $serial, 'two workers take under 0.7 times the serial time');
my @blocks = ($notices =~ /Trial (\d+) Complete/g);
is(scalar(@blocks), 16, 'the caller relayed one NOTICE block per trial');
is(scalar(keys %{ { map { $_ => 1 } @blocks } }), 16, 'each trial once');
is(psql(q{SELECT count(*) || ' ' || count(DISTINCT worker) || ' ' || max(attempt) FROM hptune.trials
	WHERE study_id = hptune.study_id('parallel') AND status = 'COMPLETED'}), '16 2 1',
	'the catalog holds the 16 trials, run by both workers, each once');
is(psql(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'hptune worker'}), '0',
	'no worker is left');

drop_db($db);
done_testing();
