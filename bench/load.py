#!/usr/bin/python3
"""Data loading: hptune's loader against a server-side scan and psycopg2 clients.

What is loaded: the 60,000 rows of splits 'train' (50,000) and 'validation'
(10,000) of the fashion_mnist table (scripts/load_fashion_mnist.py): a 784-element
real[] image and an int label per row, into float32 matrices.

Contenders, each measured --runs times (default 3), the MINIMUM reported
(a load has no useful noise above its floor: caches, other processes):
  hptune    load_seconds of hptune.fit(hypermodel => 'mlp', train => the 'train'
            rows, validation => the 'validation' rows, epochs => 1) on a tiny
            network (1 layer of 8 units, batch 1024), so that the training time
            does not matter; load_seconds is hptune's own measure of running both
            queries and building its dataset.  The fit runs in a transaction that
            is rolled back.
  scan      SELECT sum(array_length(image, 1)) FROM fashion_mnist WHERE split <> 'test',
            timed on the client (the result is one row, so the time is the
            server's): a sequential scan that detoasts (decompresses) every
            image, the floor of any in-server reader.  One process:
            max_parallel_workers_per_gather = 0 and jit = off in that session,
            as hptune's loader is one backend (--parallel-scan allows workers).
  psycopg2 fetchall
            cursor.execute + fetchall() of (image, label) then
            numpy.array(images, dtype=float32): what most client code does.
  psycopg2 COPY binary
            COPY (SELECT image, label ...) TO STDOUT (FORMAT binary) into memory,
            parsed by a numpy structured dtype: about the fastest a Python client
            can get the same matrix.
  All queries read the rows ORDER BY id, as the hptune queries do (the scan
  needs no order).

Targets: hptune / scan <= 2.  hptune / psycopg2 is printed for both clients
(the lower the better; below 1 means hptune loads faster than a client can).

Usage:
  bench/load.py [--dbname DB] [--runs 3] [--peers-only] [--skip-fetchall] [--json FILE]
Exit status: 0 when measured (whether or not the target holds), 2 on setup errors.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

TINY = {"num_layers": 1, "units_0": 8, "activation": "relu",
        "learning_rate": 0.001, "optimizer": "adam", "shuffle": True}
ROWS = 60000


def time_hptune(conn, args):
    res, wall = C.hptune_fit(conn, args.table, TINY, 1, 1024, args.threads)
    if "load_seconds" not in res:
        C.fail("hptune.fit returned %r; expected load_seconds" % (res,))
    return float(res["load_seconds"]), {"call_seconds": wall}


def time_scan(conn, args):
    with conn.cursor() as cur:
        if not args.parallel_scan:
            cur.execute("SET max_parallel_workers_per_gather = 0")
        cur.execute("SET jit = off")
        t0 = time.perf_counter()
        cur.execute("SELECT sum(array_length(image, 1)) FROM %s WHERE split <> 'test'" % args.table)
        total = cur.fetchone()[0]
        secs = time.perf_counter() - t0
    conn.rollback()
    if total != ROWS * C.PIXELS:
        C.fail("scan summed %s pixels, expected %d" % (total, ROWS * C.PIXELS))
    return secs, {}


def time_fetchall(conn, args):
    import numpy as np
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SELECT image, label FROM %s WHERE split <> 'test' ORDER BY id" % args.table)
        rows = cur.fetchall()
    conn.rollback()
    x = np.array([r[0] for r in rows], dtype=np.float32)
    y = np.array([r[1] for r in rows], dtype=np.int64)
    secs = time.perf_counter() - t0
    if x.shape != (ROWS, C.PIXELS) or y.shape != (ROWS,):
        C.fail("fetchall built shapes %s %s" % (x.shape, y.shape))
    return secs, {}


def time_copy_binary(conn, args):
    t0 = time.perf_counter()
    x, y = C.fetch_matrix(conn, "SELECT image, label FROM %s WHERE split <> 'test' ORDER BY id"
                          % args.table)
    secs = time.perf_counter() - t0
    if x.shape != (ROWS, C.PIXELS) or y.shape != (ROWS,):
        C.fail("COPY binary built shapes %s %s" % (x.shape, y.shape))
    return secs, {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See the module docstring / bench/README.md for the method.")
    C.add_common_args(ap)
    ap.add_argument("--skip-fetchall", action="store_true",
                    help="skip the (slow) psycopg2 fetchall contender")
    ap.add_argument("--parallel-scan", action="store_true",
                    help="let the scan use parallel workers (default: one process)")
    ap.add_argument("--json", metavar="FILE", help="also write all measurements to FILE as JSON")
    args = ap.parse_args()
    C.limit_threads(args.threads)
    if args.runs < 1:
        C.fail("--runs must be positive")

    conn = C.connect(args.dbname)
    C.ensure_data(conn, args, ("train", "validation"))
    print(C.machine_line())
    print(C.kernels_line(conn))
    contenders = []
    if not args.peers_only:
        print("# hptune %s" % C.ensure_hptune(conn))
        contenders.append(("hptune", time_hptune))
    contenders.append(("scan", time_scan))
    if not args.skip_fetchall:
        contenders.append(("psycopg2 fetchall", time_fetchall))
    contenders.append(("psycopg2 COPY binary", time_copy_binary))
    print("# %d rows x 784 reals (train + validation), min of %d runs" % (ROWS, args.runs))

    best, runs = {}, {}
    for name, fn in contenders:
        runs[name] = []
        for r in range(args.runs):
            secs, extra = fn(conn, args)
            runs[name].append({"seconds": secs, **extra})
            print("#   %-21s run %d: %.3f s" % (name, r + 1, secs), flush=True)
        best[name] = min(x["seconds"] for x in runs[name])

    print()
    print("%-22s %9s  %s" % ("contender", "min_s", "runs (s)"))
    for name, _ in contenders:
        print("%-22s %9.3f  %s" % (name, best[name], C.fmt_runs([x["seconds"] for x in runs[name]])))
    print()
    if "hptune" in best:
        h = best["hptune"]
        ratio = h / best["scan"]
        print("hptune/scan = %.2f  (target <= 2: %s)" % (ratio, "MET" if ratio <= 2 else "NOT MET"))
        for name in ("psycopg2 fetchall", "psycopg2 COPY binary"):
            if name in best:
                print("hptune/%s = %.2f" % (name, h / best[name]))
    else:
        for name in ("psycopg2 fetchall", "psycopg2 COPY binary"):
            if name in best:
                print("%s/scan = %.2f" % (name, best[name] / best["scan"]))

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": ROWS, "runs": runs, "min_seconds": best}, f, indent=2)


if __name__ == "__main__":
    main()
