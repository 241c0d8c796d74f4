package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/molmap"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// DefaultControlSpacing is the paper's control voxel size in Å (§3.1).
const DefaultControlSpacing = 0.2

// Normalization selects how the control's values are put on the [0, 1] scale
// of the interpolated values (see the package doc).
type Normalization int

const (
	// NormInput maps input and control with the same normalisation, fitted
	// on the input (default): a perfect interpolator has zero error.
	NormInput Normalization = iota
	// NormOwn maps the control with a normalisation fitted on the control
	// itself (each map by its own maximum: the literal reading of §3.1).
	NormOwn
)

// String returns "input" or "own".
func (n Normalization) String() string {
	if n == NormOwn {
		return "own"
	}
	return "input"
}

// ParseNormalization parses "input" or "own".
func ParseNormalization(s string) (Normalization, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "input", "shared", "":
		return NormInput, nil
	case "own", "each":
		return NormOwn, nil
	}
	return 0, fmt.Errorf("normalization %q: want input or own", s)
}

// Progress reports what an experiment is doing. Fit is set during a neural
// map fit (one call per training step and per finished region).
type Progress struct {
	Experiment string // "interp" or "graph"
	Item       string // model or pair name
	Index      int    // position of Item (0-based)
	Total      int    // number of items
	Stage      string // e.g. "simulate", "fit", "sample", "graph bspline"
	Detail     string
	Fit        *neuralmap.FitProgress
}

// InterpOptions configure RunInterp. The zero value runs the paper's
// full-size experiment with the paper's network on every default model.
type InterpOptions struct {
	// Models to simulate (nil: DefaultSimModels()). Relative paths are
	// looked up under DataDir (default: the shared data directory).
	Models  []SimModel
	DataDir string
	// ControlSpacing is the control's voxel size in Å (0: 0.2, the paper).
	ControlSpacing float64
	// Crop is the edge in Å of a cube applied to input and control (0: the
	// whole maps). The cube is centred on CropCenter if set, else on the
	// centroid of the atoms picked by CropResidues if set, else on the heavy
	// atom closest to the model's centroid (so that the cube holds protein
	// even when the centroid falls into a cavity).
	Crop float64
	// CropVoxels, if > 0, sets Crop to this many input voxels (CropVoxels ×
	// R/3 Å, giving N or N+1 voxels per axis) for each model, so that every model's neural map sees the same
	// number of voxels per region whatever its resolution (the paper's
	// regions are 64 voxels at every resolution, and SIREN's ω0 = 30 is
	// tuned to that sampling density: few-voxel regions interpolate badly).
	CropVoxels   int
	CropCenter   *geom.Point
	CropResidues string // "A:10-30" or "A:42": chain and residue number range
	// Preset names the SIREN configuration (siren.Preset; "" = "paper")
	// unless Config.Width is set, in which case Config is used as is.
	Preset string
	Config siren.Config
	// Seed, if not 0, replaces the configuration's seed.
	Seed uint64
	// Init, if not nil, is the learned initialisation the neural map's
	// networks start from (neuralmap.FitOptions.Init); nil: random.
	Init *metainit.Init `json:"-"`
	// Tiling of the neural map (zero value: the preset's — the paper's
	// 64/4, or 16/4 for "cpu"; see neuralmap.Preset).
	Tiling region.Options
	// Normalization of the control (default NormInput).
	Normalization Normalization
	// NoNeural skips the neural map (classical interpolators only).
	NoNeural bool
	// CheckpointDir, if set, keeps each fitted neural map there (named
	// after the model, resolution and crop) and resumes from it.
	CheckpointDir string
	// Workers and Stack are passed to neuralmap.FitOptions (0: its
	// defaults, one worker per core on the Go backend, no stacking).
	Workers, Stack int `json:",omitempty"`
	// Backend for the neural fit and sampling (nil: siren.NewBackend(),
	// i.e. $GOMLX_BACKEND, else siren.DefaultBackendConfig).
	Backend compute.Backend `json:"-"`
}

// ErrStats summarises |interpolated − control| over the evaluated voxels,
// on the [0, 1] scale.
type ErrStats struct {
	MAE  float64 `json:"mae"`
	Max  float64 `json:"max"`
	RMSE float64 `json:"rmse"`
	// Bias is the mean of interpolated − control (negative: peaks flattened).
	Bias float64 `json:"bias"`
	// Time is the wall time spent sampling the interpolator.
	Time time.Duration `json:"time_ns"`
}

