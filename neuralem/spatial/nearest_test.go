package spatial

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

func TestNearestDistances(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pt := func() geom.Point { return geom.Point{10 * rng.Float64(), 10 * rng.Float64(), 10 * rng.Float64()} }
	var from, to []geom.Point
	for range 300 {
		from = append(from, pt())
	}
	for range 100 {
		to = append(to, pt())
	}
	const r = 1.5
	dist, none, err := NearestDistances(from, to, r)
	if err != nil {
		t.Fatal(err)
	}
	// Brute force.
	var want []float64
	wantNone := 0
	for _, p := range from {
		best := math.Inf(1)
		for _, q := range to {
			best = math.Min(best, p.Dist(q))
		}
		if best <= r {
			want = append(want, best)
		} else {
			wantNone++
		}
	}
	if none != wantNone || len(dist) != len(want) {
		t.Fatalf("%d distances, %d without a neighbour; brute force %d, %d", len(dist), none, len(want), wantNone)
	}
	for i := range want {
		if math.Abs(dist[i]-want[i]) > 1e-12 {
			t.Errorf("point %d: %v, brute force %v", i, dist[i], want[i])
		}
	}
	if _, _, err := NearestDistances(from, to, 0); err == nil {
		t.Error("r = 0: no error")
	}
}

// Distances from atoms to their nearest graph node, within 3 Å.
func ExampleNearestDistances() {
	atoms := []geom.Point{{0, 0, 0}, {5, 0, 0}, {20, 0, 0}}
	nodes := []geom.Point{{0.4, 0, 0}, {5, 0.9, 0}}
	d, none, _ := NearestDistances(atoms, nodes, 3)
	fmt.Printf("%.1f Å; %d atom without a node within 3 Å\n", d, none)
	// Output: [0.4 0.9] Å; 1 atom without a node within 3 Å
}
