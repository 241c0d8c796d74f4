package siren

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// hostSolve solves a·x = r in float64 by Gaussian elimination with partial
// pivoting (a is n×n row-major; a and r are not modified): the reference
// for gaussJordan.
func hostSolve(a, r []float64) []float64 {
	n := len(r)
	m := append([]float64(nil), a...)
	x := append([]float64(nil), r...)
	for j := range n {
		p := j
		for i := j + 1; i < n; i++ {
			if math.Abs(m[i*n+j]) > math.Abs(m[p*n+j]) {
				p = i
			}
		}
		for c := range n {
			m[j*n+c], m[p*n+c] = m[p*n+c], m[j*n+c]
		}
		x[j], x[p] = x[p], x[j]
		for i := j + 1; i < n; i++ {
			f := m[i*n+j] / m[j*n+j]
			for c := j; c < n; c++ {
				m[i*n+c] -= f * m[j*n+c]
			}
			x[i] -= f * x[j]
		}
	}
	for j := n - 1; j >= 0; j-- {
		for c := j + 1; c < n; c++ {
			x[j] -= m[j*n+c] * x[c]
		}
		x[j] /= m[j*n+j]
	}
	return x
}

// TestGaussJordan checks the graph's solver against hostSolve on random
// symmetric positive definite systems, alone and stacked, including an
// ill-conditioned one (eigenvalues from 1 down to 1e-7, like nearly
// collinear features with the ridge).
func TestGaussJordan(t *testing.T) {
	be, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	const n = 9
	rng := rand.New(rand.NewPCG(3, 4))
	spd := func(cond float64) ([]float64, []float64) {
		// a = Qᵀ·diag(λ)·Q with Q from Gram–Schmidt of a random matrix.
		q := make([]float64, n*n)
		for i := range q {
			q[i] = rng.NormFloat64()
		}
		for i := range n {
			for k := range i {
				var d float64
				for c := range n {
					d += q[i*n+c] * q[k*n+c]
				}
				for c := range n {
					q[i*n+c] -= d * q[k*n+c]
				}
			}
			var s float64
			for c := range n {
				s += q[i*n+c] * q[i*n+c]
			}
			for c := range n {
				q[i*n+c] /= math.Sqrt(s)
			}
		}
		a := make([]float64, n*n)
		for k := range n {
			lam := math.Pow(cond, -float64(k)/(n-1))
			for i := range n {
				for j := range n {
					a[i*n+j] += q[k*n+i] * lam * q[k*n+j]
				}
			}
		}
		r := make([]float64, n)
		for i := range r {
			r[i] = rng.NormFloat64()
		}
		return a, r
	}
	e, err := NewExec(be, func(a, r *Node) *Node { return gaussJordan(a, r) })
	if err != nil {
		t.Fatal(err)
	}
	for _, cond := range []float64{10, 1e7} {
		for _, K := range []int{1, 3} {
			t.Run(fmt.Sprintf("cond=%g/K=%d", cond, K), func(t *testing.T) {
				var as, rs []float64
				var want [][]float64
				for range K {
					a, r := spd(cond)
					as, rs = append(as, a...), append(rs, r...)
					want = append(want, hostSolve(a, r))
				}
				var at, rt *tensors.Tensor
				if K == 1 {
					at, rt = tensors.FromFlatDataAndDimensions(as, n, n), tensors.FromFlatDataAndDimensions(rs, n, 1)
				} else {
					at, rt = tensors.FromFlatDataAndDimensions(as, K, n, n), tensors.FromFlatDataAndDimensions(rs, K, n, 1)
				}
				out, err := e.Call(at, rt)
				if err != nil {
					t.Fatal(err)
				}
				got := tensors.MustCopyFlatData[float64](out[0])
				for k := range K {
					var scale, worst float64
					for i := range n {
						scale = math.Max(scale, math.Abs(want[k][i]))
						worst = math.Max(worst, math.Abs(got[k*n+i]-want[k][i]))
					}
					// Backward stable: error ≈ cond · machine epsilon.
					if worst > 1e-14*cond*scale*10 {
						t.Errorf("system %d: max |x − reference| %.3g (largest |x| %.3g, cond %g)", k, worst, scale, cond)
					}
				}
			})
		}
	}
}

// refFeatures returns the last sine layer's features of net at the points x
// (N×3), in float64, by evaluating the reference network (EvalRef) with its
// output layer replaced by each unit vector in turn: [feature][point].
func refFeatures(net *Net, x []float32) [][]float64 {
	last := len(net.Layers) - 1
	width := net.Layers[last].In
	out := make([][]float64, width)
	for f := range width {
		c := net.Clone()
		clear(c.Layers[last].W)
		clear(c.Layers[last].B)
		c.Layers[last].W[f] = 1
		out[f] = make([]float64, len(x)/3)
		for i := range out[f] {
			out[f][i], _ = c.EvalRef([3]float64{float64(x[3*i]), float64(x[3*i+1]), float64(x[3*i+2])})
		}
	}
	return out
}

