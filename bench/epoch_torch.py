#!/usr/bin/python3
"""
epoch_torch.py - the PyTorch peer of bench/epoch_core.c.

Times one training epoch of a 784-256(relu)-10 softmax network with Adam on
Fashion-MNIST (first 50,000 training images; the last 10,000 are the
validation set), one thread, the same recipe as epoch_core.c:

  inputs  pixel / 255 as float32, labels as class indices
  model   nn.Sequential(Linear(784, 256), ReLU(), Linear(256, 10))
  loss    CrossEntropyLoss (mean over the batch)
  optim   Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-7) (Keras settings)
  loop    pre-made tensors, a fresh random permutation each epoch, the last
          partial batch trained too

Usage: epoch_torch.py [batch_size] [epochs]
Prints one line per epoch and a final line
  torch batch=B epoch_seconds=S (median) val_accuracy=A
which bench/run_epoch.sh reads.
"""
import gzip
import statistics
import sys
import time

import numpy as np
import torch

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(1)
    torch.manual_seed(42)

    images = read_idx(DATA + "/train-images-idx3-ubyte.gz").reshape(60000, 784)
    labels = read_idx(DATA + "/train-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    xtr, ytr = x[:50000].contiguous(), y[:50000].contiguous()
    xva, yva = x[50000:].contiguous(), y[50000:].contiguous()

    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    crit = torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)

    n = xtr.shape[0]
    times = []
    acc = 0.0
    for epoch in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        model.train()
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb = xtr[idx]
            yb = ytr[idx]
            opt.zero_grad()
            loss = crit(model(xb), yb)
            loss.backward()
            opt.step()
        secs = time.perf_counter() - t0
        times.append(secs)
        model.eval()
        with torch.no_grad():
            acc = (model(xva).argmax(1) == yva).float().mean().item()
        print("epoch %d: %.3f s loss %.4f val_accuracy %.4f" % (epoch + 1, secs, loss.item(), acc))
    print("torch batch=%d epoch_seconds=%.4f val_accuracy=%.4f"
          % (batch, statistics.median(times), acc))


if __name__ == "__main__":
    main()
