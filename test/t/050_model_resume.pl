# A bayesian or tpe search stopped in the middle -- tune() cancelled, or its
# backend killed with SIGKILL -- resumes from the tables alone and makes
# exactly the decisions an uninterrupted search of the same seed makes: the
# oracle is rebuilt from the trial history at every call, and its random
# numbers depend only on the seed and the trial.
#
# Each case runs a reference study to the end, then the same study (same
# seed, options and function values) whose objective holds (sleeps) once six
# trials have completed, as long as the table hold names it; the test
# interrupts it there, lets it go and calls tune() again.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;

fresh_db('hptune_tap_model_resume');
setup('CREATE EXTENSION hptune');
setup('CREATE TABLE hold (study text, after int)');
setup(q{CREATE FUNCTION bowl(hp jsonb) RETURNS float8 LANGUAGE sql
AS $$ SELECT ((hp->>'x')::float8 - 0.3) ^ 2 + ((hp->>'y')::float8 - 0.7) ^ 2 $$});
setup(q{CREATE FUNCTION held_bowl(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM hold h WHERE (SELECT count(*) FROM hptune.trials t
			WHERE t.study_id = hptune.study_id(h.study) AND t.status = 'COMPLETED') >= h.after) THEN
		PERFORM pg_sleep(120);
	END IF;
	RETURN bowl(hp);
END $$});

# trial id, values and score of every trial of a study, one line each
sub trials_of
{
	my ($study) = @_;
	return psql(qq{SELECT string_agg(trial_id || ' ' || status || ' ' || hyperparameters::text || ' ' || score,
		E'\\n' ORDER BY trial_id) FROM hptune.trials WHERE study_id = hptune.study_id('$study')});
}

sub make_study
{
	my ($study, $fn, $tuner, $options) = @_;
	setup(qq{SELECT hptune.create_study('$study', objective_function => '$fn(jsonb)', tuner => '$tuner',
		max_trials => 12, seed => 5, tuner_options => '$options')});
	setup(qq{SELECT hptune.hp_float('$study', 'x', 0, 1)});
	setup(qq{SELECT hptune.hp_float('$study', 'y', 0, 1)});
}

for my $case (['bayesian', '{"num_initial_points": 3}', 'cancel'],
	['tpe', '{"n_startup_trials": 3}', 'kill'],
	['tpe', '{"n_startup_trials": 3, "multivariate": true}', 'cancel'])
{
	my ($tuner, $options, $stop) = @$case;
	my $name = "$tuner $options, $stop";
	my $tag = $tuner . ($options =~ /multivariate/ ? '_mv' : '');

	make_study("ref_$tag", 'bowl', $tuner, $options);
	setup(qq{CALL hptune.tune('ref_$tag')});
	my $reference = trials_of("ref_$tag");

	make_study("held_$tag", 'held_bowl', $tuner, $options);
	setup(qq{INSERT INTO hold VALUES ('held_$tag', 6)});
	my $app = "tap_resume_$tag";
	my $tune = background($app, qq{CALL hptune.tune('held_$tag')});
	ok(poll_until(qq{SELECT (SELECT count(*) FROM hptune.trials WHERE study_id = hptune.study_id('held_$tag') AND status = 'COMPLETED')
		|| ' ' || (SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app' AND wait_event = 'PgSleep')}, '6 1'),
		"$name: six trials completed, the seventh holds");
	if ($stop eq 'kill')
	{
		my $backend = psql(qq{SELECT pid FROM pg_stat_activity WHERE application_name = '$app'});
		note_killed_backend($backend);
		is(kill('KILL', $backend), 1, "$name: killed the backend");
		wait_session($tune);
		ok(poll_until('SELECT 1', '1', 60), "$name: the server recovered");
	}
	else
	{
		psql(qq{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = '$app'});
		my ($status, $said) = wait_session($tune);
		isnt($status, 0, "$name: tune() was cancelled") or diag($said);
	}
	is(psql(qq{SELECT count(*) FROM hptune.trials WHERE study_id = hptune.study_id('held_$tag') AND status = 'RUNNING'}),
		'1', "$name: the interrupted trial is left RUNNING");

	setup('DELETE FROM hold');
	setup(qq{CALL hptune.tune('held_$tag')});
	my $resumed = trials_of("held_$tag");
	is(scalar(split /\n/, $resumed), 12, "$name: the resumed search ran to max_trials");
	is($resumed, $reference, "$name: the same trials as the uninterrupted search");
}

drop_db('hptune_tap_model_resume');
done_testing();
