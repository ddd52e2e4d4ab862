#!/usr/bin/python3
"""Search quality: hptune's random, tpe and bayesian tuners against Optuna 3.1.

Every method minimises Branin (2-D), Hartmann-6 and Rosenbrock-2D for each
seed, TRIALS trials each; the table gives the median simple regret (best
value found minus the optimum) after 50 and after TRIALS trials, and
Mann-Whitney U tests compare the methods (p-values adjusted by Holm's method
within each family of tests, so that a family's verdicts are wrong with
probability at most 5%; the raw p-values are printed beside them):

  hptune random   vs Optuna RandomSampler   (two-sided: indistinguishable?)
  hptune tpe      vs Optuna TPESampler      (is hptune's worse?)
  hptune bayesian vs Optuna TPESampler      (is hptune's better?)

hptune runs through SQL: each function is a SQL objective function
(objective_function => 'bench_sq_branin(jsonb)', ...) and each run one
study and one hptune.search() call.  Optuna runs in this process, with
TPESampler() and RandomSampler() at their defaults and the seed.  Runs are
independent (one study per method, function and seed, named after this
process), so --jobs runs them in parallel and several copies of the script
can share a database.

Then the oracles' own time per suggestion: bench/oracle_core.c (built here
with cc) times oracle_create_trial after 100 and 1000 completed Hartmann-6
trials, and Optuna's TPESampler is timed in-process on the same history.

  /usr/bin/python3 bench/search_quality.py [--seeds 20] [--first-seed 1] [--trials 100]
                                          [--jobs 2] [--methods random,tpe] [--quick]
                                          [--in-process] [--dbname DB] [--json FILE]

--in-process runs hptune's oracles in bench/oracle_core.c (built here) instead
of through SQL: the same decisions (the same trial ids and seeds), without a
server, cheap enough for hundreds of seeds.
"""

import argparse
import json
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

os.environ.pop("OPENBLAS_CORETYPE", None)

FUNCTIONS = {
    # name: (bounds, optimum)
    "branin": ([(-5.0, 10.0), (0.0, 15.0)], 0.397887357729738),
    "hartmann6": ([(0.0, 1.0)] * 6, -3.32236801141551),
    "rosenbrock": ([(-5.0, 10.0), (-5.0, 10.0)], 0.0),
}
HPTUNE_METHODS = ["hptune random", "hptune tpe", "hptune bayesian"]
OPTUNA_METHODS = ["optuna random", "optuna tpe"]

HARTMANN_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
              [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
HARTMANN_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
              [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]


def branin(x):
    a = x[1] - 5.1 / (4 * math.pi ** 2) * x[0] ** 2 + 5 / math.pi * x[0] - 6
    return a * a + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x[0]) + 10


def hartmann6(x):
    s = 0.0
    for i in range(4):
        e = sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j] * 1e-4) ** 2 for j in range(6))
        s += HARTMANN_ALPHA[i] * math.exp(-e)
    return -s


