package eval

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/model"
)

func chainAtom(chain string, name string, p geom.Point) model.Atom {
	return model.Atom{Chain: chain, Name: name, ResName: "ALA", Element: "C", Pos: p}
}

// TestFrameError: a graph in another frame than the model is an error
// giving both boxes, not 0 % and an RMSD of NaN (issue 13 case 12).
func TestFrameError(t *testing.T) {
	atoms := []model.Atom{chainAtom("A", "CA", geom.Point{0, 0, 0}), chainAtom("A", "CB", geom.Point{1.5, 0, 0})}
	far := []geom.Point{{100, 100, 100}, {101, 100, 100}}
	_, err := Evaluate(far, atoms, Options{})
	var fe *FrameError
	if !errors.As(err, &fe) || !fe.BoxesDisjoint || !strings.Contains(err.Error(), "(100.00, 100.00, 100.00)–(101.00, 100.00, 100.00)") ||
		!strings.Contains(err.Error(), "(0.00, 0.00, 0.00)–(1.50, 0.00, 0.00)") || !strings.Contains(err.Error(), "do not overlap") {
		t.Errorf("disjoint boxes: %v", err)
	}
	// Overlapping boxes, still no node within the radius of any atom.
	near := []geom.Point{{0.75, 0.9, 0}}
	if _, err := Evaluate(near, atoms, Options{}); !errors.As(err, &fe) || fe.BoxesDisjoint || !strings.Contains(err.Error(), "no node is within 1 Å") {
		t.Errorf("overlapping boxes without a match: %v", err)
	}
	// One match is enough; an empty graph is scored (0 nodes), not an error.
	r, err := Evaluate([]geom.Point{{0.1, 0, 0}, {50, 0, 0}}, atoms, Options{})
	if err != nil || r.Matched != 1 {
		t.Errorf("one match: %+v %v", r, err)
	}
	if r, err := Evaluate(nil, atoms, Options{}); err != nil || r.Nodes != 0 || !math.IsNaN(r.Specificity) {
		t.Errorf("empty graph: %+v %v", r, err)
	}
}

// TestChains: scoring chain A of a map that also holds chain B leaves B's
// nodes out of the specificity and reports them.
func TestChains(t *testing.T) {
	atoms := []model.Atom{
		chainAtom("A", "CA", geom.Point{0, 0, 0}), chainAtom("A", "CB", geom.Point{2, 0, 0}),
		chainAtom("B", "CA", geom.Point{10, 0, 0}), chainAtom("B", "CB", geom.Point{12, 0, 0}),
	}
	nodes := []geom.Point{{0.1, 0, 0}, {2.1, 0, 0}, {10.1, 0, 0}, {12.1, 0, 0}, {6, 0, 0}}
	all, err := Evaluate(nodes, atoms, Options{})
	if err != nil || all.Matched != 4 || all.Nodes != 5 {
		t.Fatalf("all chains: %+v %v", all, err)
	}
	a, err := Evaluate(nodes, atoms, Options{Chains: []string{"A"}})
	if err != nil {
		t.Fatal(err)
	}
	// B's two nodes are excluded; the stray node at x = 6 is near no atom
	// and still counts against specificity.
	if a.Atoms != 2 || a.Matched != 2 || a.Nodes != 3 || a.ExcludedNodes != 2 || math.Abs(a.Specificity-2.0/3) > 1e-12 || a.CA.CAs != 1 {
		t.Errorf("chain A: atoms %d matched %d nodes %d excluded %d specificity %g CAs %d", a.Atoms, a.Matched, a.Nodes, a.ExcludedNodes, a.Specificity, a.CA.CAs)
	}
	// Without --chains, scoring A's atoms by selector counts B's nodes as false.
	sel, _ := Evaluate(nodes, atoms, Options{Atoms: func(x *model.Atom) bool { return x.Chain == "A" }})
	if sel.Nodes != 5 || sel.ExcludedNodes != 0 {
		t.Errorf("selector only: nodes %d excluded %d", sel.Nodes, sel.ExcludedNodes)
	}
	if _, err := Evaluate(nodes, atoms, Options{Chains: []string{"C"}}); err == nil || !strings.Contains(err.Error(), `chain "C" is not in the model (chains: A,B)`) {
		t.Errorf("unknown chain: %v", err)
	}
}
