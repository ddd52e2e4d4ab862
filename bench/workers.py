#!/usr/bin/python3
"""Trials per second of hptune.search(..., workers => 2) against workers => 1
(over the trials' span: first start to last end), and the memory of each: Fashion-MNIST, the MLP hypermodel with fixed
hyperparameters, one BLAS thread per worker.

Memory is sampled from /proc every 50 ms for the calling backend and its
workers (the server must run as this user, as under pg_virtualenv):
RssAnon is each process's private memory (models, buffers), RssShmem the
shared memory it has touched (the dataset segment, counted once per
process that maps it), VmHWM the peak resident set of each process.

Usage: bench/workers.py [--dbname DB] [--trials N] [--rows N] [--epochs N]
Run bench/workers.sh to build, start a throwaway cluster and run this.
"""
import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402


def proc_kb(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Sampler(threading.Thread):
    """Peak of the summed RssAnon / RssShmem of the caller and its workers."""

    def __init__(self, dbname, caller_pid):
        super().__init__(daemon=True)
        self.conn = _common.connect(dbname)
        self.conn.autocommit = True
        self.caller = caller_pid
        self.stop = False
        self.peak_anon = self.peak_shmem = self.peak_hwm = 0
        self.max_workers_seen = 0
        self.readable = True

    def run(self):
        cur = self.conn.cursor()
        while not self.stop:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE backend_type = 'hptune worker'")
            pids = [self.caller] + [r[0] for r in cur.fetchall()]
            self.max_workers_seen = max(self.max_workers_seen, len(pids) - 1)
            anon = [proc_kb(p, "RssAnon") for p in pids]
            if anon[0] is None:
                self.readable = False
            shm = [proc_kb(p, "RssShmem") or 0 for p in pids]
            hwm = [proc_kb(p, "VmHWM") or 0 for p in pids]
            self.peak_anon = max(self.peak_anon, sum(a or 0 for a in anon))
            self.peak_shmem = max(self.peak_shmem, sum(shm))
            self.peak_hwm = max(self.peak_hwm, sum(hwm))
            time.sleep(0.05)


def run_search(args, study, workers):
    conn = _common.connect(args.dbname)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT hptune.drop_study(%s) FROM hptune.studies WHERE name = %s", (study, study))
    cur.execute("SELECT hptune.create_study(%s, hypermodel => 'mlp', objective => 'val_accuracy', "
                "max_trials => %s, seed => 1)", (study, args.trials))
    # fixed hyperparameters: every trial trains the same network
    cur.execute("SELECT hptune.hp_fixed(%s, 'num_layers', 1)", (study,))
    cur.execute("SELECT hptune.hp_fixed(%s, 'units_0', 128)", (study,))
    cur.execute("SELECT hptune.hp_float(%s, 'lr', 0.0001, 0.01, sampling => 'log')", (study,))
    cur.execute("SET hptune.blas_threads = 1")
    cur.execute("SET client_min_messages = warning")
    cur.execute("SET hptune.lease_timeout = 3600")
    cur.execute("SELECT pg_backend_pid()")
    sampler = Sampler(args.dbname, cur.fetchone()[0])
    sampler.start()
    train = ("SELECT image, label FROM %s WHERE split = 'train' AND id IN "
             "(SELECT id FROM %s WHERE split = 'train' ORDER BY id LIMIT %d)"
             % (args.table, args.table, args.rows))
    validation = ("SELECT image, label FROM %s WHERE split = 'validation' AND id IN "
                  "(SELECT id FROM %s WHERE split = 'validation' ORDER BY id LIMIT %d)"
                  % (args.table, args.table, args.rows // 5))
    t0 = time.perf_counter()
    cur.execute("SELECT count(*) FILTER (WHERE status = 'COMPLETED') FROM hptune.search(%s, "
                "train => %s, validation => %s, epochs => %s, batch_size => 128, workers => %s)",
                (study, train, validation, args.epochs, workers))
    done = cur.fetchone()[0]
    wall = time.perf_counter() - t0
    sampler.stop = True
    sampler.join()
    # the trials' own span, from the first start to the last end (database clock):
    # the wall time also holds reading the data once, which workers do not share
    cur.execute("SELECT extract(epoch FROM max(ended_at) - min(started_at)) FROM hptune.trials "
                "WHERE study_id = hptune.study_id(%s)", (study,))
    span = float(cur.fetchone()[0])
    cur.execute("SELECT hptune.drop_study(%s)", (study,))
    conn.close()
    if done != args.trials:
        _common.fail("%s: %d of %d trials completed" % (study, done, args.trials))
    return wall, span, sampler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dbname", default=None)
    ap.add_argument("--table", default="fashion_mnist")
    ap.add_argument("--trials", type=int, default=8, help="trials per search (default %(default)s)")
    ap.add_argument("--rows", type=int, default=50000, help="train rows (validation: a fifth) (default %(default)s)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--no-load", action="store_true")
    args = ap.parse_args()
    conn = _common.connect(args.dbname)
    _common.ensure_data(conn, args)
    _common.ensure_hptune(conn)
    conn.close()
    try:
        load = os.getloadavg()
        print("# load average before: %.2f %.2f %.2f on %d CPUs" % (load + (os.cpu_count(),)))
    except OSError:
        pass
    print("# %d trials of the MLP (1 x 128 units), %d train rows, %d epoch(s), batch 128, 1 BLAS thread each"
          % (args.trials, args.rows, args.epochs))
    res = {}
    for w in (1, 2):
        wall, span, s = run_search(args, "bench_workers_%d" % w, w)
        res[w] = (span, s)
        print("workers => %d: call %6.2f s, trials %6.2f s, %.3f trials/s; workers seen %d; "
              "peak RssAnon %.0f MB, RssShmem %.0f MB, sum of VmHWM %.0f MB%s"
              % (w, wall, span, args.trials / span, s.max_workers_seen, s.peak_anon / 1024.0,
                 s.peak_shmem / 1024.0, s.peak_hwm / 1024.0,
                 "" if s.readable else " (server processes not readable: memory not measured)"),
              flush=True)
    speedup = res[1][0] / res[2][0]
    print("speedup (trials/s) workers 2 vs 1: %.2fx (target >= 1.8x)" % speedup)
    if res[1][1].peak_anon:
        print("memory workers 2 vs 1: private %.2fx, shared %.2fx"
              % (res[2][1].peak_anon / res[1][1].peak_anon,
                 res[2][1].peak_shmem / max(res[1][1].peak_shmem, 1)))
    try:
        print("# load average after: %.2f %.2f %.2f" % os.getloadavg())
    except OSError:
        pass


if __name__ == "__main__":
    main()