type errAcc struct {
	n                   int
	abs, sq, signed, mx float64
	t                   time.Duration
}

func (a *errAcc) add(v, c float64) {
	d := v - c
	a.n++
	a.abs += math.Abs(d)
	a.sq += d * d
	a.signed += d
	a.mx = math.Max(a.mx, math.Abs(d))
}

func (a *errAcc) stats() ErrStats {
	if a.n == 0 {
		return ErrStats{math.NaN(), math.NaN(), math.NaN(), math.NaN(), a.t}
	}
	n := float64(a.n)
	return ErrStats{a.abs / n, a.mx, math.Sqrt(a.sq / n), a.signed / n, a.t}
}

// InterpRow is the result for one model.
type InterpRow struct {
	Model      string  `json:"model"`
	Path       string  `json:"path"`
	Resolution float64 `json:"resolution"` // Å
	// InputSpacing and ControlSpacing are the voxel sizes in Å.
	InputSpacing, ControlSpacing float64
	// InputShape and ControlShape are the simulated (cropped) grids.
	InputShape, ControlShape [3]int
	// Origin is the shared frame origin of the uncropped input and control.
	Origin geom.Point
	// Crop is the cube edge in Å (0: none) and CropCenter its centre.
	Crop       float64
	CropCenter geom.Point
	// Domain is the input's (cropped) domain: the box of its voxel centres.
	Domain geom.Box
	// ControlVoxels is the number of control voxels inside Domain and
	// NonZero the number of those with a non-zero value: the evaluated ones.
	ControlVoxels, NonZero int
	// Normalization used for the control, and the control's statistics on
	// the [0, 1] scale over the evaluated voxels. ControlMax01 > 1 says how
	// much of the peaks the input grid missed (NormInput).
	Normalization               string
	ControlMean01, ControlStd01 float64
	ControlMin01, ControlMax01  float64
	// InputMaxRaw and ControlMaxRaw are the maps' maxima in molmap units.
	InputMaxRaw, ControlMaxRaw float64
	// Errors of each interpolator against the control.
	Neural, Trilinear, BSpline ErrStats
	// Neural map fit: wall time, regions, total Adam steps, worst region
	// loss (MSE on the networks' [−1, 1] scale), parameters, summary.
	FitTime       time.Duration
	Regions       int
	FitSteps      int
	FitWorstLoss  float64
	NeuralParams  int
	NeuralSummary string
	SimulateTime  time.Duration
}

// InterpMean is the mean over the models simulated at one resolution
// (rounded to 0.1 Å, as Figure 5 groups them).
type InterpMean struct {
	Resolution                          float64
	Models                              int
	NeuralMAE, TrilinearMAE, BSplineMAE float64
	NeuralMax, TrilinearMax, BSplineMax float64
	ControlMax01                        float64
	FitTime                             time.Duration
}

// InterpResults is the output of RunInterp.
type InterpResults struct {
	Options InterpOptions
	// Config is the SIREN configuration actually used.
	Config siren.Config
	Rows   []InterpRow
}

