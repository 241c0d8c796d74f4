package siren

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// refKFACStep is an independent float64 host implementation of one
// OptimizerKFAC step (kfacStep's documentation) for net on (x, y), with
// prev the previous update of each sine layer's parameters in Net layout
// (W then b per layer, as [][]float64). It returns the update of each sine
// layer's W and b (what is subtracted) and the MSE with the solved output
// layer.
func refKFACStep(net *Net, x, y []float32, prev [][]float64) (step [][]float64, mse float64) {
	n := len(y)
	last := len(net.Layers) - 1
	// The solved output layer: the float64 least-squares head.
	h := refFeatures(net, x)
	m := len(h) + 1
	a := make([]float64, m*m)
	r := make([]float64, m)
	feat := func(i, p int) float64 {
		if i == m-1 {
			return 1
		}
		return h[i][p]
	}
	for i := range m {
		for j := range m {
			for p := range n {
				a[i*m+j] += feat(i, p) * feat(j, p) / float64(n)
			}
		}
		a[i*m+i] += OutputRidge
		for p := range n {
			r[i] += feat(i, p) * float64(y[p]) / float64(n)
		}
	}
	head := hostSolve(a, r)
	// Per point: each sine layer's input with a 1 appended, and the
	// output's derivative with respect to its pre-activation W·h + b.
	ins := make([][][]float64, last) // [layer][point][in+1]
	ds := make([][][]float64, last)  // [layer][point][out]
	res := make([]float64, n)
	for l := range last {
		ins[l] = make([][]float64, n)
		ds[l] = make([][]float64, n)
	}
	for p := range n {
		hv := []float64{float64(x[3*p]), float64(x[3*p+1]), float64(x[3*p+2])}
		zs := make([][]float64, last)
		for l := range last {
			L := net.Layers[l]
			ins[l][p] = append(append([]float64(nil), hv...), 1)
			zs[l] = make([]float64, L.Out)
			next := make([]float64, L.Out)
			for o := range L.Out {
				s := float64(L.B[o])
				for i := range L.In {
					s += float64(L.W[o*L.In+i]) * hv[i]
				}
				zs[l][o] = s
				next[o] = math.Sin(net.Config.omega(l) * s)
			}
			hv = next
		}
		out := head[m-1]
		for i, v := range hv {
			out += head[i] * v
		}
		res[p] = out - float64(y[p])
		mse += res[p] * res[p] / float64(n)
		g := head[:m-1] // d out / d h of the last sine layer's output
		for l := last - 1; l >= 0; l-- {
			L := net.Layers[l]
			w0 := net.Config.omega(l)
			ds[l][p] = make([]float64, L.Out)
			for o := range L.Out {
				ds[l][p][o] = g[o] * w0 * math.Cos(w0*zs[l][o])
			}
			gp := make([]float64, L.In)
			for o := range L.Out {
				for i := range L.In {
					gp[i] += ds[l][p][o] * float64(L.W[o*L.In+i])
				}
			}
			g = gp
		}
	}
	// Directions U_l = (G + δI)⁻¹ · grad · (A + δI)⁻¹.
	damped := func(f []float64, k int) []float64 {
		var tr float64
		for i := range k {
			tr += f[i*k+i]
		}
		for i := range k {
			f[i*k+i] += KFACDamping * tr / float64(k)
		}
		return f
	}
	us := make([][]float64, last) // [out*(in+1)] row-major
	for l := range last {
		out, in1 := net.Layers[l].Out, net.Layers[l].In+1
		gf, af, grad := make([]float64, out*out), make([]float64, in1*in1), make([]float64, out*in1)
		for p := range n {
			for i := range out {
				for j := range out {
					gf[i*out+j] += ds[l][p][i] * ds[l][p][j] / float64(n)
				}
				for j := range in1 {
					grad[i*in1+j] += ds[l][p][i] * res[p] * ins[l][p][j] / float64(n)
				}
			}
			for i := range in1 {
				for j := range in1 {
					af[i*in1+j] += ins[l][p][i] * ins[l][p][j] / float64(n)
				}
			}
		}
		gf, af = damped(gf, out), damped(af, in1)
		xm := make([]float64, out*in1) // G⁻¹·grad, column by column
		for j := range in1 {
			col := make([]float64, out)
			for i := range out {
				col[i] = grad[i*in1+j]
			}
			for i, v := range hostSolve(gf, col) {
				xm[i*in1+j] = v
			}
		}
		us[l] = make([]float64, out*in1) // (G⁻¹·grad)·A⁻¹, row by row (A symmetric)
		for i := range out {
			copy(us[l][i*in1:], hostSolve(af, xm[i*in1:(i+1)*in1]))
		}
	}
	// Step lengths from the Gauss–Newton model.
	jac := func(l int, u []float64, p int) float64 {
		out, in1 := net.Layers[l].Out, net.Layers[l].In+1
		var s float64
		for o := range out {
			var z float64
			for i := range in1 {
				z += u[o*in1+i] * ins[l][p][i]
			}
			s += ds[l][p][o] * z
		}
		return s
	}
	var m11, m12, m22, r1, r2 float64
	for p := range n {
		var ju, jp float64
		for l := range last {
			ju += jac(l, us[l], p)
			jp += jac(l, prev[l], p)
		}
		m11, m12, m22 = m11+ju*ju, m12+ju*jp, m22+jp*jp
		r1, r2 = r1+res[p]*ju, r2+res[p]*jp
	}
	var alpha, beta float64
	if m22 == 0 {
		alpha = r1 / m11
	} else {
		det := m11*m22 - m12*m12
		alpha, beta = (m22*r1-m12*r2)/det, (m11*r2-m12*r1)/det
	}
	step = make([][]float64, last)
	for l := range last {
		step[l] = make([]float64, len(us[l]))
		for i := range us[l] {
			step[l][i] = alpha*us[l][i] + beta*prev[l][i]
		}
	}
	return step, mse
}

