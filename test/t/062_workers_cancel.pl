# Workers of a search that is cancelled, or that are terminated or stopped
# themselves: no finished trial is lost, no trial is recorded twice.
#  - cancelling the caller terminates its workers within a second (none is
#    left 2 s later); the trials they were running go back to PENDING and a
#    second search completes the study to exactly max_trials;
#  - a worker terminated with SIGTERM mid-trial puts its trial back, which
#    the other worker runs again, recorded once;
#  - a worker stopped with SIGSTOP past its lease loses its trial to the
#    other worker; its late result is rejected.
# Runs against the cluster the PG* environment points at (pg_virtualenv).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use HptuneTap;
use Test::More;
use Time::HiRes qw(sleep time);

my $db = fresh_db('hptune_tap_workers_cancel');
$ENV{PGOPTIONS} = '-c client_min_messages=warning';

setup('CREATE EXTENSION hptune');
setup(q{CREATE FUNCTION slow(hp jsonb) RETURNS float8 LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.4); RETURN (hp->>''x'')::float8; END'});
for my $s ('cancel', 'term', 'stop')
{
	setup(qq{SELECT hptune.create_study('$s', objective_function => 'slow(jsonb)', max_trials => 10, seed => 1)});
	setup(qq{SELECT hptune.hp_float('$s', 'x', 0, 1)});
}
my $workers = q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'hptune worker'};

# --- cancel
my $search = background('tap_cancel', q{SELECT count(*) FROM hptune.search('cancel', workers => 2)}, verbose => 1);
ok(poll_until(q{SELECT count(*) >= 3 FROM hptune.trials WHERE study_id = hptune.study_id('cancel') AND status = 'COMPLETED'}, 't'),
	'the workers completed three trials');
is(psql($workers), '2', 'two workers run');
my $done_before = psql(q{SELECT string_agg(trial_id::text, ',' ORDER BY trial_id) FROM hptune.trials
	WHERE study_id = hptune.study_id('cancel') AND status = 'COMPLETED'});
is(psql(q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'tap_cancel'}), 't',
	'cancelled the search');
my $t0 = time();
my ($status, $out) = wait_session($search);
chomp($out);
like($out, qr/57014/, 'the search ends as cancelled');
ok(poll_until($workers, '0', 2), 'no worker is left 2 s after the cancel');
note(sprintf('workers gone %.2f s after the cancel', time() - $t0));
is(psql(q{SELECT count(*) FROM hptune.trials WHERE study_id = hptune.study_id('cancel') AND status = 'RUNNING'}), '0',
	'no trial is left RUNNING');
is(psql(qq{SELECT count(*) FROM hptune.trials WHERE study_id = hptune.study_id('cancel') AND status = 'COMPLETED'
	AND trial_id IN ($done_before)}), scalar(split(/,/, $done_before)), 'the trials finished before the cancel are kept');
is(psql(q{SELECT count(*) FROM hptune.search('cancel', workers => 2)}) + 0 > 0, 1, 'a second search runs the rest');
is(psql(q{SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'COMPLETED') FROM hptune.trials
	WHERE study_id = hptune.study_id('cancel')}), '10 10', 'the study holds exactly max_trials completed trials');

# --- a worker terminated with SIGTERM mid-trial
$search = background('tap_term', q{SELECT count(*) || ' ' || count(DISTINCT trial_id) FROM hptune.search('term', workers => 2)});
ok(poll_until(q{SELECT count(*) > 0 FROM hptune.trials t JOIN pg_stat_activity a ON a.pid = t.backend_pid
	WHERE t.study_id = hptune.study_id('term') AND t.status = 'RUNNING' AND t.trial_id >= 2}, 't'),
	'a worker runs a trial');
my ($pid, $trial) = split(/ /, psql(q{SELECT t.backend_pid || ' ' || t.trial_id FROM hptune.trials t
	WHERE t.study_id = hptune.study_id('term') AND t.status = 'RUNNING' AND t.trial_id >= 2 ORDER BY trial_id LIMIT 1}));
is(kill('TERM', $pid), 1, "terminated worker $pid in trial $trial");
($status, $out) = wait_session($search);
chomp($out);
is($out, '10 10', 'the search returned each of the 10 trials once');
is(psql(qq{SELECT status || ' ' || attempt || ' ' || (backend_pid <> $pid) FROM hptune.trials
	WHERE study_id = hptune.study_id('term') AND trial_id = $trial}), 'COMPLETED 2 true',
	'the terminated trial ran again in the other worker');
is(psql(q{SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'COMPLETED') FROM hptune.trials
	WHERE study_id = hptune.study_id('term')}), '10 10', 'the study holds its 10 trials, all completed');

# --- a worker stopped past its lease (2 s)
$search = background('tap_stop', q{SET hptune.lease_timeout = 2;
	SELECT count(*) || ' ' || count(DISTINCT trial_id) FROM hptune.search('stop', workers => 2)});
my ($stopped, $lost);
for my $try (1 .. 10)
{
	ok(poll_until(q{SELECT count(*) > 0 FROM hptune.trials t JOIN pg_stat_activity a ON a.pid = t.backend_pid
		WHERE t.study_id = hptune.study_id('stop') AND t.status = 'RUNNING'}, 't'), 'a worker runs a trial');
	($stopped, $lost) = split(/ /, psql(q{SELECT t.backend_pid || ' ' || t.trial_id FROM hptune.trials t
		WHERE t.study_id = hptune.study_id('stop') AND t.status = 'RUNNING' ORDER BY trial_id LIMIT 1}));
	kill('STOP', $stopped);
	# still in that trial once stopped?
	last if psql(qq{SELECT count(*) FROM hptune.trials WHERE study_id = hptune.study_id('stop')
		AND trial_id = $lost AND status = 'RUNNING' AND backend_pid = $stopped}) eq '1';
	kill('CONT', $stopped);
}
ok(poll_until(qq{SELECT status || ' ' || attempt || ' ' || (backend_pid <> $stopped) FROM hptune.trials
	WHERE study_id = hptune.study_id('stop') AND trial_id = $lost}, 'COMPLETED 2 true', 60),
	"trial $lost of stopped worker $stopped ran again in the other worker");
kill('CONT', $stopped);
($status, $out) = wait_session($search);
chomp($out);
is($out, '10 10', 'the search returned each of the 10 trials once');
is(psql(qq{SELECT status || ' ' || attempt || ' ' || (backend_pid <> $stopped) FROM hptune.trials
	WHERE study_id = hptune.study_id('stop') AND trial_id = $lost}), 'COMPLETED 2 true',
	'the late result of the stopped worker was rejected');
is(psql(q{SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'COMPLETED') FROM hptune.trials
	WHERE study_id = hptune.study_id('stop')}), '10 10', 'the study holds its 10 trials, all completed');
ok(poll_until($workers, '0', 10), 'no worker is left');

drop_db($db);
done_testing();
