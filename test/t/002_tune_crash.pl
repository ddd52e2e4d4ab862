# A backend killed with SIGKILL in the middle of CALL hptune.tune() makes the
# server crash and recover.  Every trial that finished before is still there;
# the trial the dead backend left RUNNING is run again by the next call.
#
# The objective holds (sleeps) once three trials have completed, as long as
# the table hold has a row (held_study in HptuneTap.pm): the test waits for
# that state by polling.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

fresh_db('hptune_tap_crash');
held_study('crash', 2);

my $tune = background('tap_crash', q{CALL hptune.tune('crash')});
ok(holds_in_fourth_trial('tap_crash'), 'tune() completed three trials and holds in the fourth');
my $backend = psql(q{SELECT pid FROM pg_stat_activity WHERE application_name = 'tap_crash'});
like($backend, qr/^\d+$/, 'found the tune() backend');
note_killed_backend($backend);
is(kill('KILL', $backend), 1, 'killed it with SIGKILL');
wait_session($tune);
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

drop_db('hptune_tap_crash');
done_testing();
