package grid

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// analytic is f(x, y, z) = sin(x)·y² + 3z on a 10 Å box, with its exact gradient.
type analytic struct{}

func (analytic) Domain() geom.Box { return geom.Box{Max: geom.Point{10, 10, 10}} }

func (analytic) Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error {
	for i, p := range pts {
		if !(analytic{}).Domain().Contains(p) {
			return fmt.Errorf("point %d outside", i)
		}
		val[i] = math.Sin(p[0])*p[1]*p[1] + 3*p[2]
		if grad != nil {
			grad[i] = geom.Vec3{math.Cos(p[0]) * p[1] * p[1], 2 * math.Sin(p[0]) * p[1], 3}
		}
	}
	return nil
}

func TestCentralDifference(t *testing.T) {
	pts := []geom.Point{{1, 2, 3}, {4.5, 7, 0.5}, {9, 9, 9}}
	const h = 1e-3
	fd, err := CentralDifference(analytic{}, pts, h)
	if err != nil {
		t.Fatal(err)
	}
	exact := make([]geom.Vec3, len(pts))
	if err := (analytic{}).Sample(pts, make([]float64, len(pts)), exact); err != nil {
		t.Fatal(err)
	}
	for i := range pts {
		for a := range 3 {
			// Truncation error h²/6·f''' ≤ 81·h²/6 here; rounding ~1e-16·|f|/h.
			if d := math.Abs(fd[i][a] - exact[i][a]); d > 2e-5 {
				t.Errorf("point %d axis %d: finite difference %v, exact %v (|Δ| %.2g)", i, a, fd[i][a], exact[i][a], d)
			}
		}
	}
	if _, err := CentralDifference(analytic{}, []geom.Point{{0, 5, 5}}, h); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("probe outside the domain: err = %v", err)
	}
	if _, err := CentralDifference(analytic{}, pts, 0); err == nil || !strings.Contains(err.Error(), "h = 0 Å") {
		t.Errorf("h = 0: err = %v", err)
	}
}

// Check a field's gradient (here a cubic B-spline's) against finite differences.
func ExampleCentralDifference() {
	g := New(Frame{Shape: [3]int{8, 8, 8}, Spacing: geom.Vec3{1, 1, 1}})
	for i := range g.Data {
		x, y, z := i%8, (i/8)%8, i/64
		g.Data[i] = float32(x*x + y - z)
	}
	bs, _ := NewBSpline(g)
	p := []geom.Point{{3.3, 4.1, 2.7}}
	grad := make([]geom.Vec3, 1)
	_ = bs.Sample(p, make([]float64, 1), grad)
	fd, _ := CentralDifference(bs, p, 1e-4)
	fmt.Printf("B-spline ∇ %.3f, finite differences %.3f\n", grad[0], fd[0])
	// Output: B-spline ∇ [6.506 1.021 -1.024], finite differences [6.506 1.021 -1.024]
}
