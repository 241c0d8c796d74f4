package densgraph

import (
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/spatial"
)

// DefaultEps is the paper's DBSCAN neighbourhood radius in Å (§2.4).
const DefaultEps = 0.2

// DefaultMinPts is the paper's DBSCAN minimum neighbourhood size: 1, so a
// point without neighbours is a cluster of its own (§2.4).
const DefaultMinPts = 1

// Noise is the DBSCAN label of a point that belongs to no cluster (only
// possible with minPts > 1).
const Noise = -1

// DBSCAN clusters pts with the DBSCAN rule, matching scikit-learn's
// sklearn.cluster.DBSCAN(eps, min_samples=minPts): a point is core if at
// least minPts points (itself included) lie within eps Å (distance ≤ eps);
// clusters are the connected components of core points under the eps
// relation plus the non-core points within eps of a core point. Clusters
// are numbered 0, 1, … in order of their lowest-index core point, and a
// border point near several clusters joins the lowest-numbered one (as
// scikit-learn does). Non-clustered points get Noise. It returns the labels
// and the number of clusters. Neighbour search uses a spatial hash with
// cell = eps, so the cost is O(n) expected for bounded density.
func DBSCAN(pts []geom.Point, eps float64, minPts int) ([]int, int, error) {
	if !(eps > 0) || math.IsInf(eps, 0) {
		return nil, 0, fmt.Errorf("densgraph: DBSCAN eps = %g Å, want > 0", eps)
	}
	if minPts < 1 {
		return nil, 0, fmt.Errorf("densgraph: DBSCAN minPts = %d, want ≥ 1", minPts)
	}
	for i, p := range pts {
		if !p.IsFinite() {
			return nil, 0, fmt.Errorf("densgraph: DBSCAN point %d at %v is not finite", i, p)
		}
	}
	n := len(pts)
	labels := make([]int, n)
	if n == 0 {
		return labels, 0, nil
	}
	ix := spatial.NewIndex(pts, eps)
	core := make([]bool, n)
	if minPts == 1 {
		for i := range core {
			core[i] = true
		}
	} else {
		for i, p := range pts {
			c := 0
			ix.Within(p, eps, func(int, float64) bool { c++; return c < minPts })
			core[i] = c >= minPts
		}
	}
	for i := range labels {
		labels[i] = Noise
	}
	nc := 0
	var stack []int
	for i := 0; i < n; i++ {
		if labels[i] != Noise || !core[i] {
			continue
		}
		labels[i] = nc
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			q := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			ix.Within(pts[q], eps, func(j int, _ float64) bool {
				if labels[j] == Noise {
					labels[j] = nc
					if core[j] {
						stack = append(stack, j)
					}
				}
				return true
			})
		}
		nc++
	}
	return labels, nc, nil
}