// TestKFACStep checks kfacStep against refKFACStep: the loss, and the
// update of every sine-layer parameter, for both sines and a stack of one
// and of three, at a first step (no previous update) and with a previous
// update (the two-dimensional step-length model).
func TestKFACStep(t *testing.T) {
	be, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := Preset("cpu")
	cfg.Width = 10
	cfg.SolveOutput, cfg.Optimizer = true, OptimizerKFAC
	for _, sine := range []SineKind{SineFast, SineNative} {
		for _, K := range []int{1, 3} {
			for _, withPrev := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/K=%d/prev=%v", sine, K, withPrev), func(t *testing.T) {
					x, nets, ys, args := gradCase(t, cfg, K, 31, 0.3, 0.5)
					act := activation{kind: sine, grad: true}
					last := cfg.NumLayers() - 1
					// Previous updates: zero, or random of the size of a step.
					rng := rand.New(rand.NewPCG(5, uint64(K)))
					prevs := make([][][]float64, K) // [network][layer][out*(in+1)]
					var prevArgs []*tensors.Tensor
					for l := range last {
						out, in := cfg.layerDims(l)
						w := make([]float32, 0, K*out*in)
						b := make([]float32, 0, K*out)
						for k := range K {
							if l == 0 {
								prevs[k] = make([][]float64, last)
							}
							p := make([]float64, out*(in+1)) // float32 values, as the graph sees them
							for i := range p {
								if withPrev {
									p[i] = float64(float32(1e-3 * rng.NormFloat64()))
								}
							}
							prevs[k][l] = p
							for o := range out {
								for i := range in {
									w = append(w, float32(p[o*(in+1)+i]))
								}
								b = append(b, float32(p[o*(in+1)+in]))
							}
						}
						if K == 1 {
							prevArgs = append(prevArgs, tensors.FromFlatDataAndDimensions(w, out, in), tensors.FromFlatDataAndDimensions(b, out, 1))
						} else {
							prevArgs = append(prevArgs, tensors.FromFlatDataAndDimensions(w, K, out, in), tensors.FromFlatDataAndDimensions(b, K, out, 1))
						}
					}
					nP := 2 * cfg.NumLayers()
					e, err := NewExec(be, func(in []*Node) []*Node {
						lossK, _, _, step := kfacStep(cfg, act, in[0], in[1], in[2:2+nP], in[2+nP:])
						return append([]*Node{lossK}, step...)
					})
					if err != nil {
						t.Fatal(err)
					}
					for _, p := range prevArgs {
						args = append(args, p)
					}
					outs, err := e.Call(args...)
					if err != nil {
						t.Fatal(err)
					}
					flat := func(i int) []float32 { return tensors.MustCopyFlatData[float32](outs[i]) }
					losses := flat(0)
					for k := range K {
						want, mse := refKFACStep(nets[k], x, ys[k], prevs[k])
						if d := math.Abs(float64(losses[k]) - mse); d > 1e-3*mse+1e-7 {
							t.Errorf("network %d: loss %.6g, reference %.6g", k, losses[k], mse)
						}
						for l := range last {
							out, in := cfg.layerDims(l)
							gw, gb := flat(1+2*l), flat(2+2*l)
							var scale, worst float64
							for o := range out {
								for i := range in + 1 {
									var got float64
									if i < in {
										got = float64(gw[k*out*in+o*in+i])
									} else {
										got = float64(gb[k*out+o])
									}
									ref := want[l][o*(in+1)+i]
									scale = math.Max(scale, math.Abs(ref))
									worst = math.Max(worst, math.Abs(got-ref))
								}
							}
							// float32 features and factors against float64:
							// relative to the layer's largest update.
							if worst > 2e-3*scale || scale == 0 {
								t.Errorf("network %d layer %d: max |update − reference| %.3g, largest reference update %.3g", k, l, worst, scale)
							}
						}
					}
				})
			}
		}
	}
}

