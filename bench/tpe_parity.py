#!/usr/bin/python3
"""hptune's TPE against Optuna 3.1's TPESampler internals on the same history.

A history of TRIALS Branin (or Hartmann-6) trials is made by Optuna's own
TPESampler (seed SEED); a few losses are then duplicated to exercise ties.
For each hyperparameter, Optuna's split (_get_observation_pairs,
_split_observation_pairs, default_gamma) and its _ParzenEstimator (weights,
mus, sigmas, log_pdf on a grid) are compared with bench/tpe_parity.c's
(hptune's parzen.c on hptune's split).  Then the whole oracle proposes with
many candidates, and the score log l - log g of its proposal under Optuna's
estimators is compared with the best score of Optuna's own candidates.

  /usr/bin/python3 bench/tpe_parity.py [--function branin] [--trials 60 100] [--seed 1]

Prints the largest differences; exits 1 when one exceeds 1e-9 (split,
weights, mus, sigmas, log densities).
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402
import search_quality as sq  # noqa: E402

os.environ.pop("OPENBLAS_CORETYPE", None)


def build():
    out = os.path.join(tempfile.gettempdir(), "hptune_tpe_parity_%d" % os.getpid())
    return _common.build_core_program("tpe_parity.c", out)


def make_study(fn, trials, seed, ties):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    bounds = sq.FUNCTIONS[fn][0]
    f = sq.PY_FUNCTIONS[fn]
    s = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    s.optimize(lambda t: f([t.suggest_float("x%d" % (i + 1), lo, hi)
                            for i, (lo, hi) in enumerate(bounds)]), n_trials=trials)
    if not ties:
        return s
    # a copy in which some losses repeat an earlier one (ties at the split)
    t2 = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    vals = [t.value for t in s.trials]
    order = np.argsort(vals, kind="stable")
    gamma = min(int(np.ceil(0.1 * trials)), 25)
    for j in (gamma - 1, gamma, gamma + 1, 2):
        vals[order[j]] = vals[order[gamma - 1]]
    for t, v in zip(s.trials, vals):
        t2.add_trial(optuna.trial.create_trial(params=t.params, distributions=t.distributions,
                                               value=v))
    return t2


def compare(binary, fn, trials, seed, ties, grid, candidates):
    import optuna
    from optuna.samplers._tpe import sampler as ts
    from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator
    study = make_study(fn, trials, seed, ties)
    bounds = sq.FUNCTIONS[fn][0]
    d = len(bounds)
    tpe = optuna.samplers.TPESampler(seed=seed, n_ei_candidates=candidates)
    lines = ["%d %d" % (d, trials)]
    for t in study.trials:
        lines.append(" ".join("%.17g" % ((t.params["x%d" % (i + 1)] - lo) / (hi - lo))
                              for i, (lo, hi) in enumerate(bounds)) + " %.17g" % t.value)
    history = "\n".join(lines) + "\n"
    worst = {"split": 0, "weight": 0.0, "mu": 0.0, "sigma": 0.0, "log_pdf": 0.0}
    proposal = subprocess.run([binary, "propose", str(candidates)], input=history.encode(),
                              stdout=subprocess.PIPE, check=True).stdout.decode().split()
    print("%s, %d trials, seed %d%s:" % (fn, trials, seed, ", tied losses" if ties else ""))
    for i, (lo, hi) in enumerate(bounds):
        name = "x%d" % (i + 1)
        dist = optuna.distributions.FloatDistribution(lo, hi)
        values, scores, _ = ts._get_observation_pairs(study, [name], False, False)
        n = sum(s < float("inf") for s, v in scores)
        below_idx, above_idx = ts._split_observation_pairs(scores, tpe._gamma(n), None)
        cfg = np.asarray(values[name], dtype=float)
        pe_l = _ParzenEstimator({name: cfg[below_idx]}, {name: dist}, tpe._parzen_estimator_parameters)
        pe_g = _ParzenEstimator({name: cfg[above_idx]}, {name: dist}, tpe._parzen_estimator_parameters)
        out = subprocess.run([binary, "estimators", str(i), str(grid)], input=history.encode(),
                             stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()
        c_below = [int(v) for v in out[0].split()[1:]]
        worst["split"] += int(c_below != list(below_idx))
        for label, pe in (("l", pe_l), ("g", pe_g)):
            rows = [r.split() for r in out if r.startswith(label + " ")]
            w = np.array([float(r[2]) for r in rows])
            mu = np.array([float(r[3]) for r in rows])
            sg = np.array([float(r[4]) for r in rows])
            worst["weight"] = max(worst["weight"], np.abs(w - pe._weights).max())
            worst["mu"] = max(worst["mu"], np.abs(mu - (pe._mus[name] - lo) / (hi - lo)).max())
            worst["sigma"] = max(worst["sigma"], np.abs(sg - pe._sigmas[name] / (hi - lo)).max())
        g = np.array([[float(v) for v in r.split()[1:]] for r in out if r.startswith("grid ")])
        xs = lo + g[:, 0] * (hi - lo)
        ll = pe_l.log_pdf({name: xs})
        lg = pe_g.log_pdf({name: xs})
        worst["log_pdf"] = max(worst["log_pdf"], np.abs(ll - g[:, 1]).max(),
                               np.abs(lg - g[:, 2]).max())
        # the whole oracle's choice, scored by Optuna's estimators
        x_h = lo + float(proposal[i]) * (hi - lo)
        s_h = (pe_l.log_pdf({name: np.array([x_h])}) - pe_g.log_pdf({name: np.array([x_h])}))[0]
        samples = pe_l.sample(np.random.RandomState(seed), candidates)
        s_o = (pe_l.log_pdf(samples) - pe_g.log_pdf(samples)).max()
        s_grid = (ll - lg).max()
        print("  %s: below %s (gamma %d), %d above (weights %s); score log l - log g of "
              "hptune's proposal %.6f, best of Optuna's %d candidates %.6f, grid max %.6f"
              % (name, list(below_idx), tpe._gamma(n), len(above_idx),
                 "ramped" if len(above_idx) > 25 else "flat", s_h, candidates, s_o, s_grid))
    print("  largest differences: split mismatches %d, weight %.3g, mu %.3g, sigma %.3g, "
          "log_pdf %.3g" % (worst["split"], worst["weight"], worst["mu"], worst["sigma"],
                            worst["log_pdf"]))
    return worst["split"] == 0 and max(worst["weight"], worst["mu"], worst["sigma"],
                                       worst["log_pdf"]) < 1e-9


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--function", default="branin", choices=sorted(sq.FUNCTIONS))
    ap.add_argument("--trials", type=int, nargs="+", default=[60, 100])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--grid", type=int, default=2000)
    ap.add_argument("--candidates", type=int, default=5000)
    args = ap.parse_args()
    binary = build()
    ok = True
    try:
        for trials in args.trials:
            for ties in (False, True):
                ok &= compare(binary, args.function, trials, args.seed, ties, args.grid,
                              args.candidates)
    finally:
        os.unlink(binary)
    print("parity: %s" % ("ok" if ok else "DIFFERENT"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
