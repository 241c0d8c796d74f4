#!/usr/bin/python3
"""Probes of fit optimisers for the cpu preset's SIREN, in PyTorch, on the regions
dumped by `go run ./bench/meta/dump` (see explore.py, whose network, init and Adam
this reuses). Steps (gradient evaluations) to MSE 1e-4 per 16^3 region, median
over a set, from the shipped learned init (neuralem/metainit/learned/cpu.nemi) and
from random weights (explore.init_params, seed 1):

  vpprobe.py steps --sets default --modes plain,vp,ls0,vplag [--lr 1e-3]
      plain: Adam on every layer (the preset's fit)
      vp:    the output layer solved by least squares before every step, Adam on
             the sine layers (variable projection; siren.Config.SolveOutput)
      ls0:   the output layer solved once at the start, then plain Adam
      vplag: the output layer solved from the previous step's features
  vpprobe.py paper --target 1e-5 --modes plain,vp
      the paper network (256 wide, 4 hidden sine layers, lr 1e-4) from random
      weights on regions 0, 5, 9, 14 of the default set
  vpprobe.py lbfgs --history 20
      torch.optim.LBFGS (strong Wolfe line search); every function evaluation
      (line-search ones included) counts as a step
  vpprobe.py reptile-vp --start learned|random --outer 400
      Reptile whose inner loop is k vp steps, evaluated every 100 outer steps

bench/meta/README.md § (g) reports what these gave.
"""
import argparse
import math
import struct
import sys
import time
import os

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import explore as E  # noqa: E402

RIDGE = 1e-6  # siren.OutputRidge


def load_nemi(path):
    """The weights of a .nemi file (neuralem/metainit/file.go) as explore's [1, ...] tensors."""
    b = open(path, "rb").read()
    ml, wl = struct.unpack_from("<QQ", b, 24)
    w = np.frombuffer(b[40 + ml:40 + ml + wl], dtype=np.float32)
    ps, off = [], 0
    for (o, i) in E.dims():
        ps.append(torch.from_numpy(w[off:off + o * i].copy()).reshape(1, o, i))
        off += o * i
        ps.append(torch.from_numpy(w[off:off + o].copy()).reshape(1, o))
        off += o
    assert off == len(w), "not a cpu-preset init"
    return ps


