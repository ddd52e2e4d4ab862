# Helpers shared by the TAP tests in test/t: run SQL through psql against the
# cluster the PG* environment points at (pg_virtualenv), in the foreground or
# in a background session, and wait for a state by polling instead of
# sleeping a fixed time.
package HptuneTap;
use strict;
use warnings;
use Exporter 'import';
use Test::More ();
use Time::HiRes qw(sleep time);

our @EXPORT = qw(psql setup psql_notices poll_until fresh_db drop_db note_killed_backend
	background wait_session held_study holds_in_fourth_trial);

# The psql command line for one statement.  Options: db => a database other
# than PGDATABASE; verbose => 1 for VERBOSITY=verbose (errors show their
# SQLSTATE).
sub _psql_argv
{
	my ($sql, %opt) = @_;
	return ['psql', '-XAtq', '-v', 'ON_ERROR_STOP=1',
		($opt{verbose} ? ('-v', 'VERBOSITY=verbose') : ()),
		(defined $opt{db} ? ('-d', $opt{db}) : ()),
		'-c', $sql];
}

# one statement; stdout and stderr together, trailing newline removed.
# psql($sql, db => ..., verbose => 1): see _psql_argv.
sub psql
{
	my ($sql, %opt) = @_;
	my $out = _run(_psql_argv($sql, %opt), 1);
	chomp $out;
	return $out;
}

# a statement the test needs to succeed: dies with psql's output otherwise
sub setup
{
	my ($sql, %opt) = @_;
	my $out = _run(_psql_argv($sql, %opt), 1);
	die "setup statement failed: $sql\n$out" if $? != 0;
	chomp $out;
	return $out;
}

# statements run in one session with client_min_messages = notice; returns
# (stdout, stderr): the NOTICE blocks are on stderr
sub psql_notices
{
	my ($sql) = @_;
	my $errfile = "/tmp/hptune_tap_$$.err";
	my $out = _run(['psql', '-XAtq', '-v', 'ON_ERROR_STOP=1',
		'-c', 'SET client_min_messages = notice', '-c', $sql], 0, $errfile);
	my $err = _slurp($errfile);
	unlink($errfile);
	chomp $out;
	return ($out, $err);
}

sub _run
{
	my ($argv, $merge, $errfile) = @_;
	my $pid = open(my $fh, '-|') // die "fork failed: $!";
	if ($pid == 0)
	{
		if ($merge)
		{
			open(STDERR, '>&', \*STDOUT);
		}
		else
		{
			open(STDERR, '>', $errfile);
		}
		exec(@$argv) or exit 127;
	}
	my $out = do { local $/; <$fh> };
	close($fh);
	return $out // '';
}

sub _slurp
{
	my ($file) = @_;
	open(my $fh, '<', $file) or die "cannot read $file: $!";
	my $text = do { local $/; <$fh> };
	close($fh);
	return $text // '';
}

# Start one statement in a background psql session whose application_name is
# $app (so that pg_stat_activity finds it), with its stdout and stderr going
# to a file.  Takes the options of psql().  Returns the session, for
# wait_session.
sub background
{
	my ($app, $sql, %opt) = @_;
	my $file = ($ENV{TMPDIR} // '/tmp') . "/hptune_tap_${app}_$$.out";
	my $pid = fork() // die "fork failed: $!";
	if ($pid == 0)
	{
		$ENV{PGAPPNAME} = $app;
		open(STDOUT, '>', $file) or die "cannot write $file: $!";
		open(STDERR, '>&', \*STDOUT);
		exec(@{ _psql_argv($sql, %opt) }) or exit 127;
	}
	return { pid => $pid, file => $file };
}

# wait until a background session has ended; returns (psql's exit status,
# its output)
sub wait_session
{
	my ($session) = @_;
	waitpid($session->{pid}, 0);
	my $status = $? >> 8;
	my $out = _slurp($session->{file});
	unlink($session->{file});
	return ($status, $out);
}

# run $sql until it returns $expected; false after $timeout seconds
sub poll_until
{
	my ($sql, $expected, $timeout) = @_;
	$timeout //= 120;
	my $deadline = time() + $timeout;
	while (time() < $deadline)
	{
		return 1 if psql($sql) eq $expected;
		sleep(0.1);
	}
	Test::More::diag("timed out after $timeout s waiting for [$sql] to return [$expected], last: ["
		. psql($sql) . "]");
	return 0;
}

# drop databases if they exist
sub drop_db
{
	system("dropdb --if-exists $_ >/dev/null 2>&1") for @_;
}

# a new, empty database for one test file, made the default for psql
sub fresh_db
{
	my ($db) = @_;
	drop_db($db);
	system("createdb $db") == 0 or die "createdb $db failed";
	$ENV{PGDATABASE} = $db;
	return $db;
}

# A study $study of one float x in [0, 1] whose objective function held(jsonb)
# returns x, but holds (sleeps 120 s) in a trial that starts once three
# trials have completed, as long as the table hold has a row: a test deletes
# the row to let later trials run.  Creates the extension in the current
# database.
sub held_study
{
	my ($study, $seed) = @_;
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
	setup(qq{SELECT hptune.create_study('$study', objective_function => 'held(jsonb)', max_trials => 40, seed => $seed)});
	setup(qq{SELECT hptune.hp_float('$study', 'x', 0, 1)});
}

# wait until the session $app searching a held_study has completed three
# trials and sleeps in the fourth; false on a timeout
sub holds_in_fourth_trial
{
	my ($app) = @_;
	return poll_until(q{SELECT (SELECT count(*) FROM hptune.trials WHERE status = 'COMPLETED') || ' '
	|| (SELECT count(*) FROM hptune.trials WHERE status = 'RUNNING') || ' '
	|| (SELECT count(*) FROM pg_stat_activity WHERE application_name = '} . $app . q{' AND wait_event = 'PgSleep')},
		'3 1 1');
}

# A test that kills a backend on purpose records its pid, so that the scan of
# the server log in scripts/test.sh accepts exactly that termination.
sub note_killed_backend
{
	my ($pid) = @_;
	my $file = $ENV{HPTUNE_KILLED_PIDS} or return;
	open(my $fh, '>>', $file) or die "cannot append to $file: $!";
	print $fh "$pid\n";
	close($fh);
}

1;
