# A Hyperband search cancelled, then killed, in the middle of a promoted
# trial resumes from the tables: the interrupted trials run again from their
# parent's checkpoint, and the finished search has exactly the trials,
# values and scores of a search run in one go with the same seed.
#
# The training holds (sleeps) through a custom metric aggregate once the
# study has as many completed trials as the table hold says; the test waits
# for that state by polling.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

fresh_db('hptune_tap_hyperband');
setup('CREATE EXTENSION hptune');
setup(q{CREATE TABLE hb_data AS
SELECT i, (i % 17) / 17.0 AS x1, ((i * 7) % 13) / 13.0 AS x2,
	   3 * (i % 17) / 17.0 - 2 * ((i * 7) % 13) / 13.0 + ((i * 31) % 11) / 110.0 AS y
  FROM generate_series(1, 300) i});
setup('CREATE TABLE hold (after int)');
setup(q{CREATE FUNCTION held_step(s float8, t float8, p float8) RETURNS float8
LANGUAGE sql AS $$ SELECT s + abs(t - p) $$});
setup(q{CREATE FUNCTION held_final(s float8) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT count(*) FROM hptune.trials t JOIN hptune.studies s USING (study_id)
		 WHERE s.name = 'hb' AND t.status = 'COMPLETED') >= (SELECT min(after) FROM hold) THEN
		PERFORM pg_sleep(120);
	END IF;
	RETURN s;
END $$});
setup(q{CREATE AGGREGATE held_metric(float8, float8) (sfunc = held_step, stype = float8,
	finalfunc = held_final, initcond = '0')});

my $settings = q{hypermodel => 'linear', objective => 'val_loss', tuner => 'hyperband',
	max_trials => 100, seed => 5, tuner_options => '{"max_epochs": 9, "factor": 3}'};
my $args = q{train => 'SELECT x1, x2, y FROM hb_data', validation_split => 0.25,
	options => '{"metrics": ["held_metric"]}'};
setup(qq{SELECT hptune.create_study('ref', $settings)});
setup(qq{SELECT hptune.create_study('hb', $settings)});
setup(qq{CALL hptune.tune('ref', $args)});
is(psql(q{SELECT count(*) FROM hptune.trials JOIN hptune.studies USING (study_id) WHERE name = 'ref' AND status = 'COMPLETED'}),
	'23', 'the search run in one go made 23 trials');

# wait until the search of hb has $n completed trials and sleeps in the next
sub holds_after
{
	my ($app, $n) = @_;
	return poll_until(q{SELECT (SELECT count(*) FROM hptune.trials t JOIN hptune.studies s USING (study_id)
								 WHERE s.name = 'hb' AND t.status = 'COMPLETED') || ' '
	|| (SELECT count(*) FROM hptune.trials WHERE status = 'RUNNING') || ' '
	|| (SELECT count(*) FROM pg_stat_activity WHERE application_name = '} . $app . q{' AND wait_event = 'PgSleep')},
		"$n 1 1");
}

sub running_round
{
	return psql(q{SELECT (hyperparameters->>'tuner/round') || ' ' || (hyperparameters->>'tuner/initial_epoch')
					FROM hptune.trials WHERE status = 'RUNNING'});
}

# cancelled in trial 10, the first promoted one (round 1, from epoch 1)
setup('INSERT INTO hold VALUES (10)');
my $tune = background('tap_hb', qq{CALL hptune.tune('hb', $args)});
ok(holds_after('tap_hb', 10), 'tune() completed ten trials and holds in the eleventh');
is(running_round(), '1 1', 'the held trial is a promoted one, continuing from epoch 1');
is(psql(q{SELECT count(*) FROM (SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'tap_hb') s}),
	'1', 'the tune() session was cancelled');
my ($status, $said) = wait_session($tune);
isnt($status, 0, 'CALL hptune.tune() ended with an error') or diag($said);

# killed in trial 12 (the promoted trial of round 2, from epoch 3)
setup('UPDATE hold SET after = 12');
$tune = background('tap_hb2', qq{CALL hptune.tune('hb', $args)});
ok(holds_after('tap_hb2', 12), 'the next call reran trial 10, went on, and holds in the thirteenth');
is(running_round(), '2 3', 'the held trial continues from epoch 3');
my $backend = psql(q{SELECT pid FROM pg_stat_activity WHERE application_name = 'tap_hb2'});
note_killed_backend($backend);
is(kill('KILL', $backend), 1, 'killed it with SIGKILL');
wait_session($tune);
ok(poll_until('SELECT 1', '1', 60), 'the server recovered');
is(psql(q{SELECT count(*) FROM hptune.trials t JOIN hptune.studies s USING (study_id)
		  WHERE s.name = 'hb' AND t.status = 'RUNNING'}), '1', 'the killed trial is left RUNNING');

setup('DELETE FROM hold');
setup(qq{CALL hptune.tune('hb', $args)});
is(psql(q{SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'COMPLETED') || ' ' || sum(attempt)
			FROM hptune.trials t JOIN hptune.studies s USING (study_id) WHERE s.name = 'hb'}),
	'23 23 25', 'the search finished its 23 trials, two of them in a second attempt');
is(psql(q{SELECT count(*) FROM hptune.trials a JOIN hptune.trials b USING (trial_id)
		  WHERE a.study_id = hptune.study_id('hb') AND b.study_id = hptune.study_id('ref')
			AND a.hyperparameters = b.hyperparameters AND a.score = b.score}),
	'23', 'with the trials, values and scores of the search run in one go');
is(psql(q{SELECT count(*) FROM (SELECT DISTINCT trial_id, step FROM hptune.trial_metrics
		  WHERE study_id = hptune.study_id('hb')) e}), '75', 'and 75 epochs of training, none twice');

drop_db('hptune_tap_hyperband');
done_testing();
