// Package siren is the paper's SIREN network (Sitzmann et al. 2020) for one
// sub-region of a cryo-EM map (§2.2), built and trained with GoMLX.
//
// # Architecture
//
// 3 → Width sine layer, HiddenLayers sine layers Width → Width, and a linear
// Width → 1 output layer. A sine layer computes sin(ω0·(W·x + b)) with ω0 =
// Omega0 (30) on every sine layer, as in the original SIREN code.
//
// The paper (§2.2, Fig. 1) describes "a sinusoidal input layer, four hidden
// sinusoidal layers with 256 features, and a final linear output layer". We
// read this literally as three kinds of layer: one input sine layer (3 → 256),
// then four further hidden sine layers (256 → 256), then the linear layer, so
// the "paper" preset has HiddenLayers = 4 (six weight matrices, ≈ 264k
// parameters). The caption ("256 hidden features per 4 hidden layers") could
// also count the input layer's output among the four (the SIREN reference
// code's hidden_layers = 3); the text's explicit "input layer … four hidden
// layers … output layer" list decides it here. HiddenLayers is a parameter.
//
// # Initialisation
//
// Weights follow the paper's stated scheme, with n = Width (the paper's
// "n = 256"):
//
//	first layer:       W ~ U(−√(6/n), √(6/n))
//	subsequent layers: W ~ U(−√(6/n)/ω0, √(6/n)/ω0)  (hidden and output)
//
// This deviates from the original SIREN, whose first layer is U(−1/in, 1/in)
// with in = 3 (bound 0.333, versus √(6/256) = 0.153 here: the paper's first
// layer starts with about half the spatial frequency). Config.Init selects
// InitSitzmann to get the original instead. Biases are not re-initialised by
// either reference code, so they keep PyTorch's nn.Linear default
// U(−1/√in, 1/√in); we do the same. All draws come from a PCG generator
// seeded with Config.Seed, so the same seed gives the same network.
//
// # Coordinates and units
//
// Inputs are voxel-centre coordinates of the region normalised to [−1, 1] per
// axis (RegionCoords); targets are normalised map values (the paper's [−1, 1]
// range). Gradients returned here are d value / d x per normalised unit: the
// neural-map package converts them to per Å with the region's extent.
//
// # Training and layout
//
// One training loop serves both trainers: StackTrainer trains K networks
// stacked in one graph (weights [K, out, in]), and Trainer is the same loop
// with K = 1. Weights are stored [out, in] (the same layout as Net.Layers).
// Training graphs are feature-major (activations [features, N]), which
// measured faster than row-major or split into blocks on the Go backend;
// the Evaluator's graphs are row-major (activations [N, features]), whose
// input gradient needs no transposes (bench/siren/README.md). The layouts
// that lost live in the tests (layout_test.go).
//
// # The sine
//
// GoMLX's pure-Go backend evaluates Sin and Cos one float64 at a time
// (≈ 21 ns per value, two thirds of a "cpu"-preset training step). On that
// backend the sine layers use a float32 sine built from elementwise graph
// ops instead (sine.go, SineFast): ω0/π rather than ω0 is folded into each
// sine layer's weights and bias, so the layer computes sin(π·t) with
// t = (ω0/π)·(W·h + b) — the same function sin(ω0·(W·h + b)), with an
// argument rounded to float32 as the native sine's is. sin(π·t) is a
// range reduction w = t − 2·round(t/2) (exact in float32) and a minimax
// polynomial in w: max abs error 1.65e-7 against float64 sin(π·t) for every
// float32 t with |t| < 2²² (exhaustive check, sine_coeffs.py, which also
// fits the coefficients), tested ≤ 2e-7 on a dense sweep of |π·t| ≤ 1e4 and
// at the reduction boundaries (TestSinPiAccuracy). Its gradient is custom:
// π·cos(π·t) from a second polynomial in the forward pass's w² (max error
// 1.5e-6 absolute), so autodiff never differentiates the polynomial and the
// backward pass needs no second reduction.
//
// The training step's backward pass is written out rather than left to
// autodiff (backward.go; tested against autodiff and finite differences):
// it multiplies in the same derivative and gets every layer's input
// gradient in the activations' own layout, without autodiff's transposes.
// The Evaluator's input gradient is autodiff's (with the custom gradient).
//
// Config.Sine chooses (SineAuto: fast on the Go backend, the backend's
// native Sin on any other, e.g. XLA); $NEURALEM_SINE=native|fast overrides
// SineAuto for comparisons and benchmarks. Trainer.Sine, StackTrainer.Sine
// and Evaluator.Sine report the choice. The two sines give network values
// within ~1e-7 of each other and training loss histories within 1e-5
// relative over 200 steps (TestFastSineTrajectory); the weights mean the
// same either way, so a network (a .nem file stores networks only) trained
// with one sine is evaluated with the other. Speed: bench/siren/README.md,
// "Fast sine".
//
// # Solving the output layer
//
// With Config.SolveOutput the step sets the linear output layer to its
// least-squares optimum for the current sine features (the normal equations
// of Width + 1 unknowns, solved in float64 inside the step's graph: solve.go)
// and Adam trains the sine layers only: variable projection. From random
// weights a cpu-preset region then needs about 3× fewer steps, the paper
// network's about 4× fewer (bench/siren/README.md § 9); from the shipped
// learned initialisation it gains almost nothing.
//
// # Curvature
//
// With Config.Optimizer = OptimizerKFAC (which needs SolveOutput) the sine
// layers are moved by K-FAC (Martens & Grosse 2015) instead of Adam: each
// step preconditions every sine layer's gradient by the inverses of two
// small Kronecker factors of the Gauss–Newton matrix (the covariance of
// the layer's inputs and of the output's derivative with respect to its
// pre-activations, solved in float64 in the step's graph: kfac.go), and
// chooses how far to go along that direction and the previous step by the
// Gauss–Newton model of the new residuals, so there is no learning rate.
// A step costs about 1.5 Adam steps; a cpu-preset region needs about ten
// times fewer steps from random weights (12 against 152 on the held-out
// crop of EMD-20026) and about 2.5 times fewer from the learned
// initialisation, which still gives the smoother fit between voxels
// (bench/meta/README.md § (h)).
//
// # Backends
//
// NewBackend honours $GOMLX_BACKEND (GoMLX's convention) and otherwise uses
// the pure-Go backend ("go"). Only the Go backend is linked by default; build
// with -tags xla to link the XLA backend too (it is then selected only via
// GOMLX_BACKEND=xla).
package siren

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// InitScheme names a weight initialisation scheme.
type InitScheme string

