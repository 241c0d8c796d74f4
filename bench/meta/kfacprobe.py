#!/usr/bin/python3
"""Probe: curvature-aware fits of the cpu preset's SIREN (PyTorch), on the regions
dumped by `go run ./bench/meta/dump`. Steps (gradient evaluations) to MSE 1e-4 per
16^3 region, from the shipped learned init and from random weights:

  kfacprobe.py kfac --sets train --lr 1 --damp 1e-3 [--vp]
      K-FAC (Martens & Grosse 2015) for the Gauss-Newton matrix of the MSE:
      per layer, the update is (G + d I)^-1 grad (A + d I)^-1 with A the
      covariance of the layer's inputs (with a 1 for the bias) and G that of the
      network output's derivative with respect to the layer's pre-activations.
      With --vp the output layer is solved by least squares at every step
      (vpprobe.ls_head) and K-FAC moves the sine layers only.
  kfacprobe.py gn --sets default --regions 0,5,9 --damp 1e-3 [--vp]
      Levenberg-Marquardt with the exact Gauss-Newton matrix (in the residual
      space, N x N): how few steps any curvature method could take.
"""
import argparse
import os
import sys
import time

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


def kfac_run(init, y, lr, damp, cap, vp, target=1e-4, mom=0.0):
    K, N = y.shape
    ps = [p.expand(K, *p.shape[1:]).clone() for p in init]
    L = len(ps) // 2
    reached = torch.full((K,), cap + 1, dtype=torch.long)
    vel = [None] * L
    for t in range(1, cap + 1):
        with torch.no_grad():
            if vp:
                ps[-2], ps[-1] = V.ls_head(V.feats(ps, E.X), y)
        ps = [p.detach().requires_grad_(True) for p in ps]
        out, ins, pres = fwd(ps, E.X)
        lossk = ((out - y) ** 2).mean(1)
        newly = (lossk.detach() < target) & (reached > cap)
        reached[newly] = t
        if bool((reached <= cap).all()):
            break
        # delta_l[n] = d out_n / d z_l[n]: one backward pass of ones (outputs are per point).
        deltas = torch.autograd.grad(out.sum(), pres)
        r = (out - y).detach()
        with torch.no_grad():
            for l in range(L - (1 if vp else 0)):
                a, dl = ins[l].detach(), deltas[l]
                A = a.transpose(1, 2) @ a / N
                G = dl.transpose(1, 2) @ dl / N
                gW = (dl * r.unsqueeze(2)).transpose(1, 2) @ a / N  # [K,o,i+1]; half the MSE gradient
                upd = inv_damped(G, damp) @ gW @ inv_damped(A, damp)
                if mom > 0 and vel[l] is not None:
                    upd = upd + mom * vel[l]
                vel[l] = upd
                ps[2 * l] -= lr * upd[:, :, :-1]
                ps[2 * l + 1] -= lr * upd[:, :, -1]
    return reached


def gn_run(init, y, damp, cap, vp, target=1e-4):
    """Levenberg-Marquardt, exact GN: delta = J^T (J J^T + mu I)^-1 r, one region at a time."""
    ps = [p.clone() for p in init]
    L = len(ps) // 2
    mu = None
    loss_prev = None
    for t in range(1, cap + 1):
        with torch.no_grad():
            if vp:
                ps[-2], ps[-1] = V.ls_head(V.feats(ps, E.X), y)
        ps = [p.detach().requires_grad_(True) for p in ps]
        out, ins, pres = fwd(ps, E.X)
        loss = ((out - y) ** 2).mean()
        if loss.item() < target:
            return t
        deltas = torch.autograd.grad(out.sum(), pres)
        r = (out - y).detach()[0].double()
        with torch.no_grad():
            # J J^T = sum_l (delta_l delta_l^T) * (a_l a_l^T)  (elementwise, per-sample outer products)
            JJ = torch.zeros(E.N, E.N, dtype=torch.float64)
            nl = L - (1 if vp else 0)
            for l in range(nl):
                a, dl = ins[l][0].double(), deltas[l][0].double()
                JJ += (dl @ dl.T) * (a @ a.T)
            if mu is None:
                mu = damp * JJ.diagonal().mean().item()
            lam = torch.linalg.solve(JJ + mu * torch.eye(E.N, dtype=torch.float64), r)
            for l in range(nl):
                a, dl = ins[l][0].double(), deltas[l][0].double()
                upd = (dl * lam.unsqueeze(1)).T @ a  # [o, i+1]
                ps[2 * l][0] -= upd[:, :-1].float()
                ps[2 * l + 1][0] -= upd[:, -1].float()
        if loss_prev is not None:
            mu = mu * (0.5 if loss.item() < loss_prev else 3.0)
        loss_prev = loss.item()
    return cap + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["kfac", "gn"])
    ap.add_argument("--data", default="/tmp/metadata")
    ap.add_argument("--init", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "../../neuralem/metainit/learned/cpu.nemi"))
    ap.add_argument("--sets", default="train")
    ap.add_argument("--regions", default="")
    ap.add_argument("--limit", type=int, default=48)
    ap.add_argument("--lr", type=float, default=1.0)
    ap.add_argument("--damp", type=float, default=1e-3)
    ap.add_argument("--mom", type=float, default=0.0)
    ap.add_argument("--vp", action="store_true")
    ap.add_argument("--starts", default="learned,random")
    ap.add_argument("--cap", type=int, default=300)
    a = ap.parse_args()
    torch.set_num_threads(1)
    inits = {"random": E.init_params(torch.Generator().manual_seed(1), 1), "learned": V.load_nemi(a.init)}
    for s in a.sets.split(","):
        ys = E.load(os.path.join(a.data, s + ".bin"))
        if a.regions:
            ys = ys[[int(i) for i in a.regions.split(",")]]
        ys = ys[:a.limit]
        for name in a.starts.split(","):
            t0 = time.time()
            if a.what == "kfac":
                r = torch.cat([kfac_run(inits[name], ys[i:i + 24], a.lr, a.damp, a.cap, a.vp, mom=a.mom)
                               for i in range(0, ys.shape[0], 24)])
            else:
                r = torch.tensor([gn_run(inits[name], ys[i:i + 1], a.damp, a.cap, a.vp) for i in range(ys.shape[0])])
            print("%-8s %-8s %s lr %g damp %g mom %g vp %s: %s (%.0fs)" % (
                s, name, a.what, a.lr, a.damp, a.mom, a.vp, E.summary(r, a.cap), time.time() - t0), flush=True)


if __name__ == "__main__":
    main()
