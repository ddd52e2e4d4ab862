#!/usr/bin/python3
"""hptune's image networks against the same networks in PyTorch, with the same weights.

For each network (ResNet-v2 with conv3_depth 4 and conv4_depth 6, i.e. HyperResNet's
defaults; HyperXception's defaults; the cnn defaults) bench/conv_parity_core.c builds
hptune's graph for 28x28x1 images and 10 classes, draws its initial weights, runs one
training-mode forward pass (BatchNormalization on batch statistics) over a batch of random
images and one backward pass from a random dL/dlogits, and writes everything out.  This
script rebuilds the network layer by layer in PyTorch from that description, loads the
same weights, repeats both passes in float64 (the reference) and in float32 (as PyTorch
trains), and compares:

    logits                   the forward outputs
    weight gradients         each layer's gradients (kernel(s) and bias, or gamma and
                             beta), the worst layer shown
    moving statistics        BatchNormalization's moving mean and variance after the pass
                             (Keras's update: momentum 0.99, the batch's biased variance)

Each figure is a relative error, max |hptune - torch| / max |torch| over the tensor (over
the layer, for gradients: a bias whose gradient is zero in exact arithmetic, as before a
BatchNormalization, has only rounding noise of its own).  hptune against the float64
reference must be below 1e-4 everywhere; PyTorch's own float32 pass is measured the same
way, for scale, and hptune against it is shown too.

The ReLUs of both PyTorch passes let through exactly the units hptune's did (its layer
outputs are written out too): a ReLU input within rounding of 0 may fall on either side in
two float32 passes and in float64, which changes every gradient behind it by a whole term.
On 28x28 images ResNet's last stages are 1x1 maps, where a weight's gradient sums only
over the batch, so one such unit moves it by percents; with the decisions shared, what is
compared is the arithmetic.  Dropout is
set to 0 for the comparison (its masks are random draws), which removes the Dropout
layers; everything else is at the hypermodel's defaults.

Usage: /usr/bin/python3 bench/conv_parity.py [--rows 32] [--only NETWORK] [--keep DIR]
Exit status 1 if any figure is 1e-4 or more.  Needs python3-torch and a C compiler with
OpenBLAS (libopenblas-dev), as the build does.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import _common  # noqa: E402
TOLERANCE = 1e-4
NETWORKS_ALL = [
    ("resnet", ["version=v2", "conv3_depth=4", "conv4_depth=6"]),
    ("xception", ["dropout_rate=0"]),
    ("cnn", ["dropout=0"]),
]


def build_core(exe):
    _common.build_core_program("conv_parity_core.c", exe)


def read_layers(path):
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        layers = []
        for line in f:
            row = dict(zip(head, line.rstrip("\n").split("\t")))
            for k, v in row.items():
                if k in ("kind", "name", "padding", "act"):
                    continue
                row[k] = float(v) if k in ("rate", "momentum", "epsilon") else int(v)
            layers.append(row)
    return layers


def activation(torch, name, x, mask=None):
    F = torch.nn.functional
    if name == "relu" and mask is not None:
        return x * mask
    return {
        "linear": lambda v: v,
        "relu": F.relu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "elu": F.elu,
        "selu": F.selu,
        "gelu": F.gelu,
    }[name](x)


class Reference:
    """hptune's graph in PyTorch: NCHW tensors inside, hptune's weight layout outside."""

    def __init__(self, torch, layers, params, state, dtype, masks):
        self.torch = torch
        self.layers = layers
        self.masks = masks
        self.p = torch.tensor(params, dtype=dtype, requires_grad=True)
        self.state = np.array(state, dtype=np.float64)

    def w(self, off, n):
        return self.p[off:off + n]

    def conv_kernel(self, l):
        """Keras's (kh, kw, in/groups, filters) kernel as torch's (filters, in/groups, kh, kw)."""
        cin = l["in_c"] // l["groups"]
        k = self.w(l["woff"], l["kh"] * l["kw"] * cin * l["units"])
        return k.view(l["kh"], l["kw"], cin, l["units"]).permute(3, 2, 0, 1)

    def depthwise_kernel(self, l, off, dm):
        """(kh, kw, in, dm): output channel i * dm + m, as Keras orders them."""
        c = l["in_c"]
        k = self.w(off, l["kh"] * l["kw"] * c * dm).view(l["kh"], l["kw"], c, dm)
        return k.permute(2, 3, 0, 1).reshape(c * dm, 1, l["kh"], l["kw"])

    def pad(self, l, x, value=0.0):
        if l["padding"] != "same" and l["kind"] != "ZeroPadding2D":
            return x
        F = self.torch.nn.functional
        return F.pad(x, (l["pad_l"], l["pad_r"], l["pad_t"], l["pad_b"]), value=value)

    def bias(self, l, y):
        if l["boff"] < 0:
            return y
        b = self.w(l["boff"], y.shape[1])
        return y + (b.view(1, -1, 1, 1) if y.dim() == 4 else b)

    def batchnorm(self, l, x):
        torch = self.torch
        c = x.shape[1]
        dims = (0, 2, 3) if x.dim() == 4 else (0,)
        mean = x.mean(dim=dims)
        var = x.var(dim=dims, unbiased=False)
        shape = (1, -1, 1, 1) if x.dim() == 4 else (1, -1)
        gamma = self.w(l["woff"], c).view(shape)
        beta = self.w(l["boff"], c).view(shape)
        y = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + l["epsilon"]) * gamma + beta
        mom = l["momentum"]
        s = l["soff"]
        self.state[s:s + c] = self.state[s:s + c] * mom + mean.detach().numpy().astype(np.float64) * (1 - mom)
        self.state[s + c:s + 2 * c] = (self.state[s + c:s + 2 * c] * mom +
                                       var.detach().numpy().astype(np.float64) * (1 - mom))
        return y

    def forward(self, x):
        torch = self.torch
        F = torch.nn.functional
        out = []
        for i, l in enumerate(self.layers):
            kind = l["kind"]
            mask = self.masks.get(i)
            a = out[l["in0"]] if l["in0"] >= 0 else None
            if kind == "InputLayer":
                y = x.permute(0, 3, 1, 2)
            elif kind == "Conv2D":
                y = F.conv2d(self.pad(l, a), self.conv_kernel(l), stride=(l["sh"], l["sw"]), groups=l["groups"])
                y = activation(torch, l["act"], self.bias(l, y), mask)
            elif kind == "DepthwiseConv2D":
                k = self.depthwise_kernel(l, l["woff"], l["dm"])
                y = F.conv2d(self.pad(l, a), k, stride=(l["sh"], l["sw"]), groups=l["in_c"])
                y = activation(torch, l["act"], self.bias(l, y), mask)
            elif kind == "SeparableConv2D":
                k = self.depthwise_kernel(l, l["woff"], 1)
                y = F.conv2d(self.pad(l, a), k, stride=(l["sh"], l["sw"]), groups=l["in_c"])
                pw = self.w(l["w2off"], l["in_c"] * l["units"]).view(l["in_c"], l["units"])
                y = F.conv2d(y, pw.t().reshape(l["units"], l["in_c"], 1, 1))
                y = activation(torch, l["act"], self.bias(l, y), mask)
            elif kind == "ZeroPadding2D":
                y = self.pad(l, a)
            elif kind == "MaxPooling2D":
                y = F.max_pool2d(self.pad(l, a, float("-inf")), (l["kh"], l["kw"]), (l["sh"], l["sw"]))
            elif kind == "AveragePooling2D":
                # Keras's "same" average leaves the padding out of the count
                s = F.avg_pool2d(self.pad(l, a), (l["kh"], l["kw"]), (l["sh"], l["sw"]), divisor_override=1)
                n = F.avg_pool2d(self.pad(l, torch.ones_like(a[:1, :1])), (l["kh"], l["kw"]), (l["sh"], l["sw"]),
                                 divisor_override=1)
                y = s / n
            elif kind == "GlobalAveragePooling2D":
                y = a.mean(dim=(2, 3))
            elif kind == "GlobalMaxPooling2D":
                y = a.amax(dim=(2, 3))
            elif kind == "Flatten":
                y = a.permute(0, 2, 3, 1).reshape(a.shape[0], -1) if a.dim() == 4 else a
            elif kind == "BatchNormalization":
                y = self.batchnorm(l, a)
            elif kind == "Add":
                y = a + out[l["in1"]]
            elif kind == "Activation":
                y = activation(torch, l["act"], a, mask)
            elif kind == "Dense":
                k = self.w(l["woff"], l["in_c"] * l["units"]).view(l["in_c"], l["units"])
                y = activation(torch, l["act"], self.bias(l, a @ k), mask)
            elif kind in ("Dropout", "AlphaDropout"):
                if l["rate"] > 0:
                    raise SystemExit("dropout must be 0 for the comparison")
                y = a
            else:
                raise SystemExit("no reference for layer kind " + kind)
            out.append(y)
        return out[-1]


def rel(a, b):
    scale = np.max(np.abs(b))
    return float(np.max(np.abs(a - b)) / scale) if scale > 0 else float(np.max(np.abs(a - b)))


def weight_layers(layers):
    """(name, offset, length) of every layer with weights: its kernel(s) and bias, or gamma and beta."""
    for l in layers:
        if l["nparams"] > 0:
            yield l["name"], l["woff"], l["nparams"]


def relu_masks(torch, layers, acts, rows):
    """which units hptune's ReLUs let through, per layer, as NCHW (or N x C) 0/1 tensors"""
    masks = {}
    at = 0
    for i, l in enumerate(layers):
        n = rows * (l["out_h"] * l["out_w"] * l["out_c"])
        if l["act"] == "relu" and l["kind"] != "InputLayer":
            a = acts[at:at + n]
            if l["out_rank"] == 3:
                m = a.reshape(rows, l["out_h"], l["out_w"], l["out_c"]).transpose(0, 3, 1, 2)
            else:
                m = a.reshape(rows, -1)
            masks[i] = torch.tensor((m > 0).astype(np.float64))
        at += n
    return masks


