"""Shared helpers of the hptune benchmarks (bench/epoch.py, bench/load.py).

Connection: psycopg2 with --dbname (a database name or a conninfo string);
without it libpq's PG* environment variables decide, as for psql.
"""

import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADER = os.path.join(REPO, "scripts", "load_fashion_mnist.py")
SPLIT_ROWS = {"train": 50000, "validation": 10000, "test": 10000}
PIXELS = 784


def fail(msg):
    print("%s: error: %s" % (os.path.basename(sys.argv[0]), msg), file=sys.stderr)
    sys.exit(2)


def limit_threads(n):
    """Pin numeric libraries to n threads; call before importing numpy/torch/sklearn."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ[var] = str(n)


def add_common_args(ap):
    ap.add_argument("--dbname", default=None,
                    help="database name or conninfo string (default: libpq's PG* environment)")
    ap.add_argument("--table", default="fashion_mnist", help="Fashion-MNIST table (default %(default)s)")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (default %(default)s)")
    ap.add_argument("--threads", type=int, default=1,
                    help="compute threads for every framework (default %(default)s)")
    ap.add_argument("--peers-only", action="store_true",
                    help="skip hptune; measure only the peers (no extension needed)")
    ap.add_argument("--no-load", action="store_true",
                    help="do not run scripts/load_fashion_mnist.py if the table is missing")


def connect(dbname):
    import psycopg2
    try:
        conn = psycopg2.connect(dbname if dbname is not None else "")
    except psycopg2.OperationalError as e:
        fail("cannot connect to PostgreSQL (%s); set PG* variables or pass --dbname"
             % str(e).strip())
    return conn


def split_counts(conn, table):
    """{split: rows} of the table, or None if it does not exist."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
        if not cur.fetchone()[0]:
            conn.rollback()
            return None
        cur.execute("SELECT split, count(*) FROM %s GROUP BY split" % table)
        counts = dict(cur.fetchall())
    conn.rollback()
    return counts


def ensure_data(conn, args, splits=("train", "validation")):
    """Make sure the table holds the full splits needed; load it if absent."""
    counts = split_counts(conn, args.table)
    if counts is None:
        if args.no_load:
            fail("table %s does not exist (run scripts/load_fashion_mnist.py)" % args.table)
        print("# %s is missing: loading it with %s" % (args.table, os.path.relpath(LOADER)),
              flush=True)
        cmd = [sys.executable, LOADER, "--table", args.table]
        if args.dbname is not None:
            cmd += ["--dbname", args.dbname]
        if subprocess.call(cmd) != 0:
            fail("loading %s failed" % args.table)
        counts = split_counts(conn, args.table)
    for s in splits:
        if counts.get(s, 0) != SPLIT_ROWS[s]:
            fail("table %s has %d rows of split %r, the benchmark needs all %d "
                 "(reload with scripts/load_fashion_mnist.py --force)"
                 % (args.table, counts.get(s, 0), s, SPLIT_ROWS[s]))


def ensure_hptune(conn):
    """Make sure the hptune extension is installed in the database; fail clearly if not."""
    with conn.cursor() as cur:
        cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'hptune'")
        row = cur.fetchone()
        if row is None:
            cur.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'hptune'")
            avail = cur.fetchone()
            if avail is None:
                conn.rollback()
                fail("the hptune extension is not installed on this server: build and install it "
                     "(make -C <repo> && make -C <repo> install, or bench/run.sh), "
                     "or pass --peers-only to measure only the peers")
            try:
                cur.execute("CREATE EXTENSION hptune")
            except Exception as e:  # psycopg2.Error
                conn.rollback()
                fail("CREATE EXTENSION hptune failed: %s" % str(e).strip())
            conn.commit()
            cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'hptune'")
            row = cur.fetchone()
        cur.execute("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = 'hptune' AND p.proname = 'fit'")
        if cur.fetchone()[0] == 0:
            conn.rollback()
            fail("hptune %s is installed but has no function hptune.fit" % row[0])
    conn.commit()
    return row[0]


def hptune_fit(conn, table, hyperparameters, epochs, batch_size, threads):
    """One hptune.fit on train -> validation; returns the jsonb result as a dict.

    The fit runs in a transaction that is rolled back, so the benchmark leaves no
    models behind.  Returns (result, wall seconds of the call).
    """
    import json
    train = "SELECT image, label FROM %s WHERE split = 'train' ORDER BY id" % table
    validation = "SELECT image, label FROM %s WHERE split = 'validation' ORDER BY id" % table
    import psycopg2
    try:
        with conn.cursor() as cur:
            cur.execute("SET hptune.blas_threads = %s", (threads,))
            t0 = time.perf_counter()
            cur.execute("SELECT hptune.fit(hypermodel => 'mlp', hyperparameters => %s::jsonb, "
                        "train => %s, validation => %s, epochs => %s, batch_size => %s)",
                        (json.dumps(hyperparameters), train, validation, epochs, batch_size))
            res = cur.fetchone()[0]
            wall = time.perf_counter() - t0
    except psycopg2.Error as e:
        fail("hptune.fit failed: %s" % str(e).strip())
    finally:
        conn.rollback()
    if isinstance(res, str):
        res = json.loads(res)
    return res, wall


