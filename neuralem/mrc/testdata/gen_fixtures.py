#!/usr/bin/python3
"""Generates the hand-made MRC fixtures in this directory with mrcfile and
numpy (independent of the Go encoder). Run with Debian's /usr/bin/python3:

    /usr/bin/python3 gen_fixtures.py

Every fixture holds 3 sections x 4 rows x 5 columns; the stored value at
(column c, row r, section s) is f(c + 5r + 20s) with f given per mode below.
"""
import numpy as np
import mrcfile

n = np.arange(60).reshape(3, 4, 5)  # [section, row, column]

values = {
    0: ("i1", n - 30),                 # int8: -30..29
    1: ("i2", n * 300 - 9000),         # int16: -9000..8700
    2: ("f4", n * 0.25 - 7.5),         # float32
    6: ("u2", n * 1000 + 5),           # uint16: 5..59005
    12: ("f2", n * 0.125 - 3.0),       # float16 (exact)
}

for mode, (code, v) in values.items():
    for order, tag in (("<", "le"), (">", "be")):
        arr = np.asarray(v).astype(order + code)
        name = "mode%d_%s.mrc" % (mode, tag)
        with mrcfile.new(name, overwrite=True) as m:
            if code == "i1" and order == ">":
                # int8 has no byte order: give the file a big-endian header
                # first (from a 16-bit array), then store the int8 data.
                m.set_data(np.zeros((1, 1, 1), dtype=">i2"))
            m.set_data(arr)
            m.voxel_size = (1.5, 2.0, 2.5)
            m.header.origin = (10.0, -20.0, 30.5)
            m.update_header_stats()
        with mrcfile.open(name) as m:
            assert int(m.header.mode) == mode, (name, m.header.mode)
            stamp = bytes(m.header.machst[:2])
            assert stamp == (b"\x11\x11" if order == ">" else b"DD"), (name, stamp)

# Axis-permuted (MAPC,MAPR,MAPS = 2,3,1), with both NSTART and ORIGIN set and
# anisotropic voxels. Columns run along Y, rows along Z, sections along X.
arr = (n * 0.5 - 3.0).astype("<f4")
with mrcfile.new("perm231_nstart_origin.mrc", overwrite=True) as m:
    m.set_data(arr)
    h = m.header
    h.mapc, h.mapr, h.maps = 2, 3, 1
    h.nxstart, h.nystart, h.nzstart = 7, -2, 3   # columns (Y), rows (Z), sections (X)
    h.mx, h.my, h.mz = 30, 50, 40                # sampling along X, Y, Z
    h.cella = (45.0, 60.0, 50.0)                 # voxel 1.5, 1.2, 1.25 Å
    h.origin = (1.0, 2.0, -3.0)
    m.update_header_stats()
