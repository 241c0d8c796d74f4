package siren

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// sinPiPoints returns the arguments t of TestSinPiAccuracy: |π·t| ≤ 1e4 on
// a dense uniform sweep, random values (all of [−1e4/π, 1e4/π] and the
// [−4, 4] where network pre-activations mostly lie), ±64 float32 steps
// around the reduction boundaries (odd integers, where t rounds to another
// multiple of 2), the zeros and extrema (integers, half-integers), the ends
// of the range, and tiny values.
func sinPiPoints() []float32 {
	T := float32(1e4 / math.Pi)
	var pts []float32
	const dense = 1 << 21
	for i := range dense + 1 {
		pts = append(pts, -T+2*T*float32(i)/dense)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1 << 19 {
		pts = append(pts, T*float32(2*rng.Float64()-1), 4*float32(2*rng.Float64()-1))
	}
	around := func(c float32) {
		lo, hi := c, c
		pts = append(pts, c)
		for range 64 {
			lo = math.Nextafter32(lo, float32(math.Inf(-1)))
			hi = math.Nextafter32(hi, float32(math.Inf(1)))
			pts = append(pts, lo, hi)
		}
	}
	for _, j := range []int{0, 1, 2, 3, 7, 10, 99, 100, 511, 1000, 1590, 1591} {
		for _, c := range []float32{float32(2*j + 1), float32(2 * j), float32(2*j) + 0.5, float32(2*j+1) + 0.5} {
			if c <= T {
				around(c)
				around(-c)
			}
		}
	}
	around(T)
	around(-T)
	pts = append(pts, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-30, -1e-20, 1e-10, 1e-5, -1e-5)
	return pts
}

// TestSinPiAccuracy checks the fast sine and its custom gradient, run as a
// graph on the Go backend, against float64 math.Sin and math.Cos (an
// independent reference) and against central finite differences in
// float64, over |π·t| ≤ 1e4.
func TestSinPiAccuracy(t *testing.T) {
	be, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	pts := sinPiPoints()
	e, err := NewExec(be, func(x *Node) (*Node, *Node) {
		y := sinPi(x)
		return y, Gradient(ReduceAllSum(y), x)[0]
	})
	if err != nil {
		t.Fatal(err)
	}
	y, g, err := e.Call2(tensors.FromFlatDataAndDimensions(pts, len(pts)))
	if err != nil {
		t.Fatal(err)
	}
	ys, gs := tensors.MustCopyFlatData[float32](y), tensors.MustCopyFlatData[float32](g)
	var maxY, maxG, maxFD float64
	var atY, atG float32
	for i, p := range pts {
		tp := float64(p)
		if d := math.Abs(float64(ys[i]) - math.Sin(math.Pi*tp)); d > maxY {
			maxY, atY = d, p
		}
		if d := math.Abs(float64(gs[i]) - math.Pi*math.Cos(math.Pi*tp)); d > maxG {
			maxG, atG = d, p
		}
		// Central differences of sin(π·t) in float64, h = 1e-4: truncation
		// π³h²/6 ≈ 5e-8; rounding ≈ |π·t|·1e-16/h ≤ 1e-8.
		const h = 1e-4
		fd := (math.Sin(math.Pi*(tp+h)) - math.Sin(math.Pi*(tp-h))) / (2 * h)
		maxFD = math.Max(maxFD, math.Abs(float64(gs[i])-fd))
	}
	t.Logf("%d points: max |sin error| %.3g (t = %g), max |gradient − π·cos| %.3g (t = %g), max |gradient − FD| %.3g", len(pts), maxY, atY, maxG, atG, maxFD)
	// The bound for the sine; sine_coeffs.py predicts 1.64e-7.
	if maxY > 2e-7 {
		t.Errorf("fast sine: max abs error %g at t = %g, want ≤ 2e-7", maxY, atY)
	}
	// π·cos(π·t) is fitted to 1.5e-6 absolute (≈ 5e-7 of its amplitude π).
	if maxG > 2e-6 || maxFD > 2.1e-6 {
		t.Errorf("fast sine gradient: max error %g vs π·cos (t = %g), %g vs finite differences; want ≤ 2e-6", maxG, atG, maxFD)
	}
}

// TestSinPiValueOnlyMatches: the value-only fast sine (Evaluator value
// graphs) is the same function, bit for bit, as the one with a gradient.
func TestSinPiValueOnlyMatches(t *testing.T) {
	be, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	pts := sinPiPoints()[:1<<16]
	e, err := NewExec(be, func(x *Node) (*Node, *Node) {
		v, _ := sinPiValue(x)
		return v, sinPi(x)
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b, err := e.Call2(tensors.FromFlatDataAndDimensions(pts, len(pts)))
	if err != nil {
		t.Fatal(err)
	}
	av, bv := tensors.MustCopyFlatData[float32](a), tensors.MustCopyFlatData[float32](b)
	for i := range av {
		if av[i] != bv[i] {
			t.Fatalf("t = %g: value-only %g, with gradient %g", pts[i], av[i], bv[i])
		}
	}
}

// TestSineKinds checks how the sine is chosen (Config.Sine, $NEURALEM_SINE,
// the backend) and that networks evaluated with either sine agree with each
// other and with the float64 reference, values and input gradients.
func TestSineKinds(t *testing.T) {
	be, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig()
	cfg.Width, cfg.HiddenLayers = 32, 2
	t.Setenv(SineEnv, "")
	for kind, want := range map[SineKind]SineKind{SineAuto: SineFast, SineNative: SineNative, SineFast: SineFast} {
		c := cfg
		c.Sine = kind
		ev, err := NewEvaluator(be, c)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := NewTrainer(be, c)
		if err != nil {
			t.Fatal(err)
		}
		st, err := NewStackTrainer(be, c)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Sine() != want || tr.Sine() != want || st.Sine() != want {
			t.Errorf("Config.Sine %q on the Go backend: evaluator %q, trainer %q, stack trainer %q; want %q", kind, ev.Sine(), tr.Sine(), st.Sine(), want)
		}
	}
	t.Setenv(SineEnv, "native")
	if ev, err := NewEvaluator(be, cfg); err != nil || ev.Sine() != SineNative {
		t.Errorf("$%s=native: sine %v, err %v", SineEnv, ev.Sine(), err)
	}
	c := cfg
	c.Sine = SineFast
	if ev, err := NewEvaluator(be, c); err != nil || ev.Sine() != SineFast {
		t.Errorf("Config.Sine fast with $%s=native: sine %v, err %v (the config wins)", SineEnv, ev.Sine(), err)
	}
	t.Setenv(SineEnv, "cordic")
	if _, err := NewTrainer(be, cfg); err == nil || !strings.Contains(err.Error(), SineEnv) {
		t.Errorf("$%s=cordic: err %v, want an error naming the variable", SineEnv, err)
	}
	t.Setenv(SineEnv, "")
	c.Sine = "cordic"
	if err := c.Validate(); err == nil {
		t.Error(`Config.Sine "cordic": no error`)
	}

	net, err := NewNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := RegionCoords([3]int{9, 8, 7})
	for i := range x {
		x[i] *= 0.97
	}
	n := len(x) / 3
	vals, grads := map[SineKind][]float32{}, map[SineKind][]float32{}
	for _, kind := range []SineKind{SineNative, SineFast} {
		c := cfg
		c.Sine = kind
		ev, err := NewEvaluator(be, c)
		if err != nil {
			t.Fatal(err)
		}
		vals[kind], grads[kind] = make([]float32, n), make([]float32, 3*n)
		if err := ev.Eval(net, x, vals[kind], grads[kind]); err != nil {
			t.Fatal(err)
		}
		vOnly := make([]float32, n)
		if err := ev.Eval(net, x, vOnly, nil); err != nil {
			t.Fatal(err)
		}
		var maxV, maxG, maxVO float64
		for i := range n {
			v, g := net.EvalRef([3]float64{float64(x[3*i]), float64(x[3*i+1]), float64(x[3*i+2])})
			maxV = math.Max(maxV, math.Abs(v-float64(vals[kind][i])))
			maxVO = math.Max(maxVO, math.Abs(float64(vOnly[i]-vals[kind][i])))
			for a := range 3 {
				maxG = math.Max(maxG, math.Abs(g[a]-float64(grads[kind][3*i+a]))/math.Max(1, math.Abs(g[a])))
			}
		}
		t.Logf("%s sine vs EvalRef: max |Δvalue| %.2g, max rel |Δgradient| %.2g; value-only graph vs value+gradient %.2g", kind, maxV, maxG, maxVO)
		// As TestEvaluatorMatchesRefAndReusesGraphs: float32 graph vs
		// float64 reference, ~1e-7 measured.
		if maxV > 1e-5 || maxG > 1e-5 || maxVO > 1e-6 {
			t.Errorf("%s sine: value error %g, gradient error %g, value-only vs value+gradient %g", kind, maxV, maxG, maxVO)
		}
	}
	var maxD float64
	for i := range n {
		maxD = math.Max(maxD, math.Abs(float64(vals[SineFast][i]-vals[SineNative][i])))
	}
	t.Logf("fast vs native network values: max |Δ| %.2g", maxD)
	if maxD > 2e-6 {
		t.Errorf("fast vs native network values differ by up to %g", maxD)
	}
}

// TestFastSineTrajectory trains the same network on the same data with the
// native and the fast sine: the loss histories agree to 1e-4 relative at
// every one of 200 steps. (Measured: ≤ 7e-6 here. Where a loss falls
// towards the float32 resolution of the outputs — the cpu network
// memorises a 10³ region to MSE 7e-11 — any change of summation order moves
// it by more: native vs native with another matmul split differed by 1.6e-3
// relative at MSE 7e-11, fast vs native by 6.7e-4.)
func TestFastSineTrajectory(t *testing.T) {
	cpu, _ := Preset("cpu")
	for _, c := range []struct {
		name string
		cfg  Config
		size int
	}{{"W16 1 hidden, 8³", tinyConfig(), 8}, {"cpu preset, 16³", cpu, 16}} {
		x, y := gaussTarget(t, c.size)
		var hist [2][]float64
		for i, kind := range []SineKind{SineNative, SineFast} {
			cfg := c.cfg
			cfg.MaxSteps, cfg.MaxTime, cfg.LowLoss, cfg.HighLoss = 200, 0, 0, 0
			cfg.Sine = kind
			_, rep := mustFit(t, cfg, x, y)
			hist[i] = rep.History
		}
		var maxRel float64
		for k := range hist[0] {
			r := math.Abs(hist[1][k]-hist[0][k]) / hist[0][k]
			maxRel = math.Max(maxRel, r)
			if r > 1e-4 {
				t.Errorf("%s: step %d: loss %g (fast) vs %g (native), relative difference %.2g > 1e-4", c.name, k, hist[1][k], hist[0][k], r)
				break
			}
		}
		t.Logf("%s: loss %.3g → %.3g, max relative difference fast vs native %.2g", c.name, hist[0][0], hist[0][len(hist[0])-1], maxRel)
	}
}
