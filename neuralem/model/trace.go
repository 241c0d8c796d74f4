package model

import "github.com/neuralem/neuralem/neuralem/geom"

// MaxCAGap is the largest distance in Å between the Cα atoms of two
// residues joined in a Cα trace: consecutive Cα atoms of a chain are
// 3.8 Å apart (2.9 Å for a cis peptide), so a longer step is a gap in the
// model (missing residues).
const MaxCAGap = 4.2

// CATrace returns the model's Cα trace for drawing: the Cα atoms in file
// order, cut into runs wherever the chain changes or two consecutive Cα
// atoms are more than maxGap Å apart (MaxCAGap is the usual choice). Runs
// of a single atom are left out. Positions are in Å.
func (m *Model) CATrace(maxGap float64) [][]geom.Point {
	var runs [][]geom.Point
	var run []geom.Point
	prevChain := ""
	flush := func() {
		if len(run) > 1 {
			runs = append(runs, run)
		}
		run = nil
	}
	for i := range m.Atoms {
		a := &m.Atoms[i]
		if !a.IsCAlpha() {
			continue
		}
		if len(run) > 0 && (a.Chain != prevChain || a.Pos.Dist(run[len(run)-1]) > maxGap) {
			flush()
		}
		run = append(run, a.Pos)
		prevChain = a.Chain
	}
	flush()
	return runs
}
