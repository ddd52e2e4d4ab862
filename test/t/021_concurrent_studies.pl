# Studies created and dropped by concurrent sessions get clear errors, not
# raw unique or foreign-key violations: two sessions creating the same
# study at once, and a study dropped while CALL hptune.tune() searches it.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);

# psql -c without a shell in between; stderr with stdout
sub psql
{
	my ($sql) = @_;
	my $pid = open(my $fh, '-|') // die "fork: $!";
	if ($pid == 0)
	{
		open(STDERR, '>&', \*STDOUT);
		exec('psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-c', $sql);
		exit 1;
	}
	local $/;
	my $out = <$fh> // '';
	close($fh);
	$out =~ s/\s+$//;
	return $out;
}

# run psql in the background under an application_name; its output goes to $file
sub background
{
	my ($app, $sql, $file) = @_;
	my $pid = fork();
	if ($pid == 0)
	{
		$ENV{PGAPPNAME} = $app;
		open(STDOUT, '>', $file);
		open(STDERR, '>&', \*STDOUT);
		exec('psql', '-XAtq', '-v', 'VERBOSITY=verbose', '-c', $sql);
		exit 1;
	}
	return $pid;
}

sub poll
{
	my ($sql, $want) = @_;
	for (1 .. 300)
	{
		return 1 if psql($sql) eq $want;
		sleep(0.1);
	}
	return 0;
}

my $db = 'hptune_tap_concurrent';
system("dropdb --if-exists $db >/dev/null 2>&1");
system("createdb $db") == 0 or BAIL_OUT("createdb failed");
$ENV{PGDATABASE} = $db;
$ENV{PGOPTIONS} = '-c client_min_messages=warning';
my $dir = $ENV{TMPDIR} // '/tmp';

psql('CREATE EXTENSION hptune');
psql(q{CREATE FUNCTION f(hp jsonb) RETURNS float8 LANGUAGE sql AS 'SELECT (hp->>''x'')::float8'});

# two sessions create the same study: the first holds its insert open
my $out1 = "$dir/hptune_tap_create_$$.out";
my $pid = background('tap_create',
	q{BEGIN; SELECT hptune.create_study('dup', objective_function => 'f(jsonb)') > 0; SELECT pg_sleep(1); COMMIT;},
	$out1);
ok(poll(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tap_create' AND wait_event = 'PgSleep'}, '1'),
	'the first session has created the study and not committed');
my $second = psql(q{SELECT hptune.create_study('dup', objective_function => 'f(jsonb)', max_trials => 3)});
waitpid($pid, 0);
like($second, qr/42710: study name "dup" is taken/, 'the second session gets a clear error');
unlike($second, qr/23505|duplicate key/, 'not a raw unique violation');
is(psql(q{SELECT count(*) FROM hptune.studies WHERE name = 'dup'}), '1', 'one study was created');
like(psql(q{SELECT hptune.create_study('dup', objective_function => 'f(jsonb)') > 0}), qr/^t$/,
	'calling create_study again resumes it');

# a study dropped while tune() runs its trials (each takes about 0.3 s)
psql(q{CREATE FUNCTION slow(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.3); RETURN (hp->>''x'')::float8; END'});
psql(q{SELECT hptune.create_study('dropped', objective_function => 'slow(jsonb)', max_trials => 40, seed => 1)});
psql(q{SELECT hptune.hp_float('dropped', 'x', 0, 1)});
my $out2 = "$dir/hptune_tap_drop_$$.out";
$pid = background('tap_tune', q{CALL hptune.tune('dropped')}, $out2);
ok(poll(q{SELECT count(*) >= 2 FROM hptune.trials WHERE study_id = hptune.study_id('dropped')}, 't'),
	'tune() has recorded trials');
is(psql(q{SELECT hptune.drop_study('dropped')}), '', 'the study is dropped during the search');
waitpid($pid, 0);
my $tune = do { local (@ARGV, $/) = ($out2); <> } // '';
note("tune() said: $tune");
like($tune, qr/study "dropped" was dropped during its search|(study|trial) .* no longer exists/, 'the search stops with a clear error');
unlike($tune, qr/23503|foreign key/, 'not a raw foreign-key violation');
is(psql(q{SELECT count(*) FROM hptune.trials t WHERE NOT EXISTS (SELECT 1 FROM hptune.studies s WHERE s.study_id = t.study_id)}),
	'0', 'no trial outlives its study');

unlink($out1, $out2);
system("dropdb --if-exists $db >/dev/null 2>&1");
done_testing();
