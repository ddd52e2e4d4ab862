#!/usr/bin/python3
"""Hyperband against random search, replayed over a pool of learning curves.

bench/hyperband.py runs each search once per seed; this script asks how the
two compare over many draws.  It trains a pool of random configurations of
the mlp hypermodel's default space (one random study of --pool trials, each
trained --max-epochs epochs, on the same rows as bench/hyperband.py) and
keeps every trial's val_accuracy after each epoch.  hptune's Hyperband trains
a promoted trial exactly as its parent would have gone on, so a Hyperband
search over configurations of the pool is fully determined by their curves:
round 0 of a bracket reads a curve up to its epochs, a promotion continues
it, and the search's best validation accuracy is the largest reading it
made.  The replay uses KerasTuner's bracket sizes and epochs and promotes by
the best reading of each trial, as the oracle does.

It first checks the replay against the real thing: a Hyperband study with
the pool's seed draws, in round 0, the same values for the same trial ids as
the random study (both draw trial t from the seed and t alone), so its best
validation accuracy must equal the replay's over those trials.  Then, for
each --factor, it draws --draws pairs of disjoint sets of configurations from
the pool and prints, for Hyperband against a random search of as many
trials (every trial --max-epochs epochs) and against one of as many epochs:

  median and mean of (Hyperband's best - random search's best) and
  P(Hyperband's best >= random search's best)

and, for the coupled design of bench/hyperband.py (random search's trials
include Hyperband's configurations: Hyperband can at best tie), the median
gap and P(tie).

  /usr/bin/python3 bench/hyperband_pool.py [--dbname DB] [--pool 384] [--seed 101]
      [--max-epochs 16] [--factors 4,2] [--train-rows 8000] [--validation-rows 10000]
      [--draws 5000]

The studies are made in a transaction that is rolled back at the end.
"""

import argparse
import json
import math
import os
import random
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402
import hyperband as hb_bench  # noqa: E402


def kt_brackets(max_epochs, factor):
    """KerasTuner's Hyperband._get_num_brackets (min_epochs 1)."""
    epochs, n = max_epochs, 0
    while epochs >= 1:
        epochs /= factor
        n += 1
    return n


def kt_size(max_epochs, factor, bracket, rnd):
    end = math.ceil(1 + math.log(max_epochs) / math.log(factor))
    return math.ceil(end / (bracket + 1) * factor ** (bracket - rnd))


def kt_epochs(max_epochs, factor, bracket, rnd):
    return math.ceil(max_epochs / factor ** (bracket - rnd))


def replay(curves, max_epochs, factor):
    """One Hyperband iteration over curves taken in order as new configurations.

    Returns (best reading, epochs trained, trials, configurations used, each
    trial's score in the order the oracle makes the trials)."""
    fresh = iter(curves)
    best, epochs, trials, used = -math.inf, 0, 0, 0
    scores = []
    for bracket in range(kt_brackets(max_epochs, factor) - 1, -1, -1):
        e = kt_epochs(max_epochs, factor, bracket, 0)
        members = []
        for _ in range(kt_size(max_epochs, factor, bracket, 0)):
            c = next(fresh)
            used += 1
            members.append((max(c[:e]), c, e))
            scores.append(max(c[:e]))
            best, epochs, trials = max(best, max(c[:e])), epochs + e, trials + 1
        for rnd in range(1, bracket + 1):
            e = kt_epochs(max_epochs, factor, bracket, rnd)
            members.sort(key=lambda m: -m[0])
            promoted = []
            for _, c, e0 in members[:kt_size(max_epochs, factor, bracket, rnd)]:
                score = max(c[e0:e])
                promoted.append((score, c, e))
                scores.append(score)
                best, epochs, trials = max(best, score), epochs + e - e0, trials + 1
            members = promoted
    return best, epochs, trials, used, scores


def round_zero_ids(max_epochs, factor):
    """The trial ids a serial Hyperband search gives its round-0 trials."""
    ids, t = [], 0
    for bracket in range(kt_brackets(max_epochs, factor) - 1, -1, -1):
        n = kt_size(max_epochs, factor, bracket, 0)
        ids += range(t, t + n)
        t += n + sum(kt_size(max_epochs, factor, bracket, r) for r in range(1, bracket + 1))
    return ids