def run_reference(torch, dtype, layers, params, state, x, upstream, masks):
    masks = {i: m.to(dtype) for i, m in masks.items()}
    ref = Reference(torch, layers, params, state, dtype, masks)
    logits = ref.forward(torch.tensor(x, dtype=dtype))
    logits.backward(torch.tensor(upstream, dtype=dtype))
    return logits.detach().numpy().astype(np.float64), ref.p.grad.numpy().astype(np.float64), ref.state


def figures(logits, grads, state, ref, layers):
    """logits, the worst layer's weight gradients (and which), moving statistics"""
    rlogits, rgrads, rstate = ref
    per_layer = [(rel(grads[o:o + n], rgrads[o:o + n]), name) for name, o, n in weight_layers(layers)]
    worst = max(per_layer)
    return rel(logits, rlogits), worst[0], worst[1], len(per_layer), (rel(state, rstate) if len(state) else None)


def compare(torch, name, args, rows, workdir, exe):
    d = os.path.join(workdir, name)
    os.makedirs(d, exist_ok=True)
    run = subprocess.run([exe, name, d, str(rows)] + args, check=True, capture_output=True, text=True)
    print(run.stdout.strip())
    layers = read_layers(os.path.join(d, "layers.tsv"))
    load = lambda f: np.fromfile(os.path.join(d, f), dtype=np.float32)
    params, state = load("params.bin"), load("state.bin")
    x = load("x.bin").reshape(rows, 28, 28, 1)
    upstream = load("upstream.bin").reshape(rows, -1)

    masks = relu_masks(torch, layers, load("activations.bin"), rows)
    truth = run_reference(torch, torch.float64, layers, params, state, x, upstream, masks)
    torch32 = run_reference(torch, torch.float32, layers, params, state, x, upstream, masks)
    hp = (load("logits.bin").reshape(rows, -1).astype(np.float64), load("grads.bin").astype(np.float64),
          load("state_after.bin").astype(np.float64))
    vs32 = figures(*hp, torch32, layers)
    vs64 = figures(*hp, truth, layers)
    ref64 = figures(*torch32, truth, layers)
    print("  %-34s %14s %14s %14s" % ("relative error", "hptune/torch32", "hptune/torch64", "torch32/torch64"))
    print("  %-34s %14.2e %14.2e %14.2e" % ("logits", vs32[0], vs64[0], ref64[0]))
    print("  %-34s %14.2e %14.2e %14.2e   (%d layers; worst: %s)" % (
        "weight gradients, worst layer", vs32[1], vs64[1], ref64[1], vs64[3], vs64[2]))
    if vs32[4] is not None:
        print("  %-34s %14.2e %14.2e %14.2e" % ("moving mean and variance", vs32[4], vs64[4], ref64[4]))
    worst = max((vs64[0], "logits"), (vs64[1], "gradients of " + vs64[2]),
                ((vs64[4] or 0.0), "moving statistics"))
    return worst[1], worst[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=32, help="images in the batch (default 32, Keras's batch size)")
    ap.add_argument("--keep", help="keep the dumps in this directory")
    ap.add_argument("--only", choices=[n[0] for n in NETWORKS_ALL], help="compare this network only")
    args = ap.parse_args()
    os.environ.pop("OPENBLAS_CORETYPE", None)
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    import torch
    torch.set_num_threads(1)

    workdir = args.keep or tempfile.mkdtemp(prefix="conv_parity_")
    os.makedirs(workdir, exist_ok=True)
    exe = os.path.join(workdir, "conv_parity_core")
    build_core(exe)
    failed = False
    for name, hps in [n for n in NETWORKS_ALL if not args.only or n[0] == args.only]:
        label, worst = compare(torch, name, hps, args.rows, workdir, exe)
        ok = worst < TOLERANCE
        failed |= not ok
        print("  %-10s %s: worst %.2e (%s)\n" % (name, "ok" if ok else "FAILED", worst, label))
    print("all below %.0e" % TOLERANCE if not failed else "some figures are %.0e or more" % TOLERANCE)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
