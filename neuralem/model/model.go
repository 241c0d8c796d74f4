// Package model reads atomic models (PDB and mmCIF) and selects the atoms that
// the evaluation needs. Positions are in Å in the model's Cartesian frame,
// which is the map's frame for a fitted model.
package model

import "github.com/neuralem/neuralem/neuralem/geom"

// Atom is one atom of a model.
type Atom struct {
	Serial    int
	Name      string // atom name, e.g. "CA"
	AltLoc    string // alternate location id ("" if none)
	ResName   string // residue name, e.g. "ALA", "HOH"
	Chain     string // author chain id
	ResSeq    int    // author residue number
	ICode     string // insertion code
	Pos       geom.Point
	Occupancy float64
	B         float64
	Element   string // upper-case element symbol, e.g. "C", "FE"
	HetAtm    bool   // true for HETATM records
}

// Model is an atomic model as read from a file.
type Model struct {
	// Source names the file the model was read from.
	Source string
	// Atoms in file order, after altloc resolution.
	Atoms []Atom
	// Resolution in Å from the file header, 0 when the file does not say.
	Resolution float64
}
