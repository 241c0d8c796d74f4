package siren

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gomlx/compute"
)

// FitReport describes one training run.
type FitReport struct {
	// Steps is the number of Adam updates made.
	Steps int
	// BestLoss is the lowest full-batch MSE seen; the returned Net has it.
	BestLoss float64
	// BestStep is the number of updates the best weights had received
	// (0 = the initial weights).
	BestStep int
	// StopReason says why training ended.
	StopReason StopReason
	// Duration is the wall time of the training loop (compilation included).
	Duration time.Duration
	// History[k] is the full-batch MSE of the weights after k updates,
	// k = 0 … Steps−1 (each step evaluates the loss of its input weights,
	// then updates them; the weights after the last update are not
	// evaluated and therefore never returned).
	History []float64
}

// Progress is passed to the progress callback after every step.
type Progress struct {
	Step    int           // updates made so far
	Loss    float64       // MSE of the weights before this update
	Best    float64       // best MSE so far
	Elapsed time.Duration // since Fit started
}

// ErrNonFinite is wrapped by the error Fit returns when the loss becomes
// NaN or ±Inf.
var ErrNonFinite = errors.New("siren: non-finite loss")

// Trainer trains SIRENs of one architecture, reusing its compiled training
// step for every region of the same voxel count. It is the StackTrainer's
// loop with a stack of one network. It is safe for use by one goroutine at
// a time (calls are serialised).
type Trainer struct {
	loop *trainLoop
}

// NewTrainer returns a Trainer for cfg on backend (nil: NewBackend()).
func NewTrainer(backend compute.Backend, cfg Config) (*Trainer, error) {
	loop, err := newTrainLoop(backend, cfg, "siren_train_step", "training step")
	if err != nil {
		return nil, err
	}
	return &Trainer{loop: loop}, nil
}

// Compiles returns how many training graphs have been compiled so far.
func (t *Trainer) Compiles() int { return t.loop.compiled() }

// Config returns the trainer's configuration.
func (t *Trainer) Config() Config { return t.loop.cfg }

// Sine returns the sine the training step uses (SineNative or SineFast).
func (t *Trainer) Sine() SineKind { return t.loop.sine }

// Fit trains a freshly initialised network (t's config and seed) on the N
// points x (N×3 normalised coordinates, row-major) with targets y (N
// values): full-batch Adam on the MSE until Stop says so. It returns the
// best weights seen, not the last ones. A NaN or ±Inf loss is an error
// wrapping ErrNonFinite. progress, if not nil, is called after every step.
func (t *Trainer) Fit(ctx context.Context, x, y []float32, progress func(Progress)) (*Net, *FitReport, error) {
	net, err := NewNet(t.loop.cfg)
	if err != nil {
		return nil, nil, err
	}
	return t.FitFrom(ctx, net, x, y, progress)
}

// FitFrom is Fit starting from the weights of init (not modified) instead of
// a fresh initialisation: use it for per-region seeds (NewNet with another
// Config.Seed) or to continue training. init must have the trainer's
// architecture; the stop rule, caps and learning rate are the trainer's.
func (t *Trainer) FitFrom(ctx context.Context, init *Net, x, y []float32, progress func(Progress)) (*Net, *FitReport, error) {
	if err := init.Validate(); err != nil {
		return nil, nil, fmt.Errorf("siren: FitFrom: initial net: %w", err)
	}
	if !init.Config.SameArch(t.loop.cfg) {
		return nil, nil, fmt.Errorf("siren: FitFrom: initial net is %s; trainer is %s", init.Config.ArchString(), t.loop.cfg.ArchString())
	}
	if err := checkFitData(x, y); err != nil {
		return nil, nil, fmt.Errorf("siren: Fit: %w", err)
	}
	var each func(StackProgress)
	if progress != nil {
		each = func(p StackProgress) {
			if !p.Done {
				progress(p.Step)
			}
		}
	}
	nets, reps, err := t.loop.run(ctx, []*Net{init}, x, [][]float32{y}, each, "Fit", true)
	if err != nil {
		return nil, nil, err
	}
	return nets[0], reps[0], nil
}

// Fit trains one network with a temporary Trainer on the default backend.
// To train many regions, make one Trainer and call its Fit for each.
func Fit(ctx context.Context, cfg Config, x, y []float32, progress func(Progress)) (*Net, *FitReport, error) {
	t, err := NewTrainer(nil, cfg)
	if err != nil {
		return nil, nil, err
	}
	return t.Fit(ctx, x, y, progress)
}
