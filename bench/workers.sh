#!/bin/sh
# bench/workers.sh - trials/s and memory of hptune.search(..., workers => 2) vs 1,
# in one command: builds and installs hptune (unless --no-build), starts a
# throwaway PostgreSQL 15 cluster with pg_virtualenv, loads Fashion-MNIST if
# needed and runs bench/workers.py (its arguments follow --).
#   bench/workers.sh [--no-build] [-- --trials 8 --rows 50000 --epochs 3]
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
BUILD=1
while [ $# -gt 0 ]; do
    case $1 in
        --no-build) BUILD=0 ;;
        --) shift; break ;;
        *) echo "bench/workers.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
unset OPENBLAS_CORETYPE
if [ "$BUILD" = 1 ]; then
    make -s -C "$REPO" && make -s -C "$REPO" install >/dev/null
fi
# the workers need background worker slots: max_worker_processes is 8 by default
exec pg_virtualenv -t -v 15 "$PYTHON" "$REPO/bench/workers.py" "$@"