const (
	// InitPaper is the paper's scheme: first layer U(±√(6/n)), n = Width.
	InitPaper InitScheme = "paper"
	// InitSitzmann is the original SIREN scheme: first layer U(±1/3).
	InitSitzmann InitScheme = "sitzmann"
)

// Adam hyper-parameters (PyTorch defaults, as the paper used PyTorch's Adam).
const (
	AdamBeta1   = 0.9
	AdamBeta2   = 0.999
	AdamEpsilon = 1e-8
)

// Optimizer names how a fit's steps move the weights.
type Optimizer string

const (
	// OptimizerAdam is full-batch Adam (PyTorch's, as the paper) with
	// Config.LearningRate: the default ("" means Adam too).
	OptimizerAdam Optimizer = "adam"
	// OptimizerKFAC solves the output layer by least squares (it requires
	// Config.SolveOutput) and moves the sine layers by K-FAC, a
	// Kronecker-factored Gauss–Newton step whose lengths are chosen by the
	// step's quadratic model (no learning rate): a step costs about 1.5
	// Adam steps, and a fit from the learned initialisation needs about
	// 2.5 times fewer steps, from random weights about ten times fewer
	// (see the package doc, "Curvature").
	OptimizerKFAC Optimizer = "kfac"
)

// Config describes a SIREN and how it is trained.
type Config struct {
	// Width is the number of features of every sine layer (paper: 256).
	Width int
	// HiddenLayers is the number of Width → Width sine layers after the
	// 3 → Width input sine layer (paper: 4, see the package doc).
	HiddenLayers int
	// Omega0 is the sine frequency factor ω0 (paper: 30).
	Omega0 float64
	// FirstOmega0, if not 0, replaces Omega0 in the input sine layer only
	// (SIREN's first_omega_0; the hidden sine layers keep Omega0). It sets
	// the spatial frequencies the network starts from and learns most
	// easily, per normalised unit: regions smaller than the paper's 64
	// voxels map fewer voxels onto [−1, 1], so the same ω0 means higher
	// frequencies per voxel (see Preset "cpu"). 0: Omega0, as in the paper.
	FirstOmega0 float64
	// Init is the weight initialisation scheme (default InitPaper).
	Init InitScheme
	// LearningRate is Adam's step size. The paper does not state it; the
	// SIREN reference uses 1e-4.
	LearningRate float64
	// MaxSteps caps the number of training steps (full-batch epochs); 0 = no cap.
	MaxSteps int
	// MaxTime caps the wall-clock training time; 0 = no cap. At least one of
	// MaxSteps and MaxTime must be set so that Fit always ends.
	MaxTime time.Duration
	// Patience is the number of steps without improvement of the best loss
	// after which training stops, once the best loss is below HighLoss
	// (paper: 25).
	Patience int
	// LowLoss: training stops at once when the best MSE falls below it
	// (paper: 1e-5).
	LowLoss float64
	// HighLoss: the natural-fit-point rule applies only while the best MSE
	// is below it (paper: 4e-4).
	HighLoss float64
	// Seed seeds the weight initialisation.
	Seed uint64
	// SolveOutput, if true, trains only the sine layers with Adam and sets
	// the linear output layer, at every step, to its least-squares optimum
	// for the current sine features (variable projection, Golub & Pereyra
	// 1973): the normal equations of the Width + 1 output weights, with a
	// tiny ridge (OutputRidge), solved in the step's graph. The step costs
	// about one more matmul; the fit needs far fewer steps from random
	// weights (bench/siren/README.md § 9). It is not part of the
	// architecture: the network is the same function of its weights.
	SolveOutput bool
	// Optimizer is how the steps move the weights: OptimizerAdam (also
	// "") or OptimizerKFAC. KFAC needs SolveOutput and ignores
	// LearningRate (it chooses its step lengths itself).
	Optimizer Optimizer
	// Sine selects how the graphs evaluate the sine layers (SineAuto: the
	// fast float32 sine on the pure-Go backend, the backend's Sin
	// elsewhere; see the package doc). It is not part of the architecture:
	// the two compute the same function to float32 accuracy, and a network
	// trained with either is evaluated with either.
	Sine SineKind
}

