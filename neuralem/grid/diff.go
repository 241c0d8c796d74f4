package grid

import (
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// CentralDifference returns the gradient of f's values at pts by central
// finite differences, (f(p + h·e_a) − f(p − h·e_a)) / 2h per axis a, in
// f's units per Å: an independent check of the gradient a Field returns.
// h is in Å; every p ± h·e_a must lie in f's Domain.
func CentralDifference(f Field, pts []geom.Point, h float64) ([]geom.Vec3, error) {
	if !(h > 0) || math.IsInf(h, 0) {
		return nil, fmt.Errorf("grid: central difference: h = %g Å, want a finite step > 0", h)
	}
	probe := make([]geom.Point, 0, 6*len(pts))
	for _, p := range pts {
		for a := range 3 {
			lo, hi := p, p
			lo[a] -= h
			hi[a] += h
			probe = append(probe, lo, hi)
		}
	}
	val := make([]float64, len(probe))
	if err := f.Sample(probe, val, nil); err != nil {
		return nil, fmt.Errorf("grid: central difference: %w", err)
	}
	out := make([]geom.Vec3, len(pts))
	for i := range pts {
		for a := range 3 {
			out[i][a] = (val[6*i+2*a+1] - val[6*i+2*a]) / (2 * h)
		}
	}
	return out, nil
}
