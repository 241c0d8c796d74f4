package spatial

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// brute returns the indices of pts within r of p, by checking every point.
func brute(pts []geom.Point, p geom.Point, r float64) []int {
	var out []int
	for i, q := range pts {
		if p.Dist2(q) <= r*r {
			out = append(out, i)
		}
	}
	return out
}

// TestIndexMatchesBruteForce checks Within and Nearest against an all-pairs
// scan, with the dense and the sparse cell table and with cells smaller and
// larger than the query radius.
func TestIndexMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	clustered := make([]geom.Point, 2000)
	for i := range clustered {
		clustered[i] = geom.Point{rng.Float64() * 20, rng.Float64() * 20, rng.Float64() * 20}
	}
	spread := make([]geom.Point, 0, 300) // far-apart pairs about 1.7 Å apart
	for len(spread) < cap(spread) {
		c := geom.Point{rng.NormFloat64() * 500, rng.NormFloat64() * 500, rng.NormFloat64() * 500}
		spread = append(spread, c, c.Add(geom.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}))
	}
	for _, tc := range []struct {
		name   string
		pts    []geom.Point
		cell   float64
		radii  []float64
		sparse bool
	}{
		{"dense", clustered, 1.5, []float64{0, 0.7, 1.5, 3.2}, false},
		{"sparse", spread, 0.5, []float64{0.3, 2, 6}, true},
	} {
		ix := NewIndex(tc.pts, tc.cell)
		if (ix.start == nil) != tc.sparse {
			t.Fatalf("%s: sparse table = %v, want %v", tc.name, ix.start == nil, tc.sparse)
		}
		if ix.Len() != len(tc.pts) {
			t.Errorf("%s: Len %d, want %d", tc.name, ix.Len(), len(tc.pts))
		}
		for q := 0; q < 200; q++ {
			p := tc.pts[rng.IntN(len(tc.pts))].Add(geom.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()})
			for _, r := range tc.radii {
				var got []int
				ix.Within(p, r, func(i int, d2 float64) bool {
					if d2 != p.Dist2(tc.pts[i]) {
						t.Fatalf("%s: d2 %g for point %d, want %g", tc.name, d2, i, p.Dist2(tc.pts[i]))
					}
					got = append(got, i)
					return true
				})
				sort.Ints(got)
				want := brute(tc.pts, p, r)
				if len(got) != len(want) {
					t.Fatalf("%s: query %v r %g: %d points, want %d", tc.name, p, r, len(got), len(want))
				}
				for k := range got {
					if got[k] != want[k] {
						t.Fatalf("%s: query %v r %g: points %v, want %v", tc.name, p, r, got, want)
					}
				}
				best, bd := -1, math.Inf(1)
				for _, i := range want {
					if d := p.Dist(tc.pts[i]); d < bd {
						best, bd = i, d
					}
				}
				if i, d := ix.Nearest(p, r); i != best || d != bd {
					t.Fatalf("%s: Nearest(%v, %g) = %d, %g; want %d, %g", tc.name, p, r, i, d, best, bd)
				}
			}
		}
	}
}

func TestIndexEdgeCases(t *testing.T) {
	// Far-apart points force the sparse cell table.
	pts := []geom.Point{{0, 0, 0}, {1000, 1000, 1000}, {1000.1, 1000, 1000}, {-500, 20, 3}}
	ix := NewIndex(pts, 0.2)
	if ix.start != nil {
		t.Fatal("expected the sparse table")
	}
	var got []int
	ix.Within(geom.Point{1000.05, 1000, 1000}, 0.2, func(i int, _ float64) bool { got = append(got, i); return true })
	if len(got) != 2 {
		t.Errorf("found %v", got)
	}
	if i, d := ix.Nearest(geom.Point{-500, 20, 3.1}, 1); i != 3 || math.Abs(d-0.1) > 1e-9 {
		t.Errorf("nearest %d %g", i, d)
	}
	// Early stop, a negative radius, an empty index, a query outside the box.
	n := 0
	ix.Within(geom.Point{1000.05, 1000, 1000}, 0.2, func(int, float64) bool { n++; return false })
	if n != 1 {
		t.Errorf("callback called %d times after returning false, want 1", n)
	}
	ix.Within(pts[0], -1, func(int, float64) bool { t.Error("negative radius found a point"); return true })
	NewIndex(nil, 1).Within(geom.Point{}, 10, func(int, float64) bool { t.Error("empty index found a point"); return true })
	if i, d := ix.Nearest(geom.Point{5000, 0, 0}, 10); i != -1 || !math.IsInf(d, 1) {
		t.Errorf("Nearest far outside = %d, %g; want -1, +Inf", i, d)
	}
	for _, bad := range []func(){
		func() { NewIndex(pts, 0) },
		func() { NewIndex(pts, math.Inf(1)) },
		func() { NewIndex([]geom.Point{{math.NaN(), 0, 0}}, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic on a programmer error")
				}
			}()
			bad()
		}()
	}
}

// TestUnionFindMatchesLabelling checks the components of random graphs
// against a breadth-first labelling.
func TestUnionFindMatchesLabelling(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 50; trial++ {
		n := 1 + rng.IntN(60)
		adj := make([][]int, n)
		uf := NewUnionFind(n)
		merges := 0
		for e := rng.IntN(2 * n); e > 0; e-- {
			a, b := rng.IntN(n), rng.IntN(n)
			adj[a] = append(adj[a], b)
			adj[b] = append(adj[b], a)
			if uf.Union(a, b) {
				merges++
			}
		}
		label := make([]int, n)
		for i := range label {
			label[i] = -1
		}
		comps := 0
		for s := range label {
			if label[s] >= 0 {
				continue
			}
			label[s] = comps
			queue := []int{s}
			for len(queue) > 0 {
				v := queue[0]
				queue = queue[1:]
				for _, w := range adj[v] {
					if label[w] < 0 {
						label[w] = comps
						queue = append(queue, w)
					}
				}
			}
			comps++
		}
		if merges != n-comps {
			t.Fatalf("trial %d: %d successful unions, want n − components = %d", trial, merges, n-comps)
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if (uf.Find(i) == uf.Find(j)) != (label[i] == label[j]) {
					t.Fatalf("trial %d: %d and %d: same set %v, same component %v", trial, i, j, uf.Find(i) == uf.Find(j), label[i] == label[j])
				}
			}
		}
	}
}
