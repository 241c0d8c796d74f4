package model

import (
	"fmt"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

func ca(chain string, res int, x float64) Atom {
	return Atom{Name: "CA", Element: "C", ResName: "ALA", Chain: chain, ResSeq: res, Pos: geom.Point{x, 0, 0}}
}

func TestCATrace(t *testing.T) {
	m := &Model{Atoms: []Atom{
		ca("A", 1, 0), {Name: "N", Element: "N", ResName: "ALA", Chain: "A", ResSeq: 2, Pos: geom.Point{1, 0, 0}},
		ca("A", 2, 3.8), ca("A", 3, 7.6),
		ca("A", 7, 20), ca("A", 8, 23.8), // a gap of 12.4 Å: missing residues
		ca("B", 1, 27.6), // 3.8 Å away but another chain
		ca("B", 2, 31.4),
		ca("C", 1, 40), // a lone Cα: no line to draw
		{Name: "CA", Element: "CA", ResName: "CA", Chain: "D", Pos: geom.Point{50, 0, 0}}, // calcium, not a Cα
	}}
	got := m.CATrace(MaxCAGap)
	want := [][]float64{{0, 3.8, 7.6}, {20, 23.8}, {27.6, 31.4}}
	if len(got) != len(want) {
		t.Fatalf("%d runs %v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if len(got[i]) != len(w) {
			t.Fatalf("run %d = %v, want x %v", i, got[i], w)
		}
		for j, x := range w {
			if got[i][j][0] != x {
				t.Errorf("run %d point %d at x %v, want %v", i, j, got[i][j][0], x)
			}
		}
	}
	if r := (&Model{}).CATrace(MaxCAGap); len(r) != 0 {
		t.Errorf("empty model: %v", r)
	}
}

// The Cα trace of a model, for drawing its backbone beside a density graph.
func ExampleModel_CATrace() {
	m := &Model{Atoms: []Atom{ca("A", 1, 0), ca("A", 2, 3.8), ca("A", 3, 7.6), ca("A", 9, 30), ca("A", 10, 33.8)}}
	for _, run := range m.CATrace(MaxCAGap) {
		fmt.Println(len(run), "Cα from x =", run[0][0], "Å")
	}
	// Output:
	// 3 Cα from x = 0 Å
	// 2 Cα from x = 30 Å
}
