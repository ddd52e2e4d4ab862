# The progress NOTICE block every trial prints, in KerasTuner's layout:
#
#   Trial 1 Complete [00h 00m 01s]
#   default_objective: 1.0625
#
#   Best default_objective So Far: 1.0625
#   Total elapsed time: 00h 00m 01s
#
# The regression tests hide these blocks (their times vary); this test checks
# the layout, the values and that the times are real.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

fresh_db('hptune_tap_notices');
setup('CREATE EXTENSION hptune');
setup(q{CREATE FUNCTION x_squared(hp jsonb) RETURNS float8 LANGUAGE sql
	AS $$ SELECT (hp->>'x')::float8 * (hp->>'x')::float8 + 1 $$});

my $block = qr/\ATrial (\d+) (Complete|Failed) \[(\d\d)h (\d\d)m (\d\d)s\]\n(.*)\n\nBest (\S+) So Far: (.*)\nTotal elapsed time: (\d\d)h (\d\d)m (\d\d)s\n*\z/s;

# the NOTICE blocks on stderr, each parsed; anything else fails the test
sub blocks
{
	my ($err) = @_;
	my @blocks;
	for my $notice (grep { $_ ne '' } split(/^NOTICE:  /m, $err))
	{
		if ($notice =~ $block)
		{
			push @blocks, {
				trial => $1, status => $2, seconds => $3 * 3600 + $4 * 60 + $5,
				result => $6, objective => $7, best => $8,
				total => $9 * 3600 + $10 * 60 + $11 };
		}
		else
		{
			fail("a NOTICE in KerasTuner's layout");
			diag("got: $notice");
		}
	}
	return @blocks;
}

# two completed trials: each block shows its score and the best so far
setup(q{SELECT hptune.create_study('notices', objective_function => 'x_squared(jsonb)', max_trials => 2, seed => 3)});
setup(q{SELECT hptune.hp_choice('notices', 'x', ARRAY[0.5, 0.25])});
my ($out, $err) = psql_notices(q{SELECT count(*) FROM hptune.search('notices')});
is($out, '2', 'two trials ran');
my @b = blocks($err);
is(scalar(@b), 2, 'one NOTICE block per trial');
is_deeply([ map { "$_->{trial} $_->{status} | $_->{result} | best $_->{objective} $_->{best}" } @b ],
	[ '1 Complete | default_objective: 1.0625 | best default_objective 1.0625',
	  '2 Complete | default_objective: 1.25 | best default_objective 1.0625' ],
	'trial number, status, score and best score so far');

# a trial that takes a second shows it, and the total covers it
setup(q{CREATE FUNCTION slow(hp jsonb) RETURNS float8 LANGUAGE plpgsql
	AS $$ BEGIN PERFORM pg_sleep(1.1); RETURN (hp->>'x')::float8; END $$});
setup(q{SELECT hptune.create_study('slow', objective_function => 'slow(jsonb)', objective => 'score', direction => 'min', max_trials => 1)});
setup(q{SELECT hptune.hp_fixed('slow', 'x', 2.5::float8)});
($out, $err) = psql_notices(q{SELECT count(*) FROM hptune.search('slow')});
@b = blocks($err);
is(scalar(@b), 1, 'one block for the slow trial');
cmp_ok($b[0]{seconds}, '>=', 1, "the trial time counts the second it took ($b[0]{seconds} s)");
cmp_ok($b[0]{total}, '>=', $b[0]{seconds}, 'the total elapsed time is at least the trial time');
is("$b[0]{result} | best $b[0]{objective} $b[0]{best}", 'score: 2.5 | best score 2.5', 'a named objective is shown by its name');

# a failed trial shows its error message and no best score yet
setup(q{CREATE FUNCTION fails(hp jsonb) RETURNS float8 LANGUAGE plpgsql
	AS $$ BEGIN RAISE EXCEPTION 'no good value for x = %', hp->>'x'; END $$});
setup(q{SELECT hptune.create_study('fails', objective_function => 'fails(jsonb)', max_trials => 1)});
setup(q{SELECT hptune.hp_fixed('fails', 'x', 7)});
($out, $err) = psql_notices(q{SELECT status FROM hptune.search('fails')});
is($out, 'FAILED', 'the trial failed');
@b = blocks($err);
is(scalar(@b), 1, 'one block for the failed trial');
is("$b[0]{trial} $b[0]{status}", '1 Failed', 'it is reported as failed');
like($b[0]{result}, qr/no good value for x = 7/, 'with the error message');
is($b[0]{best}, 'None', 'and no best score so far');

drop_db('hptune_tap_notices');
done_testing();
