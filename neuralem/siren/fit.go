package siren

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
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
// step for every region of the same voxel count. It is safe for use by one
// goroutine at a time (calls are serialised).
type Trainer struct {
	mu       sync.Mutex
	backend  compute.Backend
	cfg      Config
	sine     SineKind
	step     *Exec
	compiles int
	lay      layout
}

// NewTrainer returns a Trainer for cfg on backend (nil: NewBackend()).
func NewTrainer(backend compute.Backend, cfg Config) (*Trainer, error) {
	backend, err := checkedBackend(backend, cfg)
	if err != nil {
		return nil, err
	}
	sine, err := resolveSine(cfg.Sine, backend)
	if err != nil {
		return nil, err
	}
	t := &Trainer{backend: backend, cfg: cfg, sine: sine, lay: defaultLayout}
	act := activation{kind: sine, grad: true}
	nP := 2 * cfg.NumLayers()
	// Inputs: x (layout-packed), y (layout's output shape), t (float32 scalar: 1-based step),
	// params (nP), m (nP), v (nP).
	// Outputs: loss of the input params, new params, new m, new v.
	fn := func(in []*Node) []*Node {
		t.compiles++
		xIn, y, tt := in[0], in[1], in[2]
		params, m, v := in[3:3+nP], in[3+nP:3+2*nP], in[3+2*nP:3+3*nP]
		out := forward(cfg, t.lay, act, xIn, params)
		loss := ReduceAllMean(Square(Sub(out, y)))
		grads := Gradient(loss, params...)
		return append([]*Node{loss}, adamUpdate(cfg, tt, params, m, v, grads)...)
	}
	exec, err := NewExec(backend, fn)
	if err != nil {
		return nil, fmt.Errorf("siren: building the training step: %w", err)
	}
	t.step = exec.WithName("siren_train_step")
	return t, nil
}

// Compiles returns how many training graphs have been compiled so far.
func (t *Trainer) Compiles() int { t.mu.Lock(); defer t.mu.Unlock(); return t.compiles }

// Config returns the trainer's configuration.
func (t *Trainer) Config() Config { return t.cfg }

// Sine returns the sine the training step uses (SineNative or SineFast).
func (t *Trainer) Sine() SineKind { return t.sine }

// Fit trains a freshly initialised network (t's config and seed) on the N
// points x (N×3 normalised coordinates, row-major) with targets y (N
// values): full-batch Adam on the MSE until Stop says so. It returns the
// best weights seen, not the last ones. A NaN or ±Inf loss is an error
// wrapping ErrNonFinite. progress, if not nil, is called after every step.
func (t *Trainer) Fit(ctx context.Context, x, y []float32, progress func(Progress)) (*Net, *FitReport, error) {
	net, err := NewNet(t.cfg)
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
	if !init.Config.SameArch(t.cfg) {
		return nil, nil, fmt.Errorf("siren: FitFrom: initial net is %s; trainer is %s", init.Config.ArchString(), t.cfg.ArchString())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(y)
	if err := checkFitData(x, y); err != nil {
		return nil, nil, fmt.Errorf("siren: Fit: %w", err)
	}
	net := init.Clone()
	net.Config = t.cfg
	net.Config.Seed = init.Config.Seed // the seed that drew the starting weights
	xData, xDims := t.lay.packX(x, n)
	xTensor := tensors.FromFlatDataAndDimensions(xData, xDims...)
	yTensor := tensors.FromFlatDataAndDimensions(append([]float32(nil), y...), t.lay.outDims(n)...)
	defer finalizeAll([]*tensors.Tensor{xTensor, yTensor})

	nP := 2 * t.cfg.NumLayers()
	params := netTensors(net)
	state := make([]*tensors.Tensor, 2*nP) // m then v, zero
	for i := range state {
		state[i] = tensors.FromShape(params[i%nP].Shape())
	}
	defer func() { finalizeAll(params); finalizeAll(state) }()

	best := net.Clone()
	tracker := newBestTracker()
	rep := &FitReport{}
	start := time.Now()
	args := make([]any, 0, 3+3*nP)
	for {
		if err := ctx.Err(); err != nil {
			rep.StopReason = StopCanceled
			break
		}
		args = stepArgs(args, xTensor, yTensor, rep.Steps+1, params, state)
		outs, err := t.step.Call(args...)
		if err != nil {
			return nil, nil, fmt.Errorf("siren: Fit: training step %d: %w", rep.Steps+1, err)
		}
		loss := float64(tensors.MustCopyFlatData[float32](outs[0])[0])
		_ = outs[0].FinalizeAll()
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			finalizeAll(outs[1:])
			return nil, nil, fmt.Errorf("%w: MSE = %g at step %d (lr %g)", ErrNonFinite, loss, rep.Steps, t.cfg.LearningRate)
		}
		rep.History = append(rep.History, loss)
		if tracker.add(loss) {
			// params are the weights that produced this loss.
			copyInto(best, params)
			rep.BestStep = rep.Steps
		}
		finalizeAll(params)
		finalizeAll(state)
		params = outs[1 : 1+nP]
		state = outs[1+nP:]
		rep.Steps++
		elapsed := time.Since(start)
		if progress != nil {
			progress(Progress{Step: rep.Steps, Loss: loss, Best: tracker.best, Elapsed: elapsed})
		}
		if r := Stop(t.cfg, rep.Steps, tracker.best, tracker.sinceBest, elapsed); r != StopNone {
			rep.StopReason = r
			break
		}
	}
	rep.Duration = time.Since(start)
	rep.BestLoss = tracker.best
	if tracker.bestIdx < 0 {
		return nil, nil, fmt.Errorf("siren: Fit: %s before the first step", rep.StopReason)
	}
	return best, rep, nil
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

// stepArgs refills args with a training step's inputs: x, y, the 1-based
// step number, the parameters, then the optimiser state.
func stepArgs(args []any, x, y *tensors.Tensor, step int, params, state []*tensors.Tensor) []any {
	args = append(args[:0], x, y, float32(step))
	for _, p := range params {
		args = append(args, p)
	}
	for _, s := range state {
		args = append(args, s)
	}
	return args
}

// copyInto copies parameter tensors (W, b per layer) into net's layers.
func copyInto(net *Net, params []*tensors.Tensor) {
	for l := range net.Layers {
		tensors.MustConstFlatData[float32](params[2*l], func(f []float32) { copy(net.Layers[l].W, f) })
		tensors.MustConstFlatData[float32](params[2*l+1], func(f []float32) { copy(net.Layers[l].B, f) })
	}
}
