package siren

import (
	"fmt"
	"math"
	"sync"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/gomlx/gomlx/core/tensors"
)

// Batch buckets of the Evaluator: N is padded up to a power of two in
// [MinBucket, MaxBucket]; larger queries are split into MaxBucket chunks.
//
// MinBucket is small because callers such as the gradient walk send many
// small batches (a region's share of the few seeds still walking): with
// 1024 the demo's walk evaluated 11× more padded points than real ones.
// Measured on EMD-2566's walk, 8 and 64 run equally fast, 1024 4× slower.
//
// MaxBucket is small on purpose: the Go backend runs a graph one
// elementwise op at a time over whole tensors, and chunks of 4096 points
// keep a layer's activations ([256, 4096] float32, 4 MB) near the cache,
// while 65,536-point chunks (64 MB each) are limited by memory bandwidth
// and pad a 100k query to 131k. Measured (BenchmarkQuery100kW256, paper
// network, bench/siren/README.md "Fast sine"): 1.45× the points/s of
// 65,536-point chunks with the native sine, 1.5× with the fast one.
const (
	MinBucket = 64
	MaxBucket = 1 << 12
)

// Evaluator evaluates networks of one architecture on batches of points. Its
// graphs take the weights as inputs, so one compiled graph per batch bucket
// (and per value-only / value+gradient variant) serves every region. Safe
// for concurrent use (calls are serialised).
type Evaluator struct {
	mu       sync.Mutex
	cfg      Config
	sine     SineKind
	valExec  *Exec
	gradExec *Exec
	compiles int
	// forward builds the values [N, 1] from x [N, 3]: forwardRows, or
	// another layout under test (layout_test.go). Read when a graph is
	// compiled.
	forward forwardFunc
}

// NewEvaluator returns an Evaluator for networks with cfg's architecture
// (Width, HiddenLayers, Omega0, FirstOmega0) on backend (nil: NewBackend()).
func NewEvaluator(backend compute.Backend, cfg Config) (*Evaluator, error) {
	backend, sine, err := checkedBackend(backend, cfg)
	if err != nil {
		return nil, err
	}
	e := &Evaluator{cfg: cfg, sine: sine, forward: forwardRows}
	// Input x [N, 3] (a bucket of points, row-major, zero-padded); outputs
	// are the values [N, 1] and d(Σ out)/dx [N, 3].
	valFn := func(in []*Node) *Node {
		e.compiles++
		return e.forward(cfg, activation{kind: sine}, in[0], in[1:])
	}
	gradFn := func(in []*Node) (*Node, *Node) {
		e.compiles++
		x := in[0]
		out := e.forward(cfg, activation{kind: sine, grad: true}, x, in[1:])
		return out, Gradient(ReduceAllSum(out), x)[0]
	}
	if e.valExec, err = NewExec(backend, valFn); err != nil {
		return nil, fmt.Errorf("siren: building the evaluation graph: %w", err)
	}
	if e.gradExec, err = NewExec(backend, gradFn); err != nil {
		return nil, fmt.Errorf("siren: building the gradient graph: %w", err)
	}
	return e, nil
}

// Compiles returns how many evaluation graphs have been compiled so far.
func (e *Evaluator) Compiles() int { e.mu.Lock(); defer e.mu.Unlock(); return e.compiles }

// Sine returns the sine the evaluation graphs use (SineNative or SineFast).
func (e *Evaluator) Sine() SineKind { return e.sine }

// Bucket returns the padded batch size used for a chunk of n ≤ MaxBucket
// points.
func Bucket(n int) int {
	b := MinBucket
	for b < n {
		b *= 2
	}
	return b
}

// Eval writes net's value at each of the N points x (N×3 normalised
// coordinates, row-major) into val (N) and, if grad is not nil, the gradient
// d value / d x per normalised unit into grad (N×3, row-major). net must
// have the Evaluator's architecture.
func (e *Evaluator) Eval(net *Net, x, val, grad []float32) error {
	if net == nil {
		return fmt.Errorf("siren: Eval: nil net")
	}
	if !net.Config.SameArch(e.cfg) {
		return fmt.Errorf("siren: Eval: net is %s; evaluator is %s", net.Config.ArchString(), e.cfg.ArchString())
	}
	if len(net.Layers) != e.cfg.NumLayers() {
		return fmt.Errorf("siren: Eval: net has %d layers, want %d", len(net.Layers), e.cfg.NumLayers())
	}
	for l, L := range net.Layers {
		out, in := e.cfg.layerDims(l)
		if L.Out != out || L.In != in || len(L.W) != out*in || len(L.B) != out {
			return fmt.Errorf("siren: Eval: layer %d is %d×%d with %d weights, %d biases; want %d×%d", l, L.Out, L.In, len(L.W), len(L.B), out, in)
		}
	}
	n := len(val)
	if len(x) != 3*n {
		return fmt.Errorf("siren: Eval: len(x) = %d, want 3·len(val) = %d", len(x), 3*n)
	}
	if grad != nil && len(grad) != 3*n {
		return fmt.Errorf("siren: Eval: len(grad) = %d, want 3·len(val) = %d", len(grad), 3*n)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("siren: Eval: x[%d] (point %d, axis %d) = %g, want finite", i, i/3, i%3, v)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	params := netTensors(net)
	defer finalizeAll(params)
	args := make([]any, 1+len(params))
	for i, p := range params {
		args[1+i] = p
	}
	for lo := 0; lo < n; lo += MaxBucket {
		hi := min(lo+MaxBucket, n)
		b := Bucket(hi - lo)
		xb := make([]float32, 3*b)
		copy(xb, x[3*lo:3*hi])
		xt := tensors.FromFlatDataAndDimensions(xb, b, 3)
		args[0] = xt
		if grad == nil {
			out, err := e.valExec.Call1(args...)
			_ = xt.FinalizeAll()
			if err != nil {
				return fmt.Errorf("siren: Eval: points %d–%d: %w", lo, hi-1, err)
			}
			tensors.MustConstFlatData[float32](out, func(f []float32) { copy(val[lo:hi], f) })
			_ = out.FinalizeAll()
			continue
		}
		out, g, err := e.gradExec.Call2(args...)
		_ = xt.FinalizeAll()
		if err != nil {
			return fmt.Errorf("siren: Eval: points %d–%d: %w", lo, hi-1, err)
		}
		tensors.MustConstFlatData[float32](out, func(f []float32) { copy(val[lo:hi], f) })
		tensors.MustConstFlatData[float32](g, func(f []float32) { copy(grad[3*lo:3*hi], f) })
		_ = out.FinalizeAll()
		_ = g.FinalizeAll()
	}
	return nil
}
