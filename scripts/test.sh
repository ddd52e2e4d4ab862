#!/bin/bash
# The whole hptune test suite on a throwaway PostgreSQL 15 cluster:
#   unit       C unit tests of the core (test/unit)
#   sanitize   the same unit tests under AddressSanitizer and
#              UndefinedBehaviorSanitizer
#   fuzz       a short libFuzzer run of the model blob reader (test/fuzz), with
#              the same sanitizers
#   regress    pg_regress (test/sql -> expected/)
#   pgtap      pgTAP (test/pgtap)
#   tap        scripted TAP tests (test/t): NOTICE layout, cancel, crash,
#              update from 0.1, function labels
#   server log no backend of the test cluster died of a signal, other than
#              the ones a TAP test killed on purpose
# Installs its own packages and starts its own cluster (pg_virtualenv).
# Every stage runs even when an earlier one failed; the last line says which
# failed, and the exit status is non-zero if any did.
#   FUZZ_SECONDS=N   length of the fuzz run (default 40)
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || exit 1

# build warning-free and install into the server's directories
make clean >/dev/null
if ! make -s COPT="-Werror" >/dev/null || ! make -s install >/dev/null; then
	echo "FAILED: build (the extension does not build warning-free)"
	exit 1
fi

work=$(mktemp -d -t hptune-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
export HPTUNE_TEST_RESULTS="$work/results"
: >"$HPTUNE_TEST_RESULTS"

# stage NAME COMMAND...: run one stage, record whether it passed
stage()
{
	local name=$1
	shift
	echo "== $name"
	if "$@"; then
		echo "PASS $name" >>"$HPTUNE_TEST_RESULTS"
	else
		echo "== $name: FAILED"
		echo "FAIL $name" >>"$HPTUNE_TEST_RESULTS"
	fi
}

# a fuzz run prints a lot; keep its last lines, and all of them on a finding
fuzz()
{
	local log="$work/fuzz.log"

	if make -s -C test/fuzz run FUZZ_SECONDS="${FUZZ_SECONDS:-40}" >"$log" 2>&1; then
		grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$log"
		return 0
	fi
	grep -v '^"' "$log" | tail -80
	return 1
}

# Lines of the server log that show a backend killed by a signal or a PANIC,
# except "terminated by signal 9" of a pid a TAP test recorded in
# $HPTUNE_KILLED_PIDS (it killed that backend on purpose).
server_log()
{
	local logs found allowed ver name
	logs=$(pg_lsclusters -h | awk '{ print $7 }')
	if [ -z "$logs" ]; then
		echo "no server log found"
		return 1
	fi
	# Stop the cluster first: a backend that crashed at the end of the last
	# test (dumping core can take seconds) is reaped, and logged, before the
	# postmaster exits.
	pg_lsclusters -h | while read -r ver name _; do
		pg_ctlcluster "$ver" "$name" stop -m fast || echo "could not stop cluster $ver/$name"
	done
	allowed='^$'
	if [ -s "$HPTUNE_KILLED_PIDS" ]; then
		allowed="server process \\(PID ($(paste -sd'|' "$HPTUNE_KILLED_PIDS"))\\) was terminated by signal 9:"
	fi
	# each finding with the DETAIL line after it (the statement that ran)
	found=$(cat $logs | ALLOWED="$allowed" awk '
		/terminated by signal|server process .* was terminated|PANIC:/ && $0 !~ ENVIRON["ALLOWED"] {
			print
			if ((getline nxt) > 0 && nxt ~ /DETAIL:/)
				print nxt
		}')
	if [ -n "$found" ]; then
		echo "the server log shows backends that died:"
		echo "$found"
		return 1
	fi
	echo "no backend died of a signal ($(wc -l <"$HPTUNE_KILLED_PIDS") killed on purpose)"
}

regress()
{
	make -s installcheck && return 0
	head -300 regression.diffs 2>/dev/null
	return 1
}

pgtap()
{
	psql -qX -c "CREATE EXTENSION IF NOT EXISTS pgtap" >/dev/null &&
		pg_prove -q test/pgtap/*.sql
}

tap()
{
	prove test/t/*.pl
}

# after a stage that crashed a backend the server restarts: wait for it, so
# that one crash does not fail the stages after it too.  The postmaster
# notices a crash only once the backend has dumped core: after a failed
# stage give it some seconds first.
wait_ready()
{
	if tail -1 "$HPTUNE_TEST_RESULTS" | grep -q '^FAIL'; then
		sleep 8
	fi
	for _ in $(seq 1 240); do
		pg_isready -q && return 0
		sleep 0.5
	done
	echo "the test cluster does not accept connections"
}

server_tests()
{
	stage regress regress
	wait_ready
	stage pgtap pgtap
	wait_ready
	stage tap tap
	stage "server log" server_log
}

stage unit make -s unitcheck
stage sanitize make -s -C test/unit sancheck BLAS_LIBS="${BLAS_LIBS:--lopenblas}"
stage fuzz fuzz

# the throwaway cluster must not inherit a connection meant for another one
unset PGHOST PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS
export HPTUNE_KILLED_PIDS="$work/killed_pids"
: >"$HPTUNE_KILLED_PIDS"
export -f stage regress pgtap tap server_log wait_ready server_tests
# pg_virtualenv creates a temporary cluster, exports PG* to reach it, and
# removes it afterwards, whatever happens.
# On a shared machine another cluster can take the chosen port while this
# one starts: try again, up to three times, when no server stage ran.
for attempt in 1 2 3; do
	# UTF8 whatever the caller's locale: expected outputs hold non-ASCII text
	pg_virtualenv -t -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' bash -c server_tests && break
	grep -q '^\(PASS\|FAIL\) regress$' "$HPTUNE_TEST_RESULTS" && break
	echo "== the test cluster did not start (attempt $attempt)"
	sleep 5
done

stages=7	# unit, sanitize, fuzz, regress, pgtap, tap, server log
passed=$(grep -c '^PASS' "$HPTUNE_TEST_RESULTS")
failed=$(grep '^FAIL' "$HPTUNE_TEST_RESULTS" | cut -d' ' -f2- | paste -sd',' | sed 's/,/, /g')
echo
if [ -z "$failed" ] && [ "$passed" -eq $stages ]; then
	echo "======================="
	echo " All $passed stages passed. "
	echo "======================="
	exit 0
fi
echo "=================================================="
echo " $passed of $stages stages passed; failed: ${failed:-(a stage did not run)}"
echo "=================================================="
exit 1
