package siren

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// forward builds the network output, shape [1, N], from feature-major input
// coordinates xT [3, N] and the parameters (W_0, b_0, W_1, b_1, …) with
// W_l [out, in] and b_l [out, 1].
//
// ω0 is folded into the (small) weight and bias tensors rather than applied
// to the [out, N] pre-activations, which saves one elementwise pass per
// layer; the function is the same sin(ω0·(W·x + b)).
func forward(cfg Config, xT *Node, params []*Node) *Node {
	h := xT
	last := cfg.NumLayers() - 1
	for l := 0; l <= last; l++ {
		w, b := params[2*l], params[2*l+1]
		if l < last {
			w = MulScalar(w, cfg.Omega0)
			b = MulScalar(b, cfg.Omega0)
		}
		z := Add(Dot(w, h).Product(), b) // [out, N] + [out, 1]
		if l < last {
			z = Sin(z)
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
