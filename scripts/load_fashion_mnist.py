#!/usr/bin/python3
"""Load Fashion-MNIST into a PostgreSQL table, using only the Python standard library.

Reads Debian's dataset-fashion-mnist files (idx format, gzip-compressed) from
/usr/share/datasets/fashion-mnist (or --data-dir) and streams them as COPY text
into `psql`, which connects the usual way: PG* environment variables
(PGHOST, PGPORT, PGDATABASE, PGUSER, ...) or --dbname (a name or a conninfo string).

Tables (names follow --table, default fashion_mnist):

    fashion_mnist (id int PRIMARY KEY, split text NOT NULL,
                   image real[] NOT NULL, label int NOT NULL)
    fashion_mnist_classes (label int PRIMARY KEY, name text NOT NULL)

  split  'train'       first 50,000 images of train-images-idx3-ubyte  (id 0..49999)
         'validation'  last 10,000 images of that file                 (id 50000..59999)
         'test'        the 10,000 images of t10k-images-idx3-ubyte      (id 60000..69999)
  image  the 784 pixels of the 28x28 image, row-major, divided by 255;
         written as short decimal text (0 -> '0', 255 -> '1', otherwise
         up to 6 significant digits, e.g. 1/255 -> '0.00392157')
  label  0..9; the class names are in fashion_mnist_classes and in the
         table's COMMENT

Ids are positions in the source files, so they do not change with the limits.

Idempotent: if the table already holds exactly the rows this invocation would
load (70,000 by default), nothing is done.  Otherwise the table is truncated
and loaded again in one transaction (COPY ... FREEZE, so later scans set no
hint bits), then ANALYZEd.  The image column is TOAST-compressed with lz4 when
the server supports it: loading takes about half the time of the default pglz
(most of the load is compression) and detoasting is faster for every reader.

Options:
  --dbname DB        database name or conninfo string passed to psql -d
  --table NAME       table name, optionally schema-qualified (default fashion_mnist)
  --limit-train N    load only the first N rows of the 'train' split (quick tests)
  --limit-eval N     load only the first N rows of 'validation' and of 'test'
  --data-dir DIR     where the idx files are
  --compression M    TOAST compression of image: lz4 (default, if the server
                     has it), pglz, or default (the server's setting)
  --force            reload even if the table looks complete

Example:
  pg_virtualenv -v 15 sh -c 'python3 scripts/load_fashion_mnist.py &&
      psql -c "select split, count(*) from fashion_mnist group by 1"'
"""

import argparse
import gzip
import os
import re
import struct
import subprocess
import sys
import time

DATA_DIR = "/usr/share/datasets/fashion-mnist"
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
N_TRAIN_FILE = 60000     # rows of train-*-ubyte
N_TRAIN = 50000          # of which the first 50,000 are 'train', the rest 'validation'
N_TEST = 10000           # rows of t10k-*-ubyte
PIXELS = 28 * 28
ROWS_PER_WRITE = 500     # COPY lines joined before each write to psql

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def die(msg):
    print("load_fashion_mnist: error: " + msg, file=sys.stderr)
    sys.exit(1)


