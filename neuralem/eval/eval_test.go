package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/model"
)

func x(v float64) geom.Point { return geom.Point{v, 0, 0} }

func TestGreedyBlocksOptimalDoesNot(t *testing.T) {
	// N0–A0 is the shortest pair (0.75 Å) but taking it leaves N1 and A1
	// without partners; the optimum uses N0–A1 (0.9) and N1–A0 (0.85).
	nodes := []geom.Point{x(0), x(1.6)}
	atoms := []geom.Point{x(0.75), x(-0.9)}
	g, err := Match(nodes, atoms, 1, Greedy)
	if err != nil {
		t.Fatal(err)
	}
	o, err := Match(nodes, atoms, 1, Optimal)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Pairs) != 1 || g.NodeAtom[0] != 0 {
		t.Errorf("greedy: %+v", g.Pairs)
	}
	if len(o.Pairs) != 2 || o.NodeAtom[0] != 1 || o.NodeAtom[1] != 0 || o.AtomNode[0] != 1 {
		t.Errorf("optimal: %+v", o.Pairs)
	}
	if want := math.Sqrt((0.9*0.9 + 0.85*0.85) / 2); math.Abs(o.RMSD()-want) > 1e-12 {
		t.Errorf("optimal RMSD %g, want %g", o.RMSD(), want)
	}
}

func TestGreedyLongerTotalSameCount(t *testing.T) {
	// Both match 2 pairs; greedy takes N0–A0 (0.1) and must then use
	// N1–A1 (0.5): total 0.6. Optimal: N0–A1 (0.2) + N1–A0 (0.2) = 0.4.
	nodes := []geom.Point{x(0), x(0.3)}
	atoms := []geom.Point{x(0.1), x(-0.2)}
	g, _ := Match(nodes, atoms, 1, Greedy)
	o, _ := Match(nodes, atoms, 1, Optimal)
	if len(g.Pairs) != 2 || math.Abs(g.TotalDist()-0.6) > 1e-12 {
		t.Errorf("greedy: %+v total %g", g.Pairs, g.TotalDist())
	}
	if len(o.Pairs) != 2 || math.Abs(o.TotalDist()-0.4) > 1e-12 {
		t.Errorf("optimal: %+v total %g", o.Pairs, o.TotalDist())
	}
}

// bruteBest enumerates every exclusive matching within r and returns the
// best (most pairs, then least total distance).
func bruteBest(nodes, atoms []geom.Point, r float64) (int, float64) {
	used := make([]bool, len(atoms))
	bestN, bestD := 0, 0.0
	var rec func(i, n int, d float64)
	rec = func(i, n int, d float64) {
		if i == len(nodes) {
			if n > bestN || (n == bestN && d < bestD-1e-12) {
				bestN, bestD = n, d
			}
			return
		}
		rec(i+1, n, d)
		for j, a := range atoms {
			if dd := nodes[i].Dist(a); !used[j] && dd <= r {
				used[j] = true
				rec(i+1, n+1, d+dd)
				used[j] = false
			}
		}
	}
	rec(0, 0, 0)
	return bestN, bestD
}

func TestOptimalMatchesExhaustiveSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 300; trial++ {
		nn, na := 1+rng.IntN(7), 1+rng.IntN(7)
		nodes := make([]geom.Point, nn)
		atoms := make([]geom.Point, na)
		for i := range nodes {
			nodes[i] = geom.Point{rng.Float64() * 3, rng.Float64() * 2, rng.Float64()}
		}
		for i := range atoms {
			atoms[i] = geom.Point{rng.Float64() * 3, rng.Float64() * 2, rng.Float64()}
		}
		r := 0.6 + rng.Float64()
		o, err := Match(nodes, atoms, r, Optimal)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := Match(nodes, atoms, r, Greedy)
		wn, wd := bruteBest(nodes, atoms, r)
		if len(o.Pairs) != wn || math.Abs(o.TotalDist()-wd) > 1e-9 {
			t.Fatalf("trial %d: optimal %d pairs total %g, exhaustive %d total %g", trial, len(o.Pairs), o.TotalDist(), wn, wd)
		}
		if len(g.Pairs) > wn {
			t.Fatalf("trial %d: greedy found more pairs than the optimum", trial)
		}
		checkConsistent(t, o, nodes, atoms)
		checkConsistent(t, g, nodes, atoms)
	}
}

