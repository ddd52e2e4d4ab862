#!/bin/bash
# Install the Debian 12 packages hptune needs to build, test and run its demo
# (clang and its runtime libraries for the sanitizer and libFuzzer builds).
# Idempotent: does nothing when everything is already installed.
#   scripts/install-deps.sh          build + test + demo packages
#   scripts/install-deps.sh --bench  also the benchmark peers (PyTorch, scikit-learn, Optuna)
set -euo pipefail

packages=(
	build-essential
	clang
	libclang-rt-14-dev
	postgresql-15
	postgresql-server-dev-15
	postgresql-common
	libopenblas-dev
	postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl
	python3
	dataset-fashion-mnist
	libnlopt-dev
)
if [ "${1:-}" = "--bench" ]; then
	packages+=(python3-torch python3-sklearn python3-optuna python3-psycopg2 python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages: ${missing[*]}; run this script as root" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
