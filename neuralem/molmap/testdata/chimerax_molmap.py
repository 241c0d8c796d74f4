"""Independent numpy re-implementation of UCSF ChimeraX's molmap, for tests.

Follows the semantics of ChimeraX's chimerax/map/molmap.py (bounding_grid,
add_gaussians) and _map/gaussian.cpp (sum_of_gaussians) as published:
  origin = min(xyz) - pad (not snapped), shape = ceil((max - min + 2 pad)/step),
  voxel-space centres in float32, per-axis box cut-off ceil(c - r sd) ..
  floor(c + r sd) clamped to the grid, weight = atomic number,
  float32 accumulation, then the whole map times (2 pi)^-1.5 sdev^-3.

Usage: chimerax_molmap.py atoms.txt resolution step pad cutoff sigma_factor out.bin [...]
(the six arguments after atoms.txt may repeat, one map per group). atoms.txt holds "x y z Z" per line (Å). out.bin gets a text header line
"nx ny nz ox oy oz\n" followed by float32 little-endian data, X fastest.
"""
import math
import sys

import numpy as np


def main():
    a = np.loadtxt(sys.argv[1], ndmin=2)
    xyz, weights = a[:, :3], a[:, 3].astype(np.float32)
    args = sys.argv[2:]
    if len(args) == 0 or len(args) % 6 != 0:
        sys.exit("want atoms.txt followed by groups of: resolution step pad cutoff sigma_factor out.bin")
    for g in range(0, len(args), 6):
        res, step, pad, cutoff, sfac = map(float, args[g:g + 5])
        molmap(xyz, weights, res, step, pad, cutoff, sfac, args[g + 5])


def molmap(xyz, weights, res, step, pad, cutoff, sfac, out):
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    origin = lo - pad
    shape_xyz = [int(math.ceil((hi[i] - lo[i] + 2 * pad) / step)) for i in range(3)]
    m = np.zeros(shape_xyz[::-1], np.float32)  # z, y, x
    sdev = res * sfac
    sd = np.float32(sdev / step)
    ijk = ((xyz - origin) / step).astype(np.float32)
    for c, w in zip(ijk, weights):
        rng = []
        for p in range(3):
            n = shape_xyz[p]
            i0 = min(max(int(math.ceil(c[p] - cutoff * sd)), 0), n - 1)
            i1 = min(max(int(math.floor(c[p] + cutoff * sd)), 0), n - 1)
            rng.append((i0, i1))
        d = [((np.arange(i0, i1 + 1, dtype=np.float32) - c[p]) / sd).astype(np.float32)
             for p, (i0, i1) in enumerate(rng)]
        r2 = (d[2][:, None, None] ** 2 + d[1][None, :, None] ** 2 + d[0][None, None, :] ** 2)
        (x0, x1), (y0, y1), (z0, z1) = rng
        m[z0:z1 + 1, y0:y1 + 1, x0:x1 + 1] += (w * np.exp(-0.5 * r2.astype(np.float64))).astype(np.float32)
    m *= np.float32(math.pow(2 * math.pi, -1.5) * math.pow(sdev, -3))
    with open(out, "wb") as f:
        f.write(("%d %d %d %.17g %.17g %.17g\n" % (*shape_xyz, *origin)).encode())
        f.write(m.astype("<f4").tobytes())


if __name__ == "__main__":
    main()
