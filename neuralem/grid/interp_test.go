package grid

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// The test frames use anisotropic spacing and a non-zero origin throughout.
var testFrame = Frame{Shape: [3]int{13, 11, 9}, Spacing: geom.Vec3{0.8, 1.1, 0.65}, Origin: geom.Point{-12.5, 30.25, 7}}

// gaussGrid fills f with a smooth sum of Gaussians (a toy density).
func gaussGrid(f Frame) *Grid {
	g := New(f)
	box := f.Box()
	size := box.Size()
	centres := []geom.Point{
		box.Min.Add(geom.Vec3{0.3 * size[0], 0.4 * size[1], 0.5 * size[2]}),
		box.Min.Add(geom.Vec3{0.7 * size[0], 0.6 * size[1], 0.3 * size[2]}),
		box.Min.Add(geom.Vec3{0.5 * size[0], 0.2 * size[1], 0.8 * size[2]}),
	}
	for k := 0; k < f.Shape[2]; k++ {
		for j := 0; j < f.Shape[1]; j++ {
			for i := 0; i < f.Shape[0]; i++ {
				p := f.PointOf(geom.Index{i, j, k})
				v := -0.05
				for n, c := range centres {
					v += float64(n+1) * 0.5 * math.Exp(-p.Dist2(c)/(2*1.5*1.5))
				}
				g.Set(i, j, k, float32(v))
			}
		}
	}
	return g
}

// randomPoints returns n points uniformly inside the box b.
func randomPoints(rng *rand.Rand, b geom.Box, n int) []geom.Point {
	pts := make([]geom.Point, n)
	s := b.Size()
	for i := range pts {
		pts[i] = b.Min.Add(geom.Vec3{rng.Float64() * s[0], rng.Float64() * s[1], rng.Float64() * s[2]})
	}
	return pts
}

func bothInterpolators(t testing.TB, g *Grid) []Interpolator {
	t.Helper()
	var out []Interpolator
	for _, m := range []Method{MethodTrilinear, MethodBSpline} {
		ip, err := NewInterpolator(g, m)
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		out = append(out, ip)
	}
	return out
}

func TestExactAtVoxelCentres(t *testing.T) {
	for _, f := range []Frame{testFrame, {Shape: [3]int{2, 3, 5}, Spacing: geom.Vec3{1.3, 0.4, 2}, Origin: geom.Point{1, -2, 3}}} {
		g := gaussGrid(f)
		var pts []geom.Point
		var want []float64
		for k := 0; k < f.Shape[2]; k++ {
			for j := 0; j < f.Shape[1]; j++ {
				for i := 0; i < f.Shape[0]; i++ {
					pts = append(pts, f.PointOf(geom.Index{i, j, k}))
					want = append(want, float64(g.At(i, j, k)))
				}
			}
		}
		for _, ip := range bothInterpolators(t, g) {
			got := make([]float64, len(pts))
			if err := ip.Sample(pts, got, nil); err != nil {
				t.Fatal(err)
			}
			for n := range pts {
				// Values are O(1); the B-spline prefilter is stable (gain 6,
				// |pole| 0.27), so rounding stays near 1e-15.
				if math.Abs(got[n]-want[n]) > 1e-13 {
					t.Errorf("%T shape %v: voxel centre %v: %.17g, want %.17g", ip, f.Shape, pts[n], got[n], want[n])
				}
			}
		}
	}
}

// dyadicFrame has spacing and origin that are short binary fractions, so a
// low-degree polynomial of the voxel positions is exact in float32.
var dyadicFrame = Frame{Shape: [3]int{41, 41, 41}, Spacing: geom.Vec3{0.5, 0.25, 1}, Origin: geom.Point{-10, -5, -20}}

// polyGrid samples p at the voxel centres of f and checks the samples are
// exact in float32.
func polyGrid(t *testing.T, f Frame, p func(geom.Point) float64) *Grid {
	t.Helper()
	g := New(f)
	for k := 0; k < f.Shape[2]; k++ {
		for j := 0; j < f.Shape[1]; j++ {
			for i := 0; i < f.Shape[0]; i++ {
				v := p(f.PointOf(geom.Index{i, j, k}))
				if float64(float32(v)) != v {
					t.Fatalf("test polynomial value %g at voxel (%d,%d,%d) is not exact in float32", v, i, j, k)
				}
				g.Set(i, j, k, float32(v))
			}
		}
	}
	return g
}

