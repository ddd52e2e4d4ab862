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

# the calling user gets a superuser role of the same name, so that psql and
# the loader run as that user (the repository may not be readable by postgres)
me=$(id -un)
if [ "$(id -u)" -eq 0 ] || [ "$me" = postgres ]; then
	runuser -u postgres -- psql -p "$port" -XAtqc \
		"SELECT 1 FROM pg_roles WHERE rolname = '$me'" | grep -q 1 ||
		runuser -u postgres -- createuser -p "$port" --superuser "$me"
fi
export PGPORT="$port" PGDATABASE=hptune
psql -XAtqc "SELECT 1" -d postgres >/dev/null
psql -d postgres -XAtqc "SELECT 1 FROM pg_database WHERE datname = 'hptune'" | grep -q 1 ||
	createdb hptune

# the data: 50k train / 10k validation / 10k test rows of 784 pixels
python3 "$root/scripts/load_fashion_mnist.py"

psql -X -v ON_ERROR_STOP=1 -f "$root/demo/getting_started.sql"
echo
echo "The cluster keeps running: psql -p $port -d hptune"
