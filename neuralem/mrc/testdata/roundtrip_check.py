#!/usr/bin/python3
"""Reads a map written by the Go writer with gemmi and mrcfile (Debian's
/usr/bin/python3) and prints what each sees, for the Go round-trip test.

argv[1]: map path. stdout: JSON {"gemmi": {...} or null for mode 12, which
Debian's gemmi 0.5.7 cannot read, "mrcfile": {...}}, each with
shape [nx, ny, nz], voxel [Å x3], origin [Å x3], bits (float32 bit patterns of
all values in X-fastest order), and for mrcfile the header's nversion, mode
and the names of any validation failures.
"""
import io
import json
import sys

import gemmi
import mrcfile
import numpy as np

path = sys.argv[1]


def bits(a):
    return np.ascontiguousarray(a, dtype="<f4").view("<u4").tolist()


gres = None
with open(path, "rb") as f:
    head = f.read(16)
# gemmi 0.5.7 (Debian) cannot read mode 12; newer versions can. Only plain
# files are checked for the mode here; gzip files are written as mode 2.
if head[:2] == b"\x1f\x8b" or int.from_bytes(head[12:16], "little") != 12:
    g = gemmi.read_ccp4_map(path)
    g.setup(float("nan"), gemmi.MapSetup.ReorderOnly)
    ga = np.array(g.grid, copy=False)  # [x, y, z]
    gres = {
        "shape": list(ga.shape),
        "voxel": [g.grid.unit_cell.a / g.grid.nu, g.grid.unit_cell.b / g.grid.nv, g.grid.unit_cell.c / g.grid.nw],
        "origin": [g.header_float(50), g.header_float(51), g.header_float(52)],
        "bits": bits(ga.transpose(2, 1, 0).ravel()),  # X fastest
    }

with mrcfile.open(path, permissive=False) as m:
    d = m.data  # [z, y, x] for MAPC,MAPR,MAPS = 1,2,3
    mres = {
        "shape": [int(d.shape[2]), int(d.shape[1]), int(d.shape[0])],
        "voxel": [float(m.voxel_size.x), float(m.voxel_size.y), float(m.voxel_size.z)],
        "origin": [float(m.header.origin.x), float(m.header.origin.y), float(m.header.origin.z)],
        "bits": bits(d.astype("<f4").ravel()),
        "mode": int(m.header.mode),
        "nversion": int(m.header.nversion),
    }
buf = io.StringIO()
ok = mrcfile.validate(path, print_file=buf)
mres["valid"] = bool(ok)
mres["validate_output"] = buf.getvalue()
json.dump({"gemmi": gres, "mrcfile": mres}, sys.stdout)
