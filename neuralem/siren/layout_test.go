package siren

import (
	"context"
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// testLayout is a graph layout: the training step's loss and gradients
// (trainLoop.lossGrads for one network: x [3, N], parameters [out, in]) and
// the evaluation forward (Evaluator.forward: x [N, 3], parameters
// [out, in] → [N, 1]). Production trains feature-major with the backward
// pass written out (backward.go) and evaluates row-major; the others are
// kept here to re-measure the choice (BenchmarkLayoutStep32W256,
// BenchmarkQueryLayout100k) and to check that all compute the same function
// (TestLayoutsAgree).
type testLayout struct {
	name  string
	train lossGradFunc
	eval  forwardFunc
}

// layout is a testLayout trained by autodiff.
func layout(name string, train, eval forwardFunc) testLayout {
	return testLayout{name, autodiffLossGrads(train), eval}
}

var (
	featureMajor = testLayout{"feature-major", manualLossGrads, evalVia(forwardStack)}
	allLayouts   = []testLayout{
		featureMajor,
		layout("feature-major-autodiff", forwardStack, evalVia(forwardStack)),
		layout("feature-major-blocks2", trainBlocks(2), evalVia(trainBlocks(2))),
		layout("feature-major-blocks4", trainBlocks(4), evalVia(trainBlocks(4))),
		layout("row-major", trainVia(forwardRows), forwardRows),
	}
)

// trainBlocks is the feature-major layout with the N points split into
// blocks equal slices (the largest of blocks, …, 2, 1 that divides N):
// activations [blocks, features, N/blocks], W broadcast over the block
// axis, so the weight gradient is a batched matmul (whose batch axis the Go
// backend can run in parallel) followed by a sum over blocks. One network
// only.
func trainBlocks(blocks int) forwardFunc {
	return func(cfg Config, act activation, x *Node, params []*Node) *Node {
		n := x.Shape().Dimensions[1]
		nb := blocks
		for n%nb != 0 {
			nb--
		}
		m := n / nb
		h := TransposeAllDims(Reshape(x, 3, nb, m), 1, 0, 2) // [B, 3, M]
		last := cfg.NumLayers() - 1
		for l := 0; l <= last; l++ {
			out, in := cfg.layerDims(l)
			w, b := params[2*l], Reshape(params[2*l+1], 1, out, 1)
			if l < last {
				w = MulScalar(w, act.scale(cfg.omega(l)))
				b = MulScalar(b, act.scale(cfg.omega(l)))
			}
			wb := BroadcastToDims(InsertAxes(w, 0), nb, out, in)
			z := Add(DotGeneral(wb, []int{2}, []int{0}, h, []int{1}, []int{0}), b) // [B, out, M]
			if l < last {
				z = act.apply(z)
			}
			h = z
		}
		return Reshape(h, 1, n) // block-major = point order
	}
}

// evalVia adapts a training forward to the Evaluator's shapes.
func evalVia(train forwardFunc) forwardFunc {
	return func(cfg Config, act activation, x *Node, params []*Node) *Node {
		n := x.Shape().Dimensions[0]
		return Reshape(train(cfg, act, Transpose(x, 0, 1), params), n, 1)
	}
}

// trainVia adapts an evaluation forward to the training loop's shapes (one
// network).
func trainVia(eval forwardFunc) forwardFunc {
	return func(cfg Config, act activation, x *Node, params []*Node) *Node {
		n := x.Shape().Dimensions[1]
		return Reshape(eval(cfg, act, Transpose(x, 0, 1), params), 1, n)
	}
}

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
		ev.forward = lay.eval
		val, grad := make([]float32, n), make([]float32, 3*n)
		if err := ev.Eval(net, xe, val, grad); err != nil {
			t.Fatalf("%s: %v", lay.name, err)
		}
		for i := 0; i < n; i++ {
			v, g := net.EvalRef([3]float64{float64(xe[3*i]), float64(xe[3*i+1]), float64(xe[3*i+2])})
			if math.Abs(v-float64(val[i])) > 1e-5 {
				t.Fatalf("%s point %d: value %g, ref %g", lay.name, i, val[i], v)
			}
			for a := 0; a < 3; a++ {
				if math.Abs(g[a]-float64(grad[3*i+a])) > 1e-5*math.Max(1, math.Abs(g[a])) {
					t.Fatalf("%s point %d axis %d: grad %g, ref %g", lay.name, i, a, grad[3*i+a], g[a])
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
			tr.loop.lossGrads = lay.train
			_, rep, err := tr.Fit(context.Background(), xs, ys, nil)
			if err != nil {
				t.Fatalf("%s: %v", lay.name, err)
			}
			if s == 7 {
				if hist0 == nil {
					hist0 = rep.History
				}
				// Same function and data, different summation order: the
				// loss curves agree to float32 accuracy over 5 steps.
				for k := range hist0 {
					if math.Abs(rep.History[k]-hist0[k]) > 1e-5*hist0[k] {
						t.Errorf("%s: loss[%d] = %g, layout %s gave %g", lay.name, k, rep.History[k], allLayouts[0].name, hist0[k])
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
