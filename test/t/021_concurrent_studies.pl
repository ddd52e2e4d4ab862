# Studies created and dropped by concurrent sessions get clear errors, not
# raw unique or foreign-key violations: two sessions creating the same
# study at once, and a study dropped while CALL hptune.tune() searches it.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

my $db = fresh_db('hptune_tap_concurrent');
$ENV{PGOPTIONS} = '-c client_min_messages=warning';

setup('CREATE EXTENSION hptune');
setup(q{CREATE FUNCTION f(hp jsonb) RETURNS float8 LANGUAGE sql AS 'SELECT (hp->>''x'')::float8'});

# two sessions create the same study: the first holds its insert open
my $first = background('tap_create',
	q{BEGIN; SELECT hptune.create_study('dup', objective_function => 'f(jsonb)') > 0; SELECT pg_sleep(1); COMMIT;},
	verbose => 1);
ok(poll_until(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tap_create' AND wait_event = 'PgSleep'}, '1'),
	'the first session has created the study and not committed');
# verbose: the error with its SQLSTATE
my $second = psql(q{SELECT hptune.create_study('dup', objective_function => 'f(jsonb)', max_trials => 3)}, verbose => 1);
wait_session($first);
like($second, qr/42710: study name "dup" is taken/, 'the second session gets a clear error');
unlike($second, qr/23505|duplicate key/, 'not a raw unique violation');
is(psql(q{SELECT count(*) FROM hptune.studies WHERE name = 'dup'}), '1', 'one study was created');
like(psql(q{SELECT hptune.create_study('dup', objective_function => 'f(jsonb)') > 0}), qr/^t$/,
	'calling create_study again resumes it');

# a study dropped while tune() runs its trials (each takes about 0.3 s)
setup(q{CREATE FUNCTION slow(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.3); RETURN (hp->>''x'')::float8; END'});
setup(q{SELECT hptune.create_study('dropped', objective_function => 'slow(jsonb)', max_trials => 40, seed => 1)});
setup(q{SELECT hptune.hp_float('dropped', 'x', 0, 1)});
my $search = background('tap_tune', q{CALL hptune.tune('dropped')}, verbose => 1);
ok(poll_until(q{SELECT count(*) >= 2 FROM hptune.trials WHERE study_id = hptune.study_id('dropped')}, 't'),
	'tune() has recorded trials');
is(psql(q{SELECT hptune.drop_study('dropped')}, verbose => 1), '', 'the study is dropped during the search');
my (undef, $tune) = wait_session($search);
note("tune() said: $tune");
like($tune, qr/study "dropped" was dropped during its search|(study|trial) .* no longer exists/, 'the search stops with a clear error');
unlike($tune, qr/23503|foreign key/, 'not a raw foreign-key violation');
is(psql(q{SELECT count(*) FROM hptune.trials t WHERE NOT EXISTS (SELECT 1 FROM hptune.studies s WHERE s.study_id = t.study_id)}),
	'0', 'no trial outlives its study');

drop_db($db);
done_testing();
