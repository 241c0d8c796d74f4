package metainit

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/gomlx/compute"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// TrainOptions are the hyper-parameters of Reptile (Nichol, Achiam and
// Schulman 2018), recorded in the init file.
type TrainOptions struct {
	// OuterSteps is the number of meta (outer) steps to reach.
	OuterSteps int `json:"outer_steps"`
	// Batch is the number of regions per outer step, trained together in
	// StackTrainer stacks (split over Workers).
	Batch int `json:"batch"`
	// InnerSteps is k, the number of Adam steps each region is trained
	// from the current initialisation in an outer step.
	InnerSteps int `json:"inner_steps"`
	// InnerLR is the inner loop's Adam learning rate (the preset's).
	InnerLR float64 `json:"inner_lr"`
	// MetaLR is the Reptile step ε at the first outer step; it decays
	// linearly to MetaLRFinal at the last: θ ← θ + ε·(mean_k φ_k − θ).
	MetaLR      float64 `json:"meta_lr"`
	MetaLRFinal float64 `json:"meta_lr_final"`
	// Seed draws the initial network (when not resuming, and From is
	// empty) and, with the outer step's number, the regions and their
	// symmetries of every outer step, so a run resumed from a checkpoint
	// continues exactly as it would have.
	Seed uint64 `json:"seed"`
	// From is the SHA-256 of the initialisation the run started from
	// (Train's from: fine-tuning an initialisation with other settings);
	// empty: random weights drawn with Seed.
	From string `json:"from,omitempty"`
	// ShortenedAt and PlannedSteps record a run finished earlier than
	// planned (Shorten): it was started for PlannedSteps outer steps and,
	// from outer step ShortenedAt on, its meta step decays linearly from
	// the value it had there to MetaLRFinal at OuterSteps. Both 0: the run
	// went as planned.
	ShortenedAt  int `json:"shortened_at,omitempty"`
	PlannedSteps int `json:"planned_steps,omitempty"`
	// Workers is the number of goroutines, each with its own backend and
	// stack of Batch/Workers regions (0: GOMAXPROCS on the Go backend).
	Workers int `json:"-"`
}

// DefaultTrainOptions returns the meta-training settings the shipped cpu
// initialisation was made with (see bench/meta/README.md for how they were
// chosen).
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{OuterSteps: 6000, Batch: 4, InnerSteps: 10, InnerLR: 1e-3, MetaLR: 0.5, MetaLRFinal: 0, Seed: 1}
}

// Validate reports an option that cannot train.
func (o TrainOptions) Validate() error {
	switch {
	case o.OuterSteps <= 0:
		return fmt.Errorf("metainit: OuterSteps = %d, want > 0", o.OuterSteps)
	case o.Batch <= 0:
		return fmt.Errorf("metainit: Batch = %d regions, want > 0", o.Batch)
	case o.InnerSteps <= 0:
		return fmt.Errorf("metainit: InnerSteps = %d, want > 0", o.InnerSteps)
	case !(o.InnerLR > 0) || math.IsInf(o.InnerLR, 0):
		return fmt.Errorf("metainit: InnerLR = %g, want a finite value > 0", o.InnerLR)
	case !(o.MetaLR > 0) || o.MetaLR > 1:
		return fmt.Errorf("metainit: MetaLR = %g, want in (0, 1]", o.MetaLR)
	case !(o.MetaLRFinal >= 0) || o.MetaLRFinal > o.MetaLR:
		return fmt.Errorf("metainit: MetaLRFinal = %g, want in [0, MetaLR = %g]", o.MetaLRFinal, o.MetaLR)
	case o.Workers < 0:
		return fmt.Errorf("metainit: Workers = %d, want ≥ 0 (0: automatic)", o.Workers)
	case (o.ShortenedAt != 0 || o.PlannedSteps != 0) && !(0 < o.ShortenedAt && o.ShortenedAt < o.OuterSteps && o.OuterSteps < o.PlannedSteps):
		return fmt.Errorf("metainit: ShortenedAt = %d, OuterSteps = %d, PlannedSteps = %d: want 0 < ShortenedAt < OuterSteps < PlannedSteps", o.ShortenedAt, o.OuterSteps, o.PlannedSteps)
	}
	return nil
}

