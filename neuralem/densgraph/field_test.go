package densgraph

import (
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// gaussField is an analytic Field for tests: a sum of isotropic 3-D Gaussians
// A·exp(−|p−c|²/(2s²)) over a box, with the exact gradient.
type gaussField struct {
	box     geom.Box
	centres []geom.Point
	amp     []float64
	sigma   []float64
	calls   int // Sample calls
	nanAt   *geom.Point
}

func (g *gaussField) Domain() geom.Box { return g.box }

func (g *gaussField) Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error {
	g.calls++
	if len(val) != len(pts) || (grad != nil && len(grad) != len(pts)) {
		return fmt.Errorf("gaussField: %d points, %d values, %d gradients", len(pts), len(val), len(grad))
	}
	for i, p := range pts {
		if !g.box.Contains(p) {
			return fmt.Errorf("gaussField: point %d at %v outside %v", i, p, g.box)
		}
		var v float64
		var gr geom.Vec3
		for c, ctr := range g.centres {
			d := p.Sub(ctr)
			s2 := g.sigma[c] * g.sigma[c]
			e := g.amp[c] * math.Exp(-d.Dot(d)/(2*s2))
			v += e
			gr = gr.Add(d.Scale(-e / s2))
		}
		if g.nanAt != nil && p.Dist(*g.nanAt) < 0.3 {
			v = math.NaN()
		}
		val[i] = v
		if grad != nil {
			grad[i] = gr
		}
	}
	return nil
}

// testField returns a field of five well-separated Gaussians of different
// heights and widths in a 12 Å box.
func testField() *gaussField {
	return &gaussField{
		box: geom.Box{Min: geom.Point{0, 0, 0}, Max: geom.Point{12, 12, 12}},
		centres: []geom.Point{
			{3.1, 3.3, 3.7}, {8.2, 3.9, 4.4}, {5.55, 8.45, 6.05}, {9.3, 9.1, 9.6}, {3.4, 8.0, 9.9},
		},
		amp:   []float64{1.0, 0.8, 1.3, 0.6, 0.9},
		sigma: []float64{0.7, 0.9, 0.8, 0.6, 0.75},
	}
}