// Means returns the per-resolution means of the rows, lowest resolution
// value first.
func (r *InterpResults) Means() []InterpMean {
	groups := map[float64][]*InterpRow{}
	for i := range r.Rows {
		k := math.Round(r.Rows[i].Resolution*10) / 10
		groups[k] = append(groups[k], &r.Rows[i])
	}
	keys := make([]float64, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Float64s(keys)
	out := make([]InterpMean, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		col := func(f func(*InterpRow) float64) float64 {
			xs := make([]float64, len(g))
			for i, row := range g {
				xs[i] = f(row)
			}
			return mean(xs)
		}
		out = append(out, InterpMean{
			Resolution: k, Models: len(g),
			NeuralMAE:    col(func(x *InterpRow) float64 { return x.Neural.MAE }),
			TrilinearMAE: col(func(x *InterpRow) float64 { return x.Trilinear.MAE }),
			BSplineMAE:   col(func(x *InterpRow) float64 { return x.BSpline.MAE }),
			NeuralMax:    col(func(x *InterpRow) float64 { return x.Neural.Max }),
			TrilinearMax: col(func(x *InterpRow) float64 { return x.Trilinear.Max }),
			BSplineMax:   col(func(x *InterpRow) float64 { return x.BSpline.Max }),
			ControlMax01: col(func(x *InterpRow) float64 { return x.ControlMax01 }),
			FitTime:      time.Duration(col(func(x *InterpRow) float64 { return float64(x.FitTime) })),
		})
	}
	return out
}

func interpColumns() []column[InterpRow] {
	return []column[InterpRow]{
		{name: "model", get: func(r *InterpRow) any { return r.Model }},
		{name: "resolution_A", get: func(r *InterpRow) any { return r.Resolution }},
		{name: "input_spacing_A", get: func(r *InterpRow) any { return r.InputSpacing }},
		{name: "control_spacing_A", get: func(r *InterpRow) any { return r.ControlSpacing }},
		{name: "crop_A", get: func(r *InterpRow) any { return r.Crop }},
		{name: "input_shape", get: func(r *InterpRow) any { return shapeString(r.InputShape) }},
		{name: "control_shape", get: func(r *InterpRow) any { return shapeString(r.ControlShape) }},
		{name: "control_voxels", get: func(r *InterpRow) any { return r.ControlVoxels }},
		{name: "nonzero_voxels", get: func(r *InterpRow) any { return r.NonZero }},
		{name: "normalization", get: func(r *InterpRow) any { return r.Normalization }},
		{name: "control_mean01", get: func(r *InterpRow) any { return r.ControlMean01 }},
		{name: "control_std01", get: func(r *InterpRow) any { return r.ControlStd01 }},
		{name: "control_max01", get: func(r *InterpRow) any { return r.ControlMax01 }},
		{name: "neural_mae", get: func(r *InterpRow) any { return r.Neural.MAE }},
		{name: "neural_max", get: func(r *InterpRow) any { return r.Neural.Max }},
		{name: "neural_bias", get: func(r *InterpRow) any { return r.Neural.Bias }},
		{name: "trilinear_mae", get: func(r *InterpRow) any { return r.Trilinear.MAE }},
		{name: "trilinear_max", get: func(r *InterpRow) any { return r.Trilinear.Max }},
		{name: "trilinear_bias", get: func(r *InterpRow) any { return r.Trilinear.Bias }},
		{name: "bspline_mae", get: func(r *InterpRow) any { return r.BSpline.MAE }},
		{name: "bspline_max", get: func(r *InterpRow) any { return r.BSpline.Max }},
		{name: "bspline_bias", get: func(r *InterpRow) any { return r.BSpline.Bias }},
		{name: "fit_s", prec: 3, get: func(r *InterpRow) any { return r.FitTime }},
		{name: "regions", get: func(r *InterpRow) any { return r.Regions }},
		{name: "fit_steps", get: func(r *InterpRow) any { return r.FitSteps }},
		{name: "fit_worst_mse", prec: 3, get: func(r *InterpRow) any { return r.FitWorstLoss }},
	}
}

func interpMeanColumns() []column[InterpMean] {
	return []column[InterpMean]{
		{name: "resolution_A", get: func(r *InterpMean) any { return r.Resolution }},
		{name: "models", get: func(r *InterpMean) any { return r.Models }},
		{name: "neural_mae", get: func(r *InterpMean) any { return r.NeuralMAE }},
		{name: "trilinear_mae", get: func(r *InterpMean) any { return r.TrilinearMAE }},
		{name: "bspline_mae", get: func(r *InterpMean) any { return r.BSplineMAE }},
		{name: "neural_max", get: func(r *InterpMean) any { return r.NeuralMax }},
		{name: "trilinear_max", get: func(r *InterpMean) any { return r.TrilinearMax }},
		{name: "bspline_max", get: func(r *InterpMean) any { return r.BSplineMax }},
		{name: "control_max01", get: func(r *InterpMean) any { return r.ControlMax01 }},
		{name: "fit_s", prec: 3, get: func(r *InterpMean) any { return r.FitTime }},
	}
}

func shapeString(s [3]int) string { return fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]) }

// WriteCSV writes one row per model (errors on the [0, 1] scale, times in s).
func (r *InterpResults) WriteCSV(w io.Writer) error {
	return writeCSVTable(w, interpColumns(), r.Rows)
}

// WriteMeansCSV writes the per-resolution means.
func (r *InterpResults) WriteMeansCSV(w io.Writer) error {
	return writeCSVTable(w, interpMeanColumns(), r.Means())
}