// OptimizerName returns c.Optimizer, with "" (the zero value) named
// OptimizerAdam.
func (c Config) OptimizerName() Optimizer {
	if c.Optimizer == "" {
		return OptimizerAdam
	}
	return c.Optimizer
}

// TrainingString describes how c trains, e.g. "Adam lr 0.001", "Adam lr
// 0.001 on the sine layers, output layer solved by least squares at every
// step" or "K-FAC on the sine layers, output layer solved by least squares
// at every step".
func (c Config) TrainingString() string {
	s := fmt.Sprintf("Adam lr %g", c.LearningRate)
	if c.OptimizerName() == OptimizerKFAC {
		s = "K-FAC"
	}
	if c.SolveOutput {
		s += " on the sine layers, output layer solved by least squares at every step"
	}
	return s
}

// Preset returns a named configuration:
//
//   - "paper": exactly the paper — Width 256, 4 hidden sine layers, ω0 30,
//     paper init, Adam lr 1e-4 (SIREN's default; the paper gives none),
//     patience 25, thresholds 1e-5 / 4e-4. The paper has no caps; the preset
//     sets MaxSteps 10000 so that a region that never reaches 4e-4 still ends.
//   - "cpu": a small network for CPUs, sized for 16-voxel regions
//     (neuralmap.Preset("cpu") pairs it with that tiling): Width 64, 2
//     hidden sine layers (8,641 parameters, about two per voxel of a 16³
//     region), ω0 30, lr 1e-3, MaxSteps 2000, MaxTime 5 min, patience 25,
//     HighLoss 4e-4 as in the paper but LowLoss 1e-4 instead of 1e-5:
//     stop at once when the best MSE is 4× under the paper's good-fit
//     bound. Measured (bench/siren/README.md): a 48³ crop of EMD-20026
//     (64 regions) is fitted in about 5 min on 2 cores; on simulated maps
//     the stop at 1e-4 instead of 1e-5 cut the fit time 2.7× and changed
//     the error between voxels by 7 % or less. Faster fits interpolate
//     worse: with the paper's 1e-5 exit, lr 3e-3 fits in 30–45 % of the
//     time of lr 1e-3 but its error between voxels is 3–6× larger; ω0 20
//     has a 37 % lower error between voxels at 3 Å (14 % at 1.5 Å) and
//     takes 2.2× as long.
func Preset(name string) (Config, error) {
	base := Config{
		Width: 256, HiddenLayers: 4, Omega0: 30, Init: InitPaper,
		LearningRate: 1e-4, MaxSteps: 10000, Patience: 25,
		LowLoss: 1e-5, HighLoss: 4e-4, Seed: 1,
	}
	switch name {
	case "paper":
		return base, nil
	case "cpu":
		c := base
		c.Width, c.HiddenLayers = 64, 2
		c.LearningRate = 1e-3
		c.LowLoss = 1e-4
		c.MaxSteps, c.MaxTime = 2000, 5*time.Minute
		return c, nil
	}
	return Config{}, fmt.Errorf("siren: unknown preset %q (want \"paper\" or \"cpu\")", name)
}

