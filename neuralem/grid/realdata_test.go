package grid_test

import (
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
)

// TestRealMapEMD2566 runs stats, normalisation, cropping around the model and
// both interpolators on the EMD-2566 cut-out and its deposited chain
// (../shared/data; the test fails if the data are missing).
func TestRealMapEMD2566(t *testing.T) {
	mapPath := shared.Path(t, "maps/emd2566_3j6b_chain9.mrc")
	g, _, err := mrc.ReadGrid(mapPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.ReadFile(shared.Path(t, "models/emd2566_3j6b_chain9.pdb"))
	if err != nil {
		t.Fatal(err)
	}
	var heavy []geom.Point
	for _, a := range m.Atoms {
		if a.Element != "H" && a.Element != "D" {
			heavy = append(heavy, a.Pos)
		}
	}

	// SOURCES.md: min −0.386, max 0.864, mean 0.0144, rounded to the digits
	// shown (tolerance: half a unit in the last digit).
	st := g.Stats()
	for _, c := range []struct {
		name           string
		got, want, tol float64
	}{{"min", st.Min, -0.386, 5e-4}, {"max", st.Max, 0.864, 5e-4}, {"mean", st.Mean, 0.0144, 5e-5}} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %g, SOURCES.md says %g", c.name, c.got, c.want)
		}
	}
	if st.Count != 35*52*47 || st.NaN+st.Inf != 0 {
		t.Errorf("stats %+v, want 35·52·47 finite voxels", st)
	}
	numpyStats(t, mapPath, st)

	// The fit check of SOURCES.md (trilinear at heavy atoms, z-score of their
	// mean against the map) gives z = 2.95: our frame must put the model on
	// the density the same way.
	tri, err := grid.NewTrilinear(g)
	if err != nil {
		t.Fatal(err)
	}
	val := make([]float64, len(heavy))
	if err := tri.Sample(heavy, val, nil); err != nil {
		t.Fatalf("heavy atoms outside the map: %v", err)
	}
	var sum float64
	for _, v := range val {
		sum += v
	}
	z := (sum/float64(len(val)) - st.Mean) / st.Std
	t.Logf("trilinear z-score at %d heavy atoms: %.4f", len(heavy), z)
	if math.Abs(z-2.95) > 0.01 {
		t.Errorf("z-score of trilinear density at %d heavy atoms = %.3f, SOURCES.md says 2.95", len(heavy), z)
	}

	// Crop around the model with a 3 Å margin: every atom stays inside, and
	// trilinear values (local, so unaffected by the crop) agree exactly.
	crop, lo, err := grid.CropAround(g, heavy, 3)
	if err != nil {
		t.Fatal(err)
	}
	ctri, err := grid.NewTrilinear(crop)
	if err != nil {
		t.Fatal(err)
	}
	cval := make([]float64, len(heavy))
	if err := ctri.Sample(heavy, cval, nil); err != nil {
		t.Fatalf("crop %v at %v lost atoms: %v", crop.Shape, lo, err)
	}
	for i := range val {
		if math.Abs(cval[i]-val[i]) > 1e-12 {
			t.Fatalf("atom %d: cropped map %g, full map %g", i, cval[i], val[i])
		}
	}

	// Normalise and check the B-spline of the normalised map against the
	// normalised trilinear values at the atoms: they differ (the spline
	// is not linear) but must be strongly correlated and on the same scale.
	nm, n, err := grid.Normalize(g)
	if err != nil {
		t.Fatal(err)
	}
	if n.Lo != 0 || n.Hi != st.Max || n.Clamped == 0 {
		t.Errorf("normalisation %+v: want Lo 0, Hi = map max, some clamped voxels", n)
	}
	bs, err := grid.NewBSpline(nm)
	if err != nil {
		t.Fatal(err)
	}
	ntri, err := grid.NewTrilinear(nm)
	if err != nil {
		t.Fatal(err)
	}
	bv := make([]float64, len(heavy))
	tv := make([]float64, len(heavy))
	if err := bs.Sample(heavy, bv, nil); err != nil {
		t.Fatal(err)
	}
	if err := ntri.Sample(heavy, tv, nil); err != nil {
		t.Fatal(err)
	}
	r := corr(bv, tv)
	t.Logf("B-spline vs trilinear at atoms: correlation %.4f; normalisation %+v", r, n)
	if r < 0.95 {
		t.Errorf("correlation of B-spline and trilinear values at atoms = %.3f, want > 0.95", r)
	}
	if thr := n.Threshold(3); !(thr > n.Mean && thr < 1) {
		t.Errorf("μ+3σ = %g on [−1, 1] with μ = %g", thr, n.Mean)
	}
}

func corr(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

// numpyStats checks Stats against mrcfile + numpy (float64 accumulation).
// Without the tools it skips that part, or fails when CI is set.
func numpyStats(t *testing.T, path string, st grid.Stats) {
	t.Helper()
	const py = "/usr/bin/python3"
	script := `import sys, mrcfile, numpy as np
d = mrcfile.open(sys.argv[1], permissive=True).data.astype(np.float64)
print(repr(d.min()), repr(d.max()), repr(d.mean()), repr(d.std()))`
	out, err := exec.Command(py, "-c", script, path).Output()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: %s with mrcfile and numpy is required (apt-get install python3-mrcfile): %v", py, err)
		}
		t.Logf("skipping the numpy cross-check: %s with mrcfile unavailable (%v)", py, err)
		return
	}
	f := strings.Fields(string(out))
	if len(f) != 4 {
		t.Fatalf("numpy printed %q", out)
	}
	for i, got := range []float64{st.Min, st.Max, st.Mean, st.Std} {
		want, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			t.Fatalf("numpy printed %q: %v", out, err)
		}
		// Both accumulate in float64 over 85k values.
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("stat %d: ours %.17g, numpy %.17g", i, got, want)
		}
	}
}
