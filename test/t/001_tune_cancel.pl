# CALL hptune.tune() commits after every trial: cancelling it keeps the
# trials that finished, and the next call resumes the study where it stopped.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
#
# The objective holds (sleeps) once three trials have completed, as long as
# the table hold has a row (held_study in HptuneTap.pm): the test waits for
# that state by polling, so
# nothing depends on how fast the machine is.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

fresh_db('hptune_tap_cancel');
held_study('slow', 1);

# start tune() in the background; wait until it holds in its fourth trial
my $tune = background('tap_tune', q{CALL hptune.tune('slow')});
ok(holds_in_fourth_trial('tap_tune'), 'tune() completed three trials and holds in the fourth');

# one search of a study at a time: a second session is turned away
like(psql(q{SELECT count(*) FROM hptune.search('slow')}), qr/study "slow" is being searched by another session/,
	'a concurrent search of the same study is refused');
my $cancelled = psql(q{SELECT count(*) FROM (SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'tap_tune') s});
is($cancelled, '1', 'the tune() session was cancelled');
my ($status, $said) = wait_session($tune);
isnt($status, 0, 'CALL hptune.tune() ended with an error') or diag($said);

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

drop_db('hptune_tap_cancel');
done_testing();