def feats(ps, x):
    """The last sine layer's features [K, N, W]."""
    h = x.unsqueeze(0).expand(ps[0].shape[0], -1, -1)
    for l in range(len(ps) // 2 - 1):
        h = torch.sin(E.OMEGA * torch.baddbmm(ps[2 * l + 1].unsqueeze(1), h, ps[2 * l].transpose(1, 2)))
    return h


def ls_head(h, y):
    """The output layer minimising MSE + RIDGE*|s|^2 for features h [K,N,W], targets y [K,N]."""
    K, N, W = h.shape
    A = torch.cat([h, torch.ones(K, N, 1)], 2).double()
    G = A.transpose(1, 2) @ A / N + RIDGE * torch.eye(W + 1, dtype=torch.float64)
    r = A.transpose(1, 2) @ y.double().unsqueeze(2) / N
    s = torch.linalg.solve(G, r).squeeze(2).float()
    return s[:, :W].unsqueeze(1), s[:, W:]


def run(init, y, lr, cap, mode, target=1e-4, k=None):
    """Full-batch Adam from init on targets y [K,N]: steps to target per region
    (cap+1 if never), or, with k, the weights after k steps."""
    K = y.shape[0]
    ps = [p.expand(K, *p.shape[1:]).clone() for p in init]
    if mode in ("ls0", "vp", "vplag"):
        with torch.no_grad():
            ps[-2], ps[-1] = ls_head(feats(ps, E.X), y)
    m = [torch.zeros_like(p) for p in ps]
    v = [torch.zeros_like(p) for p in ps]
    reached = torch.full((K,), cap + 1, dtype=torch.long)
    nxt = None
    for t in range(1, (k or cap) + 1):
        with torch.no_grad():
            if mode == "vp" and t > 1:
                ps[-2], ps[-1] = ls_head(feats(ps, E.X), y)
            if mode == "vplag" and t > 1:
                ps[-2], ps[-1] = nxt
        ps = [p.detach().requires_grad_(True) for p in ps]
        lossk = ((E.forward(ps, E.X) - y) ** 2).mean(1)
        if mode == "vplag":
            with torch.no_grad():
                nxt = ls_head(feats(ps, E.X), y)
        if k is None:
            newly = (lossk.detach() < target) & (reached > cap)
            reached[newly] = t
            if bool((reached <= cap).all()):
                break
        g = torch.autograd.grad(lossk.sum(), ps)
        with torch.no_grad():
            n = len(ps) - (2 if mode in ("vp", "vplag") else 0)
            for i in range(n):
                m[i].mul_(0.9).add_(g[i], alpha=0.1)
                v[i].mul_(0.999).addcmul_(g[i], g[i], value=0.001)
                ps[i] -= lr / (1 - 0.9 ** t) * m[i] / (v[i].sqrt() / math.sqrt(1 - 0.999 ** t) + 1e-8)
    return [p.detach() for p in ps] if k else reached


def steps_set(init, ys, lr, cap, mode, target=1e-4):
    return torch.cat([run(init, ys[i:i + 24], lr, cap, mode, target) for i in range(0, ys.shape[0], 24)])


def lbfgs_steps(init, ys, history):
    res = []
    for r in range(ys.shape[0]):
        y = ys[r:r + 1]
        ps = [p.clone().requires_grad_(True) for p in init]
        evals, done = [0], [None]
        opt = torch.optim.LBFGS(ps, lr=1, history_size=history, max_iter=1000, line_search_fn="strong_wolfe",
                                tolerance_grad=0, tolerance_change=0)

        def closure():
            opt.zero_grad()
            loss = ((E.forward(ps, E.X) - y) ** 2).mean()
            evals[0] += 1
            if loss.item() < 1e-4 and done[0] is None:
                done[0] = evals[0]
            loss.backward()
            return loss
        while done[0] is None and evals[0] <= 600:
            opt.step(closure)
        res.append(done[0] or 601)
    return torch.tensor(res)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["steps", "paper", "lbfgs", "reptile-vp"])
    ap.add_argument("--data", default="/tmp/metadata")
    ap.add_argument("--init", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "../../neuralem/metainit/learned/cpu.nemi"))
    ap.add_argument("--sets", default="default")
    ap.add_argument("--modes", default="plain,vp")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--target", type=float, default=1e-4)
    ap.add_argument("--history", type=int, default=20)
    ap.add_argument("--start", default="learned")
    ap.add_argument("--outer", type=int, default=400)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--meta-lr", type=float, default=0.5)
    a = ap.parse_args()
    torch.set_num_threads(1)
    rnd = E.init_params(torch.Generator().manual_seed(1), 1)
    if a.what == "paper":
        E.W, E.H = 256, 4
        ys = E.load(os.path.join(a.data, "default.bin"))[[0, 5, 9, 14]]
        rnd = E.init_params(torch.Generator().manual_seed(1), 1)
        for mode in a.modes.split(","):
            r = run(rnd, ys, 1e-4, 3000, mode, a.target)
            print("paper network, lr 1e-4, to %g, %s: %s" % (a.target, mode, r.tolist()), flush=True)
        return
    learned = load_nemi(a.init)
    sets = {s: E.load(os.path.join(a.data, s + ".bin")) for s in a.sets.split(",")}
    if a.what == "steps":
        for s, ys in sets.items():
            for name, init in (("learned", learned), ("random", rnd)):
                for mode in a.modes.split(","):
                    t0 = time.time()
                    r = steps_set(init, ys, a.lr, 600, mode, a.target)
                    print("%-8s %-8s %-6s lr %.0e: %s (%.0fs)" % (s, name, mode, a.lr, E.summary(r, 600), time.time() - t0), flush=True)
    elif a.what == "lbfgs":
        for s, ys in sets.items():
            for name, init in (("learned", learned), ("random", rnd)):
                print("%-8s %-8s L-BFGS history %d: %s" % (s, name, a.history, E.summary(lbfgs_steps(init, ys, a.history), 600)), flush=True)
    else:
        gen = torch.Generator().manual_seed(1)
        train = E.load(os.path.join(a.data, "train.bin"))
        theta = learned if a.start == "learned" else rnd
        for it in range(a.outer):
            idx = torch.randint(0, train.shape[0], (4,), generator=gen)
            y = E.augment(train[idx], gen)
            phi = run(theta, y, a.lr, 0, "vp", k=a.k)
            eps = a.meta_lr * (1 - it / a.outer)
            theta = [t + eps * (p.mean(0, keepdim=True) - t) for t, p in zip(theta, phi)]
            if (it + 1) % 100 == 0:
                for s, ys in sets.items():
                    print("outer %d %s vp: %s" % (it + 1, s, E.summary(steps_set(theta, ys, a.lr, 600, "vp"), 600)), flush=True)


if __name__ == "__main__":
    main()
