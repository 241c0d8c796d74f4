package experiment

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/molmap"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/region"
)

// TestRescaled: a field on one normalisation's [0, 1] scale, rescaled to
// another's, gives the same density in the original units; gradients
// scale with it.
func TestRescaled(t *testing.T) {
	g := grid.New(grid.Frame{Shape: [3]int{4, 4, 4}, Spacing: geom.Vec3{1, 1, 1}})
	for i := range g.Data {
		g.Data[i] = float32(i%5) - 1 // −1 … 3
	}
	from := grid.Normalization{Lo: 0, Hi: 3}
	to := grid.Normalization{Lo: 0, Hi: 6}
	f, err := grid.NewInterpolator(from.Apply01(g), grid.MethodTrilinear)
	if err != nil {
		t.Fatal(err)
	}
	r := rescaled(f, from, to)
	pts := []geom.Point{{0.5, 1.2, 2.7}, {3, 0, 1}}
	v, w := make([]float64, 2), make([]float64, 2)
	gv, gw := make([]geom.Vec3, 2), make([]geom.Vec3, 2)
	if err := f.Sample(pts, v, gv); err != nil {
		t.Fatal(err)
	}
	if err := r.Sample(pts, w, gw); err != nil {
		t.Fatal(err)
	}
	for i := range pts {
		if raw := from.From01(v[i]); math.Abs(to.From01(w[i])-raw) > 1e-12 {
			t.Errorf("point %d: %g on the new scale is %g, want %g", i, w[i], to.From01(w[i]), raw)
		}
		if d := gw[i].Add(gv[i].Scale(-0.5)); d.Norm() > 1e-12 {
			t.Errorf("point %d: gradient %v, want %v", i, gw[i], gv[i].Scale(0.5))
		}
	}
	if rescaled(f, from, from) != f {
		t.Error("same normalisation: not the field itself")
	}
}

// TestGraphNeuralModelMargin: with ModelMargin the neural map is fitted on
// the map around the model and thresholded like the whole-map B-spline.
// The pair is small and synthetic (crambin's first 6 residues simulated at
// 3 Å on 1.5 Å voxels in a box padded by 8 Å, written as MRC + PDB) so the
// fit and the neural walk take seconds.
func TestGraphNeuralModelMargin(t *testing.T) {
	m, err := model.ReadFile(crambin(t, 3).Path)
	if err != nil {
		t.Fatal(err)
	}
	m = m.Select(func(a *model.Atom) bool { return a.ResSeq <= 6 })
	p := molmap.Defaults(3)
	p.Spacing, p.Padding = 1.5, 8
	g, err := molmap.Simulate(m.Atoms, p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pair := Pair{Name: "crambin-6", Map: filepath.Join(dir, "map.mrc"), Model: filepath.Join(dir, "model.pdb"), Resolution: 3, Masked: true}
	if err := mrc.Write(pair.Map, g, mrc.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := model.WritePDBFile(pair.Model, m); err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig()
	cfg.MaxSteps = 120
	r, err := RunGraph(context.Background(), GraphOptions{Pairs: []Pair{pair}, FitNeural: true, ModelMargin: 4, Config: cfg,
		Tiling: region.Options{Size: 64, Overlap: 4}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 2 || r.Rows[0].Field != "bspline" || r.Rows[1].Field != "neural" {
		t.Fatalf("rows %+v, want bspline and neural", r.Rows)
	}
	b, n := r.Rows[0], r.Rows[1]
	t.Logf("B-spline: %d nodes, CA coverage %.2f; neural: %d nodes, %.2f (%s)", b.Nodes, b.CACoverage, n.Nodes, n.CACoverage, n.NeuralSummary)
	// The fit's grid is smaller than the map (8 Å padding, 4 Å margin):
	// its own μ and σ would differ; the row must carry the whole map's.
	if n.Threshold != b.Threshold || n.Mu != b.Mu || n.Sigma != b.Sigma || n.Domain != b.Domain || n.Atoms != b.Atoms || n.Crop != 0 {
		t.Errorf("neural threshold %g (μ %g σ %g), domain %v, %d atoms, crop %g; B-spline %g (μ %g σ %g), %v, %d atoms",
			n.Threshold, n.Mu, n.Sigma, n.Domain, n.Atoms, n.Crop, b.Threshold, b.Mu, b.Sigma, b.Domain, b.Atoms)
	}
	if !strings.Contains(n.Source, "whole map's scale") || n.Nodes == 0 {
		t.Errorf("neural row: source %q, %d nodes", n.Source, n.Nodes)
	}
	if r.Options.Init != InitRandom {
		t.Errorf("options record init %q, want %q", r.Options.Init, InitRandom)
	}
}
