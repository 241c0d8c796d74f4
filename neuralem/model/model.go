// Package model reads atomic models (PDB and mmCIF) and selects the atoms that
// the evaluation needs. Positions are in Å in the model's Cartesian frame,
// which is the map's frame for a fitted model.
//
// ReadFile picks the format from the content and decompresses gzip; ReadPDB
// and ReadCIF read one format from an io.Reader. Every reader keeps only the
// first model and resolves alternate locations: of the atoms that share
// chain, residue number, insertion code and atom name but differ in altloc,
// only the one with the highest occupancy is kept (the first on ties). Bad
// input gives a *ParseError naming the file, line, field and value.
//
// Selections (Model.Select with the Selector values Heavy, Hydrogen, CAlpha,
// Protein, Water, HetAtm and the combinators Not, And, Or) return new models,
// and AtomicNumber gives the weights a simulated map needs.
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
	Element   string // upper-case element symbol, e.g. "C", "FE", "D"; UnknownElement ("X") if unknown
	HetAtm    bool   // true for HETATM records
	// ElementText is what the file gave for an element that is not known
	// (Element is then UnknownElement): the element field's text, or the
	// atom name it was inferred from. Empty for known elements.
	ElementText string
}

// ElementRead returns the element as the file wrote it, for messages: the
// text of an unknown element, otherwise the symbol.
func (a *Atom) ElementRead() string {
	if a.ElementText != "" {
		return a.ElementText
	}
	return a.Element
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
