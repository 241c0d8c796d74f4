package siren

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// StackTrainer trains K networks of one architecture at once, stacked in one
// graph: every weight is a [K, out, in] tensor, every layer one batched
// matmul over the K networks, and the loss the sum of the K per-network
// MSEs. Because each network's parameters only enter its own MSE and Adam is
// elementwise, each network follows exactly the trajectory it would follow
// alone (up to float32 summation order); only the work is batched.
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
	mu       sync.Mutex
	backend  compute.Backend
	cfg      Config
	sine     SineKind
	step     *Exec
	compiles int
}

// NewStackTrainer returns a StackTrainer for cfg on backend (nil:
// NewBackend()).
func NewStackTrainer(backend compute.Backend, cfg Config) (*StackTrainer, error) {
	backend, err := checkedBackend(backend, cfg)
	if err != nil {
		return nil, err
	}
	sine, err := resolveSine(cfg.Sine, backend)
	if err != nil {
		return nil, err
	}
	t := &StackTrainer{backend: backend, cfg: cfg, sine: sine}
	act := activation{kind: sine, grad: true}
	nP := 2 * cfg.NumLayers()
	// Inputs: x [3, N] (shared), y [K, 1, N], t (float32 scalar: 1-based
	// step), params (nP, each [K, …]), m (nP), v (nP).
	// Outputs: per-network loss [K] of the input params, new params, m, v.
	fn := func(in []*Node) []*Node {
		t.compiles++
		x, y, tt := in[0], in[1], in[2]
		params, m, v := in[3:3+nP], in[3+nP:3+2*nP], in[3+2*nP:3+3*nP]
		out := forwardStack(cfg, act, x, params)
		lossK := ReduceMean(Square(Sub(out, y)), 1, 2)
		grads := Gradient(ReduceAllSum(lossK), params...)
		return append([]*Node{lossK}, adamUpdate(cfg, tt, params, m, v, grads)...)
	}
	exec, err := NewExec(backend, fn)
	if err != nil {
		return nil, fmt.Errorf("siren: building the stacked training step: %w", err)
	}
	t.step = exec.WithName("siren_stack_train_step")
	return t, nil
}

// Compiles returns how many stacked training graphs have been compiled.
func (t *StackTrainer) Compiles() int { t.mu.Lock(); defer t.mu.Unlock(); return t.compiles }

// Sine returns the sine the training graph uses (SineNative or SineFast).
func (t *StackTrainer) Sine() SineKind { return t.sine }

// forwardStack builds the K stacked networks' outputs [K, 1, N] from the
// shared coordinates x [3, N] and parameters W_l [K, out, in], b_l
// [K, out, 1] (the sine's factor folded into the sine layers' weights as in
// forward).
func forwardStack(cfg Config, act activation, x *Node, params []*Node) *Node {
	k := params[0].Shape().Dimensions[0]
	n := x.Shape().Dimensions[1]
	if x.Rank() != 2 || x.Shape().Dimensions[0] != 3 {
		panic(fmt.Sprintf("siren: forwardStack: x shape %s, want [3, N]", x.Shape()))
	}
	h := BroadcastToDims(InsertAxes(x, 0), k, 3, n)
	last := cfg.NumLayers() - 1
	for l := 0; l <= last; l++ {
		w, b := params[2*l], params[2*l+1]
		if l < last {
			w = MulScalar(w, act.scale(cfg.omega(l)))
			b = MulScalar(b, act.scale(cfg.omega(l)))
		}
		out, in := cfg.layerDims(l)
		if d := w.Shape().Dimensions; len(d) != 3 || d[0] != k || d[1] != out || d[2] != in {
			panic(fmt.Sprintf("siren: forwardStack: layer %d weights %s, want [%d, %d, %d]", l, w.Shape(), k, out, in))
		}
		z := DotGeneral(w, []int{2}, []int{0}, h, []int{1}, []int{0}) // [K, out, N]
		z = Add(z, b)
		if l < last {
			z = act.apply(z)
		}
		h = z
	}
	return h
}

