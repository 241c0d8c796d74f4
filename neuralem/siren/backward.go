package siren

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// lossGradFunc builds a training step's per-network losses [K] (a stack of
// one: [1]) and the gradients of their sum with respect to params, from
// the shared coordinates x [3, N], the targets y ([K, 1, N]; [1, N]) and
// the parameters (see forwardStack for the shapes). With cfg.SolveOutput
// it also returns the output layer it solved for (W, b, in the shapes of
// the last two params), which the losses were computed with, and the last
// two gradients are nil (not computed). Otherwise head is nil.
type lossGradFunc func(cfg Config, act activation, x, y *Node, params []*Node) (lossK *Node, grads, head []*Node)

// autodiffLossGrads is the loss and gradient of a forward by GoMLX's
// autodiff: the reference the hand-written backward pass is tested
// against, and the way other layouts are trained (layout_test.go).
// It does not solve the output layer: a layout under test trains with
// cfg.SolveOutput false (TestSolvedGrads has the solved step's reference).
func autodiffLossGrads(forward forwardFunc) lossGradFunc {
	return func(cfg Config, act activation, x, y *Node, params []*Node) (*Node, []*Node, []*Node) {
		if cfg.SolveOutput {
			panic("siren: autodiffLossGrads: cfg.SolveOutput is not supported by the layouts under test")
		}
		lossK := mseK(Sub(forward(cfg, act, x, params), y))
		return lossK, Gradient(ReduceAllSum(lossK), params...), nil
	}
}

// mseK returns the per-network mean of the squared residual r ([1, N]:
// [1]; [K, 1, N]: [K]).
func mseK(r *Node) *Node {
	sq := Square(r)
	if sq.Rank() == 2 {
		return ReduceMean(sq, 1)
	}
	return ReduceMean(sq, 1, 2)
}

// manualLossGrads is forwardStack's loss and gradient with the backward
// pass written out, which the training step uses. It computes what
// autodiff computes (TestManualGradsMatchAutodiff) with fewer passes over
// the [out, N] activations:
//
//   - the gradient with respect to a layer's input is one matmul that
//     yields the feature-major [in, N] layout directly; autodiff's matmul
//     gradient yields [N, in] and transposes it (the Go backend's
//     transpose is a strided copy);
//   - bias gradients are matrix-vector products, not ReduceSum;
//   - the sine's derivative is computed from the forward pass's reduced
//     argument (the fast sine) or Cos (the backend's sine) and multiplied
//     in once, without the identity and stop-gradient plumbing a custom
//     gradient needs.
//
// Measured (bench/siren/README.md § 8): a paper-network step 1.20× faster
// than with autodiff, a cpu-preset step 1.04–1.06×, less than the passes
// saved suggest: its elementwise ops run slower per
// value in this graph, for reasons not found. The Evaluator keeps autodiff:
// the same rewrite of its value-and-gradient graph was 25 % slower on the
// gradient walk's small batches (64–512 points), 10 % faster at 4,096.
//
// With cfg.SolveOutput the output layer is not params' but solveOutput's
// least-squares optimum for the last sine layer's features (variable
// projection), returned as head. The gradients of the sine layers are
// then those of the projected loss min_{W,b} MSE: at the optimum the
// loss's derivative with respect to the output layer is zero (up to the
// ridge term), so the projected loss's gradient is the partial gradient
// at fixed (W, b), the same backward pass (TestSolvedGrads checks it
// against finite differences of the projected loss).
func manualLossGrads(cfg Config, act activation, x, y *Node, params []*Node) (*Node, []*Node, []*Node) {
	fw := forwardKeep("manualLossGrads", cfg, act, x, y, params)
	ins, ws, dsin, head, single, n, last := fw.ins, fw.ws, fw.dsin, fw.head, fw.single, fw.n, fw.last
	params = fw.params
	r := Sub(fw.out, y)
	lossK := mseK(r)

	// Backward: delta is the gradient of the summed losses with respect to
	// layer l's (scaled) pre-activation, [out, N] or [K, out, N].
	grads := make([]*Node, len(params))
	nAxis := 1 // the points axis of activations and deltas
	if !single {
		nAxis = 2
	}
	delta := MulScalar(r, 2/float64(n))
	// Bias gradients sum the deltas over the points: as a matrix-vector
	// product with ones, which the Go backend runs as a vectorised matmul
	// (its ReduceSum over the last axis is a scalar loop).
	ones := Ones(x.Graph(), shapes.Make(x.DType(), n))
	for l := last; l >= 0; l-- {
		if l < last || head == nil { // a solved output layer gets no Adam update: no gradients
			var gw *Node
			if single {
				gw = DotGeneral(delta, []int{1}, nil, ins[l], []int{1}, nil) // [out, in]
			} else {
				gw = DotGeneral(delta, []int{2}, []int{0}, ins[l], []int{2}, []int{0}) // [K, out, in]
			}
			gb := InsertAxes(DotGeneral(delta, []int{nAxis}, nil, ones, []int{0}, nil), -1) // [out, 1] or [K, out, 1]
			if l < last {
				a := act.scale(cfg.omega(l))
				gw, gb = MulScalar(gw, a), MulScalar(gb, a)
			}
			grads[2*l], grads[2*l+1] = gw, gb
		}
		if l == 0 {
			break
		}
		delta = Mul(stackInputGrad(ws[l], delta, single), dsin[l-1]())
	}
	return lossK, grads, head
}

