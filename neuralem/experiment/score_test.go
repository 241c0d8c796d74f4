package experiment

import (
	"context"
	"math"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/molmap"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// TestIsPeak: isolated maxima are found, a plateau counts once, a shoulder
// does not count.
func TestIsPeak(t *testing.T) {
	g := grid.New(grid.Frame{Shape: [3]int{9, 9, 9}, Spacing: geom.Vec3{1, 1, 1}})
	set := func(i, j, k int, v float32) { g.Set(i, j, k, v) }
	set(2, 2, 2, 1)    // isolated maximum
	set(6, 6, 6, 0.8)  // plateau of two equal voxels
	set(7, 6, 6, 0.8)  //
	set(2, 6, 2, 0.5)  // maximum with a lower shoulder
	set(3, 6, 2, 0.4)  //
	set(6, 2, 6, 0.3)  // not a maximum: a higher neighbour
	set(6, 2, 5, 0.31) // … which is one
	var got []geom.Index
	for k := 1; k < 8; k++ {
		for j := 1; j < 8; j++ {
			for i := 1; i < 8; i++ {
				if g.At(i, j, k) > 0 && isPeak(g, i, j, k) {
					got = append(got, geom.Index{i, j, k})
				}
			}
		}
	}
	want := []geom.Index{{2, 2, 2}, {2, 6, 2}, {6, 2, 5}, {6, 6, 6}}
	if len(got) != len(want) {
		t.Fatalf("peaks %v, want %v", got, want)
	}
	for _, w := range want {
		found := false
		for _, p := range got {
			found = found || p == w
		}
		if !found {
			t.Errorf("peak %v missing from %v", w, got)
		}
	}
}

// TestScoreSlabs: scoring a molmap control in many halo'd slabs gives the
// same voxels, peaks and errors as one slab; linear interpolation of a
// coarser map flattens the control's peaks.
func TestScoreSlabs(t *testing.T) {
	m, err := model.ReadFile(crambin(t, 1.5).Path)
	if err != nil {
		t.Fatal(err)
	}
	p := molmap.Defaults(1.5)
	p.Spacing = 0.2
	full, err := molmap.BoundingFrame(m.Atoms, p)
	if err != nil {
		t.Fatal(err)
	}
	c := geom.Index{full.Shape[0] / 2, full.Shape[1] / 2, full.Shape[2] / 2}
	f, err := full.SubFrame(geom.Index{c[0] - 20, c[1] - 20, c[2] - 20}, geom.Index{c[0] + 20, c[1] + 20, c[2] + 20})
	if err != nil {
		t.Fatal(err)
	}
	// A field to score: the control itself, trilinear on a coarser grid.
	pIn := molmap.Defaults(1.5)
	in, err := molmap.OnFrame(m.Atoms, grid.Frame{Shape: [3]int{18, 18, 18}, Spacing: geom.Vec3{0.5, 0.5, 0.5}, Origin: f.Origin}, pIn)
	if err != nil {
		t.Fatal(err)
	}
	tri, err := grid.NewInterpolator(in, grid.MethodTrilinear)
	if err != nil {
		t.Fatal(err)
	}
	dom := tri.Domain()
	hi := float64(in.Stats().Max)
	to01 := func(v float64) float64 { return v / hi }
	nop := func(string, string, *neuralmap.FitProgress) {}
	var sums []controlSummary
	var errs []ErrStats
	for _, maxVox := range []int{1 << 30, 40 * 40 * 3, 40 * 40} { // one slab; 3 planes; 1 plane per slab
		slabs := newControlSlabs(m.Atoms, f, p, maxVox)
		sc := newScorer(context.Background(), []scoredField{{field: tri, to01: to01}}, 1)
		cs, err := sc.score(slabs, dom, to01, nop)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, cs)
		errs = append(errs, sc.stats(0))
	}
	// molmap's values on a sub-frame agree with the whole frame's to float32
	// rounding (~1e-7 relative), not bit for bit: counts must be equal,
	// statistics equal to 1e-6.
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(math.Abs(a), math.Abs(b)) }
	for i := 1; i < len(sums); i++ {
		a, b := sums[i], sums[0]
		if a.Voxels != b.Voxels || a.NonZero != b.NonZero || a.Peaks != b.Peaks || !near(a.Mean01, b.Mean01) || !near(a.Max01, b.Max01) || !near(a.RawMax, b.RawMax) {
			t.Errorf("slabs %d: summary %+v, one slab %+v", i, a, b)
		}
		e, f := errs[i], errs[0]
		if !near(e.MAE, f.MAE) || !near(e.Max, f.Max) || !near(e.RMSE, f.RMSE) || !near(e.PeakMAE, f.PeakMAE) {
			t.Errorf("slabs %d: errors %+v, one slab %+v", i, e, f)
		}
	}
	// A quarter of the voxels, every peak: about a quarter sampled, the
	// same peaks, an MAE within sampling error (53 738 voxels: the
	// subset's relative error is ~1 %), reproducibly.
	for run := 0; run < 2; run++ {
		sc := newScorer(context.Background(), []scoredField{{field: tri, to01: to01}}, 0.25)
		cs, err := sc.score(newControlSlabs(m.Atoms, f, p, 40*40*3), dom, to01, nop)
		if err != nil {
			t.Fatal(err)
		}
		q := float64(cs.Sampled-cs.Peaks) / float64(cs.NonZero-cs.Peaks)
		e := sc.stats(0)
		if cs.NonZero != sums[0].NonZero || cs.Peaks != sums[0].Peaks || math.Abs(q-0.25) > 0.01 ||
			math.Abs(e.MAE/errs[0].MAE-1) > 0.05 || !near(e.PeakMAE, errs[0].PeakMAE) {
			t.Errorf("fraction 0.25: %+v (%.3f sampled), errors %+v; all voxels %+v, %+v", cs, q, e, sums[0], errs[0])
		}
		if run == 0 {
			sums = append(sums, cs)
		} else if cs != sums[len(sums)-1] {
			t.Errorf("fraction 0.25 not reproducible: %+v then %+v", sums[len(sums)-1], cs)
		}
	}
	if sums[0].Peaks < 5 {
		t.Fatalf("%d peaks in a 7.8 Å cube of crambin at 1.5 Å, want several", sums[0].Peaks)
	}
	if !(errs[0].PeakBias < 0) {
		t.Errorf("trilinear peak bias %g, want < 0 (linear interpolation flattens peaks)", errs[0].PeakBias)
	}
}