def fetch_matrix(conn, query):
    """Run `query` (columns: image real[] of 784, label int) and return (X float32 [n,784], y int64).

    Uses COPY ... TO STDOUT (FORMAT binary) and parses the fixed-size rows with a
    numpy structured dtype: the fastest way a psycopg2 client has to get the data.
    """
    import io
    import numpy as np
    buf = io.BytesIO()
    with conn.cursor() as cur:
        cur.copy_expert("COPY (%s) TO STDOUT (FORMAT binary)" % query, buf)
    conn.rollback()
    raw = buf.getbuffer()
    header = 11 + 4 + 4
    if bytes(raw[:11]) != b"PGCOPY\n\xff\r\n\0":
        raise RuntimeError("unexpected COPY binary signature")
    ext = int.from_bytes(raw[15:19], "big")
    start = header + ext
    row = np.dtype([("nfields", ">i2"), ("alen", ">i4"), ("ndim", ">i4"), ("hasnull", ">i4"),
                    ("elemtype", ">u4"), ("dim", ">i4"), ("lbound", ">i4"),
                    ("pix", [("len", ">i4"), ("val", ">f4")], (PIXELS,)),
                    ("llen", ">i4"), ("label", ">i4")])
    body = len(raw) - start - 2        # trailer: int16 -1
    if body % row.itemsize:
        raise RuntimeError("COPY rows are not all 784-element arrays without NULLs")
    rec = np.frombuffer(raw, dtype=row, count=body // row.itemsize, offset=start)
    if len(rec) and not ((rec["nfields"] == 2).all() and (rec["ndim"] == 1).all()
                         and (rec["hasnull"] == 0).all() and (rec["dim"] == PIXELS).all()
                         and (rec["pix"]["len"] == 4).all() and (rec["llen"] == 4).all()):
        raise RuntimeError("COPY rows are not all 784-element arrays without NULLs")
    x = rec["pix"]["val"].astype(np.float32)   # big-endian -> native, contiguous
    y = rec["label"].astype(np.int64)
    return x, y


def build_core_program(main_c, out, extra_libs=()):
    """Compile bench/MAIN_C with every src/core/*.c into OUT.

    The core is pure C (src/core/shim_test.c stands in for the server's
    allocator and error reporting), so a benchmark can drive it without a
    server; taking every file keeps the build right as modules are added.
    """
    core = os.path.join(REPO, "src", "core")
    srcs = sorted(os.path.join(core, f) for f in os.listdir(core) if f.endswith(".c"))
    cmd = ([os.environ.get("CC", "cc"), "-O2", "-std=gnu99", "-I" + os.path.join(REPO, "src"),
            "-o", out, os.path.join(REPO, "bench", main_c)] + srcs
           + os.environ.get("BLAS_LIBS", "-lopenblas").split() + ["-lnlopt"] + list(extra_libs)
           + ["-lm"])
    subprocess.check_call(cmd)
    return out


def median(xs):
    return statistics.median(xs)


def fmt_runs(xs, digits=3):
    return "[" + ", ".join("%.*f" % (digits, x) for x in xs) + "]"


def machine_line():
    import platform
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    busy = busy_cpus()
    line = ("# machine: %s, %d CPUs, Python %s, %.2f CPUs busy before the benchmark"
            % (cpu, os.cpu_count() or 0, platform.python_version(), busy))
    if busy > 0.25:
        line += ("\n# WARNING: other processes keep %.2f CPUs busy: timings will be noisy "
                 "(see top)" % busy)
    return line


_CORENAME = ("import ctypes, ctypes.util; "
             "lib = ctypes.CDLL('libopenblas.so.0'); "
             "lib.openblas_get_corename.restype = ctypes.c_char_p; "
             "print(lib.openblas_get_corename().decode())")


def kernels_line(conn=None):
    """Which BLAS kernels each side uses: OpenBLAS picks them from the CPU unless
    OPENBLAS_CORETYPE says otherwise, so a server and a shell can differ."""
    import subprocess
    import sys
    parts = []
    try:
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            if info.get("internal_api") == "openblas":
                parts.append("peers' OpenBLAS %s (OPENBLAS_CORETYPE=%s)"
                             % (info.get("architecture"), os.environ.get("OPENBLAS_CORETYPE", "unset")))
    except ImportError:
        pass
    try:
        import torch
        parts.append("torch CPU capability %s" % torch.backends.cpu.get_cpu_capability())
    except (ImportError, AttributeError):
        pass
    if conn is not None:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
            env = {k.decode(): v.decode() for k, v in env.items()}
            # the same library under the server's environment picks the server's kernels
            core = subprocess.run([sys.executable, "-c", _CORENAME], env=env, capture_output=True,
                                  text=True).stdout.strip() or "unknown"
            parts.append("hptune's server OpenBLAS %s (OPENBLAS_CORETYPE=%s)"
                         % (core, env.get("OPENBLAS_CORETYPE", "unset")))
        except OSError as e:
            parts.append("hptune's server kernels unknown (%s)" % e.strerror)
    return "# kernels: " + "; ".join(parts) if parts else "# kernels: unknown"


def busy_cpus(interval=1.0):
    """How many CPUs other processes keep busy, sampled from /proc/stat over `interval`."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + (v[4] if len(v) > 4 else 0)   # total, idle + iowait
    try:
        t0, i0 = sample()
        time.sleep(interval)
        t1, i1 = sample()
    except (OSError, ValueError, IndexError):
        return 0.0
    if t1 == t0:
        return 0.0
    return (os.cpu_count() or 1) * (1.0 - (i1 - i0) / (t1 - t0))