// Validate reports a configuration that cannot build or train a network.
func (c Config) Validate() error {
	switch {
	case c.Width <= 0:
		return fmt.Errorf("siren: config Width = %d, want > 0", c.Width)
	case c.HiddenLayers < 0:
		return fmt.Errorf("siren: config HiddenLayers = %d, want ≥ 0", c.HiddenLayers)
	case !(c.Omega0 > 0) || math.IsInf(c.Omega0, 0):
		return fmt.Errorf("siren: config Omega0 = %g, want a finite value > 0", c.Omega0)
	case !(c.FirstOmega0 >= 0) || math.IsInf(c.FirstOmega0, 0):
		return fmt.Errorf("siren: config FirstOmega0 = %g, want a finite value ≥ 0 (0: Omega0)", c.FirstOmega0)
	case c.Init != "" && c.Init != InitPaper && c.Init != InitSitzmann:
		return fmt.Errorf("siren: config Init = %q, want %q or %q", c.Init, InitPaper, InitSitzmann)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("siren: config LearningRate = %g, want a finite value > 0", c.LearningRate)
	case c.MaxSteps < 0:
		return fmt.Errorf("siren: config MaxSteps = %d, want ≥ 0", c.MaxSteps)
	case c.MaxTime < 0:
		return fmt.Errorf("siren: config MaxTime = %v, want ≥ 0", c.MaxTime)
	case c.MaxSteps == 0 && c.MaxTime == 0:
		return fmt.Errorf("siren: config MaxSteps = 0 and MaxTime = 0, want at least one cap")
	case c.Patience <= 0:
		return fmt.Errorf("siren: config Patience = %d, want > 0", c.Patience)
	case !(c.LowLoss >= 0) || !(c.HighLoss >= c.LowLoss) || math.IsInf(c.HighLoss, 0):
		return fmt.Errorf("siren: config LowLoss = %g, HighLoss = %g, want 0 ≤ LowLoss ≤ HighLoss < ∞", c.LowLoss, c.HighLoss)
	case c.Optimizer != "" && c.Optimizer != OptimizerAdam && c.Optimizer != OptimizerKFAC:
		return fmt.Errorf("siren: config Optimizer = %q, want %q or %q", c.Optimizer, OptimizerAdam, OptimizerKFAC)
	case c.Optimizer == OptimizerKFAC && !c.SolveOutput:
		return fmt.Errorf("siren: config Optimizer = %q needs SolveOutput = true (K-FAC moves the sine layers; the output layer is solved)", c.Optimizer)
	case !c.Sine.valid():
		return fmt.Errorf("siren: config Sine = %q, want %q (auto), %q or %q", c.Sine, SineAuto, SineNative, SineFast)
	}
	return nil
}

