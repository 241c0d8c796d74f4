package siren

import (
	"fmt"
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// TestManualGradsMatchAutodiff checks the hand-written backward pass
// (manualLossGrads, the training step's) against GoMLX's autodiff of the
// same forward (forwardStack), for both sines, a stack of one and a stack of
// three, and against central finite differences of the float64 reference
// network (Net.EvalRef, independent of the graphs) for a few parameters.
func TestManualGradsMatchAutodiff(t *testing.T) {
	be, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := Preset("cpu")
	cfg.Width = 24 // small, but every layer kind: 3→24 sine, 2 hidden 24→24 sine, 24→1
	for _, sine := range []SineKind{SineFast, SineNative} {
		for _, K := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/K=%d", sine, K), func(t *testing.T) {
				x, nets, ys, args := gradCase(t, cfg, K, 11, 0, 1)
				act := activation{kind: sine, grad: true}
				nP := 2 * cfg.NumLayers()
				e, err := NewExec(be, func(in []*Node) []*Node {
					xx, yy, params := in[0], in[1], in[2:]
					lm, gm, _ := manualLossGrads(cfg, act, xx, yy, params)
					la, ga, _ := autodiffLossGrads(forwardStack)(cfg, act, xx, yy, params)
					return append(append([]*Node{lm, la}, gm...), ga...)
				})
				if err != nil {
					t.Fatal(err)
				}
				outs, err := e.Call(args...)
				if err != nil {
					t.Fatal(err)
				}
				flat := func(i int) []float32 { return tensors.MustCopyFlatData[float32](outs[i]) }
				lm, la := flat(0), flat(1)
				for k := range lm {
					if d := math.Abs(float64(lm[k] - la[k])); d > 1e-6*float64(la[k]) {
						t.Errorf("network %d: loss %g, autodiff %g", k, lm[k], la[k])
					}
				}
				for p := range nP {
					gm, ga := flat(2+p), flat(2+nP+p)
					var scale, worst float64
					for i := range ga {
						scale = math.Max(scale, math.Abs(float64(ga[i])))
						worst = math.Max(worst, math.Abs(float64(gm[i]-ga[i])))
					}
					// Same products, other summation order: float32 rounding
					// relative to the tensor's largest entry.
					if worst > 1e-5*scale {
						t.Errorf("parameter %d: max |manual − autodiff| %.3g, largest |autodiff| %.3g", p, worst, scale)
					}
				}
				// Finite differences of the float64 reference loss for
				// network 0, a weight and a bias of each layer.
				for l := range nets[0].Layers {
					for _, bias := range []bool{false, true} {
						p := 2*l + boolInt(bias)
						got := float64(flat(2 + p)[0]) // element 0 of network 0 (stack slot 0 first)
						fd := refLossFD(nets[0], x, ys[0], l, bias)
						if d := math.Abs(got - fd); d > 2e-3*math.Max(math.Abs(fd), 1e-2) {
							t.Errorf("layer %d bias %v element 0: gradient %g, finite differences %g", l, bias, got, fd)
						}
					}
				}
			})
		}
	}
}

// gradCase returns the points of a 6×5×4 region, K networks of cfg (seeds
// seed0, seed0+1, …), a smooth target per network, off + amp·sin(3x + k)·
// cos(2y − z), and the step's arguments for them: x [3, N], the targets and
// the stacked parameters (stackTargets, stackParams).
func gradCase(t *testing.T, cfg Config, K int, seed0 uint64, off, amp float64) (x []float32, nets []*Net, ys [][]float32, args []any) {
	t.Helper()
	x, _ = RegionCoords([3]int{6, 5, 4})
	n := len(x) / 3
	nets = make([]*Net, K)
	ys = make([][]float32, K)
	for k := range nets {
		c := cfg
		c.Seed = seed0 + uint64(k)
		var err error
		if nets[k], err = NewNet(c); err != nil {
			t.Fatal(err)
		}
		ys[k] = make([]float32, n)
		for i := range ys[k] {
			ys[k][i] = float32(off + amp*math.Sin(3*float64(x[3*i])+float64(k))*math.Cos(2*float64(x[3*i+1])-float64(x[3*i+2])))
		}
	}
	args = []any{tensors.FromFlatDataAndDimensions(rowsToFeatureMajor(x, n), 3, n), stackTargets(ys, K == 1)}
	for _, p := range stackParams(nets, K == 1) {
		args = append(args, p)
	}
	return x, nets, ys, args
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stackTargets returns the targets as the step takes them: [1, N] for a
// stack of one, else [K, 1, N].
func stackTargets(ys [][]float32, single bool) *tensors.Tensor {
	var flat []float32
	for _, y := range ys {
		flat = append(flat, y...)
	}
	if single {
		return tensors.FromFlatDataAndDimensions(flat, 1, len(ys[0]))
	}
	return tensors.FromFlatDataAndDimensions(flat, len(ys), 1, len(ys[0]))
}

// stackParams returns the networks' parameters as the step takes them
// (forwardStack's shapes).
func stackParams(nets []*Net, single bool) []*tensors.Tensor {
	var out []*tensors.Tensor
	for l, L := range nets[0].Layers {
		var w, b []float32
		for _, n := range nets {
			w = append(w, n.Layers[l].W...)
			b = append(b, n.Layers[l].B...)
		}
		if single {
			out = append(out, tensors.FromFlatDataAndDimensions(w, L.Out, L.In), tensors.FromFlatDataAndDimensions(b, L.Out, 1))
		} else {
			out = append(out, tensors.FromFlatDataAndDimensions(w, len(nets), L.Out, L.In), tensors.FromFlatDataAndDimensions(b, len(nets), L.Out, 1))
		}
	}
	return out
}

// refLossFD is the central difference, in float64, of the mean squared
// error of net's reference evaluation (Net.EvalRef) on the points x against
// y, with respect to element 0 of layer l's weights (or bias).
func refLossFD(net *Net, x, y []float32, l int, bias bool) float64 {
	loss := func(delta float64) float64 {
		c := net.Clone()
		if bias {
			c.Layers[l].B[0] += float32(delta)
		} else {
			c.Layers[l].W[0] += float32(delta)
		}
		return refMSE(c, x, y)
	}
	// The step is a float32 perturbation of the stored weight: use the
	// perturbation actually applied.
	const h = 1.0 / 16384 // w ± h is exact in float32 for |w| < 2¹⁰
	return (loss(h) - loss(-h)) / (2 * h)
}
