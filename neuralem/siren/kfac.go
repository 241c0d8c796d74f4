package siren

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// KFACDamping is the damping of OptimizerKFAC's curvature factors: each
// factor M (n×n) is inverted as M + KFACDamping·(tr M / n)·I, so the
// damping is relative to the factor's mean eigenvalue and does not depend
// on the data's scale. 1e-3 was chosen on regions of two training maps
// (bench/meta/README.md § (h)): 1e-2 took 1–2.5 more steps (median), 1e-4
// the same or half a step fewer, so the value is not critical.
const KFACDamping = 1e-3

// kfacStep is the training step of OptimizerKFAC: the output layer solved
// by least squares (forwardKeep with cfg.SolveOutput) and the sine layers
// moved by K-FAC (Martens & Grosse, ICML 2015) for the Gauss–Newton matrix
// of the MSE, with its step lengths chosen by the quadratic model.
//
// For sine layer l, with a_l [in+1, N] its input with a row of ones (the
// bias) and d_l [out, N] the derivative of the network output with
// respect to its pre-activation W_l·h + b_l at each point, the
// Gauss–Newton matrix's block for the layer's parameters [W_l | b_l] is
// approximated by the Kronecker product of G_l = d_l·d_lᵀ/N and
// A_l = a_l·a_lᵀ/N, and the update direction is
//
//	U_l = (G_l + δ_G·I)⁻¹ · ((d_l ⊙ r)·a_lᵀ / N) · (A_l + δ_A·I)⁻¹
//
// (the middle factor is half the MSE's gradient; δ from KFACDamping; the
// two solves in float64 by gaussJordan). The update is α·U + β·P, P the
// previous step's update (prev, zero at the first step), with α and β per
// network minimising the Gauss–Newton model |r − α·J·U − β·J·P|² of the
// new residuals: J·U is Σ_l Σ_out d_l ⊙ (U_l·a_l), one matmul per layer,
// so the step needs no learning rate. It returns the per-network losses
// [K] (of params with the solved output layer), the solved output layer
// (W, b), the sine layers' new params and the update just applied, in the
// shapes of params and prev (a stack of one without the stack axis).
//
// Measured (bench/meta/README.md § (h)): on held-out experimental maps a
// cpu-preset region reaches MSE 1e-4 in a median 20.5–23.5 steps from the
// shipped learned initialisation (Adam from it: 47.5–58.5) and 11–12 from
// random weights (Adam: 152–162), though fits from random weights are
// rough between voxels, which is why neuralmap uses K-FAC only from a
// learned start. A step costs 1.4–1.7 Adam steps (bench/siren/README.md
// § 10).
func kfacStep(cfg Config, act activation, x, y *Node, params, prev []*Node) (lossK *Node, head, next, step []*Node) {
	if !cfg.SolveOutput {
		panic("siren: kfacStep: cfg.SolveOutput must be set (Validate requires it for OptimizerKFAC)")
	}
	nH := len(params) - 2
	if len(prev) != nH {
		panic(fmt.Sprintf("siren: kfacStep: %d previous updates, want %d (the sine layers' params)", len(prev), nH))
	}
	single := params[0].Rank() == 2
	if single { // work on a stack of one
		params, prev = insertStackAxis(params), insertStackAxis(prev)
		y = InsertAxes(y, 0)
	}
	fw := forwardKeep("kfacStep", cfg, act, x, y, params)
	g := x.Graph()
	k, n := y.Shape().Dimensions[0], fw.n
	r := Sub(fw.out, y) // [K, 1, N]
	lossK = mseK(r)
	ones := Ones(g, shapes.Make(x.DType(), k, 1, n))
	dir := make([]*Node, nH/2)   // U_l: [K, out, in+1]
	prevs := make([]*Node, nH/2) // P_l: [K, out, in+1]
	var ju, jp *Node             // J·U and J·P: [K, N]
	d := ones                    // the output's derivative with respect to the output layer's pre-activation
	for l := fw.last - 1; l >= 0; l-- {
		// The derivative with respect to the scaled pre-activation, then
		// with respect to W_l·h + b_l (the scale is folded into W and b).
		d = Mul(stackInputGrad(fw.ws[l+1], d, false), fw.dsin[l]())
		dl := MulScalar(d, act.scale(cfg.omega(l)))
		a := Concatenate([]*Node{fw.ins[l], ones}, 1) // [K, in+1, N]
		grad := DotGeneral(Mul(dl, r), []int{2}, []int{0}, a, []int{2}, []int{0})
		dir[l] = kfacDirection(gramN(dl), MulScalar(grad, 1/float64(n)), gramN(a))
		prevs[l] = Concatenate([]*Node{prev[2*l], prev[2*l+1]}, 2)
		ju = addOr(ju, jacVec(dir[l], a, dl))
		jp = addOr(jp, jacVec(prevs[l], a, dl))
	}
	alpha, beta := kfacLengths(Reshape(r, k, n), ju, jp)
	next, step = make([]*Node, nH), make([]*Node, nH)
	for l := range dir {
		_, in := cfg.layerDims(l)
		s := Add(Mul(alpha, dir[l]), Mul(beta, prevs[l])) // [K, out, in+1]
		step[2*l] = SliceAxis(s, 2, AxisRange(0, in))
		step[2*l+1] = SliceAxis(s, 2, AxisRange(in, in+1))
		next[2*l] = Sub(params[2*l], step[2*l])
		next[2*l+1] = Sub(params[2*l+1], step[2*l+1])
	}
	head = fw.head
	if single {
		lossK = Reshape(lossK, 1)
		head, next, step = removeStackAxis(head), removeStackAxis(next), removeStackAxis(step)
	}
	return lossK, head, next, step
}

