package siren

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// The graphs use two layouts (bench/siren/README.md has the measurements
// that chose them; layout_test.go keeps the alternatives that lost, and
// checks that all compute the same function):
//
//   - Training (trainLoop, forwardStack): feature-major, activations
//     [features, N] (per network of the stack), z = W·h.
//   - Evaluation (Evaluator, forwardRows): row-major, activations
//     [N, features], z = h·Wᵀ. Its input gradient needs no transposes
//     (feature-major transposes every layer's [N, in] gradient back to
//     [in, N]); measured ("Fast sine"): value + gradient 1.16× the points/s
//     of feature-major for the paper network and 1.05–1.10× for the cpu
//     one, values only within ±4 %.

// forwardRows builds the network output [N, 1] from the coordinates x
// [N, 3] and the parameters (W_0, b_0, W_1, b_1, …) with W_l [out, in],
// b_l [out, 1], computing the sine layers with act. As in forwardStack, the
// sine's factor is folded into the weights and biases.
func forwardRows(cfg Config, act activation, x *Node, params []*Node) *Node {
	if x.Rank() != 2 || x.Shape().Dimensions[1] != 3 {
		panic(fmt.Sprintf("siren: forwardRows: x shape %s, want [N, 3]", x.Shape()))
	}
	h := x
	last := cfg.NumLayers() - 1
	for l := 0; l <= last; l++ {
		w, b := params[2*l], params[2*l+1]
		out, in := cfg.layerDims(l)
		if d := w.Shape().Dimensions; len(d) != 2 || d[0] != out || d[1] != in {
			panic(fmt.Sprintf("siren: forwardRows: layer %d weights %s, want [%d, %d]", l, w.Shape(), out, in))
		}
		if l < last {
			w = MulScalar(w, act.scale(cfg.omega(l)))
			b = MulScalar(b, act.scale(cfg.omega(l)))
		}
		z := Add(Dot(h, Transpose(w, 0, 1)).Product(), Reshape(b, 1, out)) // [N, out]
		if l < last {
			z = act.apply(z)
		}
		h = z
	}
	return h
}

// netTensors converts the network's layers into tensors in the order
// forward expects (W [out, in], b [out, 1]).
func netTensors(n *Net) []*tensors.Tensor {
	ts := make([]*tensors.Tensor, 0, 2*len(n.Layers))
	for _, L := range n.Layers {
		ts = append(ts,
			tensors.FromFlatDataAndDimensions(append([]float32(nil), L.W...), L.Out, L.In),
			tensors.FromFlatDataAndDimensions(append([]float32(nil), L.B...), L.Out, 1))
	}
	return ts
}

func finalizeAll(ts []*tensors.Tensor) {
	for _, t := range ts {
		if t != nil {
			_ = t.FinalizeAll()
		}
	}
}
