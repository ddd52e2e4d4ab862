# A backend killed with SIGKILL in the middle of CALL hptune.tune() makes the
# server crash and recover.  Every trial that finished before is still there;
# the trial the dead backend left RUNNING is run again by the next call.
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

sub wait_for_server
{
	for (1 .. 100)
	{
		return 1 if system("psql -XAtqc 'SELECT 1' >/dev/null 2>&1") == 0;
		sleep(0.2);
	}
	return 0;
}

my $db = 'hptune_tap_crash';
system("dropdb --if-exists $db >/dev/null 2>&1");
system("createdb $db") == 0 or BAIL_OUT("createdb failed");
$ENV{PGDATABASE} = $db;

psql("CREATE EXTENSION hptune");
psql(q{CREATE FUNCTION slow(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.3); RETURN (hp->>''x'')::float8; END'});
psql(q{SELECT hptune.create_study('crash', objective_function => 'slow(jsonb)', max_trials => 40, seed => 2)});
psql(q{SELECT hptune.hp_float('crash', 'x', 0, 1)});

my $pid = fork();
if ($pid == 0)
{
	$ENV{PGAPPNAME} = 'tap_crash';
	exec("psql -XAtq -c \"CALL hptune.tune('crash')\" >/dev/null 2>&1");
	exit 1;
}
sleep(2.2);
my $backend = psql(q{SELECT pid FROM pg_stat_activity WHERE application_name = 'tap_crash'});
like($backend, qr/^\d+$/, 'found the tune() backend');
is(kill('KILL', $backend), 1, 'killed it with SIGKILL');
waitpid($pid, 0);
ok(wait_for_server(), 'the server recovered');

my $completed = psql(q{SELECT count(*) FROM hptune.trials WHERE status = 'COMPLETED'});
cmp_ok($completed, '>=', 3, "finished trials survived the crash ($completed)");
my $running = psql(q{SELECT count(*) FROM hptune.trials WHERE status = 'RUNNING'});
is($running, '1', 'the interrupted trial is left RUNNING');
my $orphan = psql(q{SELECT trial_id FROM hptune.trials WHERE status = 'RUNNING'});
my $values = psql(q{SELECT md5(hyperparameters::text) FROM hptune.trials WHERE status = 'RUNNING'});

psql(q{UPDATE hptune.studies SET max_trials = (SELECT count(*) + 1 FROM hptune.trials)});
psql(q{CALL hptune.tune('crash')});
is(psql(q{SELECT count(*) FROM hptune.trials WHERE status <> 'COMPLETED'}), '0',
	'the next call completed the interrupted trial');
is(psql(q{SELECT attempt || ' ' || md5(hyperparameters::text) FROM hptune.trials WHERE trial_id = } . $orphan),
	"2 $values", 'with its own values, as a second attempt');
is(psql(q{SELECT count(*) FROM hptune.trials}), psql(q{SELECT max_trials FROM hptune.studies}),
	'and the search then ran to max_trials');

system("dropdb $db");
done_testing();
