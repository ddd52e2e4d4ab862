# Eight sessions loop over hptune.suggest() and hptune.complete() on one
# study at once, each committing after every call: every trial is handed out
# to one session only, max_trials is never exceeded, and exactly max_trials
# distinct trials are completed, each once.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

my $db = fresh_db('hptune_tap_ask_tell');
$ENV{PGOPTIONS} = '-c client_min_messages=warning';

setup('CREATE EXTENSION hptune');
setup(q{CREATE FUNCTION f(hp jsonb) RETURNS float8 LANGUAGE sql AS 'SELECT (hp->>''x'')::float8'});
setup(q{SELECT hptune.create_study('par', objective_function => 'f(jsonb)', objective => 'loss',
	direction => 'min', max_trials => 40, seed => 7)});
setup(q{SELECT hptune.hp_float('par', 'x', 0, 1)});
# what each session completed, as it saw it
setup('CREATE TABLE done (trial_id int, worker text)');
# the sessions start together once the table go has a row
setup('CREATE TABLE go (x int)');

my @sessions;
for my $i (1 .. 8)
{
	push @sessions, background("tap_worker_$i", qq{DO \$\$
DECLARE t int; l uuid; hp jsonb; n int := 0;
BEGIN
	WHILE NOT EXISTS (SELECT 1 FROM go) LOOP
		PERFORM pg_sleep(0.02);
	END LOOP;
	LOOP
		SELECT s.trial_id, s.lease, s.hyperparameters INTO t, l, hp FROM hptune.suggest('par', 'w$i') s;
		EXIT WHEN t IS NULL;
		COMMIT;
		PERFORM pg_sleep(0.01 * (random() * 3));
		PERFORM hptune.complete('par', t, jsonb_build_object('loss', (hp->>'x')::float8), l);
		INSERT INTO done VALUES (t, 'w$i');
		COMMIT;
		n := n + 1;
	END LOOP;
	RAISE WARNING 'w$i completed % trials', n;
END \$\$}, verbose => 1);
}
ok(poll_until(q{SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'tap_worker_%'}, '8'),
	'eight sessions are ready');
setup('INSERT INTO go VALUES (1)');
my $failed = 0;
for my $s (@sessions)
{
	my ($status, $out) = wait_session($s);
	note($out);
	$failed++ if $status != 0;
}
is($failed, 0, 'all eight sessions ended without an error');
is(psql(q{SELECT count(*) || ' ' || count(DISTINCT trial_id) FROM done}), '40 40',
	'the sessions completed 40 trials, each once');
is(psql(q{SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'COMPLETED')
	|| ' ' || max(attempt) || ' ' || min(trial_id) || ' ' || max(trial_id) FROM hptune.trials}),
	'40 40 1 0 39', 'the study holds exactly 40 completed trials 0..39, each handed out once');
is(psql(q{SELECT count(DISTINCT hyperparameters) FROM hptune.trials}), '40',
	'every trial has its own hyperparameters');
is(psql(q{SELECT count(*) FROM done d JOIN hptune.trials t USING (trial_id) WHERE t.worker <> d.worker}), '0',
	'each trial is recorded as completed by the session it was handed to');
cmp_ok(psql(q{SELECT count(DISTINCT worker) FROM done}), '>', 1, 'more than one session got trials');
is(psql(q{SELECT count(*) FROM hptune.suggest('par')}), '0', 'a ninth caller gets nothing');

drop_db($db);
done_testing();
