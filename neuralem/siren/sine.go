package siren

import (
	"fmt"
	"math"
	"os"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

// SineKind selects how the graphs evaluate the sine layers (see the package
// doc, "The sine").
type SineKind string

const (
	// SineAuto (the zero value) resolves to $NEURALEM_SINE when it is set,
	// otherwise to SineFast on the pure-Go backend and SineNative on any
	// other backend.
	SineAuto SineKind = ""
	// SineNative uses the backend's Sin op (and autodiff's Cos for the
	// gradient).
	SineNative SineKind = "native"
	// SineFast uses a float32 range reduction and minimax polynomial built
	// from elementwise graph ops, with its polynomial cosine as a custom
	// gradient.
	SineFast SineKind = "fast"
)

// SineEnv is the environment variable that chooses the sine when
// Config.Sine is SineAuto: "native" or "fast" (for benchmarks and
// comparisons; an explicit Config.Sine wins).
const SineEnv = "NEURALEM_SINE"

func (k SineKind) valid() bool { return k == SineAuto || k == SineNative || k == SineFast }

// resolveSine returns the sine a graph on backend uses for kind.
func resolveSine(kind SineKind, backend compute.Backend) (SineKind, error) {
	if kind != SineAuto {
		return kind, nil
	}
	if v, ok := os.LookupEnv(SineEnv); ok && v != "" {
		k := SineKind(v)
		if k != SineNative && k != SineFast {
			return "", fmt.Errorf("siren: $%s = %q, want %q or %q", SineEnv, v, SineNative, SineFast)
		}
		return k, nil
	}
	if IsGoBackend(backend) {
		return SineFast, nil
	}
	return SineNative, nil
}

// activation is how one graph computes its sine layers
// sin(ω0·(W·h + b)): the factor folded into W and b, and the elementwise
// function applied to the result.
type activation struct {
	kind SineKind // SineNative or SineFast (resolved)
	// grad: the graph differentiates through the sine (training step, input
	// gradient). Without it the fast sine skips its gradient path.
	grad bool
}

// scale returns the factor folded into the weights and biases of a sine
// layer with frequency omega: ω0 for sin(z), ω0/π for the fast sin(π·t).
func (a activation) scale(omega float64) float64 {
	if a.kind == SineFast {
		return omega / math.Pi
	}
	return omega
}

// apply returns the sine layer's output for the scaled pre-activation z.
func (a activation) apply(z *Node) *Node {
	if a.kind != SineFast {
		return Sin(z)
	}
	if !a.grad {
		y, _ := sinPiValue(z)
		return y
	}
	return sinPi(z)
}

// The fast sine: sin(π·t) for float32 t.
//
// Reduction: w = t − 2·round(t/2) ∈ [−1, 1], computed as t − ((t + M) − M)
// with M = 1.5·2²⁴ (for |t| < 2²² the sum t + M lies where float32 numbers
// are the multiples of 2, so the two adds round t to a multiple of 2, and the
// subtraction is exact by Sterbenz's lemma). sin(πt) = sin(πw) exactly.
//
// Polynomial (product form, exact zeros at w = 0 and ±1, no cancellation
// near ±1): with s = w² and a = w·(1 − s),
//
//	sin(πw) = 2a + a·g(s),  g of degree 5,
//
// where 2a is exact and only the smaller a·g carries rounding. Gradient:
// d/dt sin(πt) = π·cos(πw) = c(s), c of degree 6, evaluated from the s of
// the forward pass (no second reduction, no autodiff through the polynomial).
//
// Coefficients: sine_coeffs.py (fpminimax-style Remez fits, rounded to
// float32) prints them and the float32 error of this exact op sequence:
// max |error| 1.64e-7 for sin(πt) on a dense sample (TestSinPiAccuracy checks
// the graph independently), 1.5e-6 for π·cos(πt).

// magic2 = 1.5·2²⁴ (see above).
const magic2 = 1.5 * (1 << 24)

// sinPiG holds g: sin(πw) = w(1−s)·(2 + g(s)), s = w² (sine_coeffs.py).
var sinPiG = [...]float32{1.14159262, -2.02611899, 0.524033368, -0.0751802921, 0.00685229758, -0.000382618746}

// cosPiC holds c: π·cos(πw) = c(s), s = w² (sine_coeffs.py).
var cosPiC = [...]float32{3.1415925, -15.5031261, 12.7506599, -4.19406366, 0.737471581, -0.0788678154, 0.00474100141}

// horner evaluates Σ_j c_j s^j (2·len(c) − 2 elementwise ops).
func horner(s *Node, c []float32) *Node {
	n := len(c) - 1
	p := AddScalar(MulScalar(s, c[n]), c[n-1])
	for j := n - 2; j >= 0; j-- {
		p = AddScalar(Mul(p, s), c[j])
	}
	return p
}

// reduce2 returns w = t − 2·round(t/2) ∈ [−1, 1] (exact for |t| < 2²²). The
// rounding path carries no gradient.
func reduce2(t *Node) *Node {
	e := AddScalar(StopGradient(AddScalar(t, float32(magic2))), float32(-magic2))
	return Sub(t, e)
}

// sinPiReduced returns sin(πw) for w ∈ [−1, 1] and s = w².
func sinPiReduced(w *Node) (y, s *Node) {
	s = Square(w)
	a := Mul(w, OneMinus(s))
	return Add(Add(a, a), Mul(a, horner(s, sinPiG[:]))), s
}

// sinPiValue returns sin(π·t) elementwise for a float32 node t, without a
// usable gradient (value-only graphs).
func sinPiValue(t *Node) (y, s *Node) {
	mustFloat32(t)
	return sinPiReduced(reduce2(t))
}

// mustFloat32 panics (a programmer error) unless t is float32: the
// reduction constant and the coefficients are float32's.
func mustFloat32(t *Node) {
	if t.DType() != dtypes.Float32 {
		panic(fmt.Sprintf("siren: fast sine of a %s node, want float32", t.DType()))
	}
}

// sinPi returns sin(π·t) elementwise for a float32 node t, with the custom
// gradient π·cos(π·t).
//
// The value is computed from a gradient-stopped copy ws of the reduced
// argument w, and the gradient enters through out = y + (wg − ws), whose
// second term is exactly 0 and where wg = w with the custom gradient
// v ↦ v·c(s): autodiff never sees the polynomial.
func sinPi(t *Node) *Node {
	mustFloat32(t)
	w := reduce2(t)
	ws := StopGradient(w)
	y, s := sinPiReduced(ws)
	wg := IdentityWithCustomGradient(w, func(_, v *Node) *Node { return Mul(v, horner(s, cosPiC[:])) })
	return Add(y, Sub(wg, ws))
}