// insertStackAxis returns the nodes with a leading stack axis of 1.
func insertStackAxis(ns []*Node) []*Node {
	out := make([]*Node, len(ns))
	for i, v := range ns {
		out[i] = InsertAxes(v, 0)
	}
	return out
}

// removeStackAxis returns the nodes without their leading stack axis of 1.
func removeStackAxis(ns []*Node) []*Node {
	out := make([]*Node, len(ns))
	for i, v := range ns {
		out[i] = Reshape(v, v.Shape().Dimensions[1:]...)
	}
	return out
}

// addOr returns a + b, or b if a is nil.
func addOr(a, b *Node) *Node {
	if a == nil {
		return b
	}
	return Add(a, b)
}

// gramN returns m·mᵀ/N for m [K, rows, N]: [K, rows, rows].
func gramN(m *Node) *Node {
	n := m.Shape().Dimensions[2]
	return MulScalar(DotGeneral(m, []int{2}, []int{0}, m, []int{2}, []int{0}), 1/float64(n))
}

// jacVec returns the change of the network output at each point, [K, N],
// per unit of a change u [K, out, in+1] of a layer's [W | b], from the
// layer's input a [K, in+1, N] and the output's derivative d [K, out, N]
// with respect to its pre-activation: Σ_out d ⊙ (u·a).
func jacVec(u, a, d *Node) *Node {
	z := DotGeneral(u, []int{2}, []int{0}, a, []int{1}, []int{0}) // [K, out, N]
	return ReduceSum(Mul(z, d), 1)
}

// kfacDirection returns (G + δ_G·I)⁻¹·grad·(A + δ_A·I)⁻¹ for the factors
// G [K, out, out] and A [K, in+1, in+1] and grad [K, out, in+1], solved in
// float64 and returned in grad's dtype.
func kfacDirection(gf, grad, af *Node) *Node {
	x := gaussJordan(dampedF64(gf), ConvertDType(grad, dtypes.Float64))  // G⁻¹·grad
	u := Transpose(gaussJordan(dampedF64(af), Transpose(x, 1, 2)), 1, 2) // (A⁻¹·(G⁻¹·grad)ᵀ)ᵀ, A symmetric
	return ConvertDType(u, grad.DType())
}

// dampedF64 returns the factor m [K, n, n] in float64 plus
// KFACDamping·(tr m / n)·I, and a tiny absolute term so that a zero factor
// (a network whose solved output layer is zero: an empty region) still
// gives an invertible matrix and a zero update.
func dampedF64(m *Node) *Node {
	n := m.Shape().Dimensions[1]
	m = ConvertDType(m, dtypes.Float64)
	eye := ExpandLeftToRank(DiagonalWithValue(Scalar(m.Graph(), dtypes.Float64, 1), n), 3)
	meanEig := InsertAxes(ReduceSum(Mul(m, eye), 1, 2), -1, -1) // [K, 1, 1]: tr m
	meanEig = AddScalar(MulScalar(meanEig, KFACDamping/float64(n)), 1e-30)
	return Add(m, Mul(meanEig, eye))
}

// kfacLengths returns α and β [K, 1, 1] (in r's dtype) minimising
// |r − α·ju − β·jp|² per network, from the residuals r, the direction's
// output change ju and the previous update's jp, all [K, N]: the 2×2
// normal equations in float64, with a relative ridge of 1e-9 that makes
// the first step (jp = 0) the one-dimensional minimiser β = 0,
// α = (r·ju)/(ju·ju).
func kfacLengths(r, ju, jp *Node) (alpha, beta *Node) {
	dt := r.DType()
	f := func(v *Node) *Node { return ConvertDType(v, dtypes.Float64) }
	r, ju, jp = f(r), f(ju), f(jp)
	dot := func(a, b *Node) *Node { return ReduceSum(Mul(a, b), 1) } // [K]
	m11, m12, m22 := dot(ju, ju), dot(ju, jp), dot(jp, jp)
	r1, r2 := dot(r, ju), dot(r, jp)
	m11 = AddScalar(MulScalar(m11, 1+1e-9), 1e-30)
	m22 = AddScalar(Add(m22, MulScalar(Add(m11, m22), 1e-9)), 1e-30)
	det := Sub(Mul(m11, m22), Square(m12))
	a := Div(Sub(Mul(m22, r1), Mul(m12, r2)), det)
	b := Div(Sub(Mul(m11, r2), Mul(m12, r1)), det)
	k := a.Shape().Dimensions[0]
	return ConvertDType(Reshape(a, k, 1, 1), dt), ConvertDType(Reshape(b, k, 1, 1), dt)
}
