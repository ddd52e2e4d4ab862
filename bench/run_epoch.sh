#!/bin/sh
# Time one training epoch of the model core against PyTorch, same network,
# optimizer and data (see epoch_core.c, epoch_torch.py), one thread each,
# at batch sizes 32 and 128; prints each program's lines and the ratio
# core / torch.  Usage: bench/run_epoch.sh [epochs]   (from the repository root)
set -e
# both sides get the kernels OpenBLAS picks for this CPU, as a server does
unset OPENBLAS_CORETYPE
EPOCHS=${1:-3}
CC=${CC:-gcc}
BIN=${TMPDIR:-/tmp}/hptune_epoch_core
CORE=$(ls src/core/*.c)
$CC -O2 -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Isrc -o "$BIN" bench/epoch_core.c $CORE \
	${BLAS_LIBS:--lopenblas} -lnlopt -lz -lm
OUT=${TMPDIR:-/tmp}/hptune_epoch_out.$$
for b in 32 128; do
	OPENBLAS_NUM_THREADS=1 "$BIN" "$b" "$EPOCHS" > "$OUT"
	cat "$OUT"
	core=$(tail -1 "$OUT")
	/usr/bin/python3 bench/epoch_torch.py "$b" "$EPOCHS" > "$OUT"
	cat "$OUT"
	torch=$(tail -1 "$OUT")
	cs=$(echo "$core" | sed 's/.*epoch_seconds=\([0-9.]*\).*/\1/')
	ts=$(echo "$torch" | sed 's/.*epoch_seconds=\([0-9.]*\).*/\1/')
	echo "batch=$b core/torch epoch time ratio: $(echo "scale=3; $cs / $ts" | bc)"
done
rm -f "$OUT"
