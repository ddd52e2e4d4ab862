# One search of a study at a time, with a lock no role can take for it:
# pg_advisory_lock with any key does not block a search, and two searches
# of one study exclude each other.  Polls for the state it waits for.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

my $db = fresh_db('hptune_tap_lock');
$ENV{PGOPTIONS} = '-c client_min_messages=warning';

setup('CREATE EXTENSION hptune');
setup(q{CREATE FUNCTION lock_f(hp jsonb) RETURNS float8 LANGUAGE sql AS 'SELECT (hp->>''x'')::float8'});
# a trial that waits until the test lets it go (advisory lock 42 held by a session of the test)
setup(q{CREATE FUNCTION lock_wait(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_advisory_lock_shared(42); PERFORM pg_advisory_unlock_shared(42); RETURN (hp->>''x'')::float8; END'});
setup(q{SELECT hptune.create_study('locked', objective_function => 'lock_f(jsonb)', max_trials => 3, seed => 1)});
setup(q{SELECT hptune.hp_float('locked', 'x', 0, 1)});
setup(q{SELECT hptune.create_study('held', objective_function => 'lock_wait(jsonb)', max_trials => 2, seed => 1)});
setup(q{SELECT hptune.hp_float('held', 'x', 0, 1)});
my $locked_id = setup(q{SELECT hptune.study_id('locked')});

# advisory locks of every kind and key a role could guess, held by another session
my $holder = background('tap_holder',
	"SELECT pg_advisory_lock(42), pg_advisory_lock($locked_id), pg_advisory_lock(1752200309, $locked_id),"
	. " pg_advisory_lock(0, $locked_id), pg_advisory_lock($locked_id, 0), pg_advisory_lock(-1, $locked_id);"
	. " SELECT pg_sleep(120)");
ok(poll_until(q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted}, '6'),
	'another session holds advisory locks');
is(psql(q{SELECT count(*) FROM hptune.search('locked')}), '3',
	'advisory locks on any key do not block a search');

# a search holding the study: a second search of it is refused, others run
my $searcher = background('tap_search', q{SELECT count(*) FROM hptune.search('held')});
ok(poll_until(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tap_search' AND wait_event_type = 'Lock' AND wait_event = 'advisory'}, '1'),
	'the search is inside its first trial');
like(psql(q{SELECT count(*) FROM hptune.search('held')}), qr/study "held" is being searched by another session/,
	'a second search of the same study is refused');
like(psql(q{CALL hptune.tune('held')}), qr/study "held" is being searched by another session/,
	'so is a CALL hptune.tune() of it');
is(psql(q{SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		  WHERE a.application_name = 'tap_search' AND l.locktype = 'object'
		  AND l.classid = 'hptune.studies'::regclass AND l.objid = hptune.study_id('held')::oid AND l.granted}), '1',
	'the search lock is an object lock on the study in hptune.studies');

# let the trials finish: the search completes, and the study can be searched again
psql(q{SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tap_holder'});
wait_session($holder);
my ($status, $found) = wait_session($searcher);
is($status, 0, 'the first search finished') or diag($found);
is(psql(q{SELECT count(*) FROM hptune.trials WHERE study_id = hptune.study_id('held') AND status = 'COMPLETED'}), '2',
	'its trials completed');
setup(q{UPDATE hptune.studies SET max_trials = 3 WHERE name = 'held'});
is(psql(q{SELECT count(*) FROM hptune.search('held')}), '1', 'the lock was released: the next search runs');

drop_db($db);
done_testing();
