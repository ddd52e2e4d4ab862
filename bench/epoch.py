#!/usr/bin/python3
"""Epoch time of hptune's MLP against PyTorch and scikit-learn, one thread, same data.

Network and recipe, the same in all three frameworks:
  784 -> Dense 256 relu -> Dense 10 softmax, cross-entropy, Adam (lr 1e-3,
  beta1 0.9, beta2 0.999, eps 1e-7 = Keras' defaults, which hptune follows),
  Glorot-uniform weights (torch: xavier_uniform_, zero biases; scikit-learn's
  own initialisation is Glorot-uniform too), no weight decay, a fresh random
  batch order every epoch, the last partial batch trained too; batch sizes 32 and 128 (--batch-sizes).
Data: the 50,000 'train' rows of the fashion_mnist table (scripts/load_fashion_mnist.py)
  for training and its 10,000 'validation' rows for the validation accuracy.
  hptune reads them with its own queries; the peers fetch the same rows once,
  before any timing, into float32 matrices (psycopg2, COPY binary).
Threads: --threads (default 1) for everything: SET hptune.blas_threads,
  torch.set_num_threads, and OMP/OpenBLAS/MKL variables + threadpoolctl for
  scikit-learn's numpy BLAS.

Method: each run trains a new model for --epochs epochs (default 2) and the
  time of the LAST epoch is that run's epoch time, so the first epoch absorbs
  warm-up (allocation, BLAS initialisation, page faults) in every framework.
  hptune: epoch_seconds[-1] of hptune.fit(..., epochs => 2), data loading
          excluded (hptune reports it apart as load_seconds); each fit runs in
          a transaction that is rolled back.
  torch:  wall time of the epoch's training loop (torch.randperm + index + step).
  sklearn: wall time of one MLPClassifier.partial_fit call, which is exactly one
          shuffled epoch of Adam over the data (max_iter=1 semantics, without the
          ConvergenceWarning).  hidden_layer_sizes=(256,), solver='adam',
          learning_rate_init=1e-3, alpha=0 (no L2, like the others), epsilon=1e-7.
  Validation accuracy is measured after the last epoch for the peers; for hptune
  it is metrics.val_accuracy of the fit's result (its best epoch, which after
  2 epochs is nearly always the last one).
  Each (framework, batch size) is run --runs times (default 3); the table shows
  every run and the MEDIAN, and the ratios use the medians.

Target: hptune epoch time <= 0.8 x torch's, with validation accuracy within
  1 point (0.01) of torch's, at every batch size.

Usage:
  bench/epoch.py [--dbname DB] [--batch-sizes 32,128] [--runs 3] [--epochs 2]
                 [--peers-only] [--frameworks hptune,torch,sklearn] [--json FILE]
Exit status: 0 when measured (whether or not the target holds), 2 on setup errors.
"""

import argparse
import json
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

HYPERPARAMETERS = {"num_layers": 1, "units_0": 256, "activation": "relu",
                   "learning_rate": 0.001, "optimizer": "adam", "shuffle": True}
ADAM_EPS = 1e-7


# ---------------------------------------------------------------- hptune

def run_hptune(conn, args, batch, seed):
    res, wall = C.hptune_fit(conn, args.table, HYPERPARAMETERS, args.epochs, batch, args.threads)
    try:
        secs = float(res["epoch_seconds"][-1])
        acc = float(res["metrics"]["val_accuracy"])
    except (KeyError, IndexError, TypeError, ValueError):
        C.fail("hptune.fit returned %r; expected epoch_seconds and metrics.val_accuracy" % (res,))
    if len(res["epoch_seconds"]) != args.epochs:
        print("# warning: hptune.fit reported %d epoch times for epochs => %d"
              % (len(res["epoch_seconds"]), args.epochs), file=sys.stderr)
    return secs, acc, {"load_seconds": res.get("load_seconds"), "call_seconds": wall,
                       "per_epoch_seconds": res["epoch_seconds"], "best_step": res.get("best_step")}


# ---------------------------------------------------------------- torch