// SameArch reports whether two configs describe the same network shape and
// function (Width, HiddenLayers, Omega0 and the input layer's ω0), so that
// one's weights can be evaluated or trained with the other.
func (c Config) SameArch(o Config) bool {
	return c.Width == o.Width && c.HiddenLayers == o.HiddenLayers && c.Omega0 == o.Omega0 && c.InputOmega0() == o.InputOmega0()
}

// InputOmega0 returns the ω0 of the input sine layer: FirstOmega0, or
// Omega0 when FirstOmega0 is 0.
func (c Config) InputOmega0() float64 {
	if c.FirstOmega0 != 0 {
		return c.FirstOmega0
	}
	return c.Omega0
}

// omega returns the ω0 of sine layer l.
func (c Config) omega(l int) float64 {
	if l == 0 {
		return c.InputOmega0()
	}
	return c.Omega0
}

// ArchString describes the architecture in errors and logs.
func (c Config) ArchString() string {
	s := fmt.Sprintf("Width %d, HiddenLayers %d, Omega0 %g", c.Width, c.HiddenLayers, c.Omega0)
	if c.FirstOmega0 != 0 {
		s += fmt.Sprintf(", FirstOmega0 %g", c.FirstOmega0)
	}
	return s
}

// Layer is one fully connected layer, y = W·x + b.
type Layer struct {
	// Out and In are the output and input feature counts.
	Out, In int
	// W holds the weights, Out×In, row-major: W[o*In+i].
	W []float32
	// B holds the Out biases.
	B []float32
}

// Net is a trained (or initialised) SIREN as plain Go values: what the
// neural map stores and loads.
type Net struct {
	// Config is the configuration the network was built and trained with.
	Config Config
	// Layers are, in order: the 3 → Width sine layer, HiddenLayers
	// Width → Width sine layers and the Width → 1 linear layer.
	Layers []Layer
}

// NumLayers returns the number of weight layers for cfg (HiddenLayers + 2).
func (c Config) NumLayers() int { return c.HiddenLayers + 2 }

func (c Config) layerDims(l int) (out, in int) {
	switch {
	case l == 0:
		return c.Width, 3
	case l == c.NumLayers()-1:
		return 1, c.Width
	default:
		return c.Width, c.Width
	}
}

// NewNet returns a freshly initialised network for cfg, drawn with cfg.Seed
// (see the package doc for the scheme).
func NewNet(cfg Config) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed5173e0))
	n := float64(cfg.Width)
	net := &Net{Config: cfg, Layers: make([]Layer, cfg.NumLayers())}
	for l := range net.Layers {
		out, in := cfg.layerDims(l)
		var bound float64
		switch {
		case l == 0 && cfg.Init == InitSitzmann:
			bound = 1 / float64(in)
		case l == 0:
			bound = math.Sqrt(6 / n)
		case cfg.Init == InitSitzmann:
			bound = math.Sqrt(6/float64(in)) / cfg.Omega0
		default:
			bound = math.Sqrt(6/n) / cfg.Omega0
		}
		bBound := 1 / math.Sqrt(float64(in))
		L := Layer{Out: out, In: in, W: make([]float32, out*in), B: make([]float32, out)}
		for i := range L.W {
			L.W[i] = float32((2*rng.Float64() - 1) * bound)
		}
		for i := range L.B {
			L.B[i] = float32((2*rng.Float64() - 1) * bBound)
		}
		net.Layers[l] = L
	}
	return net, nil
}

