package siren

import (
	"context"
	"fmt"
	"math"
	"syscall"
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// benchStep measures seconds per full-batch Adam step of the paper network
// (W256, 4 hidden sine layers) on an s³ region; compilation is excluded.
func benchStep(b *testing.B, s int) { benchStepLayout(b, s, featureMajor, false) }

// benchStepLayout is benchStep with the training layout lay, and with
// Config.SolveOutput set to solve (the step's own layout only).
func benchStepLayout(b *testing.B, s int, lay testLayout, solve bool) {
	x, y := gaussTarget(b, s)
	cfg, _ := Preset("paper")
	cfg.SolveOutput = solve
	cfg.LowLoss, cfg.HighLoss = 0, 0 // never stop early
	cfg.MaxSteps = 1
	tr, err := NewTrainer(nil, cfg)
	if err != nil {
		b.Fatal(err)
	}
	tr.loop.lossGrads = lay.train
	if _, _, err := tr.Fit(context.Background(), x, y, nil); err != nil { // compile
		b.Fatal(err)
	}
	tr.loop.cfg.MaxSteps = b.N
	b.ResetTimer()
	cpu0 := cpuSeconds()
	_, rep, err := tr.Fit(context.Background(), x, y, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(rep.Duration.Seconds()/float64(rep.Steps), "s/step")
	b.ReportMetric((cpuSeconds()-cpu0)/float64(rep.Steps), "cpu-s/step")
}

// cpuSeconds returns the process's user+system CPU time: on a shared
// machine it is a steadier measure than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkStep32W256: one training step, 32³ voxels, paper network.
func BenchmarkStep32W256(b *testing.B) { benchStep(b, 32) }

// BenchmarkStep32W256Solved: the same step with Config.SolveOutput (the
// output layer solved by least squares in the step).
func BenchmarkStep32W256Solved(b *testing.B) { benchStepLayout(b, 32, featureMajor, true) }

// BenchmarkLayoutStep32W256 compares the training layouts (testLayout).
func BenchmarkLayoutStep32W256(b *testing.B) {
	for _, lay := range allLayouts {
		b.Run(lay.name, func(b *testing.B) { benchStepLayout(b, 32, lay, false) })
	}
}

// BenchmarkStep64W256: one training step on a full 64³ region (for peak
// RSS, run the compiled test binary under /usr/bin/time -v).
func BenchmarkStep64W256(b *testing.B) { benchStep(b, 64) }

// BenchmarkQuery100kW256: value + input gradient of 100k points, paper
// network; reports points/s. Compilation is excluded.
func BenchmarkQuery100kW256(b *testing.B) {
	cfg, _ := Preset("paper")
	benchQuery(b, cfg, nil)
}

// BenchmarkQueryLayout100k compares the Evaluator's layouts (testLayout:
// feature-major, and row-major, the Evaluator's) for value + input gradient
// of 100k points, for the paper network (W256) and the cpu one (W64).
func BenchmarkQueryLayout100k(b *testing.B) {
	for _, preset := range []string{"paper", "cpu"} {
		cfg, _ := Preset(preset)
		for _, lay := range []testLayout{featureMajor, allLayouts[len(allLayouts)-1]} {
			b.Run(fmt.Sprintf("W%d/%s", cfg.Width, lay.name), func(b *testing.B) { benchQuery(b, cfg, &lay) })
		}
	}
}

// benchQuery measures Evaluator.Eval with gradient at 100k points for a
// fresh network of cfg, with the layout lay (nil: the Evaluator's own).
func benchQuery(b *testing.B, cfg Config, lay *testLayout) {
	net, err := NewNet(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := NewEvaluator(nil, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if lay != nil {
		ev.forward = lay.eval
	}
	const n = 100000
	x := make([]float32, 3*n)
	for i := range x {
		x[i] = float32((i*7919)%2001)/1000 - 1
	}
	val, grad := make([]float32, n), make([]float32, 3*n)
	if err := ev.Eval(net, x, val, grad); err != nil { // compile both buckets
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		if err := ev.Eval(net, x, val, grad); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/100k")
}

// BenchmarkStack compares training K = 8 regions of s³ voxels one after
// another (Trainer) with training them stacked in one graph
// (StackTrainer), for the "cpu"-sized network (Width 64, 2 hidden layers).
// One op is one Adam step of all 8 networks; compilation is excluded.
func BenchmarkStack(b *testing.B) {
	const k = 8
	for _, s := range []int{16, 24} {
		x, y := gaussTarget(b, s)
		ys := make([][]float32, k)
		for i := range ys {
			ys[i] = y
		}
		cfg := Config{Width: 64, HiddenLayers: 2, Omega0: 30, LearningRate: 1e-4, MaxSteps: 1, Patience: 25, Seed: 1}
		net, err := NewNet(cfg)
		if err != nil {
			b.Fatal(err)
		}
		inits := make([]*Net, k)
		for i := range inits {
			inits[i] = net
		}
		b.Run(fmt.Sprintf("%d³/sequential", s), func(b *testing.B) {
			tr, err := NewTrainer(nil, cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := tr.Fit(context.Background(), x, y, nil); err != nil {
				b.Fatal(err)
			}
			tr.loop.cfg.MaxSteps = b.N
			b.ResetTimer()
			for range k {
				if _, _, err := tr.Fit(context.Background(), x, y, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("%d³/2-workers", s), func(b *testing.B) {
			// Two goroutines, each with its own backend and Trainer, fit 4
			// regions each.
			trs := make([]*Trainer, 2)
			for w := range trs {
				be, err := NewBackend()
				if err != nil {
					b.Fatal(err)
				}
				if trs[w], err = NewTrainer(be, cfg); err != nil {
					b.Fatal(err)
				}
				if _, _, err := trs[w].Fit(context.Background(), x, y, nil); err != nil {
					b.Fatal(err)
				}
				trs[w].loop.cfg.MaxSteps = b.N
			}
			b.ResetTimer()
			errs := make(chan error, 2)
			for _, tr := range trs {
				go func() {
					for range k / 2 {
						if _, _, err := tr.Fit(context.Background(), x, y, nil); err != nil {
							errs <- err
							return
						}
					}
					errs <- nil
				}()
			}
			for range trs {
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("%d³/stacked", s), func(b *testing.B) {
			st, err := NewStackTrainer(nil, cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := st.FitStack(context.Background(), inits, x, ys, nil); err != nil {
				b.Fatal(err)
			}
			st.loop.cfg.MaxSteps = b.N
			b.ResetTimer()
			if _, _, err := st.FitStack(context.Background(), inits, x, ys, nil); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkSineOps times elementwise ops of the Go backend on a [64, 13824]
// float32 tensor (the activations of one 24³ region at width 64): the
// backend's Sin and Cos, the fast sine (value only, on the same values / π),
// each sine's forward + backward (the value and v·d sin/dx for a given
// adjoint v, as in a training step), and one Mul for scale.
func BenchmarkSineOps(b *testing.B) {
	be, err := NewBackend()
	if err != nil {
		b.Fatal(err)
	}
	const n = 64 * 13824
	data, scaled, adj := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range data {
		data[i] = float32(i%1000)/100 - 5
		scaled[i] = data[i] / math.Pi
		adj[i] = float32(i%7)/3 - 1
	}
	x := tensors.FromFlatDataAndDimensions(data, 64, 13824)
	t := tensors.FromFlatDataAndDimensions(scaled, 64, 13824)
	v := tensors.FromFlatDataAndDimensions(adj, 64, 13824)
	withGrad := func(sin func(*Node) *Node) func(x, v *Node) []*Node {
		return func(x, v *Node) []*Node {
			y := sin(x)
			return []*Node{y, Gradient(ReduceAllSum(Mul(y, v)), x)[0]}
		}
	}
	valueOnly := func(x, _ *Node) []*Node { y, _ := sinPiValue(x); return []*Node{y} }
	for _, c := range []struct {
		name string
		fn   func(x, v *Node) []*Node
		in   *tensors.Tensor
	}{
		{"sin", func(x, _ *Node) []*Node { return []*Node{Sin(x)} }, x},
		{"cos", func(x, _ *Node) []*Node { return []*Node{Cos(x)} }, x},
		{"fast-sin", valueOnly, t},
		{"sin+grad", withGrad(Sin), x},
		{"fast-sin+grad", withGrad(sinPi), t},
		{"mul", func(x, _ *Node) []*Node { return []*Node{Mul(x, x)} }, x},
	} {
		b.Run(c.name, func(b *testing.B) {
			e, err := NewExec(be, c.fn)
			if err != nil {
				b.Fatal(err)
			}
			finalizeAll(e.MustCall(c.in, v)) // compile
			for b.Loop() {
				finalizeAll(e.MustCall(c.in, v))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/value")
		})
	}
}

// benchCPU16 measures one full-batch Adam step of the "cpu" preset network
// (W64, 2 hidden sine layers, lr 1e-3) on a 16³ region, the unit of work of
// a cpu-preset fit, with the given number of concurrent workers (each with
// its own backend and region). It reports wall seconds per step per region:
// with 2 workers that is the wall time of a step divided by 2. solve sets
// Config.SolveOutput.
func benchCPU16(b *testing.B, workers int, solve bool) {
	benchCPU16Opt(b, workers, solve, OptimizerAdam)
}

// benchCPU16Opt is benchCPU16 with the given optimizer.
func benchCPU16Opt(b *testing.B, workers int, solve bool, opt Optimizer) {
	x, y := gaussTarget(b, 16)
	cfg, _ := Preset("cpu")
	cfg.SolveOutput, cfg.Optimizer = solve, opt
	cfg.LowLoss, cfg.HighLoss, cfg.MaxTime = 0, 0, 0 // never stop early
	cfg.MaxSteps = 2
	trs := make([]*Trainer, workers)
	for w := range trs {
		be, err := NewBackend()
		if err != nil {
			b.Fatal(err)
		}
		if trs[w], err = NewTrainer(be, cfg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := trs[w].Fit(context.Background(), x, y, nil); err != nil { // compile
			b.Fatal(err)
		}
		trs[w].loop.cfg.MaxSteps = max(b.N, 1)
	}
	b.ResetTimer()
	cpu0 := cpuSeconds()
	start := time.Now()
	errs := make(chan error, workers)
	for _, tr := range trs {
		go func() {
			_, _, err := tr.Fit(context.Background(), x, y, nil)
			errs <- err
		}()
	}
	for range trs {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	steps := float64(workers * max(b.N, 1))
	b.ReportMetric(time.Since(start).Seconds()/steps, "s/step")
	b.ReportMetric((cpuSeconds()-cpu0)/steps, "cpu-s/step")
}

// BenchmarkStepCPU16: one step of the cpu-preset network on a 16³ region.
func BenchmarkStepCPU16(b *testing.B) { benchCPU16(b, 1, false) }

// BenchmarkStepCPU16Workers2: the same with two regions trained at once
// (neuralmap.Fit's default on 2 cores); s/step is per region.
func BenchmarkStepCPU16Workers2(b *testing.B) { benchCPU16(b, 2, false) }

// BenchmarkStepCPU16Solved and BenchmarkStepCPU16Workers2Solved: the same
// steps with Config.SolveOutput (one more matmul and the output layer's
// normal equations solved in the step).
func BenchmarkStepCPU16Solved(b *testing.B)         { benchCPU16(b, 1, true) }
func BenchmarkStepCPU16Workers2Solved(b *testing.B) { benchCPU16(b, 2, true) }

// BenchmarkStepCPU16KFAC and BenchmarkStepCPU16Workers2KFAC: the same steps
// with OptimizerKFAC (the output layer solved, the sine layers moved by
// K-FAC: four more matmuls of the step's size, the curvature factors'
// solves and two line-search products).
func BenchmarkStepCPU16KFAC(b *testing.B)         { benchCPU16Opt(b, 1, true, OptimizerKFAC) }
func BenchmarkStepCPU16Workers2KFAC(b *testing.B) { benchCPU16Opt(b, 2, true, OptimizerKFAC) }