// adamUpdate returns PyTorch's Adam update of params with gradients grads
// and moments m, v at 1-based step tt: the new params, then the new m, then
// the new v.
func adamUpdate(cfg Config, tt *Node, params, m, v, grads []*Node) []*Node {
	lr, b1, b2, eps := cfg.LearningRate, AdamBeta1, AdamBeta2, AdamEpsilon
	nP := len(params)
	bc1 := OneMinus(Pow(Scalar(tt.Graph(), tt.DType(), b1), tt))
	bc2 := OneMinus(Pow(Scalar(tt.Graph(), tt.DType(), b2), tt))
	stepSize := Div(Scalar(tt.Graph(), tt.DType(), lr), bc1)
	sqrtBC2 := Sqrt(bc2)
	outs := make([]*Node, 3*nP)
	for i, g := range grads {
		newM := Add(MulScalar(m[i], b1), MulScalar(g, 1-b1))
		newV := Add(MulScalar(v[i], b2), MulScalar(Square(g), 1-b2))
		denom := AddScalar(Div(Sqrt(newV), sqrtBC2), eps)
		outs[i] = Sub(params[i], Mul(stepSize, Div(newM, denom)))
		outs[nP+i] = newM
		outs[2*nP+i] = newV
	}
	return outs
}

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
		if !inits[k].Config.SameArch(t.cfg) {
			return nil, nil, fmt.Errorf("siren: FitStack: initial net %d is %s; trainer is %s", k, inits[k].Config.ArchString(), t.cfg.ArchString())
		}
		if len(ys[k]) != n {
			return nil, nil, fmt.Errorf("siren: FitStack: network %d has %d targets, network 0 has %d", k, len(ys[k]), n)
		}
		if err := checkFitData(x, ys[k]); err != nil {
			return nil, nil, fmt.Errorf("siren: FitStack: network %d: %w", k, err)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()

	K := len(inits)
	nets := make([]*Net, K) // best weights per network
	reps := make([]*FitReport, K)
	trackers := make([]bestTracker, K)
	for k := range inits {
		nets[k] = inits[k].Clone()
		nets[k].Config = t.cfg
		nets[k].Config.Seed = inits[k].Config.Seed
		reps[k] = &FitReport{}
		trackers[k] = newBestTracker()
	}
	// The stack state lives in host slices between rebuilds: params[k], m, v
	// as flat per-parameter data for each active network.
	xT := tensors.FromFlatDataAndDimensions(rowsToFeatureMajor(x, n), 3, n)
	defer finalizeAll([]*tensors.Tensor{xT})
	active := make([]int, K) // network index of each stack slot
	for k := range active {
		active[k] = k
	}
	nP := 2 * t.cfg.NumLayers()
	dims := func(i int) []int { // per-network dims of parameter i
		out, in := t.cfg.layerDims(i / 2)
		if i%2 == 1 {
			in = 1
		}
		return []int{out, in}
	}
	perNet := func(i int) int { d := dims(i); return d[0] * d[1] }
	// host state per network: params, m, v for each parameter.
	hostP := make([][][]float32, K)
	hostM := make([][][]float32, K)
	hostV := make([][][]float32, K)
	for k := range inits {
		hostP[k], hostM[k], hostV[k] = make([][]float32, nP), make([][]float32, nP), make([][]float32, nP)
		for l, L := range nets[k].Layers {
			hostP[k][2*l] = append([]float32(nil), L.W...)
			hostP[k][2*l+1] = append([]float32(nil), L.B...)
		}
		for i := range nP {
			hostM[k][i] = make([]float32, perNet(i))
			hostV[k][i] = make([]float32, perNet(i))
		}
	}
	stack := func(host [][][]float32, i int) *tensors.Tensor {
		sz := perNet(i)
		data := make([]float32, 0, len(active)*sz)
		for _, k := range active {
			data = append(data, host[k][i]...)
		}
		d := dims(i)
		return tensors.FromFlatDataAndDimensions(data, len(active), d[0], d[1])
	}
	unstack := func(ts []*tensors.Tensor, host [][][]float32) {
		for i, tt := range ts {
			sz := perNet(i)
			tensors.MustConstFlatData[float32](tt, func(f []float32) {
				for s, k := range active {
					copy(host[k][i], f[s*sz:(s+1)*sz])
				}
			})
		}
	}
	var yT *tensors.Tensor
	params := make([]*tensors.Tensor, nP)
	state := make([]*tensors.Tensor, 2*nP)
	build := func() {
		finalizeAll([]*tensors.Tensor{yT})
		finalizeAll(params)
		finalizeAll(state)
		yData := make([]float32, 0, len(active)*n)
		for _, k := range active {
			yData = append(yData, ys[k]...)
		}
		yT = tensors.FromFlatDataAndDimensions(yData, len(active), 1, n)
		for i := range nP {
			params[i] = stack(hostP, i)
			state[i] = stack(hostM, i)
			state[nP+i] = stack(hostV, i)
		}
	}
	build()
	defer func() { finalizeAll([]*tensors.Tensor{yT}); finalizeAll(params); finalizeAll(state) }()

	start := time.Now()
	steps := 0
	args := make([]any, 0, 3+3*nP)
	finish := func(k int, r StopReason, elapsed time.Duration) error {
		reps[k].StopReason = r
		reps[k].Duration = elapsed
		reps[k].BestLoss = trackers[k].best
		if trackers[k].bestIdx < 0 {
			return fmt.Errorf("siren: FitStack: network %d: %s before the first step", k, r)
		}
		if progress != nil {
			progress(StackProgress{Index: k, Done: true, Report: reps[k], Net: nets[k]})
		}
		return nil
	}
	for len(active) > 0 {
		if err := ctx.Err(); err != nil {
			for _, k := range active {
				if err := finish(k, StopCanceled, time.Since(start)); err != nil {
					return nil, nil, err
				}
			}
			break
		}
		args = stepArgs(args, xT, yT, steps+1, params, state)
		outs, err := t.step.Call(args...)
		if err != nil {
			return nil, nil, fmt.Errorf("siren: FitStack: training step %d: %w", steps+1, err)
		}
		losses := tensors.MustCopyFlatData[float32](outs[0])
		_ = outs[0].FinalizeAll()
		for s, k := range active {
			loss := float64(losses[s])
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				finalizeAll(outs[1:])
				return nil, nil, fmt.Errorf("%w: network %d: MSE = %g at step %d (lr %g)", ErrNonFinite, k, loss, steps, t.cfg.LearningRate)
			}
			reps[k].History = append(reps[k].History, loss)
			if trackers[k].add(loss) {
				copySlot(nets[k], params, s)
				reps[k].BestStep = steps
			}
		}
		finalizeAll(params)
		finalizeAll(state)
		copy(params, outs[1:1+nP])
		copy(state, outs[1+nP:])
		steps++
		elapsed := time.Since(start)
		var still []int
		for _, k := range active {
			reps[k].Steps = steps
			if progress != nil {
				progress(StackProgress{Index: k, Step: Progress{Step: steps, Loss: reps[k].History[steps-1], Best: trackers[k].best, Elapsed: elapsed}})
			}
			if r := Stop(t.cfg, steps, trackers[k].best, trackers[k].sinceBest, elapsed); r != StopNone {
				if err := finish(k, r, elapsed); err != nil {
					return nil, nil, err
				}
				continue
			}
			still = append(still, k)
		}
		if len(still) < len(active) && len(still) > 0 {
			unstack(params, hostP)
			unstack(state[:nP], hostM)
			unstack(state[nP:], hostV)
			active = still
			build()
		}
		active = still
	}
	return nets, reps, nil
}