def read_idx(path, expect_ndim):
    """Return (dims, payload bytes) of an idx file of unsigned bytes."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        die("%s not found (install Debian's dataset-fashion-mnist package: "
            "apt-get install dataset-fashion-mnist, or pass --data-dir)" % path)
    if len(raw) < 4:
        die("%s: truncated idx file" % path)
    zero, dtype, ndim = struct.unpack_from(">HBB", raw, 0)
    if zero != 0 or dtype != 0x08 or ndim != expect_ndim:
        die("%s: not an idx file of %d-dimensional unsigned bytes "
            "(magic %04x, type 0x%02x, ndim %d)" % (path, expect_ndim, zero, dtype, ndim))
    dims = struct.unpack_from(">%dI" % ndim, raw, 4)
    offset = 4 + 4 * ndim
    size = 1
    for d in dims:
        size *= d
    if len(raw) - offset != size:
        die("%s: expected %d data bytes for dims %s, found %d"
            % (path, size, dims, len(raw) - offset))
    return dims, memoryview(raw)[offset:]


def load_pair(data_dir, prefix, n_expected):
    idims, images = read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte.gz"), 3)
    ldims, labels = read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte.gz"), 1)
    if idims != (n_expected, 28, 28) or ldims != (n_expected,):
        die("%s: unexpected shapes images %s labels %s" % (prefix, idims, ldims))
    return images, labels


def pixel_text():
    """COPY/array text of b/255 for each byte value b: '0', '1', or 6 significant digits."""
    table = []
    for b in range(256):
        if b == 0:
            table.append("0")
        elif b == 255:
            table.append("1")
        else:
            table.append("%.6g" % (b / 255.0))
    return table


def quote_literal(s):
    return "'" + s.replace("'", "''") + "'"


def psql_base(args):
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    if args.dbname:
        cmd += ["-d", args.dbname]
    return cmd


def psql_query(args, sql):
    """Run one query, return its unaligned tuples-only output."""
    try:
        out = subprocess.run(psql_base(args) + ["-At", "-c", sql],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True)
    except FileNotFoundError:
        die("psql not found on PATH (install postgresql-client)")
    if out.returncode != 0:
        die("psql failed: %s" % out.stderr.strip())
    return out.stdout


def wanted_counts(args):
    n_train = N_TRAIN if args.limit_train is None else min(args.limit_train, N_TRAIN)
    n_eval = N_TEST if args.limit_eval is None else min(args.limit_eval, N_TEST)
    return {"train": n_train, "validation": n_eval, "test": n_eval}


def current_counts(args, table):
    """{split: count} of an existing table, or None if the table does not exist."""
    exists = psql_query(args, "SELECT to_regclass(%s) IS NOT NULL" % quote_literal(table)).strip()
    if exists != "t":
        return None
    out = psql_query(args, "SELECT split, count(*) FROM %s GROUP BY split" % table)
    counts = {}
    for line in out.splitlines():
        if line:
            split, n = line.split("|")
            counts[split] = int(n)
    return counts


def copy_lines(args, pixels):
    """Yield COPY text chunks (str) of the rows to load."""
    counts = wanted_counts(args)
    train_images, train_labels = load_pair(args.data_dir, "train", N_TRAIN_FILE)
    test_images, test_labels = load_pair(args.data_dir, "t10k", N_TEST)

    # (split, images, labels, first file row, rows, first id)
    parts = [
        ("train", train_images, train_labels, 0, counts["train"], 0),
        ("validation", train_images, train_labels, N_TRAIN, counts["validation"], N_TRAIN),
        ("test", test_images, test_labels, 0, counts["test"], N_TRAIN_FILE),
    ]
    join = ",".join
    lookup = pixels.__getitem__
    for split, images, labels, first, n, first_id in parts:
        buf = []
        for i in range(first, first + n):
            row = images[i * PIXELS:(i + 1) * PIXELS]
            buf.append("%d\t%s\t{%s}\t%d\n" % (first_id + (i - first), split,
                                               join(map(lookup, row)), labels[i]))
            if len(buf) >= ROWS_PER_WRITE:
                yield "".join(buf)
                buf = []
        if buf:
            yield "".join(buf)


def classes_table_name(table):
    schema, dot, rel = table.rpartition(".")
    return schema + dot + rel + "_classes"


def compression_clause(args, table):
    """ALTER TABLE statement choosing the image column's TOAST compression, or ''."""
    if args.compression == "default":
        return ""
    if args.compression == "lz4":
        has_lz4 = psql_query(args, "SELECT coalesce('lz4' = ANY(enumvals), false) FROM pg_settings "
                                   "WHERE name = 'default_toast_compression'").strip()
        if has_lz4 != "t":
            print("load_fashion_mnist: server has no lz4, using its default TOAST compression",
                  file=sys.stderr)
            return ""
    return "ALTER TABLE %s ALTER COLUMN image SET COMPRESSION %s;" % (table, args.compression)


