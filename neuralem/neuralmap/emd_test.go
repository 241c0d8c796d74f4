package neuralmap

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
)

// TestFitEMD20026Crop fits a 28³ crop (18.2 Å cube) of the EMD-20026
// apoferritin map around the centre of its deposited model with the "cpu"
// preset exactly as shipped (neuralmap.Preset: 2×2×2 regions of 16³), and
// checks the paper's fit criterion (MSE < 4e-4 on the networks' [−1, 1]
// scale) for the blended map on every voxel of the crop, plus gradients
// against central differences of the float64 reference.
func TestFitEMD20026Crop(t *testing.T) {
	g, _, err := mrc.ReadGrid(shared.Path(t, "maps/emd20026_apoferritin_chainA_zone.mrc.gz"))
	if err != nil {
		t.Fatal(err)
	}
	mdl, err := model.ReadFile(shared.Path(t, "models/emd20026_3ajo_fitted_refined_chainA.pdb"))
	if err != nil {
		t.Fatal(err)
	}
	var c geom.Point
	for _, a := range mdl.Atoms {
		c = c.Add(geom.Vec3(a.Pos).Scale(1 / float64(len(mdl.Atoms))))
	}
	v := g.ToVoxel(c)
	const n = 28
	lo := geom.Index{int(math.Round(v[0])) - n/2, int(math.Round(v[1])) - n/2, int(math.Round(v[2])) - n/2}
	crop, err := grid.Crop(g, lo, geom.Index{lo[0] + n, lo[1] + n, lo[2] + n})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := Preset("cpu")
	if err != nil {
		t.Fatal(err)
	}
	opts.Resolution = 1.75
	m, err := Fit(context.Background(), crop, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Regions) != 8 {
		t.Errorf("28³ crop cut into %d regions by the cpu preset, want 2×2×2", len(m.Regions))
	}
	normed, _, err := grid.Normalize(crop)
	if err != nil {
		t.Fatal(err)
	}
	pts := make([]geom.Point, 0, crop.Len())
	for k := 0; k < n; k++ {
		for j := 0; j < n; j++ {
			for i := 0; i < n; i++ {
				pts = append(pts, crop.PointOf(geom.Index{i, j, k}))
			}
		}
	}
	val := make([]float64, len(pts))
	if err := m.SampleUnits(pts, val, nil, UnitsSigned); err != nil {
		t.Fatal(err)
	}
	var mse float64
	for i, x := range normed.Data {
		mse += (val[i] - float64(x)) * (val[i] - float64(x)) / float64(len(pts))
	}
	t.Logf("EMD-20026 %d³ crop at voxel %v: %s; MSE on voxels %.3g", n, lo, m.FitSummary(), mse)
	if mse >= 4e-4 {
		t.Errorf("MSE on the crop's voxels %.3g, want < 4e-4", mse)
	}
	// Gradients per Å at random off-grid points vs central differences of
	// the float64 reference forward pass.
	rng := rand.New(rand.NewPCG(20026, 1))
	const h = 1e-5
	dom := m.Domain()
	q := randomPointsIn(rng, geom.Box{Min: dom.Min.Add(geom.Vec3{h, h, h}), Max: dom.Max.Add(geom.Vec3{-h, -h, -h})}, 60)
	qv := make([]float64, len(q))
	qg := make([]geom.Vec3, len(q))
	if err := m.SampleUnits(q, qv, qg, UnitsSigned); err != nil {
		t.Fatal(err)
	}
	maxErr, maxG := 0.0, 0.0
	for i, p := range q {
		for a := 0; a < 3; a++ {
			p1, p2 := p, p
			p1[a] += h
			p2[a] -= h
			fd := (refSample(t, m, p1) - refSample(t, m, p2)) / (2 * h)
			maxErr = math.Max(maxErr, math.Abs(fd-qg[i][a]))
			maxG = math.Max(maxG, math.Abs(fd))
		}
	}
	t.Logf("gradient vs central differences: max error %.2g per Å, max |grad| %.3g per Å", maxErr, maxG)
	if maxErr > 1e-3*maxG {
		t.Errorf("gradient error %.3g per Å exceeds 1e-3 of the largest gradient %.3g", maxErr, maxG)
	}
}
