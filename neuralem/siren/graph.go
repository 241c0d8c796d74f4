package siren

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// layout chooses how activations are laid out in the graphs.
//
//   - Feature-major (the default): activations [features, N], weights
//     [out, in], z = W·h. With blocks > 1 the N points are split into blocks
//     equal slices, activations are [blocks, features, N/blocks] and W is
//     broadcast over the block axis, so the weight gradient becomes a
//     batched matmul (whose batch axis the Go backend can run in parallel)
//     followed by a sum over blocks.
//   - Row-major: activations [N, features], z = h·Wᵀ.
//
// All layouts compute the same function; bench/siren/README.md has the
// measurements that chose the defaults (feature-major to train, row-major to
// evaluate).
type layout struct {
	rowMajor bool
	blocks   int
}

// defaultLayout is the layout the Trainer uses.
var defaultLayout = layout{blocks: 1}

// evalLayout is the layout the Evaluator uses: row-major. Its input
// gradient needs no transposes (feature-major transposes every layer's
// [N, in] gradient back to [in, N]); measured (bench/siren/README.md, "Fast
// sine"): value + gradient 1.16× the points/s of feature-major for the
// paper network and 1.05–1.10× for the cpu one, values only within ±4 %.
var evalLayout = layout{rowMajor: true}

// blocksFor returns the number of blocks actually used for n points: the
// largest of lay.blocks, …, 2, 1 that divides n.
func (lay layout) blocksFor(n int) int {
	if lay.rowMajor {
		return 1
	}
	for b := max(lay.blocks, 1); b > 1; b-- {
		if n%b == 0 {
			return b
		}
	}
	return 1
}

// packX converts N×3 row-major coordinates (padded with zeros to n points)
// into the layout's input tensor data and dimensions.
func (lay layout) packX(x []float32, n int) ([]float32, []int) {
	if lay.rowMajor {
		out := make([]float32, 3*n)
		copy(out, x)
		return out, []int{n, 3}
	}
	b := lay.blocksFor(n)
	m := n / b
	out := make([]float32, 3*n)
	for i := 0; i < len(x)/3; i++ {
		blk, j := i/m, i%m
		for a := 0; a < 3; a++ {
			out[(blk*3+a)*m+j] = x[3*i+a]
		}
	}
	return out, []int{b, 3, m}
}

// unpackX is the inverse of packX for the first len(dst)/3 points: it
// copies layout-packed data of n points back to N×3 row-major dst.
func (lay layout) unpackX(dst, packed []float32, n int) {
	if lay.rowMajor {
		copy(dst, packed[:len(dst)])
		return
	}
	m := n / lay.blocksFor(n)
	for i := 0; i < len(dst)/3; i++ {
		blk, j := i/m, i%m
		for a := 0; a < 3; a++ {
			dst[3*i+a] = packed[(blk*3+a)*m+j]
		}
	}
}

// outDims returns the dimensions of the network output for n points in
// this layout (the target tensor has the same; point order is preserved).
func (lay layout) outDims(n int) []int {
	if lay.rowMajor {
		return []int{n, 1}
	}
	b := lay.blocksFor(n)
	return []int{b, 1, n / b}
}

// forward builds the network output from the layout's input node x and the
// parameters (W_0, b_0, W_1, b_1, …) with W_l [out, in], b_l [out, 1],
// computing the sine layers with act.
//
// ω0 (ω0/π for the fast sine) is folded into the (small) weight and bias
// tensors rather than applied to the [out, N] pre-activations, which saves
// one elementwise pass per layer; the function is the same sin(ω0·(W·x + b)).
func forward(cfg Config, lay layout, act activation, x *Node, params []*Node) *Node {
	h := x
	last := cfg.NumLayers() - 1
	var blocks int
	if !lay.rowMajor {
		blocks = x.Shape().Dimensions[0]
	}
	for l := 0; l <= last; l++ {
		w, b := params[2*l], params[2*l+1]
		if l < last {
			w = MulScalar(w, act.scale(cfg.omega(l)))
			b = MulScalar(b, act.scale(cfg.omega(l)))
		}
		out, in := w.Shape().Dimensions[0], w.Shape().Dimensions[1]
		var z *Node
		switch {
		case lay.rowMajor:
			z = Add(Dot(h, Transpose(w, 0, 1)).Product(), Reshape(b, 1, out)) // [N, out]
		case blocks == 1:
			z2 := Add(Dot(w, Reshape(h, h.Shape().Dimensions[1:]...)).Product(), b) // [out, N]
			z = InsertAxes(z2, 0)
		default:
			wb := BroadcastToDims(InsertAxes(w, 0), blocks, out, in)
			z = DotGeneral(wb, []int{2}, []int{0}, h, []int{1}, []int{0}) // [B, out, M]
			z = Add(z, Reshape(b, 1, out, 1))
		}
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
