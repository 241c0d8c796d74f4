package metainit

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// Every one of the 48 symmetries moves voxel (i, j, k) to where the
// definition says (checked voxel by voxel against index arithmetic written
// out per axis), and the 48 are distinct.
func TestSymmetries(t *testing.T) {
	const e = 4
	src := make([]float32, e*e*e)
	for i := range src {
		src[i] = float32(i)
	}
	seen := map[string]bool{}
	for _, p := range perms {
		for f := range 8 {
			s := symmetry{perm: p, flip: [3]bool{f&1 != 0, f&2 != 0, f&4 != 0}}
			dst := make([]float32, len(src))
			s.apply(dst, src, e)
			for k := range e {
				for j := range e {
					for i := range e {
						o := [3]int{i, j, k}
						var in [3]int
						for a := range 3 {
							v := o[a]
							if s.flip[a] {
								v = e - 1 - v
							}
							in[p[a]] = v
						}
						want := float32(in[0] + e*(in[1]+e*in[2]))
						if got := dst[i+e*(j+e*k)]; got != want {
							t.Fatalf("%+v: voxel (%d,%d,%d) = %g, want %g", s, i, j, k, got, want)
						}
					}
				}
			}
			sorted := slices.Clone(dst)
			slices.Sort(sorted)
			if !slices.Equal(sorted, src) {
				t.Fatalf("%+v is not a permutation of the voxels", s)
			}
			seen[string(f32bytes(dst))] = true
		}
	}
	if len(seen) != 48 {
		t.Errorf("%d distinct symmetries, want 48", len(seen))
	}
	// The identity leaves the region as it is; a flip of X reverses rows.
	id := make([]float32, len(src))
	symmetry{perm: [3]int{0, 1, 2}}.apply(id, src, e)
	if !slices.Equal(id, src) {
		t.Error("identity changed the region")
	}
	fx := make([]float32, len(src))
	symmetry{perm: [3]int{0, 1, 2}, flip: [3]bool{true, false, false}}.apply(fx, src, e)
	if fx[0] != 3 || fx[3] != 0 || fx[4] != 7 {
		t.Errorf("X flip gives %v…, want 3 2 1 0 7 …", fx[:5])
	}
}

func f32bytes(v []float32) []byte {
	var b strings.Builder
	for _, x := range v {
		b.WriteByte(byte(int(x)))
	}
	return []byte(b.String())
}

