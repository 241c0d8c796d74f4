package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/model"
)

// TestRealModelJitteredNodes scores a deposited model (apoferritin chain A,
// 1654 atoms) against nodes that are its own atoms moved by a known random
// displacement: every node has its atom within 1 Å, so the optimum is
// expected to match (nearly) all of them with an RMSD equal to the RMS of
// the displacements, and the C-alpha coverage must be complete.
func TestRealModelJitteredNodes(t *testing.T) {
	m, err := model.ReadFile(shared.Path(t, "models/emd20026_3ajo_fitted_refined_chainA.pdb"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	nodes := make([]geom.Point, len(m.Atoms))
	var s2 float64
	for i, a := range m.Atoms {
		// displacement of length exactly 0.3 Å in a random direction
		d := geom.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		d = d.Scale(0.3 / d.Norm())
		nodes[i] = a.Pos.Add(d)
		s2 += 0.09
	}
	res, err := Evaluate(nodes, m.Atoms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d atoms: sensitivity %.4f specificity %.4f RMSD %.4f Å; CA coverage %.4f (%d CA), node fraction %.4f, exclusive CA %.4f",
		res.Atoms, res.Sensitivity, res.Specificity, res.RMSD, res.CA.Coverage, res.CA.CAs, res.CA.NodeFraction, res.CA.ExclusiveSensitivity)
	if res.Atoms != len(m.Atoms) || res.Atoms < 1600 {
		t.Fatalf("%d atoms", res.Atoms)
	}
	// The identity assignment is a perfect matching, so the optimum matches
	// everything; its total distance is at most the identity's.
	if res.Matched != res.Atoms {
		t.Errorf("matched %d of %d", res.Matched, res.Atoms)
	}
	if res.Matching.TotalDist() > 0.3*float64(res.Atoms)+1e-9 || res.RMSD > 0.3+1e-9 || res.RMSD < 0.25 {
		t.Errorf("total %g Å, RMSD %g Å", res.Matching.TotalDist(), res.RMSD)
	}
	if res.CA.CAs < 170 || res.CA.Coverage != 1 || math.Abs(res.CA.ClosestRMSD) > 0.3+1e-9 || res.CA.ExclusiveSensitivity != 1 {
		t.Errorf("CA metrics %+v", res.CA)
	}
	// Greedy can only do worse or equal.
	g, err := Evaluate(nodes, m.Atoms, Options{Method: Greedy})
	if err != nil {
		t.Fatal(err)
	}
	if g.Matched > res.Matched {
		t.Errorf("greedy matched %d > optimal %d", g.Matched, res.Matched)
	}
}