// Shorten returns the options of the run o, done outer steps into it,
// finished at steps outer steps instead of o.OuterSteps: the meta step
// follows o's schedule up to done, then decays linearly from its value
// there to MetaLRFinal at steps (no jump). Use it when held-out
// measurements show the initialisation has stopped improving.
func (o TrainOptions) Shorten(done, steps int) (TrainOptions, error) {
	if o.ShortenedAt != 0 {
		return o, fmt.Errorf("metainit: the run was already shortened at outer step %d (planned %d)", o.ShortenedAt, o.PlannedSteps)
	}
	if !(0 < done && done < steps && steps < o.OuterSteps) {
		return o, fmt.Errorf("metainit: shorten a run of %d outer steps at step %d to %d: want 0 < %d < new total < %d", o.OuterSteps, done, steps, done, o.OuterSteps)
	}
	s := o
	s.ShortenedAt, s.PlannedSteps, s.OuterSteps = done, o.OuterSteps, steps
	return s, s.Validate()
}

// metaLR returns ε at outer step t (0-based).
func (o TrainOptions) metaLR(t int) float64 {
	if o.ShortenedAt == 0 {
		f := float64(t) / float64(o.OuterSteps)
		return o.MetaLR + f*(o.MetaLRFinal-o.MetaLR)
	}
	planned := o
	planned.ShortenedAt, planned.OuterSteps = 0, o.PlannedSteps
	if t < o.ShortenedAt {
		return planned.metaLR(t)
	}
	e0 := planned.metaLR(o.ShortenedAt)
	f := float64(t-o.ShortenedAt) / float64(o.OuterSteps-o.ShortenedAt)
	return e0 + f*(o.MetaLRFinal-e0)
}

// TrainProgress is passed to Train's progress callback after every outer
// step.
type TrainProgress struct {
	// Step is the number of outer steps done (of Total).
	Step, Total int
	// Loss is the mean over the step's regions of the MSE after the inner
	// loop (the best of its k evaluated losses), Start the mean MSE of the
	// initialisation on them.
	Loss, Start float64
	Elapsed     time.Duration
	// Init is the current initialisation (read-only; it changes at the
	// next step).
	Init *Init
}

// Train runs Reptile on the regions of ds for a network of cfg's
// architecture: at each outer step it draws Batch regions (each turned by a
// random symmetry of the cube), trains a copy of the current
// initialisation θ on each for InnerSteps Adam steps (cfg's network, lr
// InnerLR), and moves θ towards the mean of the trained weights. The inner
// loss is the plain MSE over the targets Dataset.Sample returns at
// Dataset.Coords: the voxel centres and, when the dataset has off-grid
// points, those too, every point weighted equally (with M off-grid points
// and Edge³ voxels, the off-grid points carry M/(M+Edge³) of the loss).
//
// from, if not nil, is the initialisation to start from instead of random
// weights (same network as cfg; opts.From must be its SHA256, and is
// empty when from is nil). start, if not nil, is a checkpoint to continue
// from (its Meta.Train must equal opts, Workers aside; its Meta.Done outer
// steps are skipped).
// progress, if not nil, is called after every outer step; an error it
// returns stops training and is returned with the last complete
// initialisation. Cancelling ctx does the same with ctx.Err().
func Train(ctx context.Context, ds *Dataset, cfg siren.Config, opts TrainOptions, from, start *Init, backend compute.Backend, progress func(TrainProgress) error) (*Init, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("metainit: %w", err)
	}
	switch {
	case from == nil && opts.From != "":
		return nil, fmt.Errorf("metainit: train: From = %s but no initialisation to start from", opts.From)
	case from != nil && (from.SHA256 == "" || from.SHA256 != opts.From):
		return nil, fmt.Errorf("metainit: train: starting from %s (sha256 %q) but From = %q", from.Name, from.SHA256, opts.From)
	case from != nil:
		if err := from.Check(cfg); err != nil {
			return nil, err
		}
	}
	if ds == nil || len(ds.Regions) == 0 {
		return nil, fmt.Errorf("metainit: train: empty dataset")
	}
	x, err := ds.Coords()
	if err != nil {
		return nil, err
	}
	inner := cfg
	inner.LearningRate = opts.InnerLR
	inner.MaxSteps, inner.MaxTime = opts.InnerSteps, 0
	inner.LowLoss, inner.HighLoss, inner.Patience = 0, 0, opts.InnerSteps+1

	var theta *siren.Net
	done := 0
	if start != nil {
		if err := start.Check(cfg); err != nil {
			return nil, err
		}
		prev := start.Meta.Train
		prev.Workers = opts.Workers
		if prev != opts {
			return nil, fmt.Errorf("metainit: train: the checkpoint was made with %+v; now %+v", start.Meta.Train, opts)
		}
		if start.Meta.Done > opts.OuterSteps {
			return nil, fmt.Errorf("metainit: train: the checkpoint has %d outer steps, more than OuterSteps = %d", start.Meta.Done, opts.OuterSteps)
		}
		theta, done = start.Net.Clone(), start.Meta.Done
	} else if from != nil {
		theta = from.Net.Clone()
	} else {
		c := cfg
		c.Seed = opts.Seed
		if theta, err = siren.NewNet(c); err != nil {
			return nil, err
		}
	}
	theta.Config = cfg
	theta.Config.Seed = 0

	workers := opts.Workers
	if workers == 0 {
		workers = 1
		if backend == nil || siren.IsGoBackend(backend) {
			workers = runtime.GOMAXPROCS(0)
		}
	}
	workers = min(workers, opts.Batch)
	stacks := make([]*siren.StackTrainer, workers)
	for w := range stacks {
		b := backend
		if w > 0 || b == nil {
			if b, err = siren.NewBackend(); err != nil {
				return nil, fmt.Errorf("metainit: %w", err)
			}
		}
		if stacks[w], err = siren.NewStackTrainer(b, inner); err != nil {
			return nil, fmt.Errorf("metainit: %w", err)
		}
	}

	meta := Meta{Method: "reptile", Train: opts, Done: done}
	cur := &Init{Net: theta, Meta: meta}
	begin := time.Now()
	for t := done; t < opts.OuterSteps; t++ {
		if err := ctx.Err(); err != nil {
			return cur, err
		}
		rng := rand.New(rand.NewPCG(opts.Seed, 0x7e9711e+uint64(t)))
		ys := make([][]float32, opts.Batch)
		for i := range ys {
			ys[i] = ds.Sample(rng, rng.IntN(len(ds.Regions)))
		}
		phis, loss, first, err := innerLoop(ctx, stacks, theta, x, ys)
		if err != nil {
			if ctx.Err() != nil {
				return cur, ctx.Err()
			}
			return cur, fmt.Errorf("metainit: train: outer step %d: %w", t+1, err)
		}
		eps := opts.metaLR(t)
		next := theta.Clone()
		for l := range next.Layers {
			reptileStep(next.Layers[l].W, phis, l, false, eps)
			reptileStep(next.Layers[l].B, phis, l, true, eps)
		}
		if err := next.Validate(); err != nil {
			return cur, fmt.Errorf("metainit: train: outer step %d: %w", t+1, err)
		}
		theta = next
		meta.Done = t + 1
		cur = &Init{Net: theta, Meta: meta}
		if progress != nil {
			if err := progress(TrainProgress{Step: t + 1, Total: opts.OuterSteps, Loss: loss, Start: first, Elapsed: time.Since(begin), Init: cur}); err != nil {
				return cur, err
			}
		}
	}
	return cur, nil
}