// kept is what forwardKeep keeps of a forward pass for a written-out
// backward pass.
type kept struct {
	ins    []*Node        // each layer's input h_l: [in, N] or [K, in, N]
	ws     []*Node        // each layer's weights as the graph uses them (scaled for a sine layer)
	dsin   []func() *Node // builds each sine layer's derivative at its pre-activation
	head   []*Node        // with cfg.SolveOutput: the solved output layer (W, b), else nil
	params []*Node        // params, with the solved output layer in place of the last two
	out    *Node          // the network output: [1, N] or [K, 1, N]
	single bool           // a stack of one (no stack axis)
	n      int            // the number of points N
	last   int            // the output layer's index
}

// forwardKeep is forwardStack's forward pass, keeping each layer's input,
// its scaled weights and the derivative of its sine at the pre-activation;
// with cfg.SolveOutput the output layer is solveOutput's least-squares
// optimum for the targets y. who names the caller in panics.
func forwardKeep(who string, cfg Config, act activation, x, y *Node, params []*Node) kept {
	h, k, single := stackInput(who, x, params)
	last := cfg.NumLayers() - 1
	f := kept{ins: make([]*Node, last+1), ws: make([]*Node, last+1), dsin: make([]func() *Node, last),
		single: single, n: x.Shape().Dimensions[1], last: last}
	for l := 0; l <= last; l++ {
		var z *Node
		f.ins[l] = h
		if l == last && cfg.SolveOutput {
			w, b := solveOutput(h, y)
			f.head = []*Node{w, b}
			params = append(params[:2*last:2*last], w, b)
		}
		f.ws[l], z = stackLayer(who, cfg, act, l, h, params, k, single)
		if l < last {
			z, f.dsin[l] = act.valueAndDerivative(z)
		}
		h = z
	}
	f.params, f.out = params, h
	return f
}

// stackInputGrad returns the gradient with respect to a layer's input,
// [in, N] (stacked: [K, in, N]), from its (scaled) weights w and the
// gradient delta with respect to its pre-activation: one matmul that yields
// the feature-major layout directly.
func stackInputGrad(w, delta *Node, single bool) *Node {
	if single {
		return DotGeneral(w, []int{0}, nil, delta, []int{0}, nil) // [in, N]
	}
	return DotGeneral(w, []int{1}, []int{0}, delta, []int{1}, []int{0}) // [K, in, N]
}

// valueAndDerivative returns the sine layer's output for the scaled
// pre-activation z and a function that builds its derivative with respect
// to z (no autodiff path: the hand-written backward pass calls it where it
// multiplies the derivative in, so its ops run in the backward pass, as
// autodiff's would).
func (a activation) valueAndDerivative(z *Node) (y *Node, dy func() *Node) {
	if a.kind != SineFast {
		return Sin(z), func() *Node { return Cos(z) }
	}
	y, s := sinPiValue(z)
	return y, func() *Node { return horner(s, cosPiC[:]) }
}
