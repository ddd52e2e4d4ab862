# One search of a study at a time, with a lock no role can take for it:
# pg_advisory_lock with any key does not block a search, and two searches
# of one study exclude each other.  Polls for the state it waits for.
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

# poll until $sql returns $want (at most about 60 s)
sub wait_for
{
	my ($sql, $want) = @_;
	for (my $i = 0; $i < 600; $i++)
	{
		return 1 if psql($sql) eq $want;
		sleep(0.1);
	}
	return 0;
}

my $db = 'hptune_tap_lock';
system("dropdb --if-exists $db >/dev/null 2>&1");
system("createdb $db") == 0 or BAIL_OUT("createdb failed");
$ENV{PGDATABASE} = $db;
$ENV{PGOPTIONS} = '-c client_min_messages=warning';

psql("CREATE EXTENSION hptune");
psql(q{CREATE FUNCTION lock_f(hp jsonb) RETURNS float8 LANGUAGE sql AS 'SELECT (hp->>''x'')::float8'});
# a trial that waits until the test lets it go (advisory lock 42 held by a session of the test)
psql(q{CREATE FUNCTION lock_wait(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_advisory_lock_shared(42); PERFORM pg_advisory_unlock_shared(42); RETURN (hp->>''x'')::float8; END'});
psql(q{SELECT hptune.create_study('locked', objective_function => 'lock_f(jsonb)', max_trials => 3, seed => 1)});
psql(q{SELECT hptune.hp_float('locked', 'x', 0, 1)});
psql(q{SELECT hptune.create_study('held', objective_function => 'lock_wait(jsonb)', max_trials => 2, seed => 1)});
psql(q{SELECT hptune.hp_float('held', 'x', 0, 1)});
my $locked_id = psql(q{SELECT hptune.study_id('locked')});

# advisory locks of every kind and key a role could guess, held by another session
my $holder = fork();
if ($holder == 0)
{
	$ENV{PGAPPNAME} = 'tap_holder';
	my $c = (1 << 32) - 1;
	exec('psql', '-XAtq', '-c',
		 "SELECT pg_advisory_lock(42), pg_advisory_lock($locked_id), pg_advisory_lock(1752200309, $locked_id),"
		 . " pg_advisory_lock(0, $locked_id), pg_advisory_lock($locked_id, 0), pg_advisory_lock(-1, $locked_id);"
		 . " SELECT pg_sleep(120)");
	exit 1;
}
ok(wait_for(q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted}, '6'),
	'another session holds advisory locks');
is(psql(q{SELECT count(*) FROM hptune.search('locked')}), '3',
	'advisory locks on any key do not block a search');

# a search holding the study: a second search of it is refused, others run
my $searcher = fork();
if ($searcher == 0)
{
	$ENV{PGAPPNAME} = 'tap_search';
	exec("psql -XAtq -c \"SELECT count(*) FROM hptune.search('held')\" >/dev/null 2>&1");
	exit 1;
}
ok(wait_for(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tap_search' AND wait_event_type = 'Lock' AND wait_event = 'advisory'}, '1'),
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
waitpid($holder, 0);
waitpid($searcher, 0);
is($? >> 8, 0, 'the first search finished');
is(psql(q{SELECT count(*) FROM hptune.trials WHERE study_id = hptune.study_id('held') AND status = 'COMPLETED'}), '2',
	'its trials completed');
psql(q{UPDATE hptune.studies SET max_trials = 3 WHERE name = 'held'});
is(psql(q{SELECT count(*) FROM hptune.search('held')}), '1', 'the lock was released: the next search runs');

system("dropdb $db");
done_testing();