func checkConsistent(t *testing.T, m *Matching, nodes, atoms []geom.Point) {
	t.Helper()
	seenA := map[int]bool{}
	for _, p := range m.Pairs {
		if m.NodeAtom[p.Node] != p.Atom || m.AtomNode[p.Atom] != p.Node || seenA[p.Atom] || p.Dist > m.Radius ||
			math.Abs(p.Dist-nodes[p.Node].Dist(atoms[p.Atom])) > 1e-12 {
			t.Fatalf("inconsistent pair %+v", p)
		}
		seenA[p.Atom] = true
	}
}

func TestOptimalOnLargeComponents(t *testing.T) {
	// A dense chain-like cloud whose candidate graph is one big component:
	// the optimum can never match fewer pairs than greedy, and must be
	// maximal (no free node has a free atom within the radius).
	rng := rand.New(rand.NewPCG(2, 2))
	var nodes, atoms []geom.Point
	for i := 0; i < 600; i++ {
		c := geom.Point{float64(i) * 0.25, 0, 0}
		atoms = append(atoms, c.Add(geom.Vec3{rng.NormFloat64() * 0.4, rng.NormFloat64() * 0.4, rng.NormFloat64() * 0.4}))
		if i%5 != 0 {
			nodes = append(nodes, c.Add(geom.Vec3{rng.NormFloat64() * 0.5, rng.NormFloat64() * 0.5, rng.NormFloat64() * 0.5}))
		}
	}
	o, err := Match(nodes, atoms, 1, Optimal)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := Match(nodes, atoms, 1, Greedy)
	if o.LargestComponent < 100 {
		t.Fatalf("largest component %d, want a big one", o.LargestComponent)
	}
	if len(o.Pairs) < len(g.Pairs) {
		t.Errorf("optimal %d pairs < greedy %d", len(o.Pairs), len(g.Pairs))
	}
	for i, p := range nodes {
		if o.NodeAtom[i] >= 0 {
			continue
		}
		for j, a := range atoms {
			if o.AtomNode[j] < 0 && p.Dist(a) <= 1 {
				t.Fatalf("free node %d and free atom %d within 1 Å", i, j)
			}
		}
	}
	checkConsistent(t, o, nodes, atoms)
	t.Logf("%d nodes, %d atoms, %d candidates, largest component %d: optimal %d pairs (total %.2f Å), greedy %d (total %.2f Å)",
		len(nodes), len(atoms), o.Candidates, o.LargestComponent, len(o.Pairs), o.TotalDist(), len(g.Pairs), g.TotalDist())
}

func TestMatchErrors(t *testing.T) {
	if _, err := Match(nil, nil, 0, Optimal); err == nil {
		t.Error("radius 0 accepted")
	}
	if _, err := Match([]geom.Point{{math.NaN(), 0, 0}}, nil, 1, Optimal); err == nil {
		t.Error("NaN node accepted")
	}
	if _, err := Match(nil, nil, 1, Method(7)); err == nil {
		t.Error("unknown method accepted")
	}
}

func atom(name, res string, seq int, el string, p geom.Point) model.Atom {
	return model.Atom{Name: name, ResName: res, Chain: "A", ResSeq: seq, Element: el, Pos: p}
}

