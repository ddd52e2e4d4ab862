# Helpers shared by the TAP tests in test/t: run SQL through psql against the
# cluster the PG* environment points at (pg_virtualenv), and wait for a state
# by polling instead of sleeping a fixed time.
package HptuneTap;
use strict;
use warnings;
use Exporter 'import';
use Time::HiRes qw(sleep time);

our @EXPORT = qw(psql setup psql_notices poll_until fresh_db note_killed_backend);

# one statement; stdout and stderr together, trailing newline removed
sub psql
{
	my ($sql) = @_;
	my $out = _run(['psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', $sql], 1);
	chomp $out;
	return $out;
}

# a statement the test needs to succeed: dies with psql's output otherwise
sub setup
{
	my ($sql) = @_;
	my $out = _run(['psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', $sql], 1);
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
	open(my $fh, '<', $errfile) or die "cannot read $errfile: $!";
	my $err = do { local $/; <$fh> };
	close($fh);
	unlink($errfile);
	chomp $out;
	return ($out, $err // '');
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
	diag("timed out after $timeout s waiting for [$sql] to return [$expected], last: [" . psql($sql) . "]");
	return 0;
}

# a new, empty database for one test file, made the default for psql
sub fresh_db
{
	my ($db) = @_;
	system("dropdb --if-exists $db >/dev/null 2>&1");
	system("createdb $db") == 0 or die "createdb $db failed";
	$ENV{PGDATABASE} = $db;
	return $db;
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
