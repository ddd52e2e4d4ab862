#!/bin/bash
# The whole hptune test suite on a throwaway PostgreSQL 15 cluster:
# C unit tests of the core, pg_regress (test/sql -> expected/), pgTAP
# (test/pgtap) and scripted TAP tests of cancel/concurrency (test/t).
# Installs its own packages and starts its own cluster (pg_virtualenv).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

# build warning-free and install into the server's directories
make clean >/dev/null
make -s COPT="-Werror" >/dev/null
make -s install >/dev/null

echo "== C unit tests"
make -s unitcheck

echo "== server tests"
# the throwaway cluster must not inherit a connection meant for another one
unset PGHOST PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS
# pg_virtualenv creates a temporary cluster, exports PG* to reach it, and
# removes it afterwards, whatever happens.
pg_virtualenv -t -v 15 bash -c '
	set -e
	rc=0
	make -s installcheck || { rc=1; cat regression.diffs 2>/dev/null | head -200; }
	psql -qX -c "CREATE EXTENSION IF NOT EXISTS pgtap" >/dev/null
	pg_prove -q test/pgtap/*.sql || rc=1
	prove test/t/*.pl || rc=1
	exit $rc
'