func TestEvaluateHandCase(t *testing.T) {
	// Two residues: GLY 1 (N, CA, C, O) and a water. Nodes: one on CA
	// (0.1 Å off), one 0.5 Å from N, one 0.3 Å from the water O, one far
	// away, one 2 Å from the CA (only counts for the 3 Å C-alpha metrics).
	atoms := []model.Atom{
		atom("N", "GLY", 1, "N", geom.Point{0, 0, 0}),
		atom("CA", "GLY", 1, "C", geom.Point{1.45, 0, 0}),
		atom("C", "GLY", 1, "C", geom.Point{2.0, 1.4, 0}),
		atom("O", "GLY", 1, "O", geom.Point{3.2, 1.6, 0}),
		atom("O", "HOH", 2, "O", geom.Point{10, 10, 10}),
	}
	nodes := []geom.Point{
		{1.55, 0, 0},    // CA, 0.1
		{0, 0.5, 0},     // N, 0.5
		{10, 10.3, 10},  // water, 0.3
		{30, 30, 30},    // nothing
		{1.45, -2.0, 0}, // 2 Å from CA, 2.0 from N... > 1 Å from every atom
	}
	res, err := Evaluate(nodes, atoms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Matched != 3 || res.Atoms != 5 || res.Nodes != 5 {
		t.Fatalf("matched %d atoms %d nodes %d", res.Matched, res.Atoms, res.Nodes)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if !near(res.Sensitivity, 3.0/5) || !near(res.Specificity, 3.0/5) {
		t.Errorf("sensitivity %g specificity %g", res.Sensitivity, res.Specificity)
	}
	if want := math.Sqrt((0.01 + 0.25 + 0.09) / 3); !near(res.RMSD, want) {
		t.Errorf("RMSD %g, want %g", res.RMSD, want)
	}
	if c := res.ByElement["C"]; c.Atoms != 2 || c.Matched != 1 {
		t.Errorf("C: %+v", c)
	}
	if c := res.ByElement["O"]; c.Atoms != 2 || c.Matched != 1 || !near(c.Sensitivity(), 0.5) {
		t.Errorf("O: %+v", c)
	}
	if c := res.ByResName["HOH"]; c.Atoms != 1 || c.Matched != 1 {
		t.Errorf("HOH: %+v", c)
	}
	if len(res.Residues) != 2 || res.Residues[0].ResName != "GLY" || res.Residues[0].Atoms != 4 || res.Residues[0].Matched != 2 {
		t.Errorf("residues %+v", res.Residues)
	}
	// C-alpha at 3 Å: one CA; nodes within 3 Å of it: #0 (0.1), #1 (1.53),
	// #4 (2.0). Coverage 1, 3 of 5 nodes near a CA, closest 0.1 Å;
	// exclusive: 1 pair (0.1 Å).
	c := res.CA
	if c.CAs != 1 || c.Covered != 1 || !near(c.Coverage, 1) || c.NodesNear != 3 || !near(c.NodeFraction, 0.6) {
		t.Errorf("CA %+v", c)
	}
	if !near(c.ClosestRMSD, 0.1) || c.ExclusivePair != 1 || !near(c.ExclusiveSensitivity, 1) ||
		!near(c.ExclusiveSpecificity, 0.2) || !near(c.ExclusiveRMSD, 0.1) {
		t.Errorf("CA %+v", c)
	}
	// Selecting heavy protein atoms only drops the water.
	res, err = Evaluate(nodes, atoms, Options{Atoms: model.Protein})
	if err != nil {
		t.Fatal(err)
	}
	if res.Atoms != 4 || res.Matched != 2 || !near(res.Specificity, 0.4) {
		t.Errorf("protein only: atoms %d matched %d spec %g", res.Atoms, res.Matched, res.Specificity)
	}
	// Degenerate inputs.
	if _, err := Evaluate(nodes, nil, Options{}); err == nil {
		t.Error("no atoms accepted")
	}
	res, err = Evaluate(nil, atoms, Options{})
	if err != nil || res.Sensitivity != 0 || !math.IsNaN(res.Specificity) || res.CA.Covered != 0 {
		t.Errorf("no nodes: %v %+v", err, res)
	}
	if _, err := Evaluate(nodes, atoms, Options{Radius: -1}); err == nil {
		t.Error("negative radius accepted")
	}
}

func BenchmarkMatchOptimal(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	var nodes, atoms []geom.Point
	for i := 0; i < 20000; i++ {
		// protein-like density of atoms: ~1 atom per 11 Å³
		atoms = append(atoms, geom.Point{rng.Float64() * 60, rng.Float64() * 60, rng.Float64() * 60})
		if i%10 != 0 {
			nodes = append(nodes, atoms[i].Add(geom.Vec3{rng.NormFloat64() * 0.3, rng.NormFloat64() * 0.3, rng.NormFloat64() * 0.3}))
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Match(nodes, atoms, 1, Optimal); err != nil {
			b.Fatal(err)
		}
	}
}
