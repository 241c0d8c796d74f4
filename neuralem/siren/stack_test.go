package siren

import (
	"context"
	"errors"
	"math"
	"testing"
)

// TestFitStackMatchesSequential trains three networks stacked and one after
// another: the stacked run must follow each network's own trajectory (loss
// history within float32 summation noise), stop each by its own rule (one
// network reaches LowLoss early and leaves the stack) and return the same
// best weights.
func TestFitStackMatchesSequential(t *testing.T) {
	const s = 6
	x, y0 := gaussTarget(t, s)
	n := len(y0)
	y1 := make([]float32, n)
	y2 := make([]float32, n)
	for i := range n {
		y1[i] = float32(math.Sin(3*float64(x[3*i])) * math.Cos(2*float64(x[3*i+1])))
		y2[i] = -y0[i]
	}
	cfg := Config{Width: 16, HiddenLayers: 1, Omega0: 30, LearningRate: 1e-3, MaxSteps: 40, Patience: 5, LowLoss: 0, HighLoss: 0, Seed: 3}
	ys := [][]float32{y0, y1, y2}
	inits := make([]*Net, 3)
	for k := range inits {
		c := cfg
		c.Seed = uint64(10 + k)
		var err error
		if inits[k], err = NewNet(c); err != nil {
			t.Fatal(err)
		}
	}
	// Network 1 stops early: give the trainer a LowLoss between its 10th
	// and 20th losses, found by a sequential run.
	seq, err := NewTrainer(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, probe, err := seq.FitFrom(context.Background(), inits[1], x, y1, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.LowLoss = probe.History[15] * 1.0001
	cfg.HighLoss = cfg.LowLoss
	if probe.History[15] >= probe.History[0] {
		t.Fatalf("probe run did not learn: %v", probe.History[:16])
	}
	seq, _ = NewTrainer(nil, cfg)
	st, err := NewStackTrainer(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var done []int
	nets, reps, err := st.FitStack(context.Background(), inits, x, ys, func(p StackProgress) {
		if p.Done {
			done = append(done, p.Index)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 3 {
		t.Errorf("Done reported for %v, want each of 3 networks once", done)
	}
	if st.Compiles() < 2 {
		t.Errorf("stack compiled %d times: network 1 should have left the stack (K 3 → 2)", st.Compiles())
	}
	for k := range inits {
		want, wrep, err := seq.FitFrom(context.Background(), inits[k], x, ys[k], nil)
		if err != nil {
			t.Fatal(err)
		}
		got := reps[k]
		if got.Steps != wrep.Steps || got.StopReason != wrep.StopReason || got.BestStep != wrep.BestStep {
			t.Errorf("network %d: stacked %d steps (%s, best at %d), alone %d (%s, best at %d)",
				k, got.Steps, got.StopReason, got.BestStep, wrep.Steps, wrep.StopReason, wrep.BestStep)
			continue
		}
		for i := range got.History {
			if d := math.Abs(got.History[i] - wrep.History[i]); d > 1e-4*wrep.History[i]+1e-7 {
				t.Errorf("network %d step %d: stacked loss %g, alone %g", k, i, got.History[i], wrep.History[i])
				break
			}
		}
		var maxD float64
		for l := range want.Layers {
			for i, w := range want.Layers[l].W {
				maxD = math.Max(maxD, math.Abs(float64(w-nets[k].Layers[l].W[i])))
			}
		}
		if maxD > 1e-4 {
			t.Errorf("network %d: best weights differ by up to %g from the sequential run", k, maxD)
		}
		if nets[k].Config.Seed != inits[k].Config.Seed {
			t.Errorf("network %d: seed %d, want the initial net's %d", k, nets[k].Config.Seed, inits[k].Config.Seed)
		}
	}
	if reps[1].StopReason != StopBelowLow || reps[0].Steps <= reps[1].Steps {
		t.Errorf("network 1 should stop first below LowLoss: reports %s/%d, %s/%d", reps[1].StopReason, reps[1].Steps, reps[0].StopReason, reps[0].Steps)
	}
}

func TestFitStackErrors(t *testing.T) {
	cfg := Config{Width: 8, HiddenLayers: 1, Omega0: 30, LearningRate: 1e-3, MaxSteps: 5, Patience: 5, HighLoss: 4e-4, Seed: 1}
	st, err := NewStackTrainer(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	x, y := gaussTarget(t, 4)
	net, _ := NewNet(cfg)
	other := cfg
	other.Width = 4
	otherNet, _ := NewNet(other)
	short := y[:10]
	bad := append([]float32(nil), y...)
	bad[7] = float32(math.NaN())
	for name, c := range map[string]struct {
		inits []*Net
		ys    [][]float32
	}{
		"none":         {nil, nil},
		"count":        {[]*Net{net, net}, [][]float32{y}},
		"architecture": {[]*Net{net, otherNet}, [][]float32{y, y}},
		"length":       {[]*Net{net, net}, [][]float32{y, short}},
		"NaN target":   {[]*Net{net, net}, [][]float32{y, bad}},
	} {
		if _, _, err := st.FitStack(context.Background(), c.inits, x, c.ys, nil); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	hot := cfg
	hot.LearningRate = 1e30
	st, _ = NewStackTrainer(nil, hot)
	_, _, err = st.FitStack(context.Background(), []*Net{net, net}, x, [][]float32{y, y}, nil)
	if !errors.Is(err, ErrNonFinite) {
		t.Errorf("lr 1e30: err = %v, want ErrNonFinite", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st, _ = NewStackTrainer(nil, cfg)
	if _, _, err := st.FitStack(ctx, []*Net{net}, x, [][]float32{y}, nil); err == nil {
		t.Error("cancelled before the first step: no error")
	}
}

func TestIsGoBackend(t *testing.T) {
	b, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	if !IsGoBackend(b) {
		t.Errorf("IsGoBackend(NewBackend()) = false for %q (%T)", b.Name(), b)
	}
	if IsGoBackend(nil) {
		t.Error("IsGoBackend(nil) = true")
	}
}

// TestFirstOmega0 checks that the input layer's own ω0 reaches the graph
// (Evaluator and the training step) and the float64 reference alike, and
// that it changes the function.
func TestFirstOmega0(t *testing.T) {
	cfg := Config{Width: 16, HiddenLayers: 1, Omega0: 30, FirstOmega0: 7.5, LearningRate: 1e-3, MaxSteps: 3, Patience: 5, HighLoss: 4e-4, Seed: 5}
	net, ev := netAndEvaluator(t, cfg)
	x, y := gaussTarget(t, 5)
	n := len(y)
	val, grad := make([]float32, n), make([]float32, 3*n)
	if err := ev.Eval(net, x, val, grad); err != nil {
		t.Fatal(err)
	}
	same := net.Clone()
	same.Config.FirstOmega0 = 0
	var maxD, maxChange float64
	for i := range n {
		p := [3]float64{float64(x[3*i]), float64(x[3*i+1]), float64(x[3*i+2])}
		v, _ := net.EvalRef(p)
		v30, _ := same.EvalRef(p)
		maxD = math.Max(maxD, math.Abs(v-float64(val[i])))
		maxChange = math.Max(maxChange, math.Abs(v-v30))
	}
	if maxD > 1e-5 {
		t.Errorf("Evaluator vs EvalRef with FirstOmega0 7.5: max error %g", maxD)
	}
	if maxChange < 1e-3 {
		t.Errorf("FirstOmega0 7.5 vs 30 changes the output by at most %g: not applied", maxChange)
	}
	if err := ev.Eval(same, x, val, nil); err == nil {
		t.Error("evaluating a FirstOmega0 = 0 net with a FirstOmega0 = 7.5 evaluator: no error")
	}
	// The training step's loss at step 0 is the MSE of the evaluator's output.
	tr, err := NewTrainer(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, rep, err := tr.FitFrom(context.Background(), net, x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ev.Eval(net, x, val, nil); err != nil {
		t.Fatal(err)
	}
	var mse float64
	for i := range y {
		mse += float64((val[i]-y[i])*(val[i]-y[i])) / float64(n)
	}
	if math.Abs(mse-rep.History[0]) > 1e-5*mse {
		t.Errorf("training loss at step 0 %g, evaluator MSE %g", rep.History[0], mse)
	}
}

// netAndEvaluator returns a fresh network for cfg and an Evaluator for it on
// the default backend.
func netAndEvaluator(t *testing.T, cfg Config) (*Net, *Evaluator) {
	t.Helper()
	net, err := NewNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := NewEvaluator(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return net, ev
}
