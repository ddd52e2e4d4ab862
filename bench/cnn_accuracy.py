#!/usr/bin/python3
"""The cnn hypermodel's defaults on Fashion-MNIST: test accuracy within 5 epochs (target >= 0.90).

One hptune.fit('cnn', '{}', ...) on the 50,000 training images, validated on the 10,000
validation images, for --epochs epochs (default 5) at batch size 32, one BLAS thread; the
model fit keeps (the epoch with the best val_loss) is evaluated on the 10,000 test images
with hptune.evaluate.  Prints each figure and PASS or FAIL against the 0.90 target; exit
status 1 on FAIL.  The fit runs in a transaction that is rolled back: no model is left.

With --torch it also trains the same network in PyTorch (Conv2D 32 and 64 3x3 "same" + relu,
2x2 max pooling, Dense 128 relu, Dropout 0.2, Dense 10; Glorot-uniform kernels, zero
biases, Adam at 1e-3 with Keras's epsilon 1e-7, shuffled batches of 32) for comparison.

Usage: /usr/bin/python3 bench/cnn_accuracy.py [--dbname DB] [--epochs 5] [--seed 1] [--torch]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

TARGET = 0.90


def hptune_run(conn, table, epochs, seed):
    import psycopg2
    train = "SELECT image, label FROM %s WHERE split = 'train' ORDER BY id" % table
    validation = "SELECT image, label FROM %s WHERE split = 'validation' ORDER BY id" % table
    test = "SELECT image, label FROM %s WHERE split = 'test' ORDER BY id" % table
    try:
        with conn.cursor() as cur:
            cur.execute("SET hptune.blas_threads = 1")
            t0 = time.perf_counter()
            cur.execute("SELECT hptune.fit('cnn', '{}', train => %s, validation => %s, epochs => %s, "
                        "batch_size => 32, options => %s::jsonb, "
                        "hypermodel_options => '{\"input_shape\": [28, 28, 1]}')",
                        (train, validation, epochs, json.dumps({"seed": seed})))
            fit = cur.fetchone()[0]
            wall = time.perf_counter() - t0
            if isinstance(fit, str):
                fit = json.loads(fit)
            cur.execute("SELECT hptune.evaluate(%s, %s)", (fit["model_id"], test))
            ev = cur.fetchone()[0]
            if isinstance(ev, str):
                ev = json.loads(ev)
    except psycopg2.Error as e:
        _common.fail("hptune failed: %s" % str(e).strip())
    finally:
        conn.rollback()
    return fit, ev, wall


def torch_run(conn, table, epochs, seed):
    import torch
    import torch.nn as nn
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    x, y = _common.fetch_matrix(conn, "SELECT image, label FROM %s WHERE split = 'train' ORDER BY id" % table)
    xt, yt = _common.fetch_matrix(conn, "SELECT image, label FROM %s WHERE split = 'test' ORDER BY id" % table)
    x = torch.tensor(x.reshape(-1, 1, 28, 28))
    xt = torch.tensor(xt.reshape(-1, 1, 28, 28))
    y, yt = torch.tensor(y), torch.tensor(yt)
    m = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                      nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                      nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    for mod in m.modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(mod.weight)
            nn.init.zeros_(mod.bias)
    opt = torch.optim.Adam(m.parameters(), 1e-3, eps=1e-7)
    accs = []
    for _ in range(epochs):
        m.train()
        perm = torch.randperm(len(y))
        for i in range(0, len(y), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            nn.functional.cross_entropy(m(x[idx]), y[idx]).backward()
            opt.step()
        m.eval()
        with torch.no_grad():
            accs.append(float((m(xt).argmax(1) == yt).float().mean()))
    return accs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dbname", default=None, help="database name or conninfo string")
    ap.add_argument("--table", default="fashion_mnist")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--torch", action="store_true", help="also train the same network in PyTorch")
    ap.add_argument("--no-load", action="store_true")
    args = ap.parse_args()
    _common.limit_threads(1)
    os.environ.pop("OPENBLAS_CORETYPE", None)
    print(_common.machine_line())
    conn = _common.connect(args.dbname)
    _common.ensure_data(conn, args, splits=("train", "validation", "test"))
    version = _common.ensure_hptune(conn)

    fit, ev, wall = hptune_run(conn, args.table, args.epochs, args.seed)
    acc = ev["accuracy"]
    print("hptune %s: cnn defaults, %d epochs, batch 32, 1 thread" % (version, args.epochs))
    print("  epoch seconds: %s (whole fit %.1f s, loading %.1f s)" % (
        ", ".join("%.1f" % s for s in fit["epoch_seconds"]), wall, fit["load_seconds"]))
    print("  kept epoch %d: val_accuracy %.4f, val_loss %.4f" % (
        fit["best_step"] + 1, fit["metrics"]["val_accuracy"], fit["metrics"]["val_loss"]))
    print("  test accuracy %.4f (target >= %.2f): %s" % (acc, TARGET, "PASS" if acc >= TARGET else "FAIL"))
    if args.torch:
        accs = torch_run(conn, args.table, args.epochs, args.seed)
        print("PyTorch, same network and recipe: test accuracy per epoch %s" %
              ", ".join("%.4f" % a for a in accs))
    return 0 if acc >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
