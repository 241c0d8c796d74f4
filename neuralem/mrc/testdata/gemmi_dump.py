#!/usr/bin/python3
"""Reference dump with gemmi for the Go tests (run with Debian's /usr/bin/python3).

stdin: JSON list of {"path": str, "idx": [[i, j, k], ...]} with X, Y, Z voxel
indices into the stored box (after the MAPC/MAPR/MAPS permutation).
stdout: JSON list, one {"shape": [nx, ny, nz], "pos": [[x, y, z], ...],
"bits": [u32, ...]} per request, where pos is the Cartesian position in
Angstrom and bits the float32 bit pattern of the value at each index.

Values come from gemmi's ReorderOnly setup (the stored box permuted to XYZ,
nothing wrapped). Positions come from gemmi's NoSymmetry setup (the grid spans
the unit cell with MX, MY, MZ points): grid.get_position(start + idx), which
applies the fractional-to-Cartesian matrix of the cell. gemmi 0.5.7 grids do
not apply the ORIGIN words 50-52, so they are added here from the header.
"""
import json
import struct
import sys

import gemmi



def dump(req):
    path = req["path"]

    vals = gemmi.read_ccp4_map(path)
    vals.setup(float("nan"), gemmi.MapSetup.ReorderOnly)
    arr = vals.grid.array  # [x, y, z]

    m = gemmi.read_ccp4_map(path)
    pos_axes = m.axis_positions()  # file dimension (0 col, 1 row, 2 sec) of X, Y, Z
    nstart = [m.header_i32(5), m.header_i32(6), m.header_i32(7)]
    start = [nstart[pos_axes[a]] for a in range(3)]
    origin = gemmi.Position(m.header_float(50), m.header_float(51), m.header_float(52))
    m.setup(float("nan"), gemmi.MapSetup.NoSymmetry)
    g = m.grid

    out = {"shape": list(arr.shape), "pos": [], "bits": []}
    for i, j, k in req["idx"]:
        p = g.get_position(start[0] + i, start[1] + j, start[2] + k) + origin
        out["pos"].append([p.x, p.y, p.z])
        out["bits"].append(struct.unpack("<I", struct.pack("<f", float(arr[i, j, k])))[0])
    return out


json.dump([dump(r) for r in json.load(sys.stdin)], sys.stdout)