def run_torch(data, args, batch, seed):
    import torch
    xtr, ytr, xva, yva = data["torch"]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    for layer in (model[0], model[2]):          # Keras' (and hptune's) initialisation
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    crit = torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=ADAM_EPS)
    n = xtr.shape[0]
    times = []
    for _ in range(args.epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = crit(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        acc = (model(xva).argmax(1) == yva).float().mean().item()
    return times[-1], acc, {"per_epoch_seconds": times}


# ---------------------------------------------------------------- scikit-learn

def run_sklearn(data, args, batch, seed):
    import numpy as np
    from sklearn.neural_network import MLPClassifier
    xtr, ytr, xva, yva = data["numpy"]
    clf = MLPClassifier(hidden_layer_sizes=(256,), activation="relu", solver="adam",
                        batch_size=batch, learning_rate_init=1e-3, alpha=0.0,
                        beta_1=0.9, beta_2=0.999, epsilon=ADAM_EPS,
                        max_iter=1, shuffle=True, random_state=seed)
    classes = np.arange(10)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # ConvergenceWarning and friends
        for _ in range(args.epochs):
            t0 = time.perf_counter()
            clf.partial_fit(xtr, ytr, classes=classes)
            times.append(time.perf_counter() - t0)
    acc = float((clf.predict(xva) == yva).mean())
    return times[-1], acc, {"per_epoch_seconds": times}


# ---------------------------------------------------------------- driver

def fetch_data(conn, args, frameworks):
    import numpy as np
    q = "SELECT image, label FROM %s WHERE split = '%s' ORDER BY id"
    t0 = time.perf_counter()
    xtr, ytr = C.fetch_matrix(conn, q % (args.table, "train"))
    xva, yva = C.fetch_matrix(conn, q % (args.table, "validation"))
    print("# peers' data: %d train + %d validation rows fetched in %.2f s (not timed below)"
          % (len(ytr), len(yva), time.perf_counter() - t0))
    data = {"numpy": (np.ascontiguousarray(xtr), ytr, xva, yva)}
    if "torch" in frameworks:
        import torch
        data["torch"] = (torch.from_numpy(xtr), torch.from_numpy(ytr),
                         torch.from_numpy(xva), torch.from_numpy(yva))
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See the module docstring / bench/README.md for the method.")
    C.add_common_args(ap)
    ap.add_argument("--batch-sizes", default="32,128", help="comma-separated (default %(default)s)")
    ap.add_argument("--epochs", type=int, default=2,
                    help="epochs per run; the last one is timed (default %(default)s)")
    ap.add_argument("--frameworks", default="hptune,torch,sklearn",
                    help="comma-separated subset of hptune,torch,sklearn (default all)")
    ap.add_argument("--seed", type=int, default=42, help="base seed of the peers (run i uses seed+i)")
    ap.add_argument("--json", metavar="FILE", help="also write all measurements to FILE as JSON")
    args = ap.parse_args()

    C.limit_threads(args.threads)          # before numpy / torch / sklearn are imported
    batches = [int(b) for b in args.batch_sizes.split(",") if b.strip()]
    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    for f in frameworks:
        if f not in ("hptune", "torch", "sklearn"):
            C.fail("unknown framework %r" % f)
    if args.peers_only:
        frameworks = [f for f in frameworks if f != "hptune"]
    if args.epochs < 1 or args.runs < 1 or not batches:
        C.fail("--epochs, --runs and --batch-sizes must be positive")

    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError:
        pass
    threadpool_limits(limits=args.threads)

    conn = C.connect(args.dbname)
    C.ensure_data(conn, args, ("train", "validation"))
    print(C.machine_line())
    print(C.kernels_line(conn))
    version = None
    if "hptune" in frameworks:
        version = C.ensure_hptune(conn)
        print("# hptune %s" % version)
    print("# torch %s, scikit-learn %s, threads %d, %d runs x %d epochs (last epoch timed)"
          % (torch.__version__, __import__("sklearn").__version__, args.threads,
             args.runs, args.epochs))
    data = fetch_data(conn, args, frameworks) if set(frameworks) - {"hptune"} else None

    runners = {"hptune": lambda b, s: run_hptune(conn, args, b, s),
               "torch": lambda b, s: run_torch(data, args, b, s),
               "sklearn": lambda b, s: run_sklearn(data, args, b, s)}
    results = {}
    for batch in batches:
        for fw in frameworks:
            runs = []
            for r in range(args.runs):
                secs, acc, extra = runners[fw](batch, args.seed + r)
                runs.append({"epoch_seconds": secs, "val_accuracy": acc, **extra})
                print("#   %-7s batch %4d run %d: epoch %.3f s, val_accuracy %.4f"
                      % (fw, batch, r + 1, secs, acc), flush=True)
            results[(fw, batch)] = runs

    # ------------------------------------------------------------ report
    print()
    print("%-6s %-8s %10s %10s  %s" % ("batch", "framework", "epoch_s", "val_acc", "runs (epoch s)"))
    summary = {}
    for batch in batches:
        for fw in frameworks:
            runs = results[(fw, batch)]
            t = C.median([r["epoch_seconds"] for r in runs])
            a = C.median([r["val_accuracy"] for r in runs])
            summary[(fw, batch)] = (t, a)
            print("%-6d %-8s %10.3f %10.4f  %s"
                  % (batch, fw, t, a, C.fmt_runs([r["epoch_seconds"] for r in runs])))
    print()
    verdicts = []
    for batch in batches:
        line = ["batch %d:" % batch]
        if "torch" in frameworks and "sklearn" in frameworks:
            line.append("sklearn/torch = %.2f" % (summary[("sklearn", batch)][0]
                                                   / summary[("torch", batch)][0]))
        if "hptune" in frameworks:
            ht, ha = summary[("hptune", batch)]
            if "torch" in frameworks:
                tt, ta = summary[("torch", batch)]
                ok = ht <= 0.8 * tt and abs(ha - ta) <= 0.01
                verdicts.append(ok)
                line.append("hptune/torch = %.2f" % (ht / tt))
            if "sklearn" in frameworks:
                line.append("hptune/sklearn = %.2f" % (ht / summary[("sklearn", batch)][0]))
            if "torch" in frameworks:
                line.append("val_acc hptune-torch = %+.2f pt" % (100 * (ha - ta)))
                line.append("target (<= 0.80 x torch, |acc diff| <= 1 pt): %s"
                            % ("MET" if ok else "NOT MET"))
        print("  ".join(line))
    if verdicts:
        print("target %s at every batch size" % ("met" if all(verdicts) else "NOT met"))

    if args.json:
        out = {"hptune_version": version, "threads": args.threads, "epochs": args.epochs,
               "runs": args.runs,
               "results": [{"framework": fw, "batch_size": b, "median_epoch_seconds": t,
                            "median_val_accuracy": a, "runs": results[(fw, b)]}
                           for (fw, b), (t, a) in summary.items()]}
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