// WriteMarkdown writes the per-model table and the per-resolution means.
func (r *InterpResults) WriteMarkdown(w io.Writer) error {
	cfg := r.Config
	fmt.Fprintf(w, "Interpolation experiment (paper §3.1): control spacing %g Å, crop %s, normalisation %q, SIREN width %d × %d hidden, lr %g, max steps %d.\n\n",
		r.controlSpacing(), cropText(r.Options.Crop), r.Options.Normalization, cfg.Width, cfg.HiddenLayers, cfg.LearningRate, cfg.MaxSteps)
	if err := writeMarkdownTable(w, interpColumns(), r.Rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nMeans per resolution (paper, Fig. 5: neural MAE < 0.01, trilinear mean 0.066, up to 0.12 at the lowest resolutions):\n\n")
	return writeMarkdownTable(w, interpMeanColumns(), r.Means())
}

func (r *InterpResults) controlSpacing() float64 {
	if r.Options.ControlSpacing > 0 {
		return r.Options.ControlSpacing
	}
	return DefaultControlSpacing
}

func cropText(c float64) string {
	if c <= 0 {
		return "none (full maps)"
	}
	return fmt.Sprintf("%g Å cube", c)
}

// WriteJSON writes the options, the SIREN configuration, the rows and the
// per-resolution means.
func (r *InterpResults) WriteJSON(w io.Writer) error {
	rows, err := jsonRows(interpColumns(), r.Rows)
	if err != nil {
		return err
	}
	means, err := jsonRows(interpMeanColumns(), r.Means())
	if err != nil {
		return err
	}
	return writeJSONDoc(w, "interp", r.Options, r.Config, rows, means)
}

// SirenConfig returns the SIREN configuration selected by preset and cfg
// (cfg wins when its Width is set) with seed applied when not 0.
func SirenConfig(preset string, cfg siren.Config, seed uint64) (siren.Config, error) {
	if cfg.Width == 0 {
		if preset == "" {
			preset = "paper"
		}
		var err error
		cfg, err = siren.Preset(preset)
		if err != nil {
			return cfg, err
		}
	}
	if seed != 0 {
		cfg.Seed = seed
	}
	return cfg, cfg.Validate()
}

// presetTiling returns t, or, when t is the zero value, the tiling of the
// preset that SirenConfig picks from preset and cfg (the paper's when cfg is
// given explicitly).
func presetTiling(preset string, cfg siren.Config, t region.Options) region.Options {
	if t != (region.Options{}) {
		return t
	}
	if cfg.Width != 0 || preset == "" {
		preset = "paper"
	}
	p, err := neuralmap.Preset(preset)
	if err != nil {
		return region.DefaultOptions // SirenConfig reports the bad name
	}
	return p.Tiling
}

// RunInterp runs the interpolation experiment on every model of opts.
// progress, if not nil, is called as the work advances.
func RunInterp(ctx context.Context, opts InterpOptions, progress func(Progress)) (*InterpResults, error) {
	cfg, err := SirenConfig(opts.Preset, opts.Config, opts.Seed)
	if err != nil && !opts.NoNeural {
		return nil, fmt.Errorf("interp: SIREN configuration: %w", err)
	}
	if opts.ControlSpacing < 0 || math.IsNaN(opts.ControlSpacing) {
		return nil, fmt.Errorf("interp: ControlSpacing %g Å, want > 0 (or 0 for %g)", opts.ControlSpacing, DefaultControlSpacing)
	}
	if opts.CropVoxels < 0 || opts.CropVoxels == 1 {
		return nil, fmt.Errorf("interp: CropVoxels %d, want ≥ 2 (or 0: use Crop)", opts.CropVoxels)
	}
	if opts.Crop < 0 || math.IsNaN(opts.Crop) || math.IsInf(opts.Crop, 0) {
		return nil, fmt.Errorf("interp: Crop %g Å, want ≥ 0 (0: no crop)", opts.Crop)
	}
	models := opts.Models
	if models == nil {
		models = DefaultSimModels()
	}
	if len(models) == 0 {
		return nil, errors.New("interp: no models")
	}
	if !opts.NoNeural {
		if opts.Backend == nil {
			if opts.Backend, err = siren.NewBackend(); err != nil {
				return nil, fmt.Errorf("interp: %w", err)
			}
		}
	}
	res := &InterpResults{Options: opts, Config: cfg}
	for i, sm := range models {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		report := func(stage, detail string, fp *neuralmap.FitProgress) {
			if progress != nil {
				progress(Progress{Experiment: "interp", Item: sm.Name, Index: i, Total: len(models), Stage: stage, Detail: detail, Fit: fp})
			}
		}
		row, err := interpOne(ctx, sm, opts, cfg, report)
		if err != nil {
			return res, fmt.Errorf("interp: model %s (%s): %w", sm.Name, sm.Path, err)
		}
		res.Rows = append(res.Rows, *row)
	}
	return res, nil
}

// ParseResidues parses "A:10-30", "A:42" or "A" (a whole chain) into a
// selector; the chain is matched exactly, residue numbers inclusively.
func ParseResidues(s string) (model.Selector, error) {
	chain, rng, hasRange := strings.Cut(strings.TrimSpace(s), ":")
	if chain == "" {
		return nil, fmt.Errorf("residues %q: want CHAIN[:FIRST[-LAST]], e.g. A:10-30", s)
	}
	lo, hi := math.MinInt, math.MaxInt
	if hasRange {
		a, b, isRange := strings.Cut(rng, "-")
		var err error
		if lo, err = strconv.Atoi(strings.TrimSpace(a)); err != nil {
			return nil, fmt.Errorf("residues %q: first residue %q is not an integer", s, a)
		}
		hi = lo
		if isRange {
			if hi, err = strconv.Atoi(strings.TrimSpace(b)); err != nil {
				return nil, fmt.Errorf("residues %q: last residue %q is not an integer", s, b)
			}
		}
		if hi < lo {
			return nil, fmt.Errorf("residues %q: last residue %d before first %d", s, hi, lo)
		}
	}
	return func(a *model.Atom) bool { return a.Chain == chain && a.ResSeq >= lo && a.ResSeq <= hi }, nil
}

// cropCenter returns the crop centre for m (see InterpOptions.Crop).
func cropCenter(m *model.Model, center *geom.Point, residues string) (geom.Point, error) {
	if center != nil {
		if !center.IsFinite() {
			return geom.Point{}, fmt.Errorf("crop centre %v is not finite", *center)
		}
		return *center, nil
	}
	heavy := m.HeavyAtoms()
	if residues != "" {
		sel, err := ParseResidues(residues)
		if err != nil {
			return geom.Point{}, err
		}
		picked := heavy.Select(sel)
		if len(picked.Atoms) == 0 {
			return geom.Point{}, fmt.Errorf("crop residues %q select no heavy atom of %s", residues, m.Source)
		}
		return centroid(picked.Positions()), nil
	}
	pts := heavy.Positions()
	if len(pts) == 0 {
		return geom.Point{}, fmt.Errorf("%s has no heavy atoms", m.Source)
	}
	c := centroid(pts)
	best, bd := pts[0], math.Inf(1)
	for _, p := range pts {
		if d := p.Dist2(c); d < bd {
			best, bd = p, d
		}
	}
	return best, nil
}

func centroid(pts []geom.Point) geom.Point {
	var s geom.Vec3
	for _, p := range pts {
		s = s.Add(geom.Vec3(p))
	}
	return geom.Point(s.Scale(1 / float64(len(pts))))
}

// maxSlabVoxels bounds the control voxels simulated at once.
const maxSlabVoxels = 1 << 22

// sampleBatch is the number of points per Field.Sample call.
const sampleBatch = 1 << 16

// interpOne runs the experiment on one model: set up the frames, simulate
// the input, fit the neural map, then score every interpolator against the
// control, simulated slab by slab.
func interpOne(ctx context.Context, sm SimModel, opts InterpOptions, cfg siren.Config, report func(string, string, *neuralmap.FitProgress)) (*InterpRow, error) {
	s, row, err := newInterpSetup(sm, opts)
	if err != nil {
		return nil, err
	}
	in, norm, err := s.simulateInput(row, report)
	if err != nil {
		return nil, err
	}
	in01 := norm.Apply01(in)
	tri, err := grid.NewInterpolator(in01, grid.MethodTrilinear)
	if err != nil {
		return nil, err
	}
	bsp, err := grid.NewInterpolator(in01, grid.MethodBSpline)
	if err != nil {
		return nil, err
	}
	var nm *neuralmap.NeuralMap
	if !opts.NoNeural {
		if nm, err = fitInterpNeural(ctx, in, norm, sm.Name, s.resolution, opts, cfg, row, report); err != nil {
			return nil, err
		}
	}
	slabs := newControlSlabs(s.m.Atoms, s.fCtl, s.pCtl)
	report("simulate", fmt.Sprintf("control %v at %g Å", s.fCtl.Shape, s.pCtl.Spacing), nil)
	to01, err := controlTo01(slabs, norm, opts.Normalization)
	if err != nil {
		return nil, err
	}
	sc := newInterpScorer(ctx, tri, bsp, nm)
	if err := sc.score(slabs, s.dom, to01, row, report); err != nil {
		return nil, err
	}
	row.Trilinear, row.BSpline = sc.accs[0].stats(), sc.accs[1].stats()
	if nm != nil {
		row.Neural = sc.accs[2].stats()
	} else {
		row.Neural = (&errAcc{}).stats()
		row.FitWorstLoss = math.NaN()
	}
	return row, nil
}

// interpSetup is one model's simulation set-up: the model, the molmap
// parameters of the input and the control, their (cropped) frames and the
// input's domain.
type interpSetup struct {
	m          *model.Model
	resolution float64 // Å
	pIn, pCtl  molmap.Params
	fIn, fCtl  grid.Frame
	dom        geom.Box
}

// newInterpSetup reads the model, picks the resolution, builds the shared
// input and control frames and crops them (InterpOptions.Crop), and starts
// the row with what it knows.
func newInterpSetup(sm SimModel, opts InterpOptions) (*interpSetup, *InterpRow, error) {
	path, err := resolve(opts.DataDir, sm.Path)
	if err != nil {
		return nil, nil, err
	}
	m, err := model.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	R := sm.Resolution
	if R == 0 {
		R = m.Resolution
	}
	if !(R > 0) || math.IsInf(R, 0) {
		return nil, nil, fmt.Errorf("resolution %g Å: want > 0 (the model file gives none; set SimModel.Resolution)", R)
	}
	ctlSpacing := opts.ControlSpacing
	if ctlSpacing == 0 {
		ctlSpacing = DefaultControlSpacing
	}
	pIn := molmap.Defaults(R)
	pCtl := pIn
	pCtl.Spacing = ctlSpacing
	fIn, err := molmap.BoundingFrame(m.Atoms, pIn)
	if err != nil {
		return nil, nil, err
	}
	fCtl, err := molmap.BoundingFrame(m.Atoms, pCtl)
	if err != nil {
		return nil, nil, err
	}
	if fIn.Origin != fCtl.Origin {
		return nil, nil, fmt.Errorf("input origin %v Å and control origin %v Å differ: the maps do not share a frame", fIn.Origin, fCtl.Origin)
	}
	if opts.CropVoxels > 0 {
		opts.Crop = float64(opts.CropVoxels) * pIn.Spacing
	}
	row := &InterpRow{Model: sm.Name, Path: path, Resolution: R, InputSpacing: pIn.Spacing, ControlSpacing: ctlSpacing,
		Origin: fIn.Origin, Crop: opts.Crop, Normalization: opts.Normalization.String()}

	// The input (cropped) frame.
	if opts.Crop > 0 {
		c, err := cropCenter(m, opts.CropCenter, opts.CropResidues)
		if err != nil {
			return nil, nil, err
		}
		row.CropCenter = c
		lo, hi, err := fIn.BoundsAround([]geom.Point{c}, opts.Crop/2)
		if err != nil {
			return nil, nil, fmt.Errorf("crop of %g Å around %v: %w", opts.Crop, c, err)
		}
		if fIn, err = fIn.SubFrame(lo, hi); err != nil {
			return nil, nil, err
		}
	}
	for a := 0; a < 3; a++ {
		if fIn.Shape[a] < 2 {
			return nil, nil, fmt.Errorf("input grid %v voxels of %g Å: need at least 2 voxels per axis (crop %g Å too small?)", fIn.Shape, pIn.Spacing, opts.Crop)
		}
	}
	dom := fIn.Box()
	row.Domain = dom
	row.InputShape = fIn.Shape
	// The control frame: voxels of the 0.2 Å frame whose centres lie in dom.
	lo, hi, err := fCtl.BoundsAround([]geom.Point{dom.Min, dom.Max}, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("control crop: %w", err)
	}
	if fCtl, err = fCtl.SubFrame(lo, hi); err != nil {
		return nil, nil, err
	}
	row.ControlShape = fCtl.Shape
	return &interpSetup{m: m, resolution: R, pIn: pIn, pCtl: pCtl, fIn: fIn, fCtl: fCtl, dom: dom}, row, nil
}

// simulateInput simulates the input map on its frame and fits its
// normalisation.
func (s *interpSetup) simulateInput(row *InterpRow, report func(string, string, *neuralmap.FitProgress)) (*grid.Grid, grid.Normalization, error) {
	report("simulate", fmt.Sprintf("input %v at %.3g Å", s.fIn.Shape, s.pIn.Spacing), nil)
	t0 := time.Now()
	in, err := molmap.OnFrame(s.m.Atoms, s.fIn, s.pIn)
	if err != nil {
		return nil, grid.Normalization{}, err
	}
	row.SimulateTime = time.Since(t0)
	norm, err := grid.FitNormalization(in)
	if err != nil {
		return nil, grid.Normalization{}, fmt.Errorf("input map: %w", err)
	}
	row.InputMaxRaw = norm.Hi
	return in, norm, nil
}

// fitInterpNeural fits (or resumes) the neural map of the input, checks that
// it shares the input's normalisation and records the fit in row.
func fitInterpNeural(ctx context.Context, in *grid.Grid, norm grid.Normalization, name string, R float64, opts InterpOptions, cfg siren.Config,
	row *InterpRow, report func(string, string, *neuralmap.FitProgress)) (*neuralmap.NeuralMap, error) {
	fo := neuralmap.FitOptions{Tiling: presetTiling(opts.Preset, opts.Config, opts.Tiling), Config: cfg, Init: opts.Init, Resolution: R, Backend: opts.Backend,
		Workers: opts.Workers, Stack: opts.Stack}
	nm, fitTime, err := fitNeural(ctx, in, fo, opts.CheckpointDir, fmt.Sprintf("interp_%s_R%g", name, R), report)
	row.FitTime = fitTime
	if err != nil {
		return nil, err
	}
	ev, err := neuralmap.NewEvaluator(opts.Backend)
	if err != nil {
		return nil, err
	}
	nm.SetEvaluator(ev)
	if nm.Norm.Hi != norm.Hi || nm.Norm.Lo != norm.Lo {
		return nil, fmt.Errorf("neural map normalisation [%g, %g] differs from the input's [%g, %g]", nm.Norm.Lo, nm.Norm.Hi, norm.Lo, norm.Hi)
	}
	row.Regions = len(nm.Regions)
	for _, r := range nm.Regions {
		row.FitSteps += r.Report.Steps
		row.FitWorstLoss = math.Max(row.FitWorstLoss, r.Report.BestLoss)
	}
	row.NeuralParams = nm.NumParams()
	row.NeuralSummary = nm.FitSummary()
	return nm, nil
}

// controlSlabs simulates the control in slabs along z of at most
// maxSlabVoxels voxels; a control that fits in one slab is simulated once.
type controlSlabs struct {
	atoms      []model.Atom
	f          grid.Frame
	p          molmap.Params
	nx, ny, nz int
	slabZ      int
	cached     *grid.Grid
}

func newControlSlabs(atoms []model.Atom, f grid.Frame, p molmap.Params) *controlSlabs {
	nx, ny, nz := f.Shape[0], f.Shape[1], f.Shape[2]
	return &controlSlabs{atoms: atoms, f: f, p: p, nx: nx, ny: ny, nz: nz, slabZ: max(1, maxSlabVoxels/(nx*ny))}
}

// at returns the slab starting at z index z0.
func (c *controlSlabs) at(z0 int) (*grid.Grid, error) {
	if c.cached != nil && c.slabZ >= c.nz {
		return c.cached, nil
	}
	f, err := c.f.SubFrame(geom.Index{0, 0, z0}, geom.Index{c.nx, c.ny, min(c.nz, z0+c.slabZ)})
	if err != nil {
		return nil, err
	}
	g, err := molmap.OnFrame(c.atoms, f, c.p)
	if err == nil && c.slabZ >= c.nz {
		c.cached = g
	}
	return g, err
}

// controlTo01 returns the map of control values to the [0, 1] scale: the
// input's normalisation (NormInput), or one fitted on the control (NormOwn).
func controlTo01(slabs *controlSlabs, norm grid.Normalization, mode Normalization) (func(float64) float64, error) {
	if mode != NormOwn {
		return norm.To01, nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for z0 := 0; z0 < slabs.nz; z0 += slabs.slabZ {
		g, err := slabs.at(z0)
		if err != nil {
			return nil, err
		}
		for _, v := range g.Data {
			lo = math.Min(lo, math.Max(float64(v), 0))
			hi = math.Max(hi, float64(v))
		}
	}
	if !(hi > lo) {
		return nil, fmt.Errorf("control map is constant (%g): cannot normalise it", hi)
	}
	return func(d0 float64) float64 { return (math.Max(d0, 0) - lo) / (hi - lo) }, nil
}

// interpScorer samples the interpolators (trilinear, B-spline and, if
// fitted, neural, in that order) at batches of control voxel centres and
// accumulates their errors against the control values.
type interpScorer struct {
	ctx    context.Context
	fields []grid.Field
	accs   []*errAcc
	pts    []geom.Point
	ctl    []float64
	val    []float64
}

func newInterpScorer(ctx context.Context, tri, bsp grid.Field, nm *neuralmap.NeuralMap) *interpScorer {
	s := &interpScorer{ctx: ctx, fields: []grid.Field{tri, bsp}, accs: []*errAcc{{}, {}, {}},
		pts: make([]geom.Point, 0, sampleBatch), ctl: make([]float64, 0, sampleBatch), val: make([]float64, sampleBatch)}
	if nm != nil {
		s.fields = append(s.fields, nm)
	}
	return s
}

// add queues the control value c at p, sampling when a batch is full.
func (s *interpScorer) add(p geom.Point, c float64) error {
	s.pts = append(s.pts, p)
	s.ctl = append(s.ctl, c)
	if len(s.pts) == sampleBatch {
		return s.flush()
	}
	return nil
}

// flush samples every interpolator at the queued points.
func (s *interpScorer) flush() error {
	if len(s.pts) == 0 {
		return nil
	}
	for k, f := range s.fields {
		acc := s.accs[k]
		t0 := time.Now()
		if err := f.Sample(s.pts, s.val[:len(s.pts)], nil); err != nil {
			return err
		}
		acc.t += time.Since(t0)
		for i, c := range s.ctl {
			acc.add(s.val[i], c)
		}
	}
	s.pts, s.ctl = s.pts[:0], s.ctl[:0]
	return s.ctx.Err()
}

// score walks the control slab by slab, scores every non-zero control voxel
// whose centre lies in dom and fills row's control statistics.
func (s *interpScorer) score(slabs *controlSlabs, dom geom.Box, to01 func(float64) float64, row *InterpRow, report func(string, string, *neuralmap.FitProgress)) error {
	var cs struct{ n, sum, sq, min, max, rawMax float64 }
	cs.min, cs.max = math.Inf(1), math.Inf(-1)
	nx, ny, nz := slabs.nx, slabs.ny, slabs.nz
	for z0 := 0; z0 < nz; z0 += slabs.slabZ {
		g, err := slabs.at(z0)
		if err != nil {
			return err
		}
		report("sample", fmt.Sprintf("control slab z %d–%d of %d", z0, min(nz, z0+slabs.slabZ), nz), nil)
		for k := 0; k < g.Shape[2]; k++ {
			for j := 0; j < ny; j++ {
				for i := 0; i < nx; i++ {
					p := g.PointOf(geom.Index{i, j, k})
					if !dom.Contains(p) {
						continue
					}
					row.ControlVoxels++
					raw := float64(g.Data[g.Offset(i, j, k)])
					cs.rawMax = math.Max(cs.rawMax, raw)
					if raw == 0 {
						continue
					}
					c := to01(raw)
					cs.n++
					cs.sum += c
					cs.sq += c * c
					cs.min = math.Min(cs.min, c)
					cs.max = math.Max(cs.max, c)
					if err := s.add(p, c); err != nil {
						return err
					}
				}
			}
		}
	}
	if err := s.flush(); err != nil {
		return err
	}
	row.NonZero = int(cs.n)
	if row.NonZero == 0 {
		return fmt.Errorf("no non-zero control voxel inside the input domain %v–%v Å (%d control voxels there)", dom.Min, dom.Max, row.ControlVoxels)
	}
	row.ControlMean01 = cs.sum / cs.n
	row.ControlStd01 = math.Sqrt(math.Max(0, cs.sq/cs.n-row.ControlMean01*row.ControlMean01))
	row.ControlMin01, row.ControlMax01 = cs.min, cs.max
	row.ControlMaxRaw = cs.rawMax
	return nil
}
