#!/usr/bin/python3
"""Hyperband against random search of the same trial count, on Fashion-MNIST.

Both searches tune hptune's mlp hypermodel (its default space: 1-3 layers of
32-512 units, relu/tanh, dropout, learning rate 1e-4..1e-2 log) for
val_accuracy, on the first --train-rows rows of split train and the first
--validation-rows of split validation:

  hyperband  tuner 'hyperband', tuner_options {max_epochs, factor}: T trials
  random     tuner 'random', max_trials T, every trial max_epochs epochs

and prints, for each, the best validation accuracy, the epochs actually
trained (distinct (trial, epoch) rows of hptune.trial_metrics) and the wall
time, then the ratios.  Target: Hyperband reaches random search's best
accuracy with at most a third of its epochs.

  /usr/bin/python3 bench/hyperband.py [--dbname DB] [--max-epochs 16] [--factor 4]
      [--train-rows 8000] [--validation-rows 2000] [--seeds 1,2,3] [--json FILE]

Each seed is one pair of searches (both studies get that seed); the summary
gives the epoch ratio over all seeds and the median accuracy gap.

The studies are made in a transaction that is rolled back at the end: the
benchmark leaves nothing behind.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402


def run_search(conn, args, seed, name, tuner, max_trials, options, epochs):
    train = ("SELECT image, label FROM %s WHERE split = 'train' AND id < %d"
             % (args.table, args.train_rows))
    validation = ("SELECT image, label FROM %s WHERE split = 'validation' AND id < %d"
                  % (args.table, 50000 + args.validation_rows))
    with conn.cursor() as cur:
        cur.execute("SELECT hptune.create_study(%s, hypermodel => 'mlp', objective => 'val_accuracy', "
                    "tuner => %s, max_trials => %s, seed => %s, tuner_options => %s::jsonb)",
                    (name, tuner, max_trials, seed, json.dumps(options)))
        t0 = time.perf_counter()
        cur.execute("SELECT count(*) FROM hptune.search(%s, train => %s, validation => %s, "
                    "epochs => %s, batch_size => %s)",
                    (name, train, validation, epochs, args.batch_size))
        trials = cur.fetchone()[0]
        wall = time.perf_counter() - t0
        cur.execute("SELECT max(score) FILTER (WHERE status = 'COMPLETED'), "
                    "count(*) FILTER (WHERE status = 'COMPLETED') FROM hptune.trials "
                    "WHERE study_id = hptune.study_id(%s)", (name,))
        best, completed = cur.fetchone()
        cur.execute("SELECT count(*) FROM (SELECT DISTINCT trial_id, step FROM hptune.trial_metrics "
                    "WHERE study_id = hptune.study_id(%s) AND execution = 0) e", (name,))
        epochs_trained = cur.fetchone()[0]
    return {"trials": trials, "completed": completed, "best_val_accuracy": best,
            "epochs": epochs_trained, "seconds": wall}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(ap)
    ap.add_argument("--max-epochs", type=int, default=16)
    ap.add_argument("--factor", type=int, default=4)
    ap.add_argument("--train-rows", type=int, default=8000)
    ap.add_argument("--validation-rows", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated study seeds (default %(default)s)")
    ap.add_argument("--json", default=None, help="also write the measurements to this file")
    args = ap.parse_args()
    if args.peers_only:
        _common.fail("this benchmark compares two hptune tuners: --peers-only does not apply")

    conn = _common.connect(args.dbname)
    print(_common.machine_line(), flush=True)
    _common.ensure_data(conn, args)
    version = _common.ensure_hptune(conn)
    seeds = [int(x) for x in args.seeds.split(",")]
    print("# hptune %s; Fashion-MNIST %d train / %d validation rows, batch %d, %d thread(s), seeds %s"
          % (version, args.train_rows, args.validation_rows, args.batch_size, args.threads, args.seeds))
    with conn.cursor() as cur:
        cur.execute("SET hptune.blas_threads = %s", (args.threads,))
        cur.execute("SET client_min_messages = warning")
    print("%4s %-10s %7s %9s %17s %7s %9s" % ("seed", "search", "trials", "completed",
                                               "best val_accuracy", "epochs", "seconds"), flush=True)
    runs = []
    for seed in seeds:
        try:
            hb = run_search(conn, args, seed, "bench_hyperband", "hyperband", 100000,
                            {"max_epochs": args.max_epochs, "factor": args.factor}, args.max_epochs)
            rnd = run_search(conn, args, seed, "bench_random", "random", hb["trials"], {},
                             args.max_epochs)
        finally:
            conn.rollback()
        for name, r in (("hyperband", hb), ("random", rnd)):
            print("%4d %-10s %7d %9d %17.4f %7d %9.1f" % (seed, name, r["trials"], r["completed"],
                                                         r["best_val_accuracy"], r["epochs"],
                                                         r["seconds"]), flush=True)
        runs.append({"seed": seed, "hyperband": hb, "random": rnd,
                     "gap": hb["best_val_accuracy"] - rnd["best_val_accuracy"]})

    ratio = sum(r["hyperband"]["epochs"] for r in runs) / sum(r["random"]["epochs"] for r in runs)
    gaps = [r["gap"] for r in runs]
    gap = _common.median(gaps)
    seconds = (sum(r["hyperband"]["seconds"] for r in runs)
               / sum(r["random"]["seconds"] for r in runs))
    print("epochs: hyperband / random = %.3f (target <= 0.333)" % ratio)
    print("best val_accuracy: hyperband - random = %s, median %+.4f (target >= 0)"
          % (", ".join("%+.4f" % g for g in gaps), gap))
    print("time: hyperband / random = %.3f" % seconds)
    print("target %s" % ("met" if ratio <= 1 / 3 and gap >= 0 else "NOT met"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": runs, "epochs_ratio": ratio, "median_accuracy_gap": gap,
                       "args": vars(args)}, f, indent=2)


if __name__ == "__main__":
    main()
