package model

import (
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// aminoAcids are the residue names treated as protein: the 20 standard amino
// acids, selenocysteine, pyrrolysine, selenomethionine (MSE, which
// crystallographers use in place of MET), UNK (unknown residue, common in
// cryo-EM models), the ambiguous ASX/GLX, and the protonation-state names of
// Amber (HID, HIE, HIP, CYX, ASH, GLH, LYN) and CHARMM (HSD, HSE, HSP).
var aminoAcids = map[string]bool{
	"ALA": true, "ARG": true, "ASN": true, "ASP": true, "CYS": true,
	"GLN": true, "GLU": true, "GLY": true, "HIS": true, "ILE": true,
	"LEU": true, "LYS": true, "MET": true, "PHE": true, "PRO": true,
	"SER": true, "THR": true, "TRP": true, "TYR": true, "VAL": true,
	"SEC": true, "PYL": true, "MSE": true, "UNK": true, "ASX": true, "GLX": true,
	"HID": true, "HIE": true, "HIP": true, "CYX": true, "ASH": true, "GLH": true, "LYN": true,
	"HSD": true, "HSE": true, "HSP": true,
}

// waterNames are the residue names of water.
var waterNames = map[string]bool{"HOH": true, "WAT": true, "DOD": true, "H2O": true}

// IsAminoAcid reports whether a residue name (upper case) is one of the
// amino acids Protein selects.
func IsAminoAcid(resName string) bool { return aminoAcids[resName] }

// IsWater reports whether a residue name is water (HOH, WAT, DOD, H2O).
func IsWater(resName string) bool { return waterNames[resName] }

// IsHydrogen reports whether the atom is hydrogen or deuterium.
func (a *Atom) IsHydrogen() bool { return a.Element == "H" || a.Element == "D" }

// IsCAlpha reports whether the atom is the C-alpha of an amino acid: named
// CA, element carbon (not a calcium ion named CA), in a Protein residue.
func (a *Atom) IsCAlpha() bool { return a.Name == "CA" && a.Element == "C" && aminoAcids[a.ResName] }

// AtomicNumber returns the atomic number of the atom's element, 0 if unknown.
func (a *Atom) AtomicNumber() int { return AtomicNumber(a.Element) }

// A Selector decides whether an atom is selected.
type Selector func(a *Atom) bool

// Selectors for Model.Select.
var (
	// All selects every atom.
	All Selector = func(*Atom) bool { return true }
	// Hydrogen selects H and D atoms.
	Hydrogen Selector = (*Atom).IsHydrogen
	// Heavy selects atoms other than H and D.
	Heavy Selector = func(a *Atom) bool { return !a.IsHydrogen() }
	// CAlpha selects protein C-alpha atoms (not calcium).
	CAlpha Selector = (*Atom).IsCAlpha
	// Protein selects atoms of residues named as amino acids (see IsAminoAcid).
	Protein Selector = func(a *Atom) bool { return aminoAcids[a.ResName] }
	// Water selects atoms of water residues (see IsWater).
	Water Selector = func(a *Atom) bool { return waterNames[a.ResName] }
	// HetAtm selects atoms read from HETATM records (group_PDB HETATM in mmCIF).
	HetAtm Selector = func(a *Atom) bool { return a.HetAtm }
)

// Not selects the atoms s does not.
func Not(s Selector) Selector { return func(a *Atom) bool { return !s(a) } }

// And selects the atoms every one of ss selects.
func And(ss ...Selector) Selector {
	return func(a *Atom) bool {
		for _, s := range ss {
			if !s(a) {
				return false
			}
		}
		return true
	}
}

// Or selects the atoms any one of ss selects.
func Or(ss ...Selector) Selector {
	return func(a *Atom) bool {
		for _, s := range ss {
			if s(a) {
				return true
			}
		}
		return false
	}
}

// Select returns a new model (same Source and Resolution) holding copies of
// the atoms s selects, in order.
func (m *Model) Select(s Selector) *Model {
	out := &Model{Source: m.Source, Resolution: m.Resolution}
	for i := range m.Atoms {
		if s(&m.Atoms[i]) {
			out.Atoms = append(out.Atoms, m.Atoms[i])
		}
	}
	return out
}

// HeavyAtoms returns the model without hydrogen and deuterium atoms.
func (m *Model) HeavyAtoms() *Model { return m.Select(Heavy) }

// CAlphas returns the protein C-alpha atoms.
func (m *Model) CAlphas() *Model { return m.Select(CAlpha) }

// ProteinAtoms returns the atoms of amino-acid residues.
func (m *Model) ProteinAtoms() *Model { return m.Select(Protein) }

// WithoutWaters returns the model without water residues.
func (m *Model) WithoutWaters() *Model { return m.Select(Not(Water)) }

// Positions returns the atom positions in Å, in order.
func (m *Model) Positions() []geom.Point {
	p := make([]geom.Point, len(m.Atoms))
	for i := range m.Atoms {
		p[i] = m.Atoms[i].Pos
	}
	return p
}

// Bounds returns the smallest box holding every atom. For a model without
// atoms it returns a box with Min > Max (+Inf, -Inf).
func (m *Model) Bounds() geom.Box {
	b := geom.Box{
		Min: geom.Point{math.Inf(1), math.Inf(1), math.Inf(1)},
		Max: geom.Point{math.Inf(-1), math.Inf(-1), math.Inf(-1)},
	}
	for i := range m.Atoms {
		for k, x := range m.Atoms[i].Pos {
			b.Min[k] = min(b.Min[k], x)
			b.Max[k] = max(b.Max[k], x)
		}
	}
	return b
}

// CheckElements returns an error naming the source file and the first atom
// whose element has no atomic number (UnknownElement or anything else
// AtomicNumber does not know), or nil if every atom has one.
func (m *Model) CheckElements() error {
	for i := range m.Atoms {
		a := &m.Atoms[i]
		if AtomicNumber(a.Element) == 0 {
			return fmt.Errorf("%s: atom serial %d (chain %q residue %s %d%s, name %q): unknown element %q",
				m.Source, a.Serial, a.Chain, a.ResName, a.ResSeq, a.ICode, a.Name, a.ElementRead())
		}
	}
	return nil
}

// ElementCounts returns the number of atoms of each element symbol.
func (m *Model) ElementCounts() map[string]int {
	c := map[string]int{}
	for i := range m.Atoms {
		c[m.Atoms[i].Element]++
	}
	return c
}
