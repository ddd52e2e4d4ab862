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
time, then the ratios; and each search's best model's accuracy on the
10,000 test images, which neither search used.  "random=ep" is a random
search of Hyperband's epochs (epochs // max_epochs trials): the random
study's first trials, which are the trials such a search makes.  Target: Hyperband reaches
random search's best accuracy with at most a third of its epochs.

  /usr/bin/python3 bench/hyperband.py [--dbname DB] [--max-epochs 16] [--factor 4]
      [--train-rows 8000] [--validation-rows 2000] [--seeds 1,2,3] [--json FILE]

Each seed is one pair of searches (both studies get that seed); the summary
gives the epoch ratio over all seeds and the median accuracy gap.

The studies are made in a transaction that is rolled back at the end: the
benchmark leaves nothing behind.  They are named after the process, so two
copies can run side by side on one database (e.g. --seeds 1,3,5 and 2,4).
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
        # The best trial's model (its best epoch) on the 10,000 test images, which
        # neither search has seen: the best validation accuracy of a search is the
        # largest of many noisy readings, and more readings raise it.
        cur.execute("SELECT (hptune.evaluate(m, %s) ->> 'accuracy')::float8 "
                    "FROM hptune.best_models(%s) AS m",
                    ("SELECT image, label FROM %s WHERE split = 'test'" % args.table, name))
        test = cur.fetchone()[0]
    return {"trials": trials, "completed": completed, "best_val_accuracy": best,
            "test_accuracy": test, "epochs": epochs_trained, "seconds": wall}


def random_prefix(conn, args, name, k):
    """The first k trials of a random study: a random search of k trials.

    The random tuner draws trial t's values from the seed and t alone, so
    these are the trials a search with max_trials k makes."""
    with conn.cursor() as cur:
        cur.execute("SELECT t.score, m.model_id FROM hptune.trials t JOIN hptune.models m "
                    "USING (study_id, trial_id) WHERE t.study_id = hptune.study_id(%s) "
                    "AND t.trial_id < %s AND t.status = 'COMPLETED' AND m.execution = 0 "
                    "ORDER BY t.score DESC, t.trial_id LIMIT 1", (name, k))
        best, model = cur.fetchone()
        cur.execute("SELECT (hptune.evaluate(%s, %s) ->> 'accuracy')::float8",
                    (model, "SELECT image, label FROM %s WHERE split = 'test'" % args.table))
        test = cur.fetchone()[0]
    return {"trials": k, "completed": k, "best_val_accuracy": best, "test_accuracy": test,
            "epochs": k * args.max_epochs, "seconds": float("nan")}


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
    _common.ensure_data(conn, args, splits=("train", "validation", "test"))
    version = _common.ensure_hptune(conn)
    seeds = [int(x) for x in args.seeds.split(",")]
    print("# hptune %s; Fashion-MNIST %d train / %d validation rows, batch %d, %d thread(s), seeds %s; "
          "hyperband max_epochs %d, factor %d"
          % (version, args.train_rows, args.validation_rows, args.batch_size, args.threads, args.seeds,
             args.max_epochs, args.factor))
    with conn.cursor() as cur:
        cur.execute("SET hptune.blas_threads = %s", (args.threads,))
        cur.execute("SET client_min_messages = warning")
    print("%4s %-10s %7s %9s %17s %13s %7s %9s" % ("seed", "search", "trials", "completed",
                                                    "best val_accuracy", "its test acc",
                                                    "epochs", "seconds"), flush=True)
    runs = []
    for seed in seeds:
        try:
            hb = run_search(conn, args, seed, "bench_hyperband_%d" % os.getpid(), "hyperband",
                            100000, {"max_epochs": args.max_epochs, "factor": args.factor},
                            args.max_epochs)
            rnd = run_search(conn, args, seed, "bench_random_%d" % os.getpid(), "random",
                             hb["trials"], {}, args.max_epochs)
            same = random_prefix(conn, args, "bench_random_%d" % os.getpid(),
                                 hb["epochs"] // args.max_epochs)
        finally:
            conn.rollback()
        for name, r in (("hyperband", hb), ("random", rnd), ("random=ep", same)):
            print("%4d %-10s %7d %9d %17.4f %13.4f %7d %9.1f"
                  % (seed, name, r["trials"], r["completed"], r["best_val_accuracy"],
                     r["test_accuracy"], r["epochs"], r["seconds"]), flush=True)
        runs.append({"seed": seed, "hyperband": hb, "random": rnd, "random_same_epochs": same,
                     "gap": hb["best_val_accuracy"] - rnd["best_val_accuracy"],
                     "test_gap": hb["test_accuracy"] - rnd["test_accuracy"]})

    ratio = sum(r["hyperband"]["epochs"] for r in runs) / sum(r["random"]["epochs"] for r in runs)
    gaps = [r["gap"] for r in runs]
    gap = _common.median(gaps)
    seconds = (sum(r["hyperband"]["seconds"] for r in runs)
               / sum(r["random"]["seconds"] for r in runs))
    print("epochs: hyperband / random = %.3f (target <= 0.333)" % ratio)
    print("best val_accuracy: hyperband - random = %s, median %+.4f (target >= 0)"
          % (", ".join("%+.4f" % g for g in gaps), gap))
    same_gaps = [r["hyperband"]["best_val_accuracy"] - r["random_same_epochs"]["best_val_accuracy"]
                 for r in runs]
    print("best val_accuracy: hyperband - random search of as many epochs (random=ep, its first "
          "trials) = %s, median %+.4f" % (", ".join("%+.4f" % g for g in same_gaps),
                                           _common.median(same_gaps)))
    test_gaps = [r["test_gap"] for r in runs]
    print("test accuracy of each search's best model: hyperband - random = %s, median %+.4f"
          % (", ".join("%+.4f" % g for g in test_gaps), _common.median(test_gaps)))
    print("time: hyperband / random = %.3f" % seconds)
    print("target %s" % ("met" if ratio <= 1 / 3 and gap >= 0 else "NOT met"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": runs, "epochs_ratio": ratio, "median_accuracy_gap": gap,
                       "median_test_accuracy_gap": _common.median(test_gaps),
                       "args": vars(args)}, f, indent=2)


if __name__ == "__main__":
    main()
