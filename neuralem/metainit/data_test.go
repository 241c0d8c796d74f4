package metainit

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
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
	regs, err := drawRegions(g, 50, opts, rand.New(rand.NewPCG(1, 2)))
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
	if _, err := drawRegions(g, 2, opts, rand.New(rand.NewPCG(1, 2))); err == nil || !strings.Contains(err.Error(), "draws") {
		t.Errorf("impossible draw: %v, want an error saying how many draws were made", err)
	}
	if _, err := drawRegions(g, 1, DataOptions{Edge: 11}, rand.New(rand.NewPCG(1, 2))); err == nil || !strings.Contains(err.Error(), "smaller") {
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