// Validate checks that the layers match the configuration's shapes and hold
// finite values.
func (n *Net) Validate() error {
	if n == nil {
		return fmt.Errorf("siren: nil Net")
	}
	if err := n.Config.Validate(); err != nil {
		return err
	}
	if len(n.Layers) != n.Config.NumLayers() {
		return fmt.Errorf("siren: net has %d layers, config wants %d", len(n.Layers), n.Config.NumLayers())
	}
	for l, L := range n.Layers {
		out, in := n.Config.layerDims(l)
		if L.Out != out || L.In != in || len(L.W) != out*in || len(L.B) != out {
			return fmt.Errorf("siren: layer %d is %d×%d with %d weights and %d biases, want %d×%d", l, L.Out, L.In, len(L.W), len(L.B), out, in)
		}
		for i, v := range L.W {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("siren: layer %d weight %d = %g, want finite", l, i, v)
			}
		}
		for i, v := range L.B {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("siren: layer %d bias %d = %g, want finite", l, i, v)
			}
		}
	}
	return nil
}

// Clone returns a deep copy of n.
func (n *Net) Clone() *Net {
	c := &Net{Config: n.Config, Layers: make([]Layer, len(n.Layers))}
	for i, L := range n.Layers {
		c.Layers[i] = Layer{Out: L.Out, In: L.In, W: append([]float32(nil), L.W...), B: append([]float32(nil), L.B...)}
	}
	return c
}

// ConstantNet returns a network for cfg whose output is exactly c at every
// point, with a zero gradient: every weight and bias is zero but the output
// bias, which is c (each sine layer then outputs sin(0) = 0). It is the
// exact fit of a region whose values are all c, such as the zeros outside
// a masked map's mask, and needs no training.
func ConstantNet(cfg Config, c float32) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Net{Config: cfg, Layers: make([]Layer, cfg.NumLayers())}
	for l := range n.Layers {
		out, in := cfg.layerDims(l)
		n.Layers[l] = Layer{Out: out, In: in, W: make([]float32, out*in), B: make([]float32, out)}
	}
	n.Layers[len(n.Layers)-1].B[0] = c
	return n, nil
}

// EvalRef is the pure-Go float64 reference forward pass: the network value
// at x (normalised coordinates) and its gradient d value / d x per
// normalised unit, by forward-mode differentiation. It is slow and meant for
// tests and spot checks.
func (n *Net) EvalRef(x [3]float64) (float64, [3]float64) {
	h := x[:]
	// dh[f][a] = d h_f / d x_a
	dh := [][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	last := len(n.Layers) - 1
	for l, L := range n.Layers {
		z := make([]float64, L.Out)
		dz := make([][3]float64, L.Out)
		for o := 0; o < L.Out; o++ {
			s := float64(L.B[o])
			var d [3]float64
			row := L.W[o*L.In : (o+1)*L.In]
			for i, w := range row {
				s += float64(w) * h[i]
				for a := 0; a < 3; a++ {
					d[a] += float64(w) * dh[i][a]
				}
			}
			if l < last {
				w0 := n.Config.omega(l)
				c := math.Cos(w0 * s)
				z[o] = math.Sin(w0 * s)
				for a := 0; a < 3; a++ {
					d[a] *= w0 * c
				}
			} else {
				z[o] = s
			}
			dz[o] = d
		}
		h, dh = z, dz
	}
	return h[0], dh[0]
}

// RegionCoords returns the normalised input coordinates of every voxel
// centre of a region of shape (Nx, Ny, Nz) voxels, N×3 values, X fastest
// (the order of grid.Grid data): coordinate a of voxel index i is
// −1 + 2·i/(N_a − 1), or 0 when N_a = 1.
func RegionCoords(shape [3]int) ([]float32, error) {
	for a := 0; a < 3; a++ {
		if shape[a] <= 0 {
			return nil, fmt.Errorf("siren: region shape[%d] = %d voxels, want > 0", a, shape[a])
		}
	}
	out := make([]float32, 0, 3*shape[0]*shape[1]*shape[2])
	c := func(i, n int) float32 {
		if n == 1 {
			return 0
		}
		return float32(-1 + 2*float64(i)/float64(n-1))
	}
	for k := 0; k < shape[2]; k++ {
		for j := 0; j < shape[1]; j++ {
			for i := 0; i < shape[0]; i++ {
				out = append(out, c(i, shape[0]), c(j, shape[1]), c(k, shape[2]))
			}
		}
	}
	return out, nil
}