// TestKFACFit trains with OptimizerKFAC and checks what Fit returns — the
// best network (with the output layer solved at its step) reproduces the
// reported best loss — and that on the same region and starting weights it
// reaches the target in under half the steps of Adam with the output
// layer solved (measured: bench/meta/README.md § (h)).
func TestKFACFit(t *testing.T) {
	cfg, _ := Preset("cpu")
	cfg.Width = 32
	cfg.LowLoss, cfg.MaxSteps, cfg.MaxTime = 1e-4, 400, 0
	cfg.SolveOutput = true
	x, y := gaussTarget(t, 8)
	steps := map[Optimizer]int{}
	for _, opt := range []Optimizer{OptimizerAdam, OptimizerKFAC} {
		c := cfg
		c.Optimizer = opt
		net, rep := mustFit(t, c, x, y)
		if rep.StopReason != StopBelowLow {
			t.Fatalf("%s: stopped by %s after %d steps at best MSE %.3g, want below %g", opt, rep.StopReason, rep.Steps, rep.BestLoss, c.LowLoss)
		}
		checkBest(t, net, rep, x, y)
		steps[opt] = rep.Steps
	}
	if 2*steps[OptimizerKFAC] > steps[OptimizerAdam] {
		t.Errorf("K-FAC took %d steps, Adam with the output layer solved %d: want under half", steps[OptimizerKFAC], steps[OptimizerAdam])
	}
	t.Logf("steps to MSE %g: Adam (output solved) %d, K-FAC %d", cfg.LowLoss, steps[OptimizerAdam], steps[OptimizerKFAC])
}

// TestKFACZeroTarget: an all-zero region (outside a mask) gives a zero
// solved output layer, so every curvature factor is zero; the step must
// stay finite and the fit stop at once.
func TestKFACZeroTarget(t *testing.T) {
	cfg, _ := Preset("cpu")
	cfg.Width = 8
	cfg.SolveOutput, cfg.Optimizer = true, OptimizerKFAC
	x, _ := RegionCoords([3]int{4, 4, 4})
	_, rep := mustFit(t, cfg, x, make([]float32, len(x)/3))
	if rep.StopReason != StopBelowLow || rep.Steps != 1 {
		t.Errorf("zero target: %s after %d steps (best %g), want %s after 1", rep.StopReason, rep.Steps, rep.BestLoss, StopBelowLow)
	}
}

// TestOptimizerConfig: Validate refuses an unknown optimizer and K-FAC
// without the solved output layer; TrainingString names each way to train.
func TestOptimizerConfig(t *testing.T) {
	cfg, _ := Preset("cpu")
	for _, c := range []struct {
		opt   Optimizer
		solve bool
		err   string
		train string
	}{
		{"", false, "", "Adam lr 0.001"},
		{OptimizerAdam, true, "", "Adam lr 0.001 on the sine layers, output layer solved by least squares at every step"},
		{OptimizerKFAC, true, "", "K-FAC on the sine layers, output layer solved by least squares at every step"},
		{OptimizerKFAC, false, `Optimizer = "kfac" needs SolveOutput = true`, ""},
		{"sgd", false, `Optimizer = "sgd", want "adam" or "kfac"`, ""},
	} {
		c2 := cfg
		c2.Optimizer, c2.SolveOutput = c.opt, c.solve
		err := c2.Validate()
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q solve %v: %v", c.opt, c.solve, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q solve %v: error %v, want %q", c.opt, c.solve, err, c.err)
		case c.err == "" && c2.TrainingString() != c.train:
			t.Errorf("%q solve %v: TrainingString %q, want %q", c.opt, c.solve, c2.TrainingString(), c.train)
		}
	}
}
