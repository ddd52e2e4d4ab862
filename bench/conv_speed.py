#!/usr/bin/python3
"""
conv_speed.py - epoch time of convolutional networks: hptune's core vs PyTorch.

For each network and batch size, one thread each, same network, same data
(the first --rows Fashion-MNIST training images / 255), Adam with the
network's learning rate, shuffled batches, the second epoch timed:

  hptune   bench/conv_core.c, built here against src/core, run as a program
           (the model core without the server); it prints the graph it
           trained, which this script turns into the same PyTorch network
  PyTorch  torch.nn modules in NCHW (Debian's build runs convolutions
           through oneDNN), torch.set_num_threads(1)

It prints per run the two epoch times and their ratio (hptune / PyTorch),
and the GFLOP/s hptune's epoch reached in its products (Dense and Conv2D
forward and backward) against the GFLOP/s cblas_sgemm reaches alone on
the same matrix shapes.

Networks: built-in hypermodels with their default hyperparameters
("cnn"), with overrides after a colon ("resnet:version=v2,conv3_depth=4,
conv4_depth=6"), or "smallcnn", a fixed network conv_core.c builds itself.
A hypermodel this build does not have is reported and skipped.

Usage: conv_speed.py [--networks "A;B:k=v,k=v"] [--batch-sizes 32,128] [--rows 10000]
                     [--epochs 2] [--sweep]
Run on an idle machine: the ratio is only meaningful when both sides get a
whole core.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))
import _common  # noqa: E402
from _common import _CORENAME, limit_threads  # noqa: E402

limit_threads(1)
os.environ.pop("OPENBLAS_CORETYPE", None)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"
BIN = os.path.join(os.environ.get("TMPDIR", "/tmp"), "hptune_conv_core")
DEFAULT_NETWORKS = "cnn;resnet:version=v2,conv3_depth=4,conv4_depth=6;smallcnn"


def build_core():
    _common.build_core_program("conv_core.c", BIN, extra_libs=["-lz"])


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


ACTS = {
    "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU,
    "selu": nn.SELU, "gelu": nn.GELU, "linear": nn.Identity,
}


class Pad(nn.Module):
    """Keras's explicit or "same" padding: (top, bottom, left, right)."""

    def __init__(self, pad, value=0.0):
        super().__init__()
        self.pad = (pad[2], pad[3], pad[0], pad[1])
        self.value = value

    def forward(self, x):
        if not any(self.pad):
            return x
        return F.pad(x, self.pad, value=self.value)


