#!/bin/sh
# bench/run.sh - run hptune's benchmarks against its peers on this machine, in one go.
#
#   1. builds and installs the extension (make -C <repo> && make -C <repo> install;
#      the install needs write access to PostgreSQL's directories: run as root)
#   2. starts a throwaway PostgreSQL 15 cluster with pg_virtualenv (-t: in a
#      temporary directory, so it never collides with another 15/regress cluster)
#   3. CREATE EXTENSION hptune, loads Fashion-MNIST (scripts/load_fashion_mnist.py)
#   4. runs bench/load.py and bench/epoch.py, which print their tables and ratios
#   The cluster is dropped when the benchmarks end.
#
# Usage: bench/run.sh [--peers-only] [--no-build] [--runs N] [--out DIR] [--quick]
#   --peers-only  no build, no extension: measure only PyTorch / scikit-learn / psycopg2 / scan
#   --no-build    use the hptune already installed
#   --runs N      runs per measurement (default 3)
#   --out DIR     also write each benchmark's output and JSON measurements into DIR
#   --quick       batch size 128 only and no psycopg2 fetchall (a smoke test, not a result)
# Environment: PYTHON (default /usr/bin/python3, Debian's, which has numpy, torch,
#   sklearn, psycopg2), PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config).
set -eu

usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

REPO=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
if [ -z "${PG_CONFIG:-}" ] && [ -x /usr/lib/postgresql/15/bin/pg_config ]; then
    PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
fi
PG_CONFIG=${PG_CONFIG:-pg_config}
PEERS_ONLY=
BUILD=1
RUNS=3
OUT=
QUICK=

while [ $# -gt 0 ]; do
    case $1 in
        --peers-only) PEERS_ONLY=--peers-only; BUILD=0 ;;
        --no-build) BUILD=0 ;;
        --runs) RUNS=${2:?--runs needs a number}; shift ;;
        --out) OUT=${2:?--out needs a directory}; shift ;;
        --quick) QUICK=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

command -v pg_virtualenv >/dev/null || { echo "bench/run.sh: pg_virtualenv not found (apt-get install postgresql-common)" >&2; exit 2; }
"$PYTHON" -c 'import numpy, torch, sklearn, psycopg2' 2>/dev/null || {
    echo "bench/run.sh: $PYTHON lacks numpy/torch/sklearn/psycopg2" \
         "(apt-get install python3-numpy python3-torch python3-sklearn python3-psycopg2)" >&2; exit 2; }

if [ "$BUILD" = 1 ]; then
    echo "== building and installing hptune ($PG_CONFIG)"
    make -C "$REPO" PG_CONFIG="$PG_CONFIG"
    make -C "$REPO" PG_CONFIG="$PG_CONFIG" install
fi
if [ -n "$OUT" ]; then
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)
fi

# A server started by pg_virtualenv does not inherit OPENBLAS_CORETYPE, so
# hptune gets the kernels OpenBLAS picks for this CPU; the peers must too,
# or the comparison flatters hptune.  Each benchmark prints both sides'.
unset OPENBLAS_CORETYPE
export REPO PYTHON PEERS_ONLY RUNS OUT QUICK
# shared_buffers large enough to hold the whole table: every reader sees it cached.
pg_virtualenv -t -v 15 -o shared_buffers=512MB -o max_wal_size=4GB sh -c '
set -eu
cd "$REPO"
echo "== PostgreSQL: $(psql -XAtc "select version()")"
if [ -z "$PEERS_ONLY" ]; then
    psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION hptune"
fi
echo "== loading Fashion-MNIST"
"$PYTHON" scripts/load_fashion_mnist.py
psql -X -q -c "VACUUM (ANALYZE) fashion_mnist"

run() {   # run NAME ARGS...: one benchmark, its output also saved under $OUT
    name=$1; shift
    echo
    echo "== bench/$name.py $*"
    if [ -n "$OUT" ]; then
        { "$PYTHON" "bench/$name.py" "$@" --json "$OUT/$name.json" 2>&1
          echo $? > "$OUT/$name.rc"; } | tee "$OUT/$name.txt"
        return "$(cat "$OUT/$name.rc")"
    else
        "$PYTHON" "bench/$name.py" "$@"
    fi
}
if [ -n "$QUICK" ]; then
    run load $PEERS_ONLY --runs "$RUNS" --skip-fetchall
    run epoch $PEERS_ONLY --runs "$RUNS" --batch-sizes 128
else
    run load $PEERS_ONLY --runs "$RUNS"
    run epoch $PEERS_ONLY --runs "$RUNS"
fi
'
