package molmap

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/model"
)

// gauss is the analytic normalised Gaussian of weight z at squared distance
// r2 (Å²), written out independently of the package code.
func gauss(z, sigma, r2 float64) float64 {
	return z / math.Pow(2*math.Pi*sigma*sigma, 1.5) * math.Exp(-r2/(2*sigma*sigma))
}

func atom(serial int, el string, x, y, z float64) model.Atom {
	return model.Atom{Serial: serial, Name: el, ResName: "UNK", Chain: "A", ResSeq: 1, Element: el, Pos: geom.Point{x, y, z}}
}

// TestSingleAtomAnalytic checks every voxel of a one-atom map against the
// analytic Gaussian with ChimeraX's per-axis box cut-off, at off-grid atom
// positions and on an anisotropic frame, and recovers the Gaussian's height,
// centre, width and integral from the voxels by moments.
func TestSingleAtomAnalytic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const res = 2.0
	p := Defaults(res)
	p.Spacing = 0.15 // fine enough for moment estimates
	sigma := p.Sigma()
	if want := res / (math.Pi * math.Sqrt2); math.Abs(sigma-want) > 1e-15 {
		t.Fatalf("Sigma() = %v, want %v", sigma, want)
	}
	for trial := 0; trial < 4; trial++ {
		pos := geom.Point{10 + rng.Float64(), -5 + rng.Float64(), 3.3 + rng.Float64()}
		atoms := []model.Atom{atom(1, "S", pos[0], pos[1], pos[2])}
		const Z = 16.0
		var g *grid.Grid
		var err error
		if trial < 3 {
			g, err = Simulate(atoms, p)
		} else {
			// Anisotropic frame, atom off-grid on every axis.
			f := grid.Frame{Shape: [3]int{40, 31, 52}, Spacing: geom.Vec3{0.13, 0.17, 0.11}, Origin: geom.Point{pos[0] - 2.51, pos[1] - 2.77, pos[2] - 2.93}}
			g, err = OnFrame(atoms, f, p)
		}
		if err != nil {
			t.Fatal(err)
		}
		peak := gauss(Z, sigma, 0)
		cut := p.CutoffRange * sigma
		var maxErr, maxVal, sum float64
		var m1 [3]float64
		var m2 [3]float64
		var cornerChecked bool
		for k := 0; k < g.Shape[2]; k++ {
			for j := 0; j < g.Shape[1]; j++ {
				for i := 0; i < g.Shape[0]; i++ {
					q := g.PointOf(geom.Index{i, j, k})
					d := q.Sub(pos)
					want := 0.0
					if math.Abs(d[0]) <= cut && math.Abs(d[1]) <= cut && math.Abs(d[2]) <= cut {
						want = gauss(Z, sigma, d.Dot(d))
						if d.Norm() > cut && want > 0 {
							cornerChecked = true // box, not sphere
						}
					}
					v := float64(g.At(i, j, k))
					maxErr = math.Max(maxErr, math.Abs(v-want))
					maxVal = math.Max(maxVal, v)
					sum += v
					for a := 0; a < 3; a++ {
						m1[a] += v * q[a]
						m2[a] += v * q[a] * q[a]
					}
				}
			}
		}
		// float32 storage: 2^-24 relative to the peak, with headroom for
		// the product of three float32-rounded factors.
		if maxErr > 4e-7*peak {
			t.Errorf("trial %d: max |voxel - analytic| = %.3g, want ≤ %.3g (4e-7 of peak %.4g)", trial, maxErr, 4e-7*peak, peak)
		}
		if !cornerChecked {
			t.Errorf("trial %d: no voxel beyond the 5σ sphere but inside the 5σ box was checked", trial)
		}
		// Peak height: the best voxel is at most half a voxel from the atom.
		h := g.Spacing
		worst := gauss(Z, sigma, (h[0]*h[0]+h[1]*h[1]+h[2]*h[2])/4)
		if maxVal > peak*(1+1e-6) || maxVal < worst*(1-1e-6) {
			t.Errorf("trial %d: peak voxel %.6g outside [%.6g, %.6g]", trial, maxVal, worst, peak)
		}
		// Moments: integral Z, centre at the atom, variance σ² per axis.
		// Riemann sums of a Gaussian sampled at h < σ are exact to
		// ~exp(-2π²σ²/h²); the 5σ truncation changes the integral by
		// ~1.7e-6 and the variance by ~1.5e-5 relative.
		vol := h[0] * h[1] * h[2]
		if got := sum * vol; math.Abs(got-Z) > 1e-4*Z {
			t.Errorf("trial %d: integral %.7g, want Z = %g", trial, got, Z)
		}
		for a := 0; a < 3; a++ {
			mean := m1[a] / sum
			sd := math.Sqrt(m2[a]/sum - mean*mean)
			if math.Abs(mean-pos[a]) > 1e-4 {
				t.Errorf("trial %d axis %d: centre %.6f Å, atom at %.6f Å", trial, a, mean, pos[a])
			}
			if math.Abs(sd-sigma)/sigma > 1e-4 {
				t.Errorf("trial %d axis %d: width σ %.6f Å, want %.6f Å", trial, a, sd, sigma)
			}
		}
	}
}

