package densgraph_test

import (
	"testing"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/spatial"
)

// TestRealMapEMD20026 builds the paper's density graph from the cubic
// B-spline interpolation of the EMD-20026 apoferritin map (1.75 Å, chain A
// zone, 94×104×112 voxels of 0.65 Å), normalised to [0, 1] with the paper's
// two-step normalisation, seeds above μ + 3σ on a 0.5 Å grid, and checks that
// the nodes cover the deposited model's C-alphas within 3 Å (Figure 6's
// coverage), computed here directly with a spatial index.
func TestRealMapEMD20026(t *testing.T) {
	g, _, err := mrc.ReadGrid(shared.Path(t, "maps/emd20026_apoferritin_chainA_zone.mrc.gz"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.ReadFile(shared.Path(t, "models/emd20026_3ajo_fitted_refined_chainA.pdb"))
	if err != nil {
		t.Fatal(err)
	}
	norm, err := grid.FitNormalization(g)
	if err != nil {
		t.Fatal(err)
	}
	f, err := grid.NewInterpolator(norm.Apply01(g), grid.MethodBSpline)
	if err != nil {
		t.Fatal(err)
	}
	var o densgraph.Options
	o.Seeds.Threshold = densgraph.Sigma(norm.Mean01, norm.Std01, 3)
	o.Seeds.Spacing = densgraph.DefaultSpacing(g.Spacing)
	o.Edges.Resolution = 1.75
	gr, rep, err := densgraph.Build(f, o)
	if err != nil {
		t.Fatal(err)
	}
	cas := m.CAlphas().Positions()
	if len(cas) != 172 {
		t.Fatalf("%d C-alphas, want 172 (chain A residues 5–176)", len(cas))
	}
	idx := spatial.NewIndex(gr.Positions(), 3)
	covered := 0
	for _, p := range cas {
		if i, _ := idx.Nearest(p, 3); i >= 0 {
			covered++
		}
	}
	cov := float64(covered) / float64(len(cas))
	t.Logf("seeds %d, peaks %d, dropped %d, nodes %d, edges %d; C-alpha coverage at 3 Å %d/%d = %.4f; seed %v walk %v cluster %v",
		rep.Seeds.Kept, rep.Walk.Peaks, rep.Walk.Dropped, len(gr.Nodes), len(gr.Edges), covered, len(cas), cov, rep.Times.Seed, rep.Times.Walk, rep.Times.Cluster)
	// Measured: 172/172 = 1.0000 (46157 seeds, 2111 nodes; 0.8 s on
	// 2 shared cores). The floor, 0.97, allows 5 of the 172 C-alphas to be
	// missed (rounding differences in the walk between machines could move
	// a peak, not remove a residue's density); the paper reports 84.5 % on
	// average above 1.6 Å and 99.4 % at atomic resolution, and this zone-
	// masked 1.75 Å map is close to atomic.
	const floor = 0.97
	if cov < floor {
		t.Errorf("C-alpha coverage within 3 Å %.4f, want ≥ %.2f", cov, floor)
	}
}
