package siren

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// tinyConfig is a fast configuration for unit tests.
func tinyConfig() Config {
	c, _ := Preset("paper")
	c.Width, c.HiddenLayers = 16, 1
	c.LearningRate = 1e-3
	c.MaxSteps = 40
	c.Seed = 7
	return c
}

// mustFit trains a network of cfg from its seed's random weights on
// (x, y) with a Trainer on the default backend, failing the test on any
// error.
func mustFit(t testing.TB, cfg Config, x, y []float32) (*Net, *FitReport) {
	t.Helper()
	tr, err := NewTrainer(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	net, rep, err := tr.Fit(context.Background(), x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	return net, rep
}

// gaussTarget returns the normalised coordinates of an s³ region and a
// sum-of-Gaussians target in [−1, 1] on them.
func gaussTarget(t testing.TB, s int) (x, y []float32) {
	x, err := RegionCoords([3]int{s, s, s})
	if err != nil {
		t.Fatal(err)
	}
	centres := [][3]float64{{-0.3, 0.2, 0.1}, {0.4, -0.1, -0.3}, {0.0, 0.5, 0.4}}
	y = make([]float32, len(x)/3)
	for i := range y {
		v := 0.0
		for _, c := range centres {
			d2 := 0.0
			for a := 0; a < 3; a++ {
				d := float64(x[3*i+a]) - c[a]
				d2 += d * d
			}
			v += math.Exp(-d2 / (2 * 0.15 * 0.15))
		}
		y[i] = float32(2*math.Min(v, 1) - 1)
	}
	return x, y
}

func TestPresets(t *testing.T) {
	p, err := Preset("paper")
	if err != nil {
		t.Fatal(err)
	}
	if p.Width != 256 || p.HiddenLayers != 4 || p.Omega0 != 30 || p.Patience != 25 || p.LowLoss != 1e-5 || p.HighLoss != 4e-4 || p.Init != InitPaper {
		t.Errorf("paper preset %+v", p)
	}
	c, err := Preset("cpu")
	if err != nil || c.Validate() != nil {
		t.Fatalf("cpu preset: %v %v", err, c.Validate())
	}
	if _, err := Preset("gpu"); err == nil {
		t.Error("unknown preset: no error")
	}
	bad := []func(*Config){
		func(c *Config) { c.Width = 0 },
		func(c *Config) { c.HiddenLayers = -1 },
		func(c *Config) { c.Omega0 = math.NaN() },
		func(c *Config) { c.FirstOmega0 = -1 },
		func(c *Config) { c.LearningRate = 0 },
		func(c *Config) { c.MaxSteps, c.MaxTime = 0, 0 },
		func(c *Config) { c.Patience = 0 },
		func(c *Config) { c.LowLoss, c.HighLoss = 1e-3, 1e-4 },
		func(c *Config) { c.Init = "xavier" },
	}
	for i, f := range bad {
		c := p
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("bad config %d accepted", i)
		} else {
			t.Log(err)
		}
	}
}

func TestInitBounds(t *testing.T) {
	cfg, _ := Preset("paper")
	net, err := NewNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b0 := math.Sqrt(6.0 / 256)
	bh := b0 / 30
	for l, L := range net.Layers {
		bound := bh
		if l == 0 {
			bound = b0
		}
		maxAbs := 0.0
		for _, w := range L.W {
			maxAbs = math.Max(maxAbs, math.Abs(float64(w)))
		}
		// The largest of ≥ 256 uniform draws is within 3 % of the bound
		// with probability > 1 − 0.985^256 ≈ 0.98; the seed is fixed.
		if maxAbs > bound || maxAbs < 0.97*bound {
			t.Errorf("layer %d: max |w| = %g, bound %g", l, maxAbs, bound)
		}
	}
	if err := net.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestEvalRefGradientFiniteDifferences(t *testing.T) {
	cfg := tinyConfig()
	cfg.Width, cfg.HiddenLayers = 32, 2
	net, err := NewNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-6
	for _, p := range [][3]float64{{0.1, -0.2, 0.3}, {-0.9, 0.8, 0.05}, {0.5, 0.5, -0.7}} {
		_, g := net.EvalRef(p)
		for a := 0; a < 3; a++ {
			pp, pm := p, p
			pp[a] += h
			pm[a] -= h
			vp, _ := net.EvalRef(pp)
			vm, _ := net.EvalRef(pm)
			fd := (vp - vm) / (2 * h)
			// Central differences in float64 with h = 1e-6: truncation
			// ~ h²·f''' ≈ 1e-12·30³ and rounding ~ 1e-16/h: both < 1e-7.
			if math.Abs(fd-g[a]) > 1e-6*math.Max(1, math.Abs(g[a])) {
				t.Errorf("p=%v axis %d: analytic %g, FD %g", p, a, g[a], fd)
			}
		}
	}
}

func TestStopRule(t *testing.T) {
	cfg := tinyConfig()
	cfg.MaxSteps, cfg.MaxTime = 1000, time.Hour
	run := func(losses []float64) (int, StopReason) {
		tr := newBestTracker()
		for i, l := range losses {
			tr.add(l)
			if r := Stop(cfg, i+1, tr.best, tr.sinceBest, 0); r != StopNone {
				return i + 1, r
			}
		}
		return len(losses), StopNone
	}
	// Above HighLoss: patience never triggers.
	seq := []float64{1e-2}
	for i := 0; i < 100; i++ {
		seq = append(seq, 2e-2)
	}
	if n, r := run(seq); r != StopNone || n != 101 {
		t.Errorf("above HighLoss: stopped at %d (%s)", n, r)
	}
	// Best 3e-4 at loss #1, then 25 worse: stops at loss #26.
	seq = []float64{3e-4}
	for i := 0; i < 40; i++ {
		seq = append(seq, 5e-4)
	}
	if n, r := run(seq); r != StopNaturalFit || n != 26 {
		t.Errorf("natural fit: stopped at %d (%s), want 26", n, r)
	}
	// An improvement at #20 resets the patience: stops at #45.
	seq = []float64{3e-4}
	for i := 0; i < 60; i++ {
		if i == 18 {
			seq = append(seq, 2e-4)
		} else {
			seq = append(seq, 3.5e-4)
		}
	}
	if n, r := run(seq); r != StopNaturalFit || n != 45 {
		t.Errorf("reset: stopped at %d (%s), want 45", n, r)
	}
	// Below LowLoss: at once.
	if n, r := run([]float64{1e-3, 5e-4, 9.9e-6, 1e-7}); r != StopBelowLow || n != 3 {
		t.Errorf("below LowLoss: stopped at %d (%s), want 3", n, r)
	}
	// Exactly LowLoss is not below it (paper: 1e-5 ≤ l_min < 4e-4).
	if r := Stop(cfg, 1, 1e-5, 0, 0); r != StopNone {
		t.Errorf("l_min = LowLoss: %s", r)
	}
	if r := Stop(cfg, 1, 4e-4, 25, 0); r != StopNone {
		t.Errorf("l_min = HighLoss: %s", r)
	}
	if r := Stop(cfg, 1000, 1, 0, 0); r != StopMaxSteps {
		t.Errorf("step cap: %s", r)
	}
	if r := Stop(cfg, 1, 1, 0, time.Hour); r != StopMaxTime {
		t.Errorf("time cap: %s", r)
	}
}

func TestEvaluatorMatchesRefAndReusesGraphs(t *testing.T) {
	cfg := tinyConfig()
	cfg.Width, cfg.HiddenLayers = 32, 2
	net, ev := netAndEvaluator(t, cfg)
	x, _ := RegionCoords([3]int{7, 6, 5}) // 210 points, off-grid mix below
	for i := range x {
		x[i] *= 0.93
	}
	n := len(x) / 3
	val := make([]float32, n)
	grad := make([]float32, 3*n)
	if err := ev.Eval(net, x, val, grad); err != nil {
		t.Fatal(err)
	}
	var maxV, maxG float64
	for i := 0; i < n; i++ {
		v, g := net.EvalRef([3]float64{float64(x[3*i]), float64(x[3*i+1]), float64(x[3*i+2])})
		maxV = math.Max(maxV, math.Abs(v-float64(val[i])))
		for a := 0; a < 3; a++ {
			// Relative to the gradient scale (|g| up to ~ω0·…): float32 vs float64.
			maxG = math.Max(maxG, math.Abs(g[a]-float64(grad[3*i+a]))/math.Max(1, math.Abs(g[a])))
		}
	}
	// float32 graph vs float64 reference: sin(30·z) loses ~30·|z|·2⁻²⁴ per
	// layer; measured ~1e-7, so 1e-5 absolute / relative is a 100× margin.
	t.Logf("max |Δvalue| = %.2g, max rel |Δgrad| = %.2g", maxV, maxG)
	if maxV > 1e-5 || maxG > 1e-5 {
		t.Errorf("evaluator vs EvalRef: value error %g, gradient error %g", maxV, maxG)
	}
	if c := ev.Compiles(); c != 1 {
		t.Errorf("compiles after first grad eval = %d, want 1", c)
	}
	// Same bucket (256), other net, value only: one more compile (value graph).
	cfg2 := cfg
	cfg2.Seed = 99
	net2, _ := NewNet(cfg2)
	v2 := make([]float32, n)
	if err := ev.Eval(net2, x, v2, nil); err != nil {
		t.Fatal(err)
	}
	if err := ev.Eval(net2, x[:3*200], v2[:200], make([]float32, 3*200)); err != nil {
		t.Fatal(err)
	}
	if c := ev.Compiles(); c != 2 {
		t.Errorf("compiles = %d, want 2 (one per variant, bucket 256)", c)
	}
	for i := 0; i < 10; i++ {
		if v, _ := net2.EvalRef([3]float64{float64(x[3*i]), float64(x[3*i+1]), float64(x[3*i+2])}); math.Abs(v-float64(v2[i])) > 1e-4 {
			t.Fatalf("net2 point %d: %g vs ref %g", i, v2[i], v)
		}
	}
	// Wrong architecture or sizes: errors.
	other := cfg
	other.Width = 8
	net3, _ := NewNet(other)
	if err := ev.Eval(net3, x, val, nil); err == nil {
		t.Error("architecture mismatch: no error")
	}
	if err := ev.Eval(net, x[:5], val[:2], nil); err == nil {
		t.Error("len(x) mismatch: no error")
	}
	if err := ev.Eval(net, x[:6], val[:2], make([]float32, 5)); err == nil {
		t.Error("len(grad) mismatch: no error")
	}
}

func TestFitDecreasesKeepsBestAndIsDeterministic(t *testing.T) {
	x, y := gaussTarget(t, 10)
	cfg := tinyConfig()
	tr, err := NewTrainer(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	net, rep, err := tr.Fit(context.Background(), x, y, func(p Progress) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("steps %d best %.3g at %d, first %.3g, stop %q, %v", rep.Steps, rep.BestLoss, rep.BestStep, rep.History[0], rep.StopReason, rep.Duration)
	if calls != rep.Steps || len(rep.History) != rep.Steps || rep.Steps != cfg.MaxSteps || rep.StopReason != StopMaxSteps {
		t.Errorf("calls %d, history %d, steps %d, reason %q", calls, len(rep.History), rep.Steps, rep.StopReason)
	}
	if !(rep.BestLoss < 0.5*rep.History[0]) {
		t.Errorf("loss did not halve: %g → %g", rep.History[0], rep.BestLoss)
	}
	checkBest(t, net, rep, x, y)

	// Same seed, same data: bit-identical weights (Go backend).
	net2, rep2, err := tr.Fit(context.Background(), x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Compiles() != 1 {
		t.Errorf("trainer compiled %d graphs for one shape, want 1", tr.Compiles())
	}
	for l := range net.Layers {
		for i := range net.Layers[l].W {
			if math.Float32bits(net.Layers[l].W[i]) != math.Float32bits(net2.Layers[l].W[i]) {
				t.Fatalf("layer %d weight %d differs between identical runs", l, i)
			}
		}
		for i := range net.Layers[l].B {
			if math.Float32bits(net.Layers[l].B[i]) != math.Float32bits(net2.Layers[l].B[i]) {
				t.Fatalf("layer %d bias %d differs between identical runs", l, i)
			}
		}
	}
	if rep2.BestLoss != rep.BestLoss {
		t.Errorf("best loss %v vs %v", rep.BestLoss, rep2.BestLoss)
	}
	// FitFrom from the same initial weights is the same run; another seed
	// is a different one.
	init, _ := NewNet(cfg)
	_, rep3, err := tr.FitFrom(context.Background(), init, x, y, nil)
	if err != nil || rep3.BestLoss != rep.BestLoss {
		t.Errorf("FitFrom(NewNet(cfg)): best %v, err %v; Fit: %v", rep3.BestLoss, err, rep.BestLoss)
	}
	cfg99 := cfg
	cfg99.Seed = 99
	init99, _ := NewNet(cfg99)
	net4, rep4, err := tr.FitFrom(context.Background(), init99, x, y, nil)
	if err != nil || rep4.BestLoss == rep.BestLoss || net4.Config.Seed != 99 {
		t.Errorf("FitFrom(seed 99): best %v (seed-7 best %v), seed %d, err %v", rep4.BestLoss, rep.BestLoss, net4.Config.Seed, err)
	}
}

// checkBest verifies that net is the weights that scored rep.BestLoss.
func checkBest(t *testing.T, net *Net, rep *FitReport, x, y []float32) {
	t.Helper()
	minL, minI := math.Inf(1), -1
	for i, l := range rep.History {
		if l < minL {
			minL, minI = l, i
		}
	}
	if rep.BestLoss != minL || rep.BestStep != minI {
		t.Errorf("BestLoss %g at %d, history min %g at %d", rep.BestLoss, rep.BestStep, minL, minI)
	}
	var mse float64
	for i := range y {
		v, _ := net.EvalRef([3]float64{float64(x[3*i]), float64(x[3*i+1]), float64(x[3*i+2])})
		d := v - float64(y[i])
		mse += d * d
	}
	mse /= float64(len(y))
	// float32 training graph vs float64 reference forward.
	if math.Abs(mse-rep.BestLoss) > 1e-3*rep.BestLoss+1e-7 {
		t.Errorf("returned net MSE %g (EvalRef), report BestLoss %g", mse, rep.BestLoss)
	}
}

func TestFitKeepsBestWhenLossRegresses(t *testing.T) {
	x, y := gaussTarget(t, 8)
	cfg := tinyConfig()
	cfg.LearningRate = 0.05 // too large: the loss improves, then jumps about
	cfg.MaxSteps = 30
	net, rep, err := Fit(context.Background(), cfg, x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("history %.3g", rep.History)
	if !(rep.History[len(rep.History)-1] > rep.BestLoss*1.5) || rep.BestStep == rep.Steps-1 {
		t.Fatalf("case does not regress (best %g at %d, last %g): pick another lr", rep.BestLoss, rep.BestStep, rep.History[len(rep.History)-1])
	}
	checkBest(t, net, rep, x, y)
}

func TestFitNonFinite(t *testing.T) {
	x, y := gaussTarget(t, 6)
	cfg := tinyConfig()
	cfg.LearningRate = 1e30
	_, _, err := Fit(context.Background(), cfg, x, y, nil)
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("lr 1e30: err = %v, want ErrNonFinite", err)
	}
	t.Log(err)
	y[17] = float32(math.NaN())
	if _, _, err := Fit(context.Background(), tinyConfig(), x, y, nil); err == nil {
		t.Fatal("NaN target: no error")
	} else {
		t.Log(err)
	}
	if _, _, err := Fit(context.Background(), tinyConfig(), x[:10], y, nil); err == nil {
		t.Fatal("len(x) mismatch: no error")
	}
}

func TestFitCanceled(t *testing.T) {
	x, y := gaussTarget(t, 6)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := tinyConfig()
	_, rep, err := Fit(ctx, cfg, x, y, func(p Progress) {
		if p.Step == 3 {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.StopReason != StopCanceled || rep.Steps != 3 {
		t.Errorf("stop %q after %d steps", rep.StopReason, rep.Steps)
	}
}

// TestConstantNet checks the exact network of a constant region: value c
// and a zero gradient everywhere, through the reference and the GoMLX
// evaluators.
func TestConstantNet(t *testing.T) {
	cfg, _ := Preset("cpu")
	const c = -0.8125
	net, err := ConstantNet(cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, p := range [][3]float64{{0, 0, 0}, {-1, 1, 0.3}, {0.77, -0.12, -1}} {
		v, g := net.EvalRef(p)
		if v != c || g != [3]float64{} {
			t.Errorf("EvalRef(%v) = %g, %v; want %g, 0", p, v, g, c)
		}
	}
	if _, err := ConstantNet(Config{}, c); err == nil {
		t.Error("ConstantNet accepted an invalid config")
	}
}
