package siren

import (
	"fmt"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// OutputRidge is the ridge term λ added to the diagonal of the normal
// equations when Config.SolveOutput sets the output layer: the layer
// minimises MSE + λ·(|w|² + b²). Sine features lie in [−1, 1] and the bias
// feature is 1, so the normal matrix's diagonal is at most 1 and its
// largest eigenvalue at most its trace, Width + 1; λ = 1e-6 keeps it
// positive definite when features are nearly collinear (condition number
// at most (Width + 1)/λ: 6.5e7 for the cpu network, 2.6e8 for the paper's,
// well within the float64 solve) and changes the optimum's MSE by
// ~λ·|w|², far below any stop threshold.
const OutputRidge = 1e-6

// solveOutput returns the linear output layer that minimises the mean
// squared error between W·h + b and y (plus OutputRidge·(|W|² + b²)) for
// the last sine layer's features h: [W, N] with y [1, N] (a stack of one),
// or [K, W, N] with y [K, 1, N]. It returns W [1, W] and b [1, 1] (stacked:
// [K, 1, W], [K, 1, 1]), the shapes of the output layer's parameters.
//
// The normal equations are formed in float32 from blocks — the features
// with themselves (one matmul, like a hidden layer's), with ones and with
// y (matrix-vector products) — without copying the [W, N] features into a
// [W+1, N] design matrix (a 64³ region of the paper network would copy 270
// MB), and solved in float64 by gaussJordan.
func solveOutput(h, y *Node) (w, b *Node) {
	single := h.Rank() == 2
	nAxis := 1
	if !single {
		nAxis = 2
	}
	dims := h.Shape().Dimensions
	n, width := dims[nAxis], dims[nAxis-1]
	if want := append(slices.Clone(dims[:nAxis-1]), 1, n); !slices.Equal(y.Shape().Dimensions, want) {
		panic(fmt.Sprintf("siren: solveOutput: y shape %s, want %v for features %s", y.Shape(), want, h.Shape()))
	}
	g := h.Graph()
	ones := Ones(g, shapes.Make(h.DType(), n))
	var hh, hy *Node
	if single {
		hh = DotGeneral(h, []int{1}, nil, h, []int{1}, nil) // [W, W]
		hy = DotGeneral(h, []int{1}, nil, y, []int{1}, nil) // [W, 1]
	} else {
		hh = DotGeneral(h, []int{2}, []int{0}, h, []int{2}, []int{0}) // [K, W, W]
		hy = DotGeneral(h, []int{2}, []int{0}, y, []int{2}, []int{0}) // [K, W, 1]
	}
	h1 := InsertAxes(DotGeneral(h, []int{nAxis}, nil, ones, []int{0}, nil), -1) // Σ_points h: [(K,) W, 1]
	y1 := InsertAxes(DotGeneral(y, []int{nAxis}, nil, ones, []int{0}, nil), -1) // Σ_points y: [(K,) 1, 1]
	nn := BroadcastToShape(Scalar(g, h.DType(), float64(n)), y1.Shape())        // Σ_points 1
	ax := nAxis - 1                                                             // the feature axis
	top := Concatenate([]*Node{hh, h1}, ax+1)                                   // [(K,) W, W+1]
	bottom := Concatenate([]*Node{Transpose(h1, ax, ax+1), nn}, ax+1)           // [(K,) 1, W+1]
	gram := Concatenate([]*Node{top, bottom}, ax)                               // [(K,) W+1, W+1]
	r := Concatenate([]*Node{hy, y1}, ax)                                       // [(K,) W+1, 1]
	g64 := MulScalar(ConvertDType(gram, dtypes.Float64), 1/float64(n))
	r64 := MulScalar(ConvertDType(r, dtypes.Float64), 1/float64(n))
	ridge := ExpandLeftToRank(DiagonalWithValue(Scalar(g, dtypes.Float64, OutputRidge), width+1), g64.Rank())
	s := ConvertDType(gaussJordan(Add(g64, ridge), r64), h.DType()) // [(K,) W+1, 1]
	w = Transpose(SliceAxis(s, ax, AxisRange(0, width)), ax, ax+1)  // [(K,) 1, W]
	b = SliceAxis(s, ax, AxisRange(width, width+1))                 // [(K,) 1, 1]
	return w, b
}

// gaussJordan solves a·x = r for symmetric positive definite a: [n, n] and
// r [n, m], or a stack [K, n, n] and [K, n, m]. It is Gauss–Jordan
// elimination without pivoting, unrolled over the n columns (n is small:
// the output layer's Width + 1): stable for symmetric positive definite
// matrices, whose pivots stay positive, and made of whole-matrix
// elementwise ops the Go backend runs without per-element graph nodes.
// Tested against a float64 host solve (TestGaussJordan).
func gaussJordan(a, r *Node) *Node {
	rank := a.Rank()
	n := a.Shape().Dimensions[rank-1]
	if a.Shape().Dimensions[rank-2] != n || r.Rank() != rank || r.Shape().Dimensions[rank-2] != n {
		panic(fmt.Sprintf("siren: gaussJordan: a %s, r %s: want [(K,) n, n] and [(K,) n, m]", a.Shape(), r.Shape()))
	}
	rowAx, colAx := rank-2, rank-1
	g := a.Graph()
	for j := range n {
		mask := make([]float64, n) // 1 except at row j: row j is the pivot row
		for i := range mask {
			mask[i] = 1
		}
		mask[j] = 0
		maskNode := ExpandLeftToRank(Reshape(Const(g, mask), n, 1), rank)
		piv := SliceAxis(a, rowAx, AxisRange(j, j+1))              // [(K,) 1, n]
		col := SliceAxis(a, colAx, AxisRange(j, j+1))              // [(K,) n, 1]
		pivot := SliceAxis(col, rowAx, AxisRange(j, j+1))          // [(K,) 1, 1]
		f := Mul(Div(col, pivot), maskNode)                        // elimination factors, 0 at row j
		a = Sub(a, Mul(f, piv))                                    // clears column j outside row j
		r = Sub(r, Mul(f, SliceAxis(r, rowAx, AxisRange(j, j+1)))) // the same row operations on r
	}
	// a is now diagonal.
	eye := ExpandLeftToRank(DiagonalWithValue(Scalar(g, a.DType(), 1), n), rank)
	diag := InsertAxes(ReduceSum(Mul(a, eye), colAx), -1) // [(K,) n, 1]
	return Div(r, diag)
}
