# A backend killed with SIGKILL in the middle of CALL hptune.tune() makes the
# server crash and recover.  Every trial that finished before is still there;
# the trial the dead backend left RUNNING is run again by the next call.
#
# The objective holds (sleeps) once three trials have completed, as long as
# the table hold has a row: the test waits for that state by polling.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

fresh_db('hptune_tap_crash');
setup('CREATE EXTENSION hptune');
setup('CREATE TABLE hold (after int)');
setup('INSERT INTO hold VALUES (3)');
setup(q{CREATE FUNCTION held(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT count(*) FROM hptune.trials WHERE status = 'COMPLETED') >= (SELECT min(after) FROM hold) THEN
		PERFORM pg_sleep(120);
	END IF;
	RETURN (hp->>'x')::float8;
END $$});
setup(q{SELECT hptune.create_study('crash', objective_function => 'held(jsonb)', max_trials => 40, seed => 2)});
setup(q{SELECT hptune.hp_float('crash', 'x', 0, 1)});

my $pid = fork();
if ($pid == 0)
{
	$ENV{PGAPPNAME} = 'tap_crash';
	exec("psql -XAtq -c \"CALL hptune.tune('crash')\" >/dev/null 2>&1");
	exit 1;
}
ok(poll_until(q{SELECT (SELECT count(*) FROM hptune.trials WHERE status = 'COMPLETED') || ' '
	|| (SELECT count(*) FROM hptune.trials WHERE status = 'RUNNING') || ' '
	|| (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tap_crash' AND wait_event = 'PgSleep')},
	'3 1 1'), 'tune() completed three trials and holds in the fourth');
my $backend = psql(q{SELECT pid FROM pg_stat_activity WHERE application_name = 'tap_crash'});
like($backend, qr/^\d+$/, 'found the tune() backend');
note_killed_backend($backend);
is(kill('KILL', $backend), 1, 'killed it with SIGKILL');
waitpid($pid, 0);
ok(poll_until('SELECT 1', '1', 60), 'the server recovered');

is(psql(q{SELECT count(*) FROM hptune.trials WHERE status = 'COMPLETED'}), '3', 'finished trials survived the crash');
is(psql(q{SELECT count(*) FROM hptune.trials WHERE status = 'RUNNING'}), '1', 'the interrupted trial is left RUNNING');
my $orphan = psql(q{SELECT trial_id FROM hptune.trials WHERE status = 'RUNNING'});
my $values = psql(q{SELECT md5(hyperparameters::text) FROM hptune.trials WHERE status = 'RUNNING'});

setup('DELETE FROM hold');
setup(q{UPDATE hptune.studies SET max_trials = (SELECT count(*) + 1 FROM hptune.trials)});
setup(q{CALL hptune.tune('crash')});
is(psql(q{SELECT count(*) FROM hptune.trials WHERE status <> 'COMPLETED'}), '0',
	'the next call completed the interrupted trial');
is(psql(q{SELECT attempt || ' ' || md5(hyperparameters::text) FROM hptune.trials WHERE trial_id = } . $orphan),
	"2 $values", 'with its own values, as a second attempt');
is(psql(q{SELECT count(*) FROM hptune.trials}), '5', 'and the search then ran to max_trials');

system('dropdb hptune_tap_crash');
done_testing();