// Regions are drawn where the options say: occupied ones always, empty ones
// at the KeepEmpty rate, all of Edge³ voxels copied from the map.
func TestDrawRegions(t *testing.T) {
	g := grid.New(grid.Frame{Shape: [3]int{20, 10, 10}, Spacing: geom.Vec3{1, 1, 1}})
	for k := range 10 {
		for j := range 10 {
			for i := range 10 { // density on the lower half in X only
				g.Set(i, j, k, float32(i+j+k)/30)
			}
			for i := 10; i < 20; i++ {
				g.Set(i, j, k, -1)
			}
		}
	}
	opts := DataOptions{Edge: 6, MinOccupied: 0.5, KeepEmpty: 0}
	regs, _, err := drawRegions(g, 50, opts, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regs {
		if len(r) != 216 {
			t.Fatalf("region of %d values, want 216", len(r))
		}
		occ := 0
		for _, v := range r {
			if v > occupiedLevel {
				occ++
			}
		}
		if occ < 108 {
			t.Errorf("kept a region with %d of 216 occupied voxels, want ≥ 108", occ)
		}
	}
	opts.MinOccupied = 1.1 // nothing qualifies, and none is kept
	if _, _, err := drawRegions(g, 2, opts, rand.New(rand.NewPCG(1, 2))); err == nil || !strings.Contains(err.Error(), "draws") {
		t.Errorf("impossible draw: %v, want an error saying how many draws were made", err)
	}
	if _, _, err := drawRegions(g, 1, DataOptions{Edge: 11}, rand.New(rand.NewPCG(1, 2))); err == nil || !strings.Contains(err.Error(), "smaller") {
		t.Errorf("region larger than the map: %v", err)
	}
}

// The same sources and seed give the same dataset; a simulated source's
// regions are normalised values in [−1, 1].
func TestBuildDatasetDeterministic(t *testing.T) {
	crn := shared.Path(t, "models/sim/1CRN.cif")
	srcs := []Source{{Name: "1CRN 2 Å", Model: crn, Resolution: 2, Regions: 5}, {Name: "1CRN 3 Å / 0.94", Model: crn, Resolution: 3, Spacing: 0.94, Regions: 4}}
	a, err := BuildDataset(context.Background(), srcs, DefaultDataOptions(8, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildDataset(context.Background(), srcs, DefaultDataOptions(8, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := BuildDataset(context.Background(), srcs, DefaultDataOptions(8, 4), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Regions) != 9 || !slices.Equal(a.From, []int{0, 0, 0, 0, 0, 1, 1, 1, 1}) {
		t.Fatalf("%d regions from %v, want 5 from source 0 and 4 from source 1", len(a.Regions), a.From)
	}
	differ := false
	for i := range a.Regions {
		if !slices.Equal(a.Regions[i], b.Regions[i]) {
			t.Fatalf("region %d differs between two builds with the same seed", i)
		}
		differ = differ || !slices.Equal(a.Regions[i], c.Regions[i])
		for _, v := range a.Regions[i] {
			if v < -1 || v > 1 {
				t.Fatalf("region %d holds %g, outside [−1, 1]", i, v)
			}
		}
	}
	if !differ {
		t.Error("another seed drew the same regions")
	}
	bad := []Source{{Name: "both", Map: "a.mrc", Model: "b.pdb", Regions: 1}}
	if _, err := BuildDataset(context.Background(), bad, DefaultDataOptions(8, 1), nil); err == nil || !strings.Contains(err.Error(), "exactly one") {
		t.Errorf("a source with a map and a model: %v", err)
	}
}

// sourceOf is the position symmetry (p, f) reads for the output position
// out of a cube whose positions run from 0 to last, written out per axis
// (the definition of symmetry, independently of symmetry.source).
func sourceOf(p [3]int, f int, out [3]int, last int) [3]int {
	var in [3]int
	for a := range 3 {
		v := out[a]
		if f&(1<<a) != 0 {
			v = last - v
		}
		in[p[a]] = v
	}
	return in
}

// The off-grid points are at least M distinct half-voxel lattice points,
// none a voxel centre, mapped onto themselves by each of the 48 symmetries
// (and offGridPerms is that map); the same seed gives the same points, and
// M = MaxOffGrid takes the whole lattice but the voxel centres.
func TestOffGridPoints(t *testing.T) {
	if got := MaxOffGrid(16); got != 31*31*31-16*16*16 {
		t.Fatalf("MaxOffGrid(16) = %d, want %d", got, 31*31*31-16*16*16)
	}
	for _, c := range []struct{ edge, m int }{{16, 4096}, {16, 1}, {5, 300}, {3, MaxOffGrid(3)}} {
		q := offGridPoints(c.edge, c.m, 7)
		last := 2 * (c.edge - 1)
		if len(q) < c.m || len(q) > max(c.m+47, 48) {
			t.Fatalf("edge %d, M %d: %d points, want M to M+47 (whole orbits)", c.edge, c.m, len(q))
		}
		set := map[[3]int]bool{}
		for _, p := range q {
			if set[p] {
				t.Fatalf("edge %d: point %v twice", c.edge, p)
			}
			set[p] = true
			for a := range 3 {
				if p[a] < 0 || p[a] > last {
					t.Fatalf("edge %d: point %v outside 0…%d", c.edge, p, last)
				}
			}
			if p[0]%2 == 0 && p[1]%2 == 0 && p[2]%2 == 0 {
				t.Fatalf("edge %d: point %v is a voxel centre", c.edge, p)
			}
		}
		perm := offGridPerms(q, c.edge)
		for pi, pm := range perms {
			for f := range 8 {
				id := 8*pi + f
				seen := make([]bool, len(q))
				for i, p := range q {
					src := sourceOf(pm, f, p, last)
					if !set[src] {
						t.Fatalf("edge %d: symmetry %v/%d maps %v to %v, not in Q", c.edge, pm, f, p, src)
					}
					j := perm[id][i]
					if q[j] != src || seen[j] {
						t.Fatalf("edge %d: offGridPerms[%d][%d] = %d (%v), want the unused index of %v", c.edge, id, i, j, q[j], src)
					}
					seen[j] = true
				}
			}
		}
		if c.m == MaxOffGrid(c.edge) && len(q) != c.m {
			t.Errorf("edge %d: M = MaxOffGrid gave %d points, want all %d", c.edge, len(q), c.m)
		}
	}
	a, b, o := offGridPoints(16, 500, 1), offGridPoints(16, 500, 1), offGridPoints(16, 500, 2)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave other points")
	}
	if slices.Equal(a, o) {
		t.Error("another seed gave the same points")
	}
}

// A sample's off-grid targets are the cubic B-spline of the whole
// normalised source map (built here independently of the dataset) at the
// points the sample's symmetry maps them to, its voxel targets the map's
// voxels; Coords puts the off-grid points at −1 + q/(Edge−1). OffGrid = 0
// leaves the dataset as it was (same regions, no off-grid targets), and an
// M beyond the lattice is refused.
func TestOffGridValues(t *testing.T) {
	crn := shared.Path(t, "models/sim/1CRN.cif")
	srcs := []Source{{Name: "1CRN 2 Å", Model: crn, Resolution: 2, Regions: 3}}
	const e = 8
	opts := DefaultDataOptions(e, 3)
	opts.OffGrid = 200
	ds, err := BuildDataset(context.Background(), srcs, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := BuildDataset(context.Background(), srcs, DefaultDataOptions(e, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	if plain.OffGrid != nil || plain.OffValues != nil || len(plain.Regions) != len(ds.Regions) {
		t.Fatalf("OffGrid = 0: %d off-grid points, %d regions; want none and %d", len(plain.OffGrid), len(plain.Regions), len(ds.Regions))
	}
	for i := range ds.Regions {
		if !slices.Equal(ds.Regions[i], plain.Regions[i]) {
			t.Fatalf("region %d differs with off-grid points", i)
		}
	}
	g, err := srcs[0].Load()
	if err != nil {
		t.Fatal(err)
	}
	normed, _, err := grid.Normalize(g)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := grid.NewBSpline(normed)
	if err != nil {
		t.Fatal(err)
	}
	last := 2 * (e - 1)
	n := e * e * e
	varied := false
	for trial := range 6 {
		rng := rand.New(rand.NewPCG(11, uint64(trial)))
		i := rng.IntN(len(ds.Regions))
		y := ds.Sample(rng, i)
		if len(y) != n+len(ds.OffGrid) {
			t.Fatalf("sample of %d values, want %d + %d", len(y), n, len(ds.OffGrid))
		}
		// The symmetry Sample drew: the same draws, in the same order.
		rr := rand.New(rand.NewPCG(11, uint64(trial)))
		_ = rr.IntN(len(ds.Regions))
		pm, f := perms[rr.IntN(6)], rr.IntN(8)
		lo := ds.Lo[i]
		for k := range e {
			for j := range e {
				for ii := range e {
					src := sourceOf(pm, f, [3]int{ii, j, k}, e-1)
					want := normed.At(lo[0]+src[0], lo[1]+src[1], lo[2]+src[2])
					if got := y[ii+e*(j+e*k)]; got != want {
						t.Fatalf("trial %d: voxel (%d,%d,%d) = %g, want the map's %g", trial, ii, j, k, got, want)
					}
				}
			}
		}
		worst := 0.0
		for qi, p := range ds.OffGrid {
			src := sourceOf(pm, f, p, last)
			v := geom.VoxelCoord{float64(lo[0]) + float64(src[0])/2, float64(lo[1]) + float64(src[1])/2, float64(lo[2]) + float64(src[2])/2}
			want, _, err := bs.Eval(normed.ToPoint(v))
			if err != nil {
				t.Fatal(err)
			}
			d := math.Abs(float64(y[n+qi]) - want)
			worst = max(worst, d)
			varied = varied || math.Abs(want-float64(y[n])) > 1e-3
		}
		// float32 storage of values in [−1, 1]: half an ulp is 6e-8.
		if worst > 1e-7 {
			t.Errorf("trial %d: off-grid values differ from the B-spline by up to %g", trial, worst)
		}
	}
	if !varied {
		t.Error("every off-grid value equals the first voxel's: the test does not exercise the values")
	}
	x, err := ds.Coords()
	if err != nil {
		t.Fatal(err)
	}
	vox, _ := siren.RegionCoords([3]int{e, e, e})
	if len(x) != 3*(n+len(ds.OffGrid)) || !slices.Equal(x[:3*n], vox) {
		t.Fatalf("Coords: %d values, want the %d voxel coordinates then %d off-grid", len(x), 3*n, 3*len(ds.OffGrid))
	}
	for qi, p := range ds.OffGrid {
		for a := range 3 {
			// Half-way between voxel centres p[a]/2 and p[a]/2+1 when p[a] is odd.
			want := (vox[3*(p[a]/2)] + vox[3*((p[a]+1)/2)]) / 2
			if got := x[3*(n+qi)+a]; math.Abs(float64(got-want)) > 1e-6 {
				t.Fatalf("off-grid point %v: coordinate %d = %g, want %g", p, a, got, want)
			}
		}
	}
	opts.OffGrid = MaxOffGrid(e) + 1
	if _, err := BuildDataset(context.Background(), srcs, opts, nil); err == nil || !strings.Contains(err.Error(), "OffGrid = 2864") {
		t.Errorf("OffGrid beyond the lattice: %v", err)
	}
}