def load(args, table):
    compression = compression_clause(args, table)
    classes = classes_table_name(table)
    comment = ("Fashion-MNIST (Zalando), 28x28 grey images as 784 reals in [0,1], row-major. "
               "split: train = first 50000 of the training file, validation = its last 10000, "
               "test = t10k. Labels: " +
               ", ".join("%d %s" % (i, n) for i, n in enumerate(CLASS_NAMES)) +
               ". Names also in " + classes + ".")
    values = ",\n".join("  (%d, %s)" % (i, quote_literal(n)) for i, n in enumerate(CLASS_NAMES))
    head = """
BEGIN;
CREATE TABLE IF NOT EXISTS {t} (
    id    int PRIMARY KEY,
    split text NOT NULL,
    image real[] NOT NULL,
    label int NOT NULL
);
{compression}
CREATE TABLE IF NOT EXISTS {c} (
    label int PRIMARY KEY,
    name  text NOT NULL
);
INSERT INTO {c} (label, name) VALUES
{values}
ON CONFLICT (label) DO UPDATE SET name = EXCLUDED.name;
COMMENT ON TABLE {t} IS {comment};
COMMENT ON TABLE {c} IS 'Fashion-MNIST class names by label';
TRUNCATE {t};
COPY {t} (id, split, image, label) FROM STDIN WITH (FREEZE);
""".format(t=table, c=classes, compression=compression, values=values, comment=quote_literal(comment))
    tail = "\\.\nCOMMIT;\nANALYZE {t};\nANALYZE {c};\n".format(t=table, c=classes)

    try:
        proc = subprocess.Popen(psql_base(args), stdin=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    except FileNotFoundError:
        die("psql not found on PATH (install postgresql-client)")
    rows = 0
    try:
        proc.stdin.write(head.encode())
        for chunk in copy_lines(args, pixel_text()):
            proc.stdin.write(chunk.encode("ascii"))
            rows += chunk.count("\n")
        proc.stdin.write(tail.encode())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    err = proc.stderr.read().decode(errors="replace")
    if proc.wait() != 0:
        die("psql failed while loading: %s" % err.strip())
    return rows


def main():
    ap = argparse.ArgumentParser(
        description="Load Fashion-MNIST into PostgreSQL (standard library + psql only).")
    ap.add_argument("--dbname", help="database name or conninfo for psql -d (default: PG* env)")
    ap.add_argument("--table", default="fashion_mnist",
                    help="table name, optionally schema-qualified (default fashion_mnist)")
    ap.add_argument("--limit-train", type=int, metavar="N",
                    help="load only the first N rows of the 'train' split")
    ap.add_argument("--limit-eval", type=int, metavar="N",
                    help="load only the first N rows of 'validation' and of 'test'")
    ap.add_argument("--data-dir", default=DATA_DIR, help="directory of the idx .gz files")
    ap.add_argument("--compression", choices=("lz4", "pglz", "default"), default="lz4",
                    help="TOAST compression of the image column (default lz4 if available)")
    ap.add_argument("--force", action="store_true", help="reload even if already loaded")
    args = ap.parse_args()

    if not re.fullmatch(r"(%s\.)?%s" % (IDENT, IDENT), args.table):
        die("--table must be a plain identifier, optionally schema-qualified: %r" % args.table)
    table = args.table.lower()
    for opt in ("limit_train", "limit_eval"):
        v = getattr(args, opt)
        if v is not None and v < 0:
            die("--%s must be >= 0" % opt.replace("_", "-"))

    want = wanted_counts(args)
    have = current_counts(args, table)
    if not args.force and have is not None and have == {k: v for k, v in want.items() if v}:
        print("%s already loaded (%d rows), nothing to do" % (table, sum(have.values())))
        return

    t0 = time.perf_counter()
    rows = load(args, table)
    secs = time.perf_counter() - t0
    print("loaded %d rows into %s in %.1f s (train %d, validation %d, test %d)"
          % (rows, table, secs, want["train"], want["validation"], want["test"]))


if __name__ == "__main__":
    main()