// refProjectedLoss returns min over the output layer (W, b) of the mean
// squared error of net on (x, y) plus OutputRidge·(|W|² + b²), and the
// MSE at that optimum, in float64 from refFeatures and hostSolve.
func refProjectedLoss(net *Net, x, y []float32) (objective, mse float64) {
	h := refFeatures(net, x)
	h = append(h, make([]float64, len(y)))
	for i := range h[len(h)-1] {
		h[len(h)-1][i] = 1
	}
	m, n := len(h), float64(len(y))
	a := make([]float64, m*m)
	r := make([]float64, m)
	for i := range m {
		for j := range m {
			for p := range y {
				a[i*m+j] += h[i][p] * h[j][p] / n
			}
		}
		a[i*m+i] += OutputRidge
		for p := range y {
			r[i] += h[i][p] * float64(y[p]) / n
		}
	}
	s := hostSolve(a, r)
	for p := range y {
		var v float64
		for i := range m {
			v += s[i] * h[i][p]
		}
		mse += (v - float64(y[p])) * (v - float64(y[p])) / n
	}
	objective = mse
	for _, v := range s {
		objective += OutputRidge * v * v
	}
	return objective, mse
}

// TestSolvedGrads checks the SolveOutput step (manualLossGrads with
// cfg.SolveOutput) against independent references: its loss against the
// float64 least-squares optimum of the reference network's features, and
// its sine-layer gradients against central finite differences of that
// projected loss (the variable-projection gradient), for both sines and a
// stack of one and of three.
func TestSolvedGrads(t *testing.T) {
	be, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := Preset("cpu")
	cfg.Width = 12
	cfg.SolveOutput = true
	for _, sine := range []SineKind{SineFast, SineNative} {
		for _, K := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/K=%d", sine, K), func(t *testing.T) {
				x, nets, ys, args := gradCase(t, cfg, K, 21, 0.3, 0.5)
				n := len(ys[0])
				act := activation{kind: sine, grad: true}
				e, err := NewExec(be, func(in []*Node) []*Node {
					lossK, grads, head := manualLossGrads(cfg, act, in[0], in[1], in[2:])
					for _, g := range grads[len(grads)-2:] {
						if g != nil {
							panic("the solved output layer's gradients were computed")
						}
					}
					return append(append([]*Node{lossK}, grads[:len(grads)-2]...), head...)
				})
				if err != nil {
					t.Fatal(err)
				}
				outs, err := e.Call(args...)
				if err != nil {
					t.Fatal(err)
				}
				flat := func(i int) []float32 { return tensors.MustCopyFlatData[float32](outs[i]) }
				losses := flat(0)
				nP := 2 * cfg.NumLayers()
				for k := range K {
					_, mse := refProjectedLoss(nets[k], x, ys[k])
					if d := math.Abs(float64(losses[k]) - mse); d > 1e-3*mse+1e-7 {
						t.Errorf("network %d: loss %.6g, float64 least squares %.6g", k, losses[k], mse)
					}
				}
				// The solved head, in the output layer of network 0,
				// reproduces the step's loss in the reference network.
				solved := nets[0].Clone()
				last := len(solved.Layers) - 1
				copy(solved.Layers[last].W, flat(nP - 1)[:cfg.Width]) // the head follows the nP−2 sine-layer gradients
				copy(solved.Layers[last].B, flat(nP)[:1])
				var mse float64
				for i := range n {
					v, _ := solved.EvalRef([3]float64{float64(x[3*i]), float64(x[3*i+1]), float64(x[3*i+2])})
					mse += (v - float64(ys[0][i])) * (v - float64(ys[0][i])) / float64(n)
				}
				if d := math.Abs(mse - float64(losses[0])); d > 1e-3*mse+1e-7 {
					t.Errorf("network 0 with the solved output layer: reference MSE %.6g, step's loss %.6g", mse, losses[0])
				}
				// Finite differences of the projected loss, network 0, a
				// weight and a bias of each sine layer.
				for l := range last {
					for _, bias := range []bool{false, true} {
						p := 2*l + boolInt(bias)
						got := float64(flat(1 + p)[0])
						fd := projectedFD(nets[0], x, ys[0], l, bias)
						if d := math.Abs(got - fd); d > 3e-3*math.Max(math.Abs(fd), 1e-3) {
							t.Errorf("layer %d bias %v element 0: gradient %g, finite differences of the projected loss %g", l, bias, got, fd)
						}
					}
				}
			})
		}
	}
}