// reptileStep moves the weights dst (layer l's W or B of θ) by eps towards
// the mean of the trained networks' phis.
func reptileStep(dst []float32, phis []*siren.Net, l int, bias bool, eps float64) {
	for i := range dst {
		var s float64
		for _, p := range phis {
			if bias {
				s += float64(p.Layers[l].B[i])
			} else {
				s += float64(p.Layers[l].W[i])
			}
		}
		mean := s / float64(len(phis))
		dst[i] = float32(float64(dst[i]) + eps*(mean-float64(dst[i])))
	}
}

// innerLoop trains a copy of theta on each target, the targets split over
// the stacks (one goroutine each), and returns the trained networks in
// target order, the mean of their best losses and the mean of their
// initial losses.
func innerLoop(ctx context.Context, stacks []*siren.StackTrainer, theta *siren.Net, x []float32, ys [][]float32) ([]*siren.Net, float64, float64, error) {
	phis := make([]*siren.Net, len(ys))
	losses := make([]float64, len(ys))
	firsts := make([]float64, len(ys))
	errs := make([]error, len(stacks))
	var wg sync.WaitGroup
	per := (len(ys) + len(stacks) - 1) / len(stacks)
	for w, st := range stacks {
		lo, hi := w*per, min((w+1)*per, len(ys))
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			inits := make([]*siren.Net, hi-lo)
			for i := range inits {
				inits[i] = theta
			}
			nets, reps, err := st.FitStack(ctx, inits, x, ys[lo:hi], nil)
			if err != nil {
				errs[w] = err
				return
			}
			for i := range nets {
				phis[lo+i] = nets[i]
				losses[lo+i] = reps[i].BestLoss
				firsts[lo+i] = reps[i].History[0]
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, 0, 0, err
		}
	}
	var l, f float64
	for i := range losses {
		l += losses[i]
		f += firsts[i]
	}
	n := float64(len(ys))
	return phis, l / n, f / n, nil
}
