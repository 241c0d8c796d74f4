package grid

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

func randomGrid(rng *rand.Rand, shape [3]int, lo, hi float64) *Grid {
	g := New(Frame{Shape: shape, Spacing: geom.Vec3{0.8, 1.1, 0.65}, Origin: geom.Point{-12.5, 30.25, 7}})
	for i := range g.Data {
		g.Data[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return g
}

// refNormalize01 is the authors' numpy code written out naively:
// v[v<0] = 0; v = (v − v.min())/(v.max() − v.min()).
func refNormalize01(data []float32) []float64 {
	v := make([]float64, len(data))
	mn, mx := math.Inf(1), math.Inf(-1)
	for i, x := range data {
		v[i] = math.Max(float64(x), 0)
		mn = math.Min(mn, v[i])
		mx = math.Max(mx, v[i])
	}
	for i := range v {
		v[i] = (v[i] - mn) / (mx - mn)
	}
	return v
}

func meanStd(v []float64) (float64, float64) {
	var s float64
	for _, x := range v {
		s += x
	}
	m := s / float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(v)))
}

func TestNormalizeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name   string
		lo, hi float64
	}{
		{"mixed sign (usual cryo-EM map)", -0.4, 0.9},
		{"all positive (plain min-max)", 2, 5},
	} {
		g := randomGrid(rng, [3]int{70, 60, 80}, tc.lo, tc.hi) // 336k voxels: two chunks
		g.Data[0] = 0                                          // exactly zero is clamped too
		d, n, err := Normalize(g)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d.Frame != g.Frame {
			t.Errorf("%s: frame changed: %+v", tc.name, d.Frame)
		}
		ref := refNormalize01(g.Data)
		var dmin, dmax float64 = 1, -1
		for i, x := range d.Data {
			want := 2*ref[i] - 1
			if math.Abs(float64(x)-want) > 1e-6 { // float32 output
				t.Fatalf("%s: voxel %d: d = %g, want %g (d0 = %g)", tc.name, i, x, want, g.Data[i])
			}
			dmin = math.Min(dmin, float64(x))
			dmax = math.Max(dmax, float64(x))
		}
		if dmin != -1 || dmax != 1 {
			t.Errorf("%s: normalised range [%g, %g], want [−1, 1]", tc.name, dmin, dmax)
		}
		m01, s01 := meanStd(ref)
		if math.Abs(n.Mean01-m01) > 1e-12 || math.Abs(n.Std01-s01) > 1e-12 {
			t.Errorf("%s: μ01, σ01 = %.15g, %.15g; want %.15g, %.15g", tc.name, n.Mean01, n.Std01, m01, s01)
		}
		if math.Abs(n.Mean-(2*m01-1)) > 1e-12 || math.Abs(n.Std-2*s01) > 1e-12 {
			t.Errorf("%s: μ, σ = %g, %g; want %g, %g", tc.name, n.Mean, n.Std, 2*m01-1, 2*s01)
		}
		if got, want := n.Threshold(3), 2*n.Threshold01(3)-1; math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: Threshold(3) = %g, 2·Threshold01(3)−1 = %g", tc.name, got, want)
		}
		// Parameters: Lo = 0 for a map with non-positive voxels, else its min.
		st := g.Stats()
		if wantLo := math.Max(st.Min, 0); tc.lo < 0 && n.Lo != 0 || tc.lo > 0 && n.Lo != wantLo || n.Hi != st.Max {
			t.Errorf("%s: Lo, Hi = %g, %g; stats min, max = %g, %g", tc.name, n.Lo, n.Hi, st.Min, st.Max)
		}
		// Round trip: original → [0,1] → original, and via [−1,1], exact to
		// rounding for every voxel above Lo; clamped voxels come back as Lo.
		clamped := 0
		for _, x := range g.Data {
			d0 := float64(x)
			want := d0
			if d0 <= 0 {
				want = n.Lo
				clamped++
			}
			scale := n.Hi - n.Lo
			if e := math.Abs(n.From01(n.To01(d0)) - want); e > 1e-14*scale {
				t.Fatalf("%s: From01(To01(%g)) off by %g", tc.name, d0, e)
			}
			if e := math.Abs(n.FromSigned(n.ToSigned(d0)) - want); e > 1e-14*scale {
				t.Fatalf("%s: FromSigned(ToSigned(%g)) off by %g", tc.name, d0, e)
			}
		}
		if n.Clamped != clamped || n.Count != len(g.Data) {
			t.Errorf("%s: Clamped = %d, Count = %d; want %d, %d", tc.name, n.Clamped, n.Count, clamped, len(g.Data))
		}
		// ApplyTo in place gives the same values as Apply.
		inPlace := g.Clone()
		if err := n.ApplyTo(inPlace, inPlace); err != nil {
			t.Fatal(err)
		}
		for i := range d.Data {
			if inPlace.Data[i] != d.Data[i] {
				t.Fatalf("%s: voxel %d: ApplyTo in place %g, Apply %g", tc.name, i, inPlace.Data[i], d.Data[i])
			}
		}
		if err := n.ApplyTo(New(Frame{Shape: [3]int{1, 2, 3}}), g); err == nil || !strings.Contains(err.Error(), "[1 2 3]") {
			t.Errorf("%s: ApplyTo wrong shape: err = %v", tc.name, err)
		}
		// Apply01 agrees with Apply through SignedTo01.
		d01 := n.Apply01(g)
		for i := range d01.Data {
			if math.Abs(float64(d01.Data[i])-SignedTo01(float64(d.Data[i]))) > 1e-6 {
				t.Fatalf("%s: voxel %d: Apply01 %g vs (Apply+1)/2 %g", tc.name, i, d01.Data[i], SignedTo01(float64(d.Data[i])))
			}
		}
	}
}

func TestNormalizeContinuousAtZero(t *testing.T) {
	// The literal reading of the paper (dmin = map min) would jump at 0; ours
	// sends small positive densities to small normalised values.
	g := New(Frame{Shape: [3]int{4, 1, 1}, Spacing: geom.Vec3{1, 1, 1}})
	copy(g.Data, []float32{-0.5, -1e-3, 1e-3, 1})
	_, n, err := Normalize(g)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.To01(1e-3); math.Abs(got-1e-3) > 1e-12 {
		t.Errorf("To01(0.001) = %g, want 0.001 (continuous at 0)", got)
	}
	if got := n.To01(-1e-3); got != 0 {
		t.Errorf("To01(−0.001) = %g, want 0", got)
	}
}

func TestNormalizeErrors(t *testing.T) {
	g := New(Frame{Shape: [3]int{3, 2, 1}, Spacing: geom.Vec3{1, 1, 1}})
	for i := range g.Data {
		g.Data[i] = -float32(i)
	}
	if _, _, err := Normalize(g); err == nil || !strings.Contains(err.Error(), "≤ 0") {
		t.Errorf("all non-positive map: err = %v, want an error about ≤ 0", err)
	}
	g.Data[2] = float32(math.NaN())
	if _, _, err := Normalize(g); err == nil || !strings.Contains(err.Error(), "voxel [2 0 0] = NaN") {
		t.Errorf("map with NaN: err = %v, want an error naming NaN", err)
	}
}
