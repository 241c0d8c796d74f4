package spatial

import (
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// NearestDistances returns, for each point of from that has a point of to
// within r Å, the distance in Å to its nearest point of to (in the order of
// from), and how many points of from have none within r. For example the
// distance from each atom of a model to its nearest graph node.
func NearestDistances(from, to []geom.Point, r float64) (dist []float64, none int, err error) {
	if !(r > 0) || math.IsInf(r, 0) {
		return nil, 0, fmt.Errorf("spatial: nearest distances: r = %g Å, want a finite radius > 0", r)
	}
	idx := NewIndex(to, r)
	dist = make([]float64, 0, len(from))
	for _, p := range from {
		if i, d := idx.Nearest(p, r); i >= 0 {
			dist = append(dist, d)
		} else {
			none++
		}
	}
	return dist, none, nil
}