def rosenbrock(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


PY_FUNCTIONS = {"branin": branin, "hartmann6": hartmann6, "rosenbrock": rosenbrock}

# the same functions in SQL, as hptune objective functions of (hp jsonb)
SQL_FUNCTIONS = """
CREATE OR REPLACE FUNCTION bench_sq_branin(hp jsonb) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT (x2 - 5.1 / (4 * pi() ^ 2) * x1 ^ 2 + 5 / pi() * x1 - 6) ^ 2
         + 10 * (1 - 1 / (8 * pi())) * cos(x1) + 10
  FROM (SELECT (hp->>'x1')::float8 AS x1, (hp->>'x2')::float8 AS x2) v $$;
CREATE OR REPLACE FUNCTION bench_sq_rosenbrock(hp jsonb) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT 100 * (x2 - x1 ^ 2) ^ 2 + (1 - x1) ^ 2
  FROM (SELECT (hp->>'x1')::float8 AS x1, (hp->>'x2')::float8 AS x2) v $$;
CREATE OR REPLACE FUNCTION bench_sq_hartmann6(hp jsonb) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT -sum(a.alpha * exp(-(
      a.a[1] * ((hp->>'x1')::float8 - a.p[1] * 1e-4) ^ 2
    + a.a[2] * ((hp->>'x2')::float8 - a.p[2] * 1e-4) ^ 2
    + a.a[3] * ((hp->>'x3')::float8 - a.p[3] * 1e-4) ^ 2
    + a.a[4] * ((hp->>'x4')::float8 - a.p[4] * 1e-4) ^ 2
    + a.a[5] * ((hp->>'x5')::float8 - a.p[5] * 1e-4) ^ 2
    + a.a[6] * ((hp->>'x6')::float8 - a.p[6] * 1e-4) ^ 2)))
  FROM (VALUES
    (1.0::float8, ARRAY[10, 3, 17, 3.5, 1.7, 8]::float8[], ARRAY[1312, 1696, 5569, 124, 8283, 5886]::float8[]),
    (1.2, ARRAY[0.05, 10, 17, 0.1, 8, 14], ARRAY[2329, 4135, 8307, 3736, 1004, 9991]),
    (3.0, ARRAY[3, 3.5, 1.7, 10, 17, 8], ARRAY[2348, 1451, 3522, 2883, 3047, 6650]),
    (3.2, ARRAY[17, 8, 0.05, 10, 0.1, 14], ARRAY[4047, 8828, 8732, 5743, 1091, 381])
  ) AS a(alpha, a, p) $$;
"""


def best_so_far(values):
    out, best = [], float("inf")
    for v in values:
        best = min(best, v)
        out.append(best)
    return out


def run_hptune(dbname, method, fn, seed, trials):
    import psycopg2
    tuner = method.split()[1]
    study = "bench_sq_%d_%s_%s_%d" % (os.getpid(), tuner, fn, seed)
    conn = psycopg2.connect(dbname if dbname is not None else "")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SET client_min_messages = warning")
        cur.execute("SELECT hptune.create_study(%s, objective_function => %s, direction => 'min',"
                    " tuner => %s, max_trials => %s, seed => %s, overwrite => true)",
                    (study, "bench_sq_%s(jsonb)" % fn, tuner, trials, seed))
        for i, (lo, hi) in enumerate(FUNCTIONS[fn][0]):
            cur.execute("SELECT hptune.hp_float(%s, %s, %s, %s)", (study, "x%d" % (i + 1), lo, hi))
        start = time.time()
        cur.execute("SELECT score FROM hptune.search(%s) ORDER BY trial_id", (study,))
        scores = [r[0] for r in cur.fetchall()]
        seconds = time.time() - start
        cur.execute("SELECT hptune.drop_study(%s)", (study,))
    conn.close()
    return scores, seconds


def run_hptune_in_process(method, fn, seed, trials):
    """The same search without SQL: bench/oracle_core.c's `search` (same decisions)."""
    start = time.time()
    out = subprocess.check_output([os.environ["HPTUNE_ORACLE_CORE"], "search", method.split()[1],
                                   fn, str(trials), str(seed)]).decode()
    seconds = time.time() - start
    best = [math.nan] * trials
    for line in out.split():
        k, regret = line[len("regret_at_"):].split("=")
        best[int(k) - 1] = float(regret) + FUNCTIONS[fn][1]
    return best, seconds


def run_optuna(method, fn, seed, trials):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = (optuna.samplers.RandomSampler(seed=seed) if method == "optuna random"
               else optuna.samplers.TPESampler(seed=seed))
    study = optuna.create_study(sampler=sampler, direction="minimize")
    bounds = FUNCTIONS[fn][0]
    f = PY_FUNCTIONS[fn]
    start = time.time()
    study.optimize(lambda t: f([t.suggest_float("x%d" % (i + 1), lo, hi)
                                for i, (lo, hi) in enumerate(bounds)]), n_trials=trials)
    seconds = time.time() - start
    return [t.value for t in study.trials], seconds


def run_one(job):
    dbname, method, fn, seed, trials = job
    _common.limit_threads(1)
    if method.startswith("hptune") and dbname == "in-process":
        best, seconds = run_hptune_in_process(method, fn, seed, trials)
        return method, fn, seed, best, seconds
    if method.startswith("hptune"):
        scores, seconds = run_hptune(dbname, method, fn, seed, trials)
    else:
        scores, seconds = run_optuna(method, fn, seed, trials)
    return method, fn, seed, best_so_far(scores), seconds


def mann_whitney(a, b, alternative):
    """p-value of Mann-Whitney U (scipy's when present, else normal approximation)."""
    try:
        from scipy.stats import mannwhitneyu
        return mannwhitneyu(a, b, alternative=alternative).pvalue
    except ImportError:
        n1, n2 = len(a), len(b)
        ranked = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
        ranks, i = [0.0] * len(ranked), 0
        while i < len(ranked):
            j = i
            while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
                j += 1
            for k in range(i, j + 1):
                ranks[k] = (i + j) / 2.0 + 1
            i = j + 1
        u = sum(r for r, (_, g) in zip(ranks, ranked) if g == 0) - n1 * (n1 + 1) / 2.0
        z = (u - n1 * n2 / 2.0) / math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12.0)
        cdf = 0.5 * math.erfc(-z / math.sqrt(2))
        if alternative == "less":
            return cdf
        if alternative == "greater":
            return 1 - cdf
        return min(1.0, 2 * min(cdf, 1 - cdf))