// projectedFD is the central difference of refProjectedLoss's objective
// with respect to element 0 of layer l's weights (or bias).
func projectedFD(net *Net, x, y []float32, l int, bias bool) float64 {
	loss := func(delta float64) float64 {
		c := net.Clone()
		if bias {
			c.Layers[l].B[0] += float32(delta)
		} else {
			c.Layers[l].W[0] += float32(delta)
		}
		obj, _ := refProjectedLoss(c, x, y)
		return obj
	}
	const h = 1.0 / 16384
	return (loss(h) - loss(-h)) / (2 * h)
}

// TestSolveOutputFit trains with SolveOutput and checks what Fit returns:
// the best network (with the output layer solved at its step) reproduces
// the reported best loss, and on the same region and starting weights it
// reaches the target in fewer steps than Adam on every layer.
func TestSolveOutputFit(t *testing.T) {
	cfg, _ := Preset("cpu")
	cfg.Width = 32
	cfg.LowLoss, cfg.MaxSteps, cfg.MaxTime = 1e-4, 400, 0
	x, _ := RegionCoords([3]int{8, 8, 8})
	y := make([]float32, len(x)/3)
	blobs(x, y, 0.08)
	steps := map[bool]int{}
	for _, solve := range []bool{false, true} {
		c := cfg
		c.SolveOutput = solve
		net, rep, err := Fit(context.Background(), c, x, y, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.StopReason != StopBelowLow {
			t.Errorf("SolveOutput %v: stopped with %q after %d steps (best %.3g)", solve, rep.StopReason, rep.Steps, rep.BestLoss)
		}
		if mse := refMSE(net, x, y); math.Abs(mse-rep.BestLoss) > 2e-2*rep.BestLoss {
			t.Errorf("SolveOutput %v: the returned network's MSE %.6g, reported best loss %.6g", solve, mse, rep.BestLoss)
		}
		if net.Config.SolveOutput != solve {
			t.Errorf("returned network's Config.SolveOutput = %v, want %v", net.Config.SolveOutput, solve)
		}
		steps[solve] = rep.Steps
	}
	t.Logf("steps to MSE 1e-4: Adam on every layer %d, output layer solved %d", steps[false], steps[true])
	if steps[true] >= steps[false] {
		t.Errorf("SolveOutput took %d steps, Adam on every layer %d: want fewer", steps[true], steps[false])
	}
}

// TestSolveOutputStack trains three regions of different difficulty in one
// stack with SolveOutput (they stop at different steps, so the stack is
// rebuilt as networks finish) and checks that each returned network, with
// the output layer solved at its best step, reproduces its reported best
// loss.
func TestSolveOutputStack(t *testing.T) {
	cfg, _ := Preset("cpu")
	cfg.Width = 32
	cfg.LowLoss, cfg.MaxSteps, cfg.MaxTime = 1e-4, 400, 0
	cfg.SolveOutput = true
	x, _ := RegionCoords([3]int{8, 8, 8})
	ys := make([][]float32, 3)
	inits := make([]*Net, 3)
	for k, width := range []float64{0.2, 0.08, 0.03} { // three widths: the networks stop at different steps
		ys[k] = make([]float32, len(x)/3)
		blobs(x, ys[k], width)
		var err error
		if inits[k], err = NewNet(cfg); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := NewStackTrainer(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	nets, reps, err := tr.FitStack(context.Background(), inits, x, ys, nil)
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for k := range nets {
		steps = append(steps, reps[k].Steps)
		if mse := refMSE(nets[k], x, ys[k]); math.Abs(mse-reps[k].BestLoss) > 2e-2*reps[k].BestLoss {
			t.Errorf("network %d: the returned network's MSE %.6g, reported best loss %.6g (%d steps, %s)", k, mse, reps[k].BestLoss, reps[k].Steps, reps[k].StopReason)
		}
	}
	t.Logf("steps per network: %v", steps)
	if steps[0] == steps[1] && steps[1] == steps[2] {
		t.Errorf("every network took %d steps: the stack was never rebuilt, pick targets of different difficulty", steps[0])
	}
}

// blobs fills y with two Gaussian blobs of squared width w at the points x,
// like density.
func blobs(x, y []float32, w float64) {
	for i := range y {
		d1 := sq(x[3*i]-0.3) + sq(x[3*i+1]+0.2) + sq(x[3*i+2])
		d2 := sq(x[3*i]+0.4) + sq(x[3*i+1]-0.3) + sq(x[3*i+2]-0.2)
		y[i] = float32(0.8*math.Exp(-d1/w) + 0.5*math.Exp(-d2/(0.6*w)))
	}
}

// refMSE is the mean squared error of the reference network (EvalRef) at
// the points x against y.
func refMSE(net *Net, x, y []float32) float64 {
	var mse float64
	for i := range y {
		v, _ := net.EvalRef([3]float64{float64(x[3*i]), float64(x[3*i+1]), float64(x[3*i+2])})
		mse += (v - float64(y[i])) * (v - float64(y[i])) / float64(len(y))
	}
	return mse
}

func sq(v float32) float64 { return float64(v) * float64(v) }
