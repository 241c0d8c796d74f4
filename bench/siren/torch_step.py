#!/usr/bin/python3
"""Side-by-side reference for neuralem/siren on PyTorch (Debian python3-torch).

Same network as the Go "paper" preset: 3 -> W sine (omega0 = 30), H hidden
sine layers W -> W, linear W -> 1; paper init; full-batch Adam (lr 1e-4) on
the MSE of a sum-of-Gaussians target on an s^3 grid normalised to [-1, 1].
Prints seconds per training step (after 2 warm-up steps) and the time for
value + input gradient at 100k points.

Usage: /usr/bin/python3 bench/siren/torch_step.py [--size 32] [--width 256]
       [--hidden 4] [--steps 5] [--threads 2]
"""
import argparse
import math
import time

import torch


class Sine(torch.nn.Module):
    def __init__(self, fin, fout, omega0, bound):
        super().__init__()
        self.omega0 = omega0
        self.lin = torch.nn.Linear(fin, fout)
        with torch.no_grad():
            self.lin.weight.uniform_(-bound, bound)

    def forward(self, x):
        return torch.sin(self.omega0 * self.lin(x))


def make_net(width, hidden, omega0=30.0):
    n = float(width)
    layers = [Sine(3, width, omega0, math.sqrt(6 / n))]
    for _ in range(hidden):
        layers.append(Sine(width, width, omega0, math.sqrt(6 / n) / omega0))
    out = torch.nn.Linear(width, 1)
    with torch.no_grad():
        b = math.sqrt(6 / n) / omega0
        out.weight.uniform_(-b, b)
    layers.append(out)
    return torch.nn.Sequential(*layers)


def target(s):
    ax = torch.linspace(-1, 1, s)
    z, y, x = torch.meshgrid(ax, ax, ax, indexing="ij")  # X fastest
    pts = torch.stack([x, y, z], dim=-1).reshape(-1, 3)
    v = torch.zeros(pts.shape[0])
    for c in ([-0.3, 0.2, 0.1], [0.4, -0.1, -0.3], [0.0, 0.5, 0.4]):
        d2 = ((pts - torch.tensor(c)) ** 2).sum(-1)
        v += torch.exp(-d2 / (2 * 0.15 ** 2))
    return pts, (2 * v.clamp(max=1) - 1).unsqueeze(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=4)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-4)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = make_net(args.width, args.hidden)
    x, y = target(args.size)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.mean((net(x) - y) ** 2)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(2):
        step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        loss = step()
    dt = (time.perf_counter() - t0) / args.steps
    dc = (time.process_time() - c0) / args.steps
    print(f"torch {torch.__version__} threads={args.threads} size={args.size}^3 width={args.width} "
          f"hidden={args.hidden}: {dt:.3f} s/step wall, {dc:.3f} cpu-s/step (loss {loss:.3g})")

    q = torch.rand(100000, 3) * 2 - 1
    q.requires_grad_(True)
    t0, c0 = time.perf_counter(), time.process_time()
    out = net(q)
    (g,) = torch.autograd.grad(out.sum(), q)
    dq = time.perf_counter() - t0
    print(f"query 100k value+grad: {dq:.2f} s wall, {time.process_time() - c0:.2f} cpu-s "
          f"({100000 / dq:.0f} points/s)")


if __name__ == "__main__":
    main()
