# CALL hptune.tune() commits after every trial: cancelling it keeps the
# trials that finished, and the next call resumes the study where it stopped.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);

sub psql
{
	my ($sql) = @_;
	my $out = `psql -XAtq -v ON_ERROR_STOP=1 -c "$sql" 2>&1`;
	chomp $out;
	return $out;
}

my $db = 'hptune_tap_cancel';
system("dropdb --if-exists $db >/dev/null 2>&1");
system("createdb $db") == 0 or BAIL_OUT("createdb failed");
$ENV{PGDATABASE} = $db;

psql("CREATE EXTENSION hptune");
# each trial takes about 0.3 s
psql(q{CREATE FUNCTION slow2(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.3); RETURN (hp->>''x'')::float8; END'});
psql(q{SELECT hptune.create_study('slow', objective_function => 'slow2(jsonb)', max_trials => 40, seed => 1)});
psql(q{SELECT hptune.hp_float('slow', 'x', 0, 1)});

# start tune() in the background, cancel it after about 2 seconds
my $pid = fork();
if ($pid == 0)
{
	$ENV{PGAPPNAME} = 'tap_tune';
	exec("psql -XAtq -c \"CALL hptune.tune('slow')\" >/dev/null 2>&1");
	exit 1;
}
sleep(1.2);
# one search of a study at a time: a second session is turned away
like(psql(q{SELECT count(*) FROM hptune.search('slow')}), qr/study "slow" is being searched by another session/,
	'a concurrent search of the same study is refused');
sleep(1.0);
my $cancelled = psql(q{SELECT count(*) FROM (SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'tap_tune') s});
is($cancelled, '1', 'the tune() session was cancelled');
waitpid($pid, 0);
isnt($? >> 8, 0, 'CALL hptune.tune() ended with an error');

my $completed = psql(q{SELECT count(*) FROM hptune.trials WHERE status = 'COMPLETED'});
cmp_ok($completed, '>=', 3, "finished trials were kept ($completed)");
cmp_ok($completed, '<', 40, 'the search did not finish');
my $running = psql(q{SELECT count(*) FROM hptune.trials WHERE status = 'RUNNING'});
cmp_ok($running, '<=', 1, 'at most the interrupted trial is left RUNNING');

# the next call resumes: the interrupted trial runs again, and the budget holds
my $ids_before = psql(q{SELECT string_agg(trial_id::text, ',' ORDER BY trial_id) FROM hptune.trials});
psql(q{UPDATE hptune.studies SET max_trials = (SELECT count(*) + 2 FROM hptune.trials)});
psql(q{CALL hptune.tune('slow')});
my $total = psql(q{SELECT count(*) FROM hptune.trials});
my $max = psql(q{SELECT max_trials FROM hptune.studies});
is($total, $max, 'resumed until max_trials');
is(psql(q{SELECT count(*) FROM hptune.trials WHERE status <> 'COMPLETED'}), '0',
	'every trial, including the interrupted one, completed');
is(psql(q{SELECT count(DISTINCT values_hash) FROM hptune.trials}), $total, 'no combination ran twice');

system("dropdb $db");
done_testing();
