package densgraph_test

import (
	"fmt"
	"math"
	"os"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/geom"
)

// twoAtoms is a tiny analytic map: two Gaussian "atoms" 1.5 Å apart.
type twoAtoms struct{}

var centres = []geom.Point{{4, 4, 4}, {5.5, 4, 4}}

func (twoAtoms) Domain() geom.Box { return geom.Box{Max: geom.Point{9, 8, 8}} }

func (twoAtoms) Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error {
	for i, p := range pts {
		val[i] = 0
		var g geom.Vec3
		for _, c := range centres {
			d := p.Sub(c)
			e := math.Exp(-d.Dot(d) / (2 * 0.4 * 0.4))
			val[i] += e
			g = g.Add(d.Scale(-e / (0.4 * 0.4)))
		}
		if grad != nil {
			grad[i] = g
		}
	}
	return nil
}

func ExampleBuild() {
	g, rep, err := densgraph.Build(twoAtoms{}, densgraph.Options{
		Seeds: densgraph.SeedOptions{Threshold: densgraph.Absolute(0.3)},
		Edges: densgraph.EdgeOptions{Resolution: 1.2}, // cutoff 2.4 Å
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d seeds kept of %d, %d dropped\n", rep.Seeds.Kept, rep.Seeds.Made, rep.Walk.Dropped)
	for _, n := range g.Nodes {
		fmt.Printf("node at (%.2f, %.2f, %.2f) Å, density %.2f, %d seeds\n", n.Pos[0], n.Pos[1], n.Pos[2], n.Density, n.Size)
	}
	for _, e := range g.Edges {
		fmt.Printf("edge %d–%d: %.2f Å\n", e.I, e.J, e.Length)
	}
	// PDB for a quick look in ChimeraX or Coot (mmCIF keeps full precision).
	if err := densgraph.WritePDB(os.Stdout, g); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 14 seeds kept of 5491, 0 dropped
	// node at (4.00, 4.00, 4.00) Å, density 1.00, 7 seeds
	// node at (5.50, 4.00, 4.00) Å, density 1.00, 7 seeds
	// edge 0–1: 1.50 Å
	// REMARK   1 NEURALEM DENSITY GRAPH 2 NODES 1 EDGES
	// REMARK   3 NEURALEM DENSITY SCALE 100
	// HETATM    1  C   NOD A   1       4.001   4.000   4.000  1.00100.09           C
	// HETATM    2  C   NOD A   2       5.499   4.000   4.000  1.00100.09           C
	// CONECT    1    2
	// CONECT    2    1
	// END
}

// Walk once, then build graphs at several thresholds and DBSCAN eps: the
// seeds are laid at the lowest threshold and each graph keeps those above
// its own.
func ExampleSeedAndWalk() {
	w, err := densgraph.SeedAndWalk(twoAtoms{}, densgraph.SeedOptions{Threshold: densgraph.Absolute(0.1)}, densgraph.WalkOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d seeds walked to %d peaks\n", len(w.Seeds), len(w.Walk.Peaks))
	for _, level := range []float64{0.1, 0.5, 0.9} {
		for _, eps := range []float64{0.2, 2} {
			g, rep, err := w.Graph(densgraph.Absolute(level), densgraph.ClusterOptions{Eps: eps}, densgraph.EdgeOptions{Resolution: 1.2})
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Printf("density > %.1f, eps %.1f Å: %3d seeds, %d nodes, %d edges\n", level, eps, rep.Seeds.Kept, len(g.Nodes), len(g.Edges))
		}
	}
	// Output:
	// 46 seeds walked to 46 peaks
	// density > 0.1, eps 0.2 Å:  46 seeds, 2 nodes, 1 edges
	// density > 0.1, eps 2.0 Å:  46 seeds, 1 nodes, 0 edges
	// density > 0.5, eps 0.2 Å:   4 seeds, 2 nodes, 1 edges
	// density > 0.5, eps 2.0 Å:   4 seeds, 1 nodes, 0 edges
	// density > 0.9, eps 0.2 Å:   2 seeds, 2 nodes, 1 edges
	// density > 0.9, eps 2.0 Å:   2 seeds, 1 nodes, 0 edges
}
