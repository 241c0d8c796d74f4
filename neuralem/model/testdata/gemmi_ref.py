"""Reference values for neuralem/model tests, computed with gemmi.

Usage: /usr/bin/python3 gemmi_ref.py [--atoms] FILE...   (prints one JSON object)

With --atoms, every atom of the first model is listed instead (see atoms()).

For each file: gemmi.read_structure, first model only. "raw" counts every atom
of that model. Altlocs are then resolved here with the rule the Go reader
documents (per chain, residue number, insertion code and atom name, keep the
highest-occupancy alternate, the first on ties), implemented independently on
gemmi's atoms, and the selections are counted on the result. "first" and
"last" are the atoms with the lowest and highest serial number (gemmi groups
mmCIF atoms by chain, so its order is not always the file's). gemmi's own
remove_alternative_conformations() count is reported too, for information.
The resolution is gemmi's; when gemmi 0.5 leaves it at 0 for an mmCIF file,
the first positive value of _refine.ls_d_res_high,
_em_3d_reconstruction.resolution or _reflns.d_resolution_high read with
gemmi.cif is used.
"""
import json
import sys

import gemmi

AMINO = set("""ALA ARG ASN ASP CYS GLN GLU GLY HIS ILE LEU LYS MET PHE PRO SER THR
TRP TYR VAL SEC PYL MSE UNK ASX GLX HID HIE HIP CYX ASH GLH LYN HSD HSE HSP""".split())
WATER = {"HOH", "WAT", "DOD", "H2O"}


def elem(a):
    return a.element.name.upper()


def one(path):
    st = gemmi.read_structure(path)
    model = st[0]
    atoms = []  # (chain, res, atom)
    for ch in model:
        for res in ch:
            for a in res:
                atoms.append((ch, res, a))
    raw = len(atoms)
    best = {}
    for i, (ch, res, a) in enumerate(atoms):
        if a.altloc == "\0":
            continue
        k = (ch.name, res.seqid.num, res.seqid.icode, a.name)
        if k not in best or a.occ > atoms[best[k]][2].occ:
            best[k] = i
    kept = []
    for i, (ch, res, a) in enumerate(atoms):
        if a.altloc != "\0" and best[(ch.name, res.seqid.num, res.seqid.icode, a.name)] != i:
            continue
        kept.append((ch, res, a))
    counts = {}
    for _, _, a in kept:
        counts[elem(a)] = counts.get(elem(a), 0) + 1

    def desc(t):
        ch, res, a = t
        return {"chain": ch.name, "resname": res.name, "seq": res.seqid.num,
                "name": a.name, "pos": [a.pos.x, a.pos.y, a.pos.z],
                "occ": a.occ, "b": a.b_iso}

    res_val = st.resolution
    res_src = "gemmi"
    if res_val == 0 and path.endswith(".cif"):
        block = gemmi.cif.read(path).sole_block()
        for tag in ("_refine.ls_d_res_high", "_em_3d_reconstruction.resolution",
                    "_reflns.d_resolution_high"):
            found = False
            for v in block.find_values(tag):
                if gemmi.cif.is_null(v):
                    continue
                try:
                    x = float(v)
                except ValueError:
                    continue
                if x > 0:
                    res_val, res_src, found = x, "cif:" + tag, True
                    break
            if found:
                break
    st2 = gemmi.read_structure(path)
    st2.remove_alternative_conformations()
    gemmi_noalt = sum(1 for ch in st2[0] for r in ch for a in r)
    return {
        "raw": raw,
        "atoms": len(kept),
        "gemmi_remove_alt": gemmi_noalt,
        "elements": counts,
        "hydrogens": sum(1 for _, _, a in kept if a.is_hydrogen()),
        "ca": sum(1 for _, r, a in kept if a.name == "CA" and elem(a) == "C" and r.name in AMINO),
        "protein": sum(1 for _, r, a in kept if r.name in AMINO),
        "water": sum(1 for _, r, a in kept if r.name in WATER),
        "hetatm": sum(1 for _, r, a in kept if r.het_flag == "H"),
        "first": desc(min(kept, key=lambda t: t[2].serial)),
        "last": desc(max(kept, key=lambda t: t[2].serial)),
        "resolution": res_val,
        "resolution_source": res_src,
    }


def atoms(path):
    """Every atom of the first model, alternates included, in gemmi's order:
    [serial, chain, resname, seq, icode, name, altloc, element, x, y, z, occ, b, het]."""
    st = gemmi.read_structure(path)
    rows = []
    for ch in st[0]:
        for res in ch:
            for a in res:
                rows.append([a.serial, ch.name, res.name, res.seqid.num, res.seqid.icode.strip(),
                             a.name, a.altloc.strip("\0"), elem(a), a.pos.x, a.pos.y, a.pos.z,
                             a.occ, a.b_iso, res.het_flag == "H"])
    return rows


args = sys.argv[1:]
mode = one
if args and args[0] == "--atoms":
    mode, args = atoms, args[1:]
out = {"gemmi_version": gemmi.__version__}
for p in args:
    out[p] = mode(p)
json.dump(out, sys.stdout)