func TestTrilinearExactOnAffine(t *testing.T) {
	grad := geom.Vec3{1.5, -2, 0.25}
	affine := func(p geom.Point) float64 { return 3 + grad[0]*p[0] + grad[1]*p[1] + grad[2]*p[2] }
	g := polyGrid(t, dyadicFrame, affine)
	ip, err := NewTrilinear(g)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	pts := append(randomPoints(rng, ip.Domain(), 2000), ip.Domain().Min, ip.Domain().Max)
	val := make([]float64, len(pts))
	gr := make([]geom.Vec3, len(pts))
	if err := ip.Sample(pts, val, gr); err != nil {
		t.Fatal(err)
	}
	for n, p := range pts {
		// Everywhere, boundary included: values reach ~60, so 1e-12 is a few ulp.
		if e := math.Abs(val[n] - affine(p)); e > 1e-12 {
			t.Errorf("at %v: %.17g, want %.17g", p, val[n], affine(p))
		}
		if e := vsub(gr[n], grad).Norm(); e > 1e-12 {
			t.Errorf("gradient at %v: %v, want %v", p, gr[n], grad)
		}
	}
}

// vsub returns v − w.
func vsub(v, w geom.Vec3) geom.Vec3 { return geom.Vec3{v[0] - w[0], v[1] - w[1], v[2] - w[2]} }

func TestBSplineExactOnCubicsInInterior(t *testing.T) {
	// Degree ≤ 3 in each variable, with cross terms.
	cubic := func(p geom.Point) float64 {
		x, y, z := p[0], p[1], p[2]
		return 2 + x - 0.5*y*y + 0.25*x*x*x - 0.125*y*y*y + z*z*z/16 + x*y*z/4 + 0.5*x*x*z
	}
	dcubic := func(p geom.Point) geom.Vec3 {
		x, y, z := p[0], p[1], p[2]
		return geom.Vec3{1 + 0.75*x*x + y*z/4 + x*z, -y - 0.375*y*y + x*z/4, 3*z*z/16 + x*y/4 + 0.5*x*x}
	}
	g := polyGrid(t, dyadicFrame, cubic)
	ip, err := NewBSpline(g)
	if err != nil {
		t.Fatal(err)
	}
	scale := 0.0
	for _, x := range g.Data {
		scale = math.Max(scale, math.Abs(float64(x)))
	}
	rng := rand.New(rand.NewPCG(7, 8))
	// Interior: at least 18 voxels from every face, where the mirror boundary's
	// influence is below 0.268^18 ≈ 5e-11 of the data scale.
	const depth = 18
	lo := dyadicFrame.PointOf(geom.Index{depth, depth, depth})
	hi := dyadicFrame.PointOf(geom.Index{40 - depth, 40 - depth, 40 - depth})
	pts := randomPoints(rng, geom.Box{Min: lo, Max: hi}, 2000)
	val := make([]float64, len(pts))
	gr := make([]geom.Vec3, len(pts))
	if err := ip.Sample(pts, val, gr); err != nil {
		t.Fatal(err)
	}
	for n, p := range pts {
		if e := math.Abs(val[n]-cubic(p)) / scale; e > 1e-9 {
			t.Errorf("at %v: %.15g, want %.15g (err %g of scale %g)", p, val[n], cubic(p), e, scale)
		}
		if e := vsub(gr[n], dcubic(p)).Norm() / scale; e > 1e-9 {
			t.Errorf("gradient at %v: %v, want %v", p, gr[n], dcubic(p))
		}
	}
	// Near a face the mirror extension does not reproduce a cubic: check the
	// documented decay instead (error at depth d ≲ 0.268^d of the scale).
	for _, d := range []int{1, 4, 8} {
		u := float64(d) + 0.5
		p := dyadicFrame.ToPoint(geom.VoxelCoord{u, 20.5, 20.5})
		v, _, err := ip.Eval(p)
		if err != nil {
			t.Fatal(err)
		}
		if e := math.Abs(v-cubic(p)) / scale; e > 10*math.Pow(0.268, float64(d)) {
			t.Errorf("depth %d voxels: error %g of scale, above the documented 0.268^d decay", d, e)
		}
	}
}

