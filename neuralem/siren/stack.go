package siren

import (
	"context"
	"fmt"

	"github.com/gomlx/compute"
)

// StackTrainer trains K networks of one architecture at once, stacked in one
// graph: every weight is a [K, out, in] tensor, every layer one batched
// matmul over the K networks, and the loss the sum of the K per-network
// MSEs. Because each network's parameters only enter its own MSE and Adam is
// elementwise, each network follows exactly the trajectory it would follow
// alone (up to float32 summation order); only the work is batched. A
// Trainer is the same loop with K = 1.
//
// The K networks share their input coordinates: the regions of one tiling
// all have the same shape (package region), hence the same RegionCoords.
// Each network has its own stop rule (best loss, patience); a stopped
// network keeps its best weights and leaves the stack, which is then
// rebuilt with the remaining ones (one compilation per distinct K).
//
// Whether stacking pays depends on the backend: it turns K small matmuls into
// one large batched one, which is what GPUs need, while the pure-Go backend
// spends most of a step in elementwise sine/cosine whose cost is the same
// either way (measured in bench/siren/README.md; neuralmap.FitOptions.Stack
// chooses).
type StackTrainer struct {
	loop *trainLoop
}

// NewStackTrainer returns a StackTrainer for cfg on backend (nil:
// NewBackend()).
func NewStackTrainer(backend compute.Backend, cfg Config) (*StackTrainer, error) {
	loop, err := newTrainLoop(backend, cfg, "siren_stack_train_step", "stacked training step")
	if err != nil {
		return nil, err
	}
	return &StackTrainer{loop: loop}, nil
}

// Compiles returns how many stacked training graphs have been compiled.
func (t *StackTrainer) Compiles() int { return t.loop.compiled() }

// Sine returns the sine the training graph uses (SineNative or SineFast).
func (t *StackTrainer) Sine() SineKind { return t.loop.sine }

// StackProgress is passed to FitStack's progress callback: network Index
// of the stack made a step (Step) or finished (Done, with Report).
type StackProgress struct {
	Index  int
	Step   Progress
	Done   bool
	Report *FitReport
	Net    *Net
}

// FitStack trains len(ys) networks together, network k from the weights of
// inits[k] (not modified) on the shared N points x (N×3 normalised
// coordinates, row-major) with targets ys[k] (N values). Each network stops
// by its own rule (the trainer's config) and gets its own report; the
// results are in input order. MaxTime counts from the start of the stack.
// progress, if not nil, is called after each step of each network still
// training, and once per network when it finishes (Done, Report and Net
// set: the net is final and may be saved at once).
//
// A NaN or ±Inf loss in any network is an error wrapping ErrNonFinite that
// names the network. A cancelled ctx ends every network still training
// with StopCanceled and their best weights so far.
func (t *StackTrainer) FitStack(ctx context.Context, inits []*Net, x []float32, ys [][]float32, progress func(StackProgress)) ([]*Net, []*FitReport, error) {
	if len(inits) == 0 || len(inits) != len(ys) {
		return nil, nil, fmt.Errorf("siren: FitStack: %d initial nets and %d targets, want the same number > 0", len(inits), len(ys))
	}
	n := len(ys[0])
	if err := checkFitData(x, ys[0]); err != nil {
		return nil, nil, fmt.Errorf("siren: FitStack: network 0: %w", err)
	}
	for k := range inits {
		if err := inits[k].Validate(); err != nil {
			return nil, nil, fmt.Errorf("siren: FitStack: initial net %d: %w", k, err)
		}
		if !inits[k].Config.SameArch(t.loop.cfg) {
			return nil, nil, fmt.Errorf("siren: FitStack: initial net %d is %s; trainer is %s", k, inits[k].Config.ArchString(), t.loop.cfg.ArchString())
		}
		if len(ys[k]) != n {
			return nil, nil, fmt.Errorf("siren: FitStack: network %d has %d targets, network 0 has %d", k, len(ys[k]), n)
		}
		if err := checkFitData(x, ys[k]); err != nil {
			return nil, nil, fmt.Errorf("siren: FitStack: network %d: %w", k, err)
		}
	}
	return t.loop.run(ctx, inits, x, ys, progress, "FitStack", false)
}
