#!/usr/bin/python3
"""Probe: K-FAC fits of the cpu preset's SIREN (PyTorch), on the regions dumped by
`go run ./bench/meta/dump` (see explore.py). Steps (loss evaluations) to MSE 1e-4
per 16^3 region, median over a set, from the shipped learned init and from random
weights, as neuralem/siren/kfac.go does it:

  kfacprobe.py --sets tuneexp,default,emd20026,emd2566 --damp 1e-3 [--no-prev]

Each step solves the output layer by least squares (vpprobe.ls_head), then, per
sine layer, U = (G + d I)^-1 grad (A + d I)^-1 with A the covariance of the
layer's inputs (with a 1 for the bias), G that of the output's derivative with
respect to its pre-activations, d = damp * mean eigenvalue, and steps by
alpha U + beta P (P the previous step) with alpha, beta minimising the
Gauss-Newton model |r - alpha J U - beta J P|^2 (--no-prev: beta = 0).

tuneexp is 16 random regions each of the training maps EMD-0093 and ribocut4a
(train.bin, numpy seed 7; see bench/meta/README.md § (h)), the tuning set.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import explore as E  # noqa: E402
import vpprobe as V  # noqa: E402


def fwd(ps, x):
    """Output [K,N], inputs-with-ones per layer [K,N,i+1], pre-activations per layer (graph-connected)."""
    K = ps[0].shape[0]
    h = x.unsqueeze(0).expand(K, -1, -1)
    L = len(ps) // 2
    ins, pres = [], []
    for l in range(L):
        w, b = ps[2 * l], ps[2 * l + 1]
        ins.append(torch.cat([h, torch.ones(K, h.shape[1], 1)], 2))
        z = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
        pres.append(z)
        h = torch.sin(E.OMEGA * z) if l < L - 1 else z
    return h.squeeze(-1), ins, pres


def inv_damped(M, d):
    n = M.shape[-1]
    tr = M.diagonal(dim1=1, dim2=2).mean(1).view(-1, 1, 1)
    return torch.linalg.inv((M + d * tr * torch.eye(n)).double()).float()


def jv(ins, d, us):
    """J·U per point [K,N]: sum over layers and units of d ⊙ (U·a)."""
    return sum(((a @ u.transpose(1, 2)) * dl).sum(2) for a, dl, u in zip(ins, d, us))


def kfac_run(init, y, damp, cap, use_prev=True, target=1e-4):
    K, N = y.shape
    ps = [p.expand(K, *p.shape[1:]).clone() for p in init]
    nl = len(ps) // 2 - 1  # sine layers
    prev = None
    reached = torch.full((K,), cap + 1, dtype=torch.long)
    for t in range(1, cap + 1):
        with torch.no_grad():
            ps[-2], ps[-1] = V.ls_head(V.feats(ps, E.X), y)
        ps = [p.detach().requires_grad_(True) for p in ps]
        out, ins, pres = fwd(ps, E.X)
        lossk = ((out - y) ** 2).mean(1).detach()
        reached[(lossk < target) & (reached > cap)] = t
        if bool((reached <= cap).all()):
            break
        d = torch.autograd.grad(out.sum(), pres)  # d out / d z per layer (outputs are per point)
        r = (out - y).detach()
        with torch.no_grad():
            ins = [a.detach() for a in ins]
            us = []
            for l in range(nl):
                a, dl = ins[l], d[l]
                A, G = a.transpose(1, 2) @ a / N, dl.transpose(1, 2) @ dl / N
                grad = (dl * r.unsqueeze(2)).transpose(1, 2) @ a / N  # half the MSE gradient
                us.append(inv_damped(G, damp) @ grad @ inv_damped(A, damp))
            j1 = jv(ins, d, us)
            if use_prev and prev is not None:
                j2 = jv(ins, d, prev)
                M = torch.stack([torch.stack([(j1 * j1).sum(1), (j1 * j2).sum(1)], 1),
                                 torch.stack([(j1 * j2).sum(1), (j2 * j2).sum(1)], 1)], 1) + 1e-8 * torch.eye(2)
                rhs = torch.stack([(r * j1).sum(1), (r * j2).sum(1)], 1)
                ab = torch.linalg.solve(M.double(), rhs.double()).float()
                step = [ab[:, 0].view(-1, 1, 1) * u + ab[:, 1].view(-1, 1, 1) * p for u, p in zip(us, prev)]
            else:
                al = (r * j1).sum(1) / ((j1 * j1).sum(1) + 1e-12)
                step = [al.view(-1, 1, 1) * u for u in us]
            for l in range(nl):
                ps[2 * l] -= step[l][:, :, :-1]
                ps[2 * l + 1] -= step[l][:, :, -1]
            prev = step
    return reached


def make_tuneexp(data):
    """The tuning set: 16 random regions of each of two training maps."""
    path = os.path.join(data, "tuneexp.bin")
    if os.path.exists(path):
        return
    names = json.load(open(os.path.join(data, "train.bin.json")))
    a = np.fromfile(os.path.join(data, "train.bin"), dtype=np.float32).reshape(-1, E.N)
    rng = np.random.default_rng(7)
    idx = []
    for src in ["EMD-0093", "ribocut4a"]:
        idx += list(rng.choice([i for i, s in enumerate(names) if s == src], 16, replace=False))
    a[idx].tofile(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/tmp/metadata")
    ap.add_argument("--init", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "../../neuralem/metainit/learned/cpu.nemi"))
    ap.add_argument("--sets", default="tuneexp")
    ap.add_argument("--damp", type=float, default=1e-3)
    ap.add_argument("--no-prev", action="store_true")
    ap.add_argument("--starts", default="learned,random")
    ap.add_argument("--cap", type=int, default=300)
    a = ap.parse_args()
    torch.set_num_threads(2)
    make_tuneexp(a.data)
    inits = {"random": E.init_params(torch.Generator().manual_seed(1), 1), "learned": V.load_nemi(a.init)}
    for s in a.sets.split(","):
        ys = E.load(os.path.join(a.data, s + ".bin"))
        for name in a.starts.split(","):
            t0 = time.time()
            r = torch.cat([kfac_run(inits[name], ys[i:i + 16], a.damp, a.cap, not a.no_prev) for i in range(0, ys.shape[0], 16)])
            print("%-9s %-8s damp %g prev %s: %s (%.0fs)" % (s, name, a.damp, not a.no_prev, E.summary(r, a.cap), time.time() - t0), flush=True)


if __name__ == "__main__":
    main()