func TestGradientsMatchFiniteDifferences(t *testing.T) {
	g := gaussGrid(testFrame)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, ip := range bothInterpolators(t, g) {
		_, trilinear := ip.(*Trilinear)
		dom := ip.Domain()
		var pts []geom.Point
		for len(pts) < 300 {
			p := randomPoints(rng, dom, 1)[0]
			if trilinear {
				// The trilinear gradient jumps at cell faces: keep the
				// ±h stencil inside one cell.
				u := testFrame.ToVoxel(p)
				ok := true
				for a := 0; a < 3; a++ {
					f := u[a] - math.Floor(u[a])
					ok = ok && f > 0.01 && f < 0.99
				}
				if !ok {
					continue
				}
			}
			pts = append(pts, p)
		}
		for _, p := range pts {
			v, gr, err := ip.Eval(p)
			if err != nil {
				t.Fatal(err)
			}
			for a := 0; a < 3; a++ {
				// h = 1e-4 Å: truncation error h²/6·f''' ≈ 1e-9 for this
				// smooth map; rounding ≈ 1e-16/h ≈ 1e-12. Trilinear is linear
				// along each axis inside a cell, so its FD is exact to rounding.
				h := 1e-4
				pp, pm := p, p
				pp[a] += h
				pm[a] -= h
				if !dom.Contains(pp) || !dom.Contains(pm) {
					continue
				}
				vp, _, _ := ip.Eval(pp)
				vm, _, _ := ip.Eval(pm)
				fd := (vp - vm) / (2 * h)
				if math.Abs(fd-gr[a]) > 1e-7*(1+math.Abs(gr[a])) {
					t.Errorf("%T at %v (value %g): ∂/∂%c = %.12g, central FD %.12g", ip, p, v, "xyz"[a], gr[a], fd)
				}
			}
		}
	}
}

func TestBSplineGradientZeroOnMirrorFaces(t *testing.T) {
	g := gaussGrid(testFrame)
	ip, err := NewBSpline(g)
	if err != nil {
		t.Fatal(err)
	}
	b := ip.Domain()
	mid := geom.Point{(b.Min[0] + b.Max[0]) / 2, (b.Min[1] + b.Max[1]) / 2, (b.Min[2] + b.Max[2]) / 2}
	for a := 0; a < 3; a++ {
		for _, face := range []float64{b.Min[a], b.Max[a]} {
			p := mid
			p[a] = face
			_, gr, err := ip.Eval(p)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(gr[a]) > 1e-12 {
				t.Errorf("normal gradient on face %c = %g: %g, want 0 (mirror boundary)", "xyz"[a], face, gr[a])
			}
		}
	}
}

func TestOutOfDomainErrors(t *testing.T) {
	g := gaussGrid(testFrame)
	dom := testFrame.Box()
	for _, ip := range bothInterpolators(t, g) {
		// Exactly on the corners is inside.
		if _, _, err := ip.Eval(dom.Min); err != nil {
			t.Errorf("%T: Min corner: %v", ip, err)
		}
		if _, _, err := ip.Eval(dom.Max); err != nil {
			t.Errorf("%T: Max corner: %v", ip, err)
		}
		out := dom.Max
		out[1] = math.Nextafter(out[1], math.Inf(1))
		pts := []geom.Point{dom.Min, out}
		err := ip.Sample(pts, make([]float64, 2), nil)
		if err == nil || !strings.Contains(err.Error(), "point 1") || !strings.Contains(err.Error(), fmt.Sprintf("%g", out[1])) {
			t.Errorf("%T: point just outside: err = %v, want one naming point 1 and its y", ip, err)
		}
		if _, _, err := ip.Eval(geom.Point{math.NaN(), 31, 8}); err == nil || !strings.Contains(err.Error(), "NaN") {
			t.Errorf("%T: NaN point: err = %v", ip, err)
		}
		if err := ip.Sample(pts, make([]float64, 1), nil); err == nil || !strings.Contains(err.Error(), "len(val)") {
			t.Errorf("%T: short val: err = %v", ip, err)
		}
		if err := ip.Sample(pts[:1], make([]float64, 1), make([]geom.Vec3, 2)); err == nil || !strings.Contains(err.Error(), "len(grad)") {
			t.Errorf("%T: long grad: err = %v", ip, err)
		}
	}
	bad := gaussGrid(testFrame)
	bad.Set(3, 4, 5, float32(math.Inf(1)))
	if _, err := NewBSpline(bad); err == nil || !strings.Contains(err.Error(), "[3 4 5]") {
		t.Errorf("Inf voxel: err = %v, want one naming voxel [3 4 5]", err)
	}
}