def holm(pvalues):
    """Holm's step-down adjusted p-values, in the order given."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    adjusted, running = [0.0] * len(pvalues), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(pvalues) - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def build_oracle_core():
    out = os.path.join(tempfile.gettempdir(), "hptune_oracle_core_%d" % os.getpid())
    return _common.build_core_program("oracle_core.c", out)


def optuna_tpe_ms(n, repeats):
    """Optuna TPESampler's time per suggestion with n completed Hartmann-6 trials."""
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = {"x%d" % (i + 1): optuna.distributions.FloatDistribution(0, 1) for i in range(6)}
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=42))
    import random
    rnd = random.Random(7)
    for _ in range(n):
        params = {k: rnd.random() for k in dists}
        study.add_trial(optuna.trial.create_trial(params=params, distributions=dists,
                                                  value=hartmann6([params["x%d" % (i + 1)] for i in range(6)])))
    total = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        trial = study.ask(dists)
        total += time.perf_counter() - start
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    return total / repeats * 1000


def timing(args):
    print("\n# oracle time per suggestion (Hartmann-6, one thread)")
    binary = build_oracle_core()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    rows = {}
    try:
        for n in ([100] if args.quick else [100, 1000]):
            for tuner in ("random", "tpe", "bayesian"):
                out = subprocess.check_output([binary, "time", tuner, str(n),
                                               "2" if n >= 1000 else "5"], env=env).decode()
                ms = float(out.strip().split("ms_per_suggestion=")[1])
                rows[("hptune " + tuner, n)] = ms
            rows[("optuna tpe", n)] = optuna_tpe_ms(n, 5 if n < 1000 else 2)
    finally:
        os.unlink(binary)
    print("%-18s %12s %12s" % ("method", "ms @ 100", "ms @ 1000"))
    for m in ["hptune random", "hptune tpe", "hptune bayesian", "optuna tpe"]:
        print("%-18s %12.3f %12s" % (m, rows[(m, 100)],
                                       "%.3f" % rows[(m, 1000)] if (m, 1000) in rows else "-"))
    print("targets at 100: hptune tpe <= 2 ms (%s), hptune bayesian <= 50 ms (%s); "
          "hptune tpe / optuna tpe = %.3f"
          % ("met" if rows[("hptune tpe", 100)] <= 2 else "MISSED",
             "met" if rows[("hptune bayesian", 100)] <= 50 else "MISSED",
             rows[("hptune tpe", 100)] / rows[("optuna tpe", 100)]))
    return {"%s@%d" % k: v for k, v in rows.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dbname", default=None,
                    help="database name or conninfo string (default: libpq's PG* environment)")
    ap.add_argument("--seeds", type=int, default=20, help="seeds per method and function (default 20)")
    ap.add_argument("--first-seed", type=int, default=1,
                    help="seeds run from this one (default 1): --first-seed 21 --seeds 40 is 21..60")
    ap.add_argument("--methods", default=None,
                    help="comma-separated tuners to run on both sides, of random, tpe, bayesian "
                         "(default all); Optuna's TPE runs whenever tpe or bayesian does")
    ap.add_argument("--in-process", action="store_true",
                    help="run hptune's oracles in bench/oracle_core.c instead of through SQL "
                         "(the same decisions; no server needed; for many seeds)")
    ap.add_argument("--trials", type=int, default=100, help="trials per run (default 100)")
    ap.add_argument("--jobs", type=int, default=2, help="runs in parallel (default 2)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 3 seeds, 50 trials, timing at 100 trials only")
    ap.add_argument("--skip-timing", action="store_true", help="search quality only")
    ap.add_argument("--json", default=None, help="write every run's regrets to this file")
    args = ap.parse_args()
    if args.quick:
        args.seeds, args.trials = 3, 50
    print(_common.machine_line())

    if args.in_process:
        args.dbname = "in-process"
        os.environ["HPTUNE_ORACLE_CORE"] = build_oracle_core()
    else:
        conn = _common.connect(args.dbname)
        with conn.cursor() as cur:
            cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'hptune'")
            if cur.fetchone() is None:
                cur.execute("CREATE EXTENSION hptune")
            cur.execute(SQL_FUNCTIONS)
        conn.commit()
        conn.close()

    wanted = set(args.methods.split(",")) if args.methods else {"random", "tpe", "bayesian"}
    if not wanted <= {"random", "tpe", "bayesian"}:
        ap.error("--methods takes random, tpe and bayesian")
    methods = [m for m in HPTUNE_METHODS if m.split()[1] in wanted]
    if "random" in wanted:
        methods.append("optuna random")
    if wanted & {"tpe", "bayesian"}:
        methods.append("optuna tpe")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    jobs = [(args.dbname, m, fn, seed, args.trials)
            for fn in FUNCTIONS for m in methods for seed in seeds]
    results = {}
    seconds = {}
    done = 0
    with multiprocessing.Pool(args.jobs) as pool:
        for method, fn, seed, best, secs in pool.imap_unordered(run_one, jobs):
            results[(method, fn, seed)] = best
            seconds.setdefault(method, []).append(secs)
            done += 1
            if done % 20 == 0:
                print("# %d/%d runs" % (done, len(jobs)), file=sys.stderr, flush=True)

    if args.in_process:
        os.unlink(os.environ.pop("HPTUNE_ORACLE_CORE"))
    checkpoints = sorted({min(50, args.trials), args.trials})

    def regrets(method, fn, k):
        return [results[(method, fn, s)][k - 1] - FUNCTIONS[fn][1] for s in seeds]

    print("\n# median simple regret over %d seeds (%d..%d)" % (args.seeds, seeds[0], seeds[-1]))
    print("%-12s %-18s" % ("function", "method") + "".join("%14s" % ("@%d" % k) for k in checkpoints))
    for fn in FUNCTIONS:
        for m in methods:
            print("%-12s %-18s" % (fn, m)
                  + "".join("%14.4g" % statistics.median(regrets(m, fn, k)) for k in checkpoints))
    print("\n# Mann-Whitney U at %d trials: raw p, and p adjusted by Holm within its family" % args.trials)
    # Two families.  "No difference" (random vs random, tpe vs tpe: six tests, each
    # a false MISSED with probability 0.05 when the methods are the same) and
    # "better" (bayesian vs TPE, three tests).  Holm's step-down adjustment keeps
    # the chance of any false verdict within a family at 5%; the raw p is printed
    # beside it.
    families = [
        [("hptune random", "optuna random", "two-sided", "indistinguishable (p > 0.05)"),
         ("hptune tpe", "optuna tpe", "greater", "hptune tpe not worse (p > 0.05)")],
        [("hptune bayesian", "optuna tpe", "less", "hptune bayesian better (p < 0.05)")],
    ]
    k = args.trials
    for family in families:
        tests = [(a, b, alt, target, fn, mann_whitney(regrets(a, fn, k), regrets(b, fn, k), alt))
                 for a, b, alt, target in family if a in methods and b in methods
                 for fn in FUNCTIONS]
        adjusted = holm([t[5] for t in tests])
        for (a, b, alt, target, fn, p), q in zip(tests, adjusted):
            ok = q < 0.05 if alt == "less" else q > 0.05
            print("%-16s vs %-14s %-11s %-10s p=%-9.3g Holm p=%-9.3g %s: %s"
                  % (a, b, fn, alt, p, q, target, "met" if ok else "MISSED"))
    print("\n# medians against the targets")
    for fn, k2, limit in [("branin", 50, 1e-3), ("hartmann6", 100, 0.05), ("rosenbrock", 100, 0.05)]:
        if k2 <= args.trials and "hptune bayesian" in methods:
            med = statistics.median(regrets("hptune bayesian", fn, k2))
            print("hptune bayesian %-11s @%-4d median %.4g <= %g: %s"
                  % (fn, k2, med, limit, "met" if med <= limit else "MISSED"))
    print("\n# wall time per run (median s): "
          + ", ".join("%s %.2f" % (m, statistics.median(seconds[m])) for m in methods))
    timings = {} if args.skip_timing else timing(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seeds": args.seeds, "trials": args.trials, "timing_ms": timings,
                       "runs": [{"method": m, "function": fn, "seed": s, "best_so_far": b}
                                for (m, fn, s), b in results.items()]}, f)


if __name__ == "__main__":
    main()
