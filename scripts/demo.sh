#!/bin/bash
# The main job: install what hptune needs, build and install it, start a
# local PostgreSQL 15 cluster ("hptune", port 5499, created with
# pg_createcluster and kept), load Fashion-MNIST and run the KerasTuner
# guide's examples in SQL (demo/getting_started.sql).  Idempotent: run it
# again and it reuses the cluster, the database and the loaded data.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh
make -s
make -s install

port=${HPTUNE_PORT:-5499}
if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "15/hptune"; then
	pg_createcluster 15 hptune -p "$port" >/dev/null
fi
pg_ctlcluster 15 hptune start 2>/dev/null || true
port=$(pg_lsclusters -h | awk '$1 == "15" && $2 == "hptune" {print $3}')

as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
as_postgres psql -p "$port" -XAtqc "SELECT 1 FROM pg_database WHERE datname = 'hptune'" | grep -q 1 ||
	as_postgres createdb -p "$port" hptune

# the data: 50k train / 10k validation / 10k test rows of 784 pixels
as_postgres env PGPORT="$port" PGDATABASE=hptune python3 "$root/scripts/load_fashion_mnist.py"

cd /tmp
as_postgres psql -p "$port" -d hptune -X -v ON_ERROR_STOP=1 -f "$root/demo/getting_started.sql"
echo
echo "The cluster keeps running: psql -p $port -d hptune (as the postgres user)."
