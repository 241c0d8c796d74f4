package siren

import (
	"context"
	"math"
	"testing"
)

var allLayouts = []layout{{blocks: 1}, {blocks: 2}, {blocks: 4}, {rowMajor: true}}

// TestLayoutsAgree checks every layout against the float64 reference (values
// and input gradients) and against each other in training.
func TestLayoutsAgree(t *testing.T) {
	cfg := tinyConfig()
	cfg.MaxSteps = 5
	net, err := NewNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	x, y := gaussTarget(t, 7) // 343 points: odd, so blocks fall back to 1 in training
	xe, _ := RegionCoords([3]int{6, 5, 4})
	n := len(xe) / 3
	var hist0 []float64
	for _, lay := range allLayouts {
		ev, err := NewEvaluator(nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		ev.lay = lay
		val, grad := make([]float32, n), make([]float32, 3*n)
		if err := ev.Eval(net, xe, val, grad); err != nil {
			t.Fatalf("%+v: %v", lay, err)
		}
		for i := 0; i < n; i++ {
			v, g := net.EvalRef([3]float64{float64(xe[3*i]), float64(xe[3*i+1]), float64(xe[3*i+2])})
			if math.Abs(v-float64(val[i])) > 1e-5 {
				t.Fatalf("%+v point %d: value %g, ref %g", lay, i, val[i], v)
			}
			for a := 0; a < 3; a++ {
				if math.Abs(g[a]-float64(grad[3*i+a])) > 1e-5*math.Max(1, math.Abs(g[a])) {
					t.Fatalf("%+v point %d axis %d: grad %g, ref %g", lay, i, a, grad[3*i+a], g[a])
				}
			}
		}
		for _, s := range []int{7, 8} { // 343 (odd) and 512 points
			xs, ys := x, y
			if s == 8 {
				xs, ys = gaussTarget(t, 8)
			}
			tr, err := NewTrainer(nil, cfg)
			if err != nil {
				t.Fatal(err)
			}
			tr.lay = lay
			_, rep, err := tr.Fit(context.Background(), xs, ys, nil)
			if err != nil {
				t.Fatalf("%+v: %v", lay, err)
			}
			if s == 7 {
				if hist0 == nil {
					hist0 = rep.History
				}
				// Same function and data, different summation order: the
				// loss curves agree to float32 accuracy over 5 steps.
				for k := range hist0 {
					if math.Abs(rep.History[k]-hist0[k]) > 1e-5*hist0[k] {
						t.Errorf("%+v: loss[%d] = %g, layout %+v gave %g", lay, k, rep.History[k], allLayouts[0], hist0[k])
					}
				}
			}
		}
	}
}

// TestEvaluatorGradientVsFiniteDifferences checks the GoMLX autodiff input
// gradient directly against central finite differences of the float64
// reference forward (not only against EvalRef's analytic gradient).
func TestEvaluatorGradientVsFiniteDifferences(t *testing.T) {
	cfg := tinyConfig()
	cfg.Width, cfg.HiddenLayers = 32, 2
	net, ev := netAndEvaluator(t, cfg)
	pts := []float32{0.1, -0.2, 0.3, -0.9, 0.8, 0.05, 0.5, 0.5, -0.7, 1, -1, 0}
	n := len(pts) / 3
	val, grad := make([]float32, n), make([]float32, 3*n)
	if err := ev.Eval(net, pts, val, grad); err != nil {
		t.Fatal(err)
	}
	const h = 1e-6
	for i := 0; i < n; i++ {
		p := [3]float64{float64(pts[3*i]), float64(pts[3*i+1]), float64(pts[3*i+2])}
		for a := 0; a < 3; a++ {
			pp, pm := p, p
			pp[a] += h
			pm[a] -= h
			vp, _ := net.EvalRef(pp)
			vm, _ := net.EvalRef(pm)
			fd := (vp - vm) / (2 * h)
			// float32 autodiff vs float64 FD (FD error < 1e-7, see
			// TestEvalRefGradientFiniteDifferences): 1e-5 relative to
			// max(1, |g|).
			if d := math.Abs(float64(grad[3*i+a]) - fd); d > 1e-5*math.Max(1, math.Abs(fd)) {
				t.Errorf("point %v axis %d: autodiff %g, FD %g", p, a, grad[3*i+a], fd)
			}
		}
	}
}
