package siren

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// trainLoop is the one training loop behind Trainer and StackTrainer: K
// networks of one architecture stacked in one graph (every weight a
// [K, out, in] tensor), full-batch Adam on the sum of the K per-network
// MSEs, each network with its own stop rule. A Trainer is a stack of one.
// Calls are serialised.
type trainLoop struct {
	mu       sync.Mutex
	cfg      Config
	sine     SineKind
	step     *Exec
	compiles int
	// lossGrads builds the step's losses and gradients: manualLossGrads
	// (forwardStack with its backward pass written out), or autodiff of
	// another layout under test (layout_test.go). Read when a graph is
	// compiled.
	lossGrads lossGradFunc
}

// forwardFunc builds a network output from input coordinates and
// parameters (W_0, b_0, W_1, b_1, …) with the sine layers computed by act;
// the shapes are those of the graph that uses it (forwardStack and the
// training layouts under test through autodiffLossGrads; Evaluator.forward).
type forwardFunc func(cfg Config, act activation, x *Node, params []*Node) *Node

// newTrainLoop returns the training loop for cfg on backend (nil:
// NewBackend()); name names the compiled step and what appears in the error
// if it cannot be built.
func newTrainLoop(backend compute.Backend, cfg Config, name, what string) (*trainLoop, error) {
	backend, sine, err := checkedBackend(backend, cfg)
	if err != nil {
		return nil, err
	}
	t := &trainLoop{cfg: cfg, sine: sine, lossGrads: manualLossGrads}
	act := activation{kind: sine, grad: true}
	nP := 2 * cfg.NumLayers()
	// Inputs: x [3, N] (shared), y [K, 1, N], t (float32 scalar: 1-based
	// step), params (nP, each [K, …]), m (nP), v (nP); a stack of one has
	// no stack axis: y [1, N], params [out, in] (see forwardStack).
	// Outputs: per-network loss [K] of the input params, new params, m, v.
	fn := func(in []*Node) []*Node {
		t.compiles++
		x, y, tt := in[0], in[1], in[2]
		params, m, v := in[3:3+nP], in[3+nP:3+2*nP], in[3+2*nP:3+3*nP]
		if cfg.Optimizer == OptimizerKFAC {
			// The sine layers' previous updates live in m's slots; the
			// output layer's m and all of v are passed through unused.
			nH := nP - 2
			lossK, head, next, step := kfacStep(cfg, act, x, y, params, m[:nH])
			outs := append(append([]*Node{lossK}, next...), head...)
			outs = append(append(outs, step...), m[nH:]...)
			return append(outs, v...)
		}
		lossK, grads, head := t.lossGrads(cfg, act, x, y, params)
		if head == nil {
			return append([]*Node{lossK}, adamUpdate(cfg, tt, params, m, v, grads)...)
		}
		// cfg.SolveOutput: Adam trains the sine layers; the output layer's
		// new value is the one solved for (and used by) this step, and its
		// moments are passed through unused.
		nH := nP - 2
		up := adamUpdate(cfg, tt, params[:nH], m[:nH], v[:nH], grads[:nH])
		outs := []*Node{lossK}
		outs = append(append(outs, up[:nH]...), head...)
		outs = append(append(outs, up[nH:2*nH]...), m[nH:]...)
		return append(append(outs, up[2*nH:]...), v[nH:]...)
	}
	exec, err := NewExec(backend, fn)
	if err != nil {
		return nil, fmt.Errorf("siren: building the %s: %w", what, err)
	}
	t.step = exec.WithName(name)
	return t, nil
}

// compiled returns how many training graphs have been compiled so far.
func (t *trainLoop) compiled() int { t.mu.Lock(); defer t.mu.Unlock(); return t.compiles }