class GraphNet(nn.Module):
    """The network of conv_core's "layer" lines, in NCHW."""

    def __init__(self, layers):
        super().__init__()
        self.layers = layers
        self.mods = nn.ModuleList()
        for l in layers:
            self.mods.append(self.make(l))

    @staticmethod
    def make(l):
        k = l["kind"]
        cin = l["in"][3]
        act = ACTS[l["act"]]()
        if k == "Conv2D":
            return nn.Sequential(Pad(l["pad"]), nn.Conv2d(
                cin, l["units"], tuple(l["kernel"]), tuple(l["strides"]),
                groups=l["groups"], bias=l["use_bias"]), act)
        if k == "DepthwiseConv2D":
            return nn.Sequential(Pad(l["pad"]), nn.Conv2d(
                cin, cin * l["depth_multiplier"], tuple(l["kernel"]), tuple(l["strides"]),
                groups=cin, bias=l["use_bias"]), act)
        if k == "SeparableConv2D":
            return nn.Sequential(Pad(l["pad"]), nn.Conv2d(
                cin, cin, tuple(l["kernel"]), tuple(l["strides"]), groups=cin, bias=False),
                nn.Conv2d(cin, l["units"], 1, bias=l["use_bias"]), act)
        if k == "ZeroPadding2D":
            return Pad(l["pad"])
        if k == "MaxPooling2D":
            return nn.Sequential(Pad(l["pad"], float("-inf")),
                                 nn.MaxPool2d(tuple(l["kernel"]), tuple(l["strides"])))
        if k == "AveragePooling2D":
            # same speed; the padded cells are counted here (not in Keras)
            return nn.Sequential(Pad(l["pad"]),
                                 nn.AvgPool2d(tuple(l["kernel"]), tuple(l["strides"])))
        if k == "BatchNormalization":
            bn = nn.BatchNorm2d if l["in"][0] == 3 else nn.BatchNorm1d
            return bn(cin, eps=l["epsilon"], momentum=1.0 - l["momentum"])
        if k == "Dense":
            return nn.Sequential(nn.Linear(cin, l["units"], bias=l["use_bias"]), act)
        if k == "Activation":
            return act
        if k == "Dropout":
            return nn.Dropout(l["rate"])
        if k == "AlphaDropout":
            return nn.AlphaDropout(l["rate"])
        return nn.Identity()   # InputLayer, Flatten, Add, global pools: in forward

    def forward(self, x):
        outs = []
        for l, mod in zip(self.layers, self.mods):
            k = l["kind"]
            a = outs[l["inputs"][0]] if l["inputs"][0] >= 0 else x
            if k == "Add":
                y = a + outs[l["inputs"][1]]
            elif k == "Flatten":
                y = a.flatten(1)
            elif k == "GlobalAveragePooling2D":
                y = a.mean((2, 3))
            elif k == "GlobalMaxPooling2D":
                y = a.amax((2, 3))
            elif k == "Dense" and a.dim() == 4:
                y = mod(a.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
            else:
                y = mod(a)
            outs.append(y)
        return outs[self.output]


def run_core(network, batch, rows, epochs, sweep):
    name, _, overrides = network.partition(":")
    cmd = [BIN, name, str(batch), str(rows), str(epochs)]
    cmd += [o for o in overrides.split(",") if o]
    if sweep:
        cmd.append("--sweep")
    p = subprocess.run(cmd, capture_output=True, text=True,
                       env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    if p.returncode == 2:
        return None
    if p.returncode != 0:
        sys.exit("conv_core failed:\n" + p.stdout + p.stderr)
    layers, info, lr, opt = [], {}, 1e-3, "adam"
    output = -1
    for line in p.stdout.splitlines():
        if line.startswith("layer "):
            layers.append(json.loads(line[6:]))
        elif line.startswith("optimizer "):
            _, opt, _, lr = line.split()
            lr = float(lr)
        elif line.startswith("output "):
            output = int(line.split()[1])
        elif line.startswith("core "):
            info = dict(kv.split("=", 1) for kv in line.split()[1:])
        elif line.startswith("sweep ") or line.startswith("epoch "):
            print("  hptune " + line)
    return layers, output, info, opt, lr


def run_torch(layers, output, opt, lr, x, y, batch, epochs):
    torch.manual_seed(42)
    net = GraphNet(layers)
    net.output = output
    if opt == "sgd":
        optim = torch.optim.SGD(net.parameters(), lr=lr)
    elif opt == "rmsprop":
        optim = torch.optim.RMSprop(net.parameters(), lr=lr, alpha=0.9, eps=1e-7)
    else:
        optim = torch.optim.Adam(net.parameters(), lr=lr, eps=1e-7)
    lossf = nn.CrossEntropyLoss()
    n = x.shape[0]
    times = []
    net.train()
    for e in range(epochs):
        perm = torch.randperm(n)
        t0 = time.perf_counter()
        correct = 0
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            xb, yb = x[idx], y[idx]
            optim.zero_grad()
            out = net(xb)
            loss = lossf(out, yb)
            loss.backward()
            optim.step()
            correct += (out.argmax(1) == yb).sum().item()
        times.append(time.perf_counter() - t0)
        print("  torch  epoch %d: %.3f s loss %.4f accuracy %.4f"
              % (e + 1, times[-1], loss.item(), correct / n))
    return times[1] if epochs > 1 else times[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--networks", default=DEFAULT_NETWORKS,
                    help="networks separated by \";\" (default %(default)s)")
    ap.add_argument("--batch-sizes", default="32,128")
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--sweep", action="store_true",
                    help="also time hptune at several im2col chunk sizes")
    args = ap.parse_args()
    torch.set_num_threads(1)
    build_core()
    images = read_idx(DATA + "/train-images-idx3-ubyte.gz")[:args.rows]
    labels = read_idx(DATA + "/train-labels-idx1-ubyte.gz")[:args.rows]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28).contiguous()
    y = torch.from_numpy(labels.astype(np.int64))
    print("# cpu: %s; other load (1-min average): %.2f on %d cpus"
          % (open("/proc/cpuinfo").read().split("model name")[1].split(":")[1].split("\n")[0].strip(),
             os.getloadavg()[0], os.cpu_count()))
    # the driver links the same OpenBLAS under this environment (OPENBLAS_CORETYPE unset)
    core = subprocess.run([sys.executable, "-c", _CORENAME], capture_output=True,
                          text=True).stdout.strip() or "unknown"
    capability = [line.split(":", 1)[1].strip() for line in torch.__config__.show().splitlines()
                  if "CPU capability usage" in line]
    print("# kernels: hptune's OpenBLAS %s (OPENBLAS_CORETYPE=%s); torch oneDNN %s, CPU capability %s"
          % (core, os.environ.get("OPENBLAS_CORETYPE", "unset"),
             "on" if torch.backends.mkldnn.is_available() else "off",
             capability[0] if capability else "unknown"))
    for network in [n for n in args.networks.split(";") if n]:
        for batch in [int(b) for b in args.batch_sizes.split(",")]:
            print("%s batch=%d rows=%d" % (network, batch, args.rows), flush=True)
            got = run_core(network, batch, args.rows, args.epochs, args.sweep)
            if got is None:
                print("  skipped: this build has no hypermodel \"%s\"" % network.split(":")[0])
                break
            layers, output, info, opt, lr = got
            ts = run_torch(layers, output, opt, lr, x, y, batch, args.epochs)
            cs = float(info["epoch_seconds"])
            print("RESULT network=%s batch=%d hptune_s=%.3f torch_s=%.3f ratio=%.3f "
                  "hptune_gemm_gflops=%s sgemm_gflops=%s"
                  % (network.split(":")[0], batch, cs, ts, cs / ts, info["gflops"],
                     info["sgemm_gflops"]), flush=True)


if __name__ == "__main__":
    main()