def curves_of(conn, name, max_epochs):
    with conn.cursor() as cur:
        cur.execute("SELECT trial_id, array_agg(value ORDER BY step) FROM hptune.trial_metrics "
                    "WHERE study_id = hptune.study_id(%s) AND name = 'val_accuracy' "
                    "AND execution = 0 GROUP BY trial_id HAVING count(*) = %s ORDER BY trial_id",
                    (name, max_epochs))
        return {t: c for t, c in cur.fetchall()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(ap)
    ap.add_argument("--pool", type=int, default=384, help="random configurations trained (default %(default)s)")
    ap.add_argument("--seed", type=int, default=101, help="the pool's study seed (default %(default)s)")
    ap.add_argument("--max-epochs", type=int, default=16)
    ap.add_argument("--factors", default="4,2", help="Hyperband factors replayed (default %(default)s)")
    ap.add_argument("--train-rows", type=int, default=8000)
    ap.add_argument("--validation-rows", type=int, default=10000)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--draws", type=int, default=5000, help="pairs of searches drawn (default %(default)s)")
    ap.add_argument("--json", default=None, help="also write the pool's curves and the results here")
    args = ap.parse_args()
    factors = [int(f) for f in args.factors.split(",")]

    conn = _common.connect(args.dbname)
    print(_common.machine_line(), flush=True)
    _common.ensure_data(conn, args, splits=("train", "validation", "test"))
    version = _common.ensure_hptune(conn)
    with conn.cursor() as cur:
        cur.execute("SET hptune.blas_threads = %s", (args.threads,))
        cur.execute("SET client_min_messages = warning")
    print("# hptune %s; Fashion-MNIST %d train / %d validation rows, batch %d; pool of %d, seed %d"
          % (version, args.train_rows, args.validation_rows, args.batch_size, args.pool, args.seed),
          flush=True)
    pool_name = "bench_pool_%d" % os.getpid()
    check_name = "bench_pool_hb_%d" % os.getpid()
    try:
        pool = hb_bench.run_search(conn, args, args.seed, pool_name, "random", args.pool, {},
                                   args.max_epochs)
        by_id = curves_of(conn, pool_name, args.max_epochs)
        check = hb_bench.run_search(conn, args, args.seed, check_name, "hyperband", 100000,
                                    {"max_epochs": args.max_epochs, "factor": factors[0]},
                                    args.max_epochs)
        with conn.cursor() as cur:
            cur.execute("SELECT score FROM hptune.trials WHERE study_id = hptune.study_id(%s) "
                        "ORDER BY trial_id", (check_name,))
            check_scores = [r[0] for r in cur.fetchall()]
    finally:
        conn.rollback()
    curves = [by_id[t] for t in sorted(by_id)]
    print("pool: %d curves of %d epochs (%.0f s); best reading %.4f"
          % (len(curves), args.max_epochs, pool["seconds"], max(max(c) for c in curves)))
    ids = round_zero_ids(args.max_epochs, factors[0])
    replayed = replay([by_id[t] for t in ids], args.max_epochs, factors[0])
    same = (len(check_scores) == len(replayed[4]) and replayed[1] == check["epochs"]
            and all(abs(a - b) < 1e-9 for a, b in zip(check_scores, replayed[4])))
    print("check: hyperband (factor %d, seed %d): %d trials, best val_accuracy %.4f, %d epochs; "
          "replayed over the pool's trials of the same ids: %d trials, %.4f, %d epochs; "
          "every trial's score %s" % (factors[0], args.seed, len(check_scores),
                                      check["best_val_accuracy"], check["epochs"],
                                      len(replayed[4]), replayed[0], replayed[1],
                                      "the same" if same else "DIFFERENT"), flush=True)

    rng = random.Random(args.seed)
    results = []
    for factor in factors:
        _, epochs, trials, used, _ = replay(curves, args.max_epochs, factor)
        same_epochs = epochs // args.max_epochs
        if used + trials > len(curves):
            print("factor %d: the pool is too small (%d configurations needed)" % (factor, used + trials))
            continue
        gap, gap_eq, gap_coupled = [], [], []
        for _ in range(args.draws):
            pick = rng.sample(range(len(curves)), used + trials)
            mine = [curves[i] for i in pick[:used]]
            theirs = [curves[i] for i in pick[used:]]
            best = replay(mine, args.max_epochs, factor)[0]
            rs = max(max(c[:args.max_epochs]) for c in theirs)
            rs_eq = max(max(c[:args.max_epochs]) for c in theirs[:same_epochs])
            coupled = max(max(c[:args.max_epochs]) for c in mine + theirs[:trials - used])
            gap.append(best - rs)
            gap_eq.append(best - rs_eq)
            gap_coupled.append(best - coupled)
        row = {"factor": factor, "trials": trials, "configurations": used,
               "epochs_ratio": epochs / (trials * args.max_epochs),
               "same_trials": {"median": statistics.median(gap), "mean": statistics.mean(gap),
                               "p_not_below": sum(g >= 0 for g in gap) / len(gap)},
               "same_epochs": {"trials": same_epochs, "median": statistics.median(gap_eq),
                               "mean": statistics.mean(gap_eq),
                               "p_not_below": sum(g >= 0 for g in gap_eq) / len(gap_eq)},
               "coupled": {"median": statistics.median(gap_coupled),
                           "p_tie": sum(g >= 0 for g in gap_coupled) / len(gap_coupled)}}
        results.append(row)
        print("factor %d: %d trials (%d configurations), epochs %.3f of random search's"
              % (factor, trials, used, row["epochs_ratio"]))
        print("  vs random search of %d trials:  hyperband - random median %+.4f, mean %+.4f, "
              "P(hyperband >= random) %.2f" % (trials, row["same_trials"]["median"],
                                                row["same_trials"]["mean"],
                                                row["same_trials"]["p_not_below"]))
        print("  vs random search of %d trials (as many epochs): median %+.4f, mean %+.4f, "
              "P(hyperband >= random) %.2f" % (same_epochs, row["same_epochs"]["median"],
                                                row["same_epochs"]["mean"],
                                                row["same_epochs"]["p_not_below"]))
        print("  coupled as in bench/hyperband.py (same seed): median %+.4f, P(tie) %.2f"
              % (row["coupled"]["median"], row["coupled"]["p_tie"]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "curves": curves, "results": results}, f)


if __name__ == "__main__":
    main()