// TestCrambinBruteForce compares a 2 Å map of 1CRN with a plain
// sum-of-Gaussians over all heavy atoms at random voxels: exactly (to float32
// rounding) against the same sum restricted to ChimeraX's 5σ box, and within
// the computed tail bound against the untruncated sum.
func TestCrambinBruteForce(t *testing.T) {
	atoms := readAtoms(t, "models/sim/1CRN.cif")
	p := Defaults(2)
	g, err := Simulate(atoms, p)
	if err != nil {
		t.Fatal(err)
	}
	sigma := 2 / (math.Pi * math.Sqrt2)
	cut := 5 * sigma
	zOf := map[string]float64{"C": 6, "N": 7, "O": 8, "S": 16}
	peakC := gauss(6, sigma, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	n := 0
	var maxVal float64
	for _, v := range g.Data {
		maxVal = math.Max(maxVal, float64(v))
	}
	significant := 0
	for trial := 0; trial < 3000; trial++ {
		var idx geom.Index
		if trial%2 == 0 { // uniform over the box
			idx = geom.Index{rng.IntN(g.Shape[0]), rng.IntN(g.Shape[1]), rng.IntN(g.Shape[2])}
		} else { // near a random atom, where the density is
			a := atoms[rng.IntN(len(atoms))]
			c := g.ToVoxel(a.Pos)
			for ax := 0; ax < 3; ax++ {
				idx[ax] = int(math.Round(c[ax])) + rng.IntN(5) - 2
			}
		}
		q := g.PointOf(idx)
		var full, boxed, tail float64
		for _, a := range atoms {
			z, ok := zOf[a.Element]
			if !ok {
				t.Fatalf("unexpected element %q in 1CRN", a.Element)
			}
			d := q.Sub(a.Pos)
			v := gauss(z, sigma, d.Dot(d))
			full += v
			if math.Abs(d[0]) <= cut && math.Abs(d[1]) <= cut && math.Abs(d[2]) <= cut {
				boxed += v
			} else {
				tail += v
			}
		}
		got := float64(g.At(idx[0], idx[1], idx[2]))
		if math.Abs(got-boxed) > 1e-6*boxed+1e-7*peakC {
			t.Errorf("voxel %v: map %.8g, boxed reference %.8g", idx, got, boxed)
		}
		if math.Abs(got-full) > tail+1e-6*full+1e-7*peakC {
			t.Errorf("voxel %v: map %.8g, untruncated %.8g, tail bound %.3g", idx, got, full, tail)
		}
		if tail > 4e-6*peakC*float64(len(atoms)) {
			t.Errorf("voxel %v: dropped tail %.3g is larger than exp(-12.5) per atom", idx, tail)
		}
		if boxed > 0.1*maxVal {
			significant++
		}
		n++
	}
	if significant < 300 { // ≈ 400 expected: half of the voxels are picked near atoms
		t.Errorf("only %d of %d checked voxels had density > 10%% of max; test does not probe the map", significant, n)
	}
}

// TestSameOriginAcrossSpacings checks the paper's pair of maps: resolution/3
// and 0.2 Å maps of the same atoms share their origin, both cover
// max + padding, and agree on the voxels they share.
func TestSameOriginAcrossSpacings(t *testing.T) {
	atoms := readAtoms(t, "models/sim/1CRN.cif")
	var lo, hi geom.Point
	for a := 0; a < 3; a++ {
		lo[a], hi[a] = math.Inf(1), math.Inf(-1)
	}
	for _, at := range atoms {
		for a := 0; a < 3; a++ {
			lo[a] = math.Min(lo[a], at.Pos[a])
			hi[a] = math.Max(hi[a], at.Pos[a])
		}
	}
	for _, res := range []float64{3.0, 3.7} {
		coarseP := Defaults(res)
		coarse, fine, err := SimulatePair(atoms, res)
		if err != nil {
			t.Fatal(err)
		}
		if coarse.Spacing != (geom.Vec3{res / 3, res / 3, res / 3}) || fine.Spacing != (geom.Vec3{0.2, 0.2, 0.2}) {
			t.Fatalf("res %g: spacings %v and %v, want res/3 and 0.2 Å", res, coarse.Spacing, fine.Spacing)
		}
		if coarse.Origin != fine.Origin {
			t.Fatalf("res %g: origins differ: %v (spacing %g) vs %v (0.2 Å)", res, coarse.Origin, coarseP.Spacing, fine.Origin)
		}
		for a := 0; a < 3; a++ {
			if want := lo[a] - 3*res; math.Abs(coarse.Origin[a]-want) > 1e-12 {
				t.Errorf("res %g axis %d: origin %.6f, want min - 3·res = %.6f", res, a, coarse.Origin[a], want)
			}
			for _, g := range []*grid.Grid{coarse, fine} {
				last := g.Box().Max[a]
				if last < hi[a]+3*res-1e-9 || last >= hi[a]+3*res+g.Spacing[a] {
					t.Errorf("res %g spacing %g axis %d: last voxel centre %.4f, want in [max+pad, max+pad+step) = [%.4f, %.4f)",
						res, g.Spacing[a], a, last, hi[a]+3*res, hi[a]+3*res+g.Spacing[a])
				}
			}
		}
		if res != 3.0 {
			continue
		}
		// Spacing 1 Å = 5 × 0.2 Å: coarse voxel (i,j,k) is fine voxel 5(i,j,k)
		// (the coarse box may reach up to a step further than the fine one).
		var maxDiff, maxVal float64
		for k := 0; 5*k < fine.Shape[2]; k++ {
			for j := 0; 5*j < fine.Shape[1]; j++ {
				for i := 0; 5*i < fine.Shape[0]; i++ {
					c := float64(coarse.At(i, j, k))
					f := float64(fine.At(5*i, 5*j, 5*k))
					maxDiff = math.Max(maxDiff, math.Abs(c-f))
					maxVal = math.Max(maxVal, c)
				}
			}
		}
		if maxVal == 0 || maxDiff > 1e-5*maxVal {
			t.Errorf("res 3: shared voxels differ by up to %.3g (max value %.4g)", maxDiff, maxVal)
		}
	}
}

// TestHydrogens checks that H and D are excluded by default and, when
// included, add exactly their own Gaussians of weight 1.
func TestHydrogens(t *testing.T) {
	heavy := []model.Atom{atom(1, "C", 0, 0, 0), atom(2, "O", 1.23, 0.1, -0.2), atom(3, "N", -1.3, 0.4, 0.5)}
	hyd := []model.Atom{atom(4, "H", -0.5, 0.9, 0.2), atom(5, "D", 1.6, -0.8, 0.1), atom(6, "h", 0.2, -0.1, 1.05)}
	all := append(append([]model.Atom{}, heavy...), hyd...)
	p := Defaults(2.5)
	gAll, err := Simulate(all, p)
	if err != nil {
		t.Fatal(err)
	}
	gHeavy, err := Simulate(heavy, p)
	if err != nil {
		t.Fatal(err)
	}
	if gAll.Frame != gHeavy.Frame {
		t.Fatalf("default frame with hydrogens %+v differs from heavy-only frame %+v", gAll.Frame, gHeavy.Frame)
	}
	for i := range gAll.Data {
		if gAll.Data[i] != gHeavy.Data[i] {
			t.Fatalf("voxel %d: %g with hydrogens given, %g without: hydrogens were not excluded", i, gAll.Data[i], gHeavy.Data[i])
		}
	}
	p.IncludeHydrogens = true
	gH, err := OnFrame(all, gHeavy.Frame, p)
	if err != nil {
		t.Fatal(err)
	}
	sigma := p.Sigma()
	var maxErr float64
	peakH := gauss(1, sigma, 0)
	for k := 0; k < gH.Shape[2]; k++ {
		for j := 0; j < gH.Shape[1]; j++ {
			for i := 0; i < gH.Shape[0]; i++ {
				q := gH.PointOf(geom.Index{i, j, k})
				want := 0.0
				for _, h := range hyd {
					d := q.Sub(h.Pos)
					want += gauss(1, sigma, d.Dot(d)) // all within the box cut-off here
				}
				got := float64(gH.At(i, j, k) - gHeavy.At(i, j, k))
				maxErr = math.Max(maxErr, math.Abs(got-want))
			}
		}
	}
	if maxErr > 1e-5*peakH*8 { // float32 cancellation against the heavy-atom density (peak ~8× larger)
		t.Errorf("IncludeHydrogens adds density differing from three unit Gaussians by up to %.3g (H peak %.4g)", maxErr, peakH)
	}
	// Bounding box now covers the hydrogens too.
	f, err := BoundingFrame(all, p)
	if err != nil {
		t.Fatal(err)
	}
	if want := -1.3 - 3*2.5; f.Origin[0] != want {
		t.Errorf("origin x with hydrogens %.4f, want %.4f", f.Origin[0], want)
	}
	if want := -0.8 - 3*2.5; f.Origin[1] != want {
		t.Errorf("origin y with hydrogens %.4f, want %.4f (from the D atom)", f.Origin[1], want)
	}
}

func TestBadInput(t *testing.T) {
	good := []model.Atom{atom(1, "C", 0, 0, 0), atom(2, "N", 1.4, 0, 0)}
	mod := func(f func(*Params)) Params { p := Defaults(3); f(&p); return p }
	cases := []struct {
		name  string
		atoms []model.Atom
		p     Params
		want  []string
	}{
		{"zero resolution", good, Defaults(0), []string{"Resolution", "0"}},
		{"negative resolution", good, Defaults(-2), []string{"Resolution", "-2"}},
		{"NaN resolution", good, mod(func(p *Params) { p.Resolution = math.NaN() }), []string{"Resolution", "NaN"}},
		{"zero spacing", good, mod(func(p *Params) { p.Spacing = 0 }), []string{"Spacing", "0"}},
		{"negative spacing", good, mod(func(p *Params) { p.Spacing = -0.2 }), []string{"Spacing", "-0.2"}},
		{"zero-value params", good, Params{Resolution: 3}, []string{"SigmaFactor"}},
		{"negative padding", good, mod(func(p *Params) { p.Padding = -1 }), []string{"Padding", "-1"}},
		{"zero cutoff", good, mod(func(p *Params) { p.CutoffRange = 0 }), []string{"CutoffRange"}},
		{"no atoms", nil, Defaults(3), []string{"no atoms"}},
		{"only hydrogens", []model.Atom{atom(1, "H", 0, 0, 0)}, Defaults(3), []string{"hydrogens", "IncludeHydrogens"}},
		{"unknown element", append(good, model.Atom{Serial: 77, Name: "Q1", ResName: "LIG", Chain: "B", ResSeq: 9, Element: "QQ"}), Defaults(3), []string{"serial 77", "Q1", "LIG", "QQ"}},
		{"empty element", append(good, model.Atom{Serial: 78, Name: "X1", Element: ""}), Defaults(3), []string{"serial 78", "Element"}},
		{"NaN position", append(good, model.Atom{Serial: 79, Name: "CB", Element: "C", Pos: geom.Point{0, math.NaN(), 0}}), Defaults(3), []string{"serial 79", "Pos"}},
		{"huge grid", append(good, atom(3, "C", 1000, 1000, 1000)), mod(func(p *Params) { p.Spacing = 0.01 }), []string{"voxels", "Spacing"}},
	}
	for _, c := range cases {
		g, err := Simulate(c.atoms, c.p)
		if err == nil {
			t.Errorf("%s: Simulate succeeded (%v), want an error", c.name, g.Shape)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
	if _, err := OnFrame(good, grid.Frame{Shape: [3]int{4, 0, 4}, Spacing: geom.Vec3{1, 1, 1}}, Defaults(3)); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("OnFrame with a zero-size frame: error %v, want one naming the shape", err)
	}
	m := &model.Model{Source: "broken.cif", Atoms: []model.Atom{{Serial: 5, Name: "ZZ", Element: "ZZ"}}}
	if _, err := FromModel(m, Defaults(3)); err == nil || !strings.Contains(err.Error(), "broken.cif") || !strings.Contains(err.Error(), "ZZ") {
		t.Errorf("FromModel error %v, want one naming the file and the element", err)
	}
}

// TestOnFrameOutside checks that atoms beyond the frame contribute only
// through the part of their cut-off box that overlaps it.
func TestOnFrameOutside(t *testing.T) {
	p := Defaults(2)
	f := grid.Frame{Shape: [3]int{10, 10, 10}, Spacing: geom.Vec3{0.5, 0.5, 0.5}}
	far := []model.Atom{atom(1, "C", -50, 2, 2)}
	g, err := OnFrame(far, f, p)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range g.Data {
		if v != 0 {
			t.Fatalf("voxel %d = %g from an atom 50 Å away", i, v)
		}
	}
	near := []model.Atom{atom(1, "C", -1.0, 2, 2)} // 1 Å outside, within 5σ = 2.25 Å
	g, err = OnFrame(near, f, p)
	if err != nil {
		t.Fatal(err)
	}
	q := g.PointOf(geom.Index{0, 4, 4})
	d := q.Sub(near[0].Pos)
	if got, want := float64(g.At(0, 4, 4)), gauss(6, p.Sigma(), d.Dot(d)); math.Abs(got-want) > 1e-6*want {
		t.Errorf("edge voxel %.6g, want %.6g", got, want)
	}
}

// readAtoms reads a model from ../shared/data, failing the test if it is
// missing.
func readAtoms(tb testing.TB, rel string) []model.Atom {
	tb.Helper()
	m, err := model.ReadFile(shared.Path(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	if len(m.Atoms) == 0 {
		tb.Fatalf("%s: no atoms", rel)
	}
	return m.Atoms
}
