# CALL hptune.tune() commits after every trial: cancelling it keeps the
# trials that finished, and the next call resumes the study where it stopped.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
#
# The objective holds (sleeps) once three trials have completed, as long as
# the table hold has a row: the test waits for that state by polling, so
# nothing depends on how fast the machine is.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

fresh_db('hptune_tap_cancel');
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
setup(q{SELECT hptune.create_study('slow', objective_function => 'held(jsonb)', max_trials => 40, seed => 1)});
setup(q{SELECT hptune.hp_float('slow', 'x', 0, 1)});

# start tune() in the background; wait until it holds in its fourth trial
my $pid = fork();
if ($pid == 0)
{
	$ENV{PGAPPNAME} = 'tap_tune';
	exec("psql -XAtq -c \"CALL hptune.tune('slow')\" >/dev/null 2>&1");
	exit 1;
}
ok(poll_until(q{SELECT (SELECT count(*) FROM hptune.trials WHERE status = 'COMPLETED') || ' '
	|| (SELECT count(*) FROM hptune.trials WHERE status = 'RUNNING') || ' '
	|| (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tap_tune' AND wait_event = 'PgSleep')},
	'3 1 1'), 'tune() completed three trials and holds in the fourth');

# one search of a study at a time: a second session is turned away
like(psql(q{SELECT count(*) FROM hptune.search('slow')}), qr/study "slow" is being searched by another session/,
	'a concurrent search of the same study is refused');
my $cancelled = psql(q{SELECT count(*) FROM (SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'tap_tune') s});
is($cancelled, '1', 'the tune() session was cancelled');
waitpid($pid, 0);
isnt($? >> 8, 0, 'CALL hptune.tune() ended with an error');

is(psql(q{SELECT count(*) FROM hptune.trials WHERE status = 'COMPLETED'}), '3', 'the finished trials were kept');
is(psql(q{SELECT count(*) FROM hptune.trials WHERE status = 'RUNNING'}), '1',
	'the interrupted trial is left RUNNING');

# the next call resumes: the interrupted trial runs again, and the budget holds
setup('DELETE FROM hold');
setup(q{UPDATE hptune.studies SET max_trials = (SELECT count(*) + 2 FROM hptune.trials)});
setup(q{CALL hptune.tune('slow')});
my $total = psql(q{SELECT count(*) FROM hptune.trials});
is($total, '6', 'resumed until max_trials');
is(psql(q{SELECT count(*) FROM hptune.trials WHERE status <> 'COMPLETED'}), '0',
	'every trial, including the interrupted one, completed');
is(psql(q{SELECT count(DISTINCT values_hash) FROM hptune.trials}), $total, 'no combination ran twice');

system('dropdb hptune_tap_cancel');
done_testing();
