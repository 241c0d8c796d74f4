package experiment

import (
	"math"
	"testing"

	"github.com/neuralem/neuralem/neuralem/eval"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/model"
)

// TestScoreByChain: nodes go to the chain of their nearest heavy atom and
// are scored against that chain only; one-chain models give no rows.
func TestScoreByChain(t *testing.T) {
	ca := func(chain string, seq int, x float64) model.Atom {
		return model.Atom{Name: "CA", Element: "C", ResName: "ALA", Chain: chain, ResSeq: seq, Pos: geom.Point{x, 0, 0}}
	}
	// Chain A: C-alphas at x = 0, 4, 8; chain B at x = 30, 34.
	m := &model.Model{Atoms: []model.Atom{ca("A", 1, 0), ca("A", 2, 4), ca("A", 3, 8), ca("B", 1, 30), ca("B", 2, 34),
		{Name: "H", Element: "H", ResName: "ALA", Chain: "C", Pos: geom.Point{15, 0, 0}}}} // a hydrogen: no chain of its own
	nodes := []geom.Point{
		{0.2, 0, 0}, {4, 0.3, 0}, {9.5, 0, 0}, // chain A: two matches within 1 Å, one 1.5 Å off
		{30, 0, 0.1}, // chain B: one match
		{17, 0, 0},   // 9 Å from A, 13 Å from B: chain A
		{200, 0, 0},  // beyond nodeChainRadius: no chain
	}
	eo := eval.Options{Atoms: model.Heavy}
	s, err := scoreByChain(nodes, m, eo)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2 || s[0].chain != "A" || s[1].chain != "B" {
		t.Fatalf("chains %+v, want A then B", s)
	}
	if s[0].nodes != 4 || s[1].nodes != 1 {
		t.Errorf("nodes per chain A %d, B %d; want 4 and 1", s[0].nodes, s[1].nodes)
	}
	a, b := s[0].res, s[1].res
	if a.Atoms != 3 || a.Matched != 2 || math.Abs(a.Sensitivity-2.0/3) > 1e-12 || math.Abs(a.Specificity-0.5) > 1e-12 {
		t.Errorf("chain A: %d atoms, %d matched, sens %g, spec %g; want 3, 2, 2/3, 1/2", a.Atoms, a.Matched, a.Sensitivity, a.Specificity)
	}
	if b.Atoms != 2 || b.Matched != 1 || b.CA.Coverage != 0.5 {
		t.Errorf("chain B: %d atoms, %d matched, CA coverage %g; want 2, 1, 0.5", b.Atoms, b.Matched, b.CA.Coverage)
	}
	one := m.Select(func(a *model.Atom) bool { return a.Chain == "A" })
	if s, err := scoreByChain(nodes, one, eo); err != nil || s != nil {
		t.Errorf("one chain: %+v, %v; want nil", s, err)
	}
}