// copySlot copies stack slot s of the stacked parameter tensors into net.
func copySlot(net *Net, params []*tensors.Tensor, s int) {
	for l := range net.Layers {
		L := &net.Layers[l]
		tensors.MustConstFlatData[float32](params[2*l], func(f []float32) { copy(L.W, f[s*len(L.W):(s+1)*len(L.W)]) })
		tensors.MustConstFlatData[float32](params[2*l+1], func(f []float32) { copy(L.B, f[s*len(L.B):(s+1)*len(L.B)]) })
	}
}

// rowsToFeatureMajor converts N×3 row-major coordinates to 3×N.
func rowsToFeatureMajor(x []float32, n int) []float32 {
	out := make([]float32, 3*n)
	for i := range n {
		for a := range 3 {
			out[a*n+i] = x[3*i+a]
		}
	}
	return out
}

// checkFitData reports training data that cannot be used: no targets, a
// coordinate count that does not match, or a non-finite value.
func checkFitData(x, y []float32) error {
	n := len(y)
	if n == 0 {
		return fmt.Errorf("no target values (len(y) = 0)")
	}
	if len(x) != 3*n {
		return fmt.Errorf("len(x) = %d, want 3·len(y) = %d", len(x), 3*n)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("x[%d] (point %d, axis %d) = %g, want finite", i, i/3, i%3, v)
		}
	}
	for i, v := range y {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("y[%d] = %g, want finite", i, v)
		}
	}
	return nil
}