func TestSingleVoxelAxis(t *testing.T) {
	f := Frame{Shape: [3]int{6, 1, 5}, Spacing: geom.Vec3{1, 1, 1}, Origin: geom.Point{0, 2, 0}}
	g := gaussGrid(f)
	for _, ip := range bothInterpolators(t, g) {
		p := geom.Point{2.5, 2, 1.5}
		v, gr, err := ip.Eval(p)
		if err != nil {
			t.Fatal(err)
		}
		if gr[1] != 0 || math.IsNaN(v) {
			t.Errorf("%T on a 1-voxel Y axis: value %g gradient %v, want finite and ∂y = 0", ip, v, gr)
		}
		if _, _, err := ip.Eval(geom.Point{2.5, 2.1, 1.5}); err == nil {
			t.Errorf("%T: y off the single plane accepted", ip)
		}
	}
}

func TestParallelBatchMatchesSerial(t *testing.T) {
	g := gaussGrid(testFrame)
	rng := rand.New(rand.NewPCG(11, 12))
	pts := randomPoints(rng, testFrame.Box(), 3*parallelMinPoints+17)
	for _, ip := range bothInterpolators(t, g) {
		val := make([]float64, len(pts))
		gr := make([]geom.Vec3, len(pts))
		if err := ip.Sample(pts, val, gr); err != nil {
			t.Fatal(err)
		}
		vOnly := make([]float64, len(pts))
		if err := ip.Sample(pts, vOnly, nil); err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(pts); n += 97 {
			v, g1, _ := ip.Eval(pts[n])
			if v != val[n] || g1 != gr[n] {
				t.Fatalf("%T point %d: batch %g %v, single %g %v", ip, n, val[n], gr[n], v, g1)
			}
			// The value-only path sums in the same order (allowing for FMA
			// contraction on some architectures).
			if math.Abs(vOnly[n]-val[n]) > 1e-14 {
				t.Fatalf("%T point %d: value-only %g, with gradient %g", ip, n, vOnly[n], val[n])
			}
		}
	}
}

func TestResample(t *testing.T) {
	g := gaussGrid(testFrame)
	ip, err := NewBSpline(g)
	if err != nil {
		t.Fatal(err)
	}
	// Onto its own frame: the voxel values back (float32 rounding only).
	same, err := Resample(ip, g.Frame)
	if err != nil {
		t.Fatal(err)
	}
	for i := range g.Data {
		if math.Abs(float64(same.Data[i]-g.Data[i])) > 1e-6 {
			t.Fatalf("resample onto own frame: voxel %d: %g, want %g", i, same.Data[i], g.Data[i])
		}
	}
	// Onto a finer, shifted frame inside the domain: equals Eval at each centre.
	fine := Frame{Shape: [3]int{19, 17, 11}, Spacing: geom.Vec3{0.5, 0.5, 0.5}, Origin: testFrame.Origin.Add(geom.Vec3{0.3, 0.2, 0.1})}
	r, err := Resample(ip, fine)
	if err != nil {
		t.Fatal(err)
	}
	for _, idx := range []geom.Index{{0, 0, 0}, {18, 16, 10}, {7, 3, 9}} {
		v, _, err := ip.Eval(fine.PointOf(idx))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.At(idx[0], idx[1], idx[2]); math.Abs(float64(got)-v) > 1e-6 {
			t.Errorf("resampled voxel %v = %g, Eval %g", idx, got, v)
		}
	}
	// A frame reaching outside the domain is an error, not a clamp.
	fine.Shape[0] = 40
	if _, err := Resample(ip, fine); err == nil || !strings.Contains(err.Error(), "outside the domain") {
		t.Errorf("frame past the domain: err = %v", err)
	}
}

func TestParseMethod(t *testing.T) {
	for s, want := range map[string]Method{"trilinear": MethodTrilinear, "B-Spline": MethodBSpline, "cubic": MethodBSpline} {
		if m, err := ParseMethod(s); err != nil || m != want {
			t.Errorf("ParseMethod(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseMethod("nearest"); err == nil || !strings.Contains(err.Error(), "nearest") {
		t.Errorf("ParseMethod(nearest): err = %v", err)
	}
}