// run trains len(ys) networks together, network k from the weights of
// inits[k] (not modified) on the shared N points x (N×3, row-major) with
// targets ys[k]; the caller has checked the arguments. op names the public
// method in errors; single (a Trainer's stack of one) leaves the network
// index out of them. progress, if not nil, is called after each step of
// each network still training and once per network when it finishes.
func (t *trainLoop) run(ctx context.Context, inits []*Net, x []float32, ys [][]float32, progress func(StackProgress), op string, single bool) ([]*Net, []*FitReport, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	who := func(k int) string {
		if single {
			return ""
		}
		return fmt.Sprintf("network %d: ", k)
	}

	K, n := len(inits), len(ys[0])
	nets := make([]*Net, K) // best weights per network
	reps := make([]*FitReport, K)
	trackers := make([]bestTracker, K)
	for k := range inits {
		nets[k] = inits[k].Clone()
		nets[k].Config = t.cfg
		nets[k].Config.Seed = inits[k].Config.Seed // the seed that drew the starting weights
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
	// stack returns parameter i of the active networks, [K, out, in], or
	// [out, in] for a stack of one (forwardStack).
	stack := func(host [][][]float32, i int) *tensors.Tensor {
		sz := perNet(i)
		data := make([]float32, 0, len(active)*sz)
		for _, k := range active {
			data = append(data, host[k][i]...)
		}
		d := dims(i)
		if len(active) == 1 {
			return tensors.FromFlatDataAndDimensions(data, d[0], d[1])
		}
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
		if len(active) == 1 {
			yT = tensors.FromFlatDataAndDimensions(yData, 1, n)
		} else {
			yT = tensors.FromFlatDataAndDimensions(yData, len(active), 1, n)
		}
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
			return fmt.Errorf("siren: %s: %s%s before the first step", op, who(k), r)
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
			return nil, nil, fmt.Errorf("siren: %s: training step %d: %w", op, steps+1, err)
		}
		losses := tensors.MustCopyFlatData[float32](outs[0])
		_ = outs[0].FinalizeAll()
		produced := params
		if t.cfg.SolveOutput {
			produced = append(params[:nP-2:nP-2], outs[nP-1], outs[nP])
		}
		for s, k := range active {
			loss := float64(losses[s])
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				finalizeAll(outs[1:])
				return nil, nil, fmt.Errorf("%w: %sMSE = %g at step %d (lr %g)", ErrNonFinite, who(k), loss, steps, t.cfg.LearningRate)
			}
			reps[k].History = append(reps[k].History, loss)
			if trackers[k].add(loss) {
				// The weights that produced this loss: params, but with
				// SolveOutput the output layer this step solved for.
				copySlot(nets[k], produced, s)
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

// forwardStack builds the K stacked networks' outputs [K, 1, N] from the
// shared coordinates x [3, N] (feature-major) and parameters W_l
// [K, out, in], b_l [K, out, 1]: one batched matmul per layer. A stack of
// one (a Trainer; also a FitStack whose other networks have stopped) has
// no stack axis: parameters W_l [out, in], b_l [out, 1], one plain matmul
// per layer, activations [features, N], output [1, N].
//
// ω0 (ω0/π for the fast sine) is folded into the (small) weight and bias
// tensors rather than applied to the [out, N] pre-activations, which saves
// one elementwise pass per layer; the function is the same sin(ω0·(W·x + b)).
func forwardStack(cfg Config, act activation, x *Node, params []*Node) *Node {
	h, k, single := stackInput("forwardStack", x, params)
	last := cfg.NumLayers() - 1
	for l := 0; l <= last; l++ {
		_, z := stackLayer("forwardStack", cfg, act, l, h, params, k, single)
		if l < last {
			z = act.apply(z)
		}
		h = z
	}
	return h
}

// stackInput checks forwardStack's coordinates x [3, N] and returns the
// first layer's input (x itself for a stack of one, else x broadcast to
// [K, 3, N]), the stack size K and whether the stack has no stack axis.
// who names the graph function in the panic.
func stackInput(who string, x *Node, params []*Node) (h *Node, k int, single bool) {
	if x.Rank() != 2 || x.Shape().Dimensions[0] != 3 {
		panic(fmt.Sprintf("siren: %s: x shape %s, want [3, N]", who, x.Shape()))
	}
	single = params[0].Rank() == 2
	if single {
		return x, 1, true
	}
	k = params[0].Shape().Dimensions[0]
	return BroadcastToDims(InsertAxes(x, 0), k, 3, x.Shape().Dimensions[1]), k, false
}

// stackLayer returns layer l's weights as the graph uses them (scaled by
// the sine's factor for a sine layer) and its pre-activation z = W·h + b
// ([out, N], or [K, out, N] for a stack) in forwardStack's layout; it
// panics (a programmer error) if the weights do not have the layer's shape.
func stackLayer(who string, cfg Config, act activation, l int, h *Node, params []*Node, k int, single bool) (w, z *Node) {
	w, b := params[2*l], params[2*l+1]
	out, in := cfg.layerDims(l)
	want := []int{k, out, in}
	if single {
		want = want[1:]
	}
	if !slices.Equal(w.Shape().Dimensions, want) {
		panic(fmt.Sprintf("siren: %s: layer %d weights %s, want %v", who, l, w.Shape(), want))
	}
	if l < cfg.NumLayers()-1 {
		w = MulScalar(w, act.scale(cfg.omega(l)))
		b = MulScalar(b, act.scale(cfg.omega(l)))
	}
	if single {
		z = Dot(w, h).Product() // [out, N]
	} else {
		z = DotGeneral(w, []int{2}, []int{0}, h, []int{1}, []int{0}) // [K, out, N]
	}
	return w, Add(z, b)
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
