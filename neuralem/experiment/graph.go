package experiment

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/eval"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/pipeline"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
	"gonum.org/v1/gonum/stat"
)

// Paper reference values (§3.2, Table 1 means and Figure 6 text), in %
// and Å. Atomic resolution is ≤ 1.6 Å in the paper.
const (
	AtomicResolution       = 1.6
	PaperAtomicSens        = 85.2 // all-atom sensitivity at 1 Å, atomic-resolution mean
	PaperAtomicSpec        = 88.4 // all-atom specificity at 1 Å
	PaperAtomicRMSD        = 0.19 // Å, matched node–atom RMSD
	PaperAtomicCACoverage  = 99.4 // C-alpha coverage at 3 Å, atomic resolution
	PaperNearCACoverage    = 84.5 // "84.5 % match" of C-alphas at 3 Å, > 1.6 Å
	PaperNearCARMSD        = 1.13 // Å, closest-node RMSD to C-alphas, > 1.6 Å
	PaperAllCANodeFraction = 61.9 // % of nodes within 3 Å of a C-alpha, all maps (§4)
)

// GraphOptions configure RunGraph. The zero value builds B-spline graphs of
// the five default pairs with the paper's settings.
type GraphOptions struct {
	// Pairs (nil: DefaultPairs()); relative paths are looked up under
	// DataDir (default: the shared data directory).
	Pairs   []Pair
	DataDir string
	// NoBSpline skips the B-spline graph of the whole map.
	NoBSpline bool
	// Trilinear adds a graph from trilinear interpolation of the whole map.
	Trilinear bool
	// FitNeural fits a neural map of each pair (that has no Pair.NeuralMap)
	// on a cube of NeuralCrop Å around the model (0: the whole map) and
	// builds its graph; a B-spline graph of the same crop, normalised on the
	// crop as the neural map is, is added for an equal comparison. The
	// crop is centred on the heavy atom closest to the model's centroid
	// (or on CropResidues' centroid).
	FitNeural    bool
	NeuralCrop   float64
	CropResidues string
	// Preset, Config, Seed and Tiling select the SIREN and tiling (see
	// InterpOptions).
	Preset string
	Config siren.Config
	Seed   uint64
	Tiling region.Options
	// Init is the initialisation of the fitted neural maps' networks
	// (InitRandom when empty, InitLearned or a .nemi file).
	Init string `json:",omitempty"`
	// CheckpointDir keeps fitted neural maps (resumable); empty: not kept.
	CheckpointDir string
	// SigmaK is k in the seed threshold μ + kσ (0: 3, the paper).
	SigmaK float64
	// SeedSpacing in Å (0: 0.5 Å or the voxel size if smaller, the paper).
	SeedSpacing float64
	// AllAtoms scores every atom, hydrogens included (default: heavy atoms,
	// since hydrogens give no separate density peaks at these resolutions;
	// the EMD-2566 model carries 1437 H).
	AllAtoms bool
	// ModelMargin, if > 0, restricts the whole-map fields to the voxels
	// within this many Å of the model's bounding box (normalised with the
	// whole map's statistics, so thresholds are unchanged): a speed-up for
	// large masked maps, where no seed lies far from the model. With
	// FitNeural and no NeuralCrop, the neural map is fitted on those voxels
	// too and sampled on the whole map's scale with the whole map's
	// threshold (on a map masked within ModelMargin of its model, that is
	// the whole map's density, without fitting its empty regions).
	ModelMargin float64
	// Workers and Stack are passed to neuralmap.FitOptions (0: its
	// defaults, one worker per core on the Go backend, no stacking).
	Workers, Stack int `json:",omitempty"`
	// Backend for neural maps (nil: siren.NewBackend(), i.e.
	// $GOMLX_BACKEND, else siren.DefaultBackendConfig).
	Backend compute.Backend `json:"-"`
}

// FrameCheck says whether a model sits in a map's frame.
type FrameCheck struct {
	// HeavyAtoms and InBox count the model's heavy atoms and those inside
	// the map's box (of voxel centres).
	HeavyAtoms, InBox int
	InBoxFraction     float64
	// Z is the z-score of the mean normalised ([0, 1]) density at the
	// heavy atoms inside the box against the normalised map's mean and
	// standard deviation: (mean_atoms − μ)/σ. ZCA is the same at C-alphas.
	// ZRaw is Z on the raw map values, as in SOURCES.md's fit check. All
	// use trilinear interpolation.
	Z, ZCA, ZRaw float64
	// Offset is the model's centre minus the map box's centre, in Å.
	Offset geom.Vec3
}

// CheckFrame checks that model m lies in map g's frame: it counts heavy
// atoms inside the map's box and computes density z-scores at them. It fails
// when no heavy atom is inside the map, naming the offset between the
// model's centre and the map box's centre.
func CheckFrame(g *grid.Grid, m *model.Model, mapName string) (*FrameCheck, error) {
	heavy := m.HeavyAtoms()
	if len(heavy.Atoms) == 0 {
		return nil, fmt.Errorf("model %s has no heavy atoms", m.Source)
	}
	box := g.Box()
	mc := centroid(heavy.Positions())
	bc := geom.Point{(box.Min[0] + box.Max[0]) / 2, (box.Min[1] + box.Max[1]) / 2, (box.Min[2] + box.Max[2]) / 2}
	fc := &FrameCheck{HeavyAtoms: len(heavy.Atoms), Offset: mc.Sub(bc)}
	var in, inCA []geom.Point
	for i := range heavy.Atoms {
		a := &heavy.Atoms[i]
		if box.Contains(a.Pos) {
			in = append(in, a.Pos)
			if a.IsCAlpha() {
				inCA = append(inCA, a.Pos)
			}
		}
	}
	fc.InBox = len(in)
	fc.InBoxFraction = float64(fc.InBox) / float64(fc.HeavyAtoms)
	if fc.InBox == 0 {
		return nil, fmt.Errorf("model %s: none of its %d heavy atoms lies inside map %s (box %v–%v Å): the model's centre %v Å is offset by (%.1f, %.1f, %.1f) Å (|%.1f| Å) from the map box's centre %v Å; wrong frame or wrong pair?",
			m.Source, fc.HeavyAtoms, mapName, box.Min, box.Max, mc, fc.Offset[0], fc.Offset[1], fc.Offset[2], fc.Offset.Norm(), bc)
	}
	norm, err := grid.FitNormalization(g)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", mapName, err)
	}
	raw, err := grid.NewTrilinear(g)
	if err != nil {
		return nil, err
	}
	// z is the z-score of the mean of f at pts against mu and sd (NaN
	// without points).
	z := func(f grid.Field, pts []geom.Point, mu, sd float64) (float64, error) {
		if len(pts) == 0 {
			return math.NaN(), nil
		}
		val := make([]float64, len(pts))
		if err := f.Sample(pts, val, nil); err != nil {
			return 0, err
		}
		return stat.StdScore(stat.Mean(val, nil), mu, sd), nil
	}
	// Normalised values: the normalisation is monotone but clamps negative
	// values, so it is applied voxel-wise before interpolation.
	n01, err := grid.NewTrilinear(norm.Apply01(g))
	if err != nil {
		return nil, err
	}
	if fc.Z, err = z(n01, in, norm.Mean01, norm.Std01); err != nil {
		return nil, err
	}
	if fc.ZCA, err = z(n01, inCA, norm.Mean01, norm.Std01); err != nil {
		return nil, err
	}
	st := g.Stats()
	if fc.ZRaw, err = z(raw, in, st.Mean, st.Std); err != nil {
		return nil, err
	}
	return fc, nil
}

// GraphRow is the result of one graph (one pair and one field).
type GraphRow struct {
	Pair              string
	Resolution        float64
	ResolutionAssumed bool
	Masked            bool
	// Field is "bspline", "trilinear", "neural" or "bspline-crop"; Source
	// says where the field came from.
	Field, Source string
	// Crop is the cube edge in Å the field covers (0: whole map).
	Crop   float64
	Domain geom.Box
	Frame  FrameCheck
	// Threshold is the seed level μ + kσ on the [0, 1] scale.
	Mu, Sigma, Threshold float64
	// Chain is the chain scored: "all" for the whole model, else one
	// chain, scored on the ChainNodes nodes nearest to it (see
	// scoreByChain); Nodes stays the whole graph's.
	Chain      string
	ChainNodes int
	// Scored atoms (inside the field's domain) and C-alphas among them.
	Atoms, CAs int
	// Graph size and build.
	Seeds, Peaks, Dropped, Capped, WalkSteps, Samples, Nodes, Edges int
	SeedTime, WalkTime, ClusterTime, EdgeTime, BuildTime            time.Duration
	// SeedsPerSecond is seeds walked per second of walk; SamplesPerSecond
	// the field samples per second during the walk.
	SeedsPerSecond, SamplesPerSecond float64
	// Metrics (fractions in [0, 1], distances in Å); see package eval.
	Sensitivity, Specificity, RMSD       float64
	CACoverage, CANodeFraction, CARMSD   float64
	CAExclSensitivity, CAExclSpecificity float64
	CAExclRMSD                           float64
	// Paper reference values for this resolution regime (%, Å; NaN: the
	// paper gives none for the regime).
	Regime                          string
	PaperSens, PaperSpec, PaperRMSD float64
	PaperCACoverage, PaperCARMSD    float64
	PaperCANodeFraction             float64
	// FitTime is the neural fit's wall time (0 when loaded).
	FitTime       time.Duration
	NeuralSummary string
}

// GraphResults is the output of RunGraph.
type GraphResults struct {
	Options GraphOptions
	Config  siren.Config
	Rows    []GraphRow
}

func pct(x float64) float64 { return 100 * x }

func graphColumns() []column[GraphRow] {
	return []column[GraphRow]{
		{name: "pair", get: func(r *GraphRow) any { return r.Pair }},
		{name: "resolution_A", get: func(r *GraphRow) any {
			return r.Resolution
		}},
		{name: "resolution_assumed", get: func(r *GraphRow) any { return r.ResolutionAssumed }},
		{name: "masked", get: func(r *GraphRow) any { return r.Masked }},
		{name: "field", get: func(r *GraphRow) any { return r.Field }},
		{name: "source", get: func(r *GraphRow) any { return r.Source }},
		{name: "crop_A", get: func(r *GraphRow) any { return r.Crop }},
		{name: "chain", get: func(r *GraphRow) any { return r.Chain }},
		{name: "chain_nodes", get: func(r *GraphRow) any { return r.ChainNodes }},
		{name: "atoms_in_box_pct", prec: 4, get: func(r *GraphRow) any { return pct(r.Frame.InBoxFraction) }},
		{name: "z_atoms", prec: 3, get: func(r *GraphRow) any { return r.Frame.Z }},
		{name: "z_ca", prec: 3, get: func(r *GraphRow) any { return r.Frame.ZCA }},
		{name: "z_raw", prec: 3, get: func(r *GraphRow) any { return r.Frame.ZRaw }},
		{name: "threshold01", prec: 3, get: func(r *GraphRow) any { return r.Threshold }},
		{name: "atoms", get: func(r *GraphRow) any { return r.Atoms }},
		{name: "cas", get: func(r *GraphRow) any { return r.CAs }},
		{name: "seeds", get: func(r *GraphRow) any { return r.Seeds }},
		{name: "nodes", get: func(r *GraphRow) any { return r.Nodes }},
		{name: "edges", get: func(r *GraphRow) any { return r.Edges }},
		{name: "sens_1A_pct", prec: 3, get: func(r *GraphRow) any { return pct(r.Sensitivity) }},
		{name: "spec_1A_pct", prec: 3, get: func(r *GraphRow) any { return pct(r.Specificity) }},
		{name: "rmsd_1A", prec: 3, get: func(r *GraphRow) any { return r.RMSD }},
		{name: "ca_cov_3A_pct", prec: 3, get: func(r *GraphRow) any { return pct(r.CACoverage) }},
		{name: "ca_nodefrac_3A_pct", prec: 3, get: func(r *GraphRow) any { return pct(r.CANodeFraction) }},
		{name: "ca_rmsd_3A", prec: 3, get: func(r *GraphRow) any { return r.CARMSD }},
		{name: "ca_excl_sens_pct", prec: 3, get: func(r *GraphRow) any { return pct(r.CAExclSensitivity) }},
		{name: "ca_excl_spec_pct", prec: 3, get: func(r *GraphRow) any { return pct(r.CAExclSpecificity) }},
		{name: "regime", get: func(r *GraphRow) any { return r.Regime }},
		{name: "paper_sens_pct", get: func(r *GraphRow) any { return r.PaperSens }},
		{name: "paper_spec_pct", get: func(r *GraphRow) any { return r.PaperSpec }},
		{name: "paper_rmsd", get: func(r *GraphRow) any { return r.PaperRMSD }},
		{name: "paper_ca_cov_pct", get: func(r *GraphRow) any { return r.PaperCACoverage }},
		{name: "paper_ca_rmsd", get: func(r *GraphRow) any { return r.PaperCARMSD }},
		{name: "paper_ca_nodefrac_pct", get: func(r *GraphRow) any { return r.PaperCANodeFraction }},
		{name: "build_s", prec: 3, get: func(r *GraphRow) any { return r.BuildTime }},
		{name: "walk_s", prec: 3, get: func(r *GraphRow) any { return r.WalkTime }},
		{name: "seeds_per_s", prec: 3, get: func(r *GraphRow) any { return r.SeedsPerSecond }},
		{name: "walk_samples", get: func(r *GraphRow) any { return r.Samples }},
		{name: "samples_per_s", prec: 3, get: func(r *GraphRow) any { return r.SamplesPerSecond }},
		{name: "fit_s", prec: 3, get: func(r *GraphRow) any { return r.FitTime }},
	}
}

// WriteCSV writes one row per graph (percentages in %, distances in Å,
// times in s; empty cells for values that do not exist).
func (r *GraphResults) WriteCSV(w io.Writer) error { return writeCSVTable(w, graphColumns(), r.Rows) }

// WriteJSON writes the options, the SIREN configuration and the rows.
func (r *GraphResults) WriteJSON(w io.Writer) error {
	rows, err := jsonRows(graphColumns(), r.Rows)
	if err != nil {
		return err
	}
	return writeJSONDoc(w, "graph", r.Options, r.Config, rows, nil)
}

// WriteMarkdown writes the table with notes on masked maps and assumed
// resolutions.
func (r *GraphResults) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "Graph experiment (paper §3.2): seeds above μ + %gσ, all-atom metrics at 1 Å (%s), C-alpha metrics at 3 Å. Paper columns: Table 1 means at ≤ %g Å, Figure 6 text above.\n\n",
		sigmaK(r.Options.SigmaK), atomsText(r.Options.AllAtoms), AtomicResolution)
	if err := writeMarkdownTable(w, graphColumns(), r.Rows); err != nil {
		return err
	}
	var notes []string
	seen := map[string]bool{}
	for _, row := range r.Rows {
		if seen[row.Pair] {
			continue
		}
		seen[row.Pair] = true
		if row.Masked {
			notes = append(notes, fmt.Sprintf("%s is masked around its model: specificity is optimistic.", row.Pair))
		}
		if row.ResolutionAssumed {
			notes = append(notes, fmt.Sprintf("%s: resolution %g Å is an assumption, not a deposited value.", row.Pair, row.Resolution))
		}
	}
	if len(notes) > 0 {
		_, err := fmt.Fprintf(w, "\n- %s\n", strings.Join(notes, "\n- "))
		return err
	}
	return nil
}

func sigmaK(k float64) float64 {
	if k == 0 {
		return densgraph.DefaultSigmaK
	}
	return k
}

func atomsText(all bool) string {
	if all {
		return "all atoms incl. hydrogens"
	}
	return "heavy atoms"
}

// RunGraph runs the graph experiment on every pair of opts.
func RunGraph(ctx context.Context, opts GraphOptions, progress func(Progress)) (*GraphResults, error) {
	pairs := opts.Pairs
	if pairs == nil {
		pairs = DefaultPairs()
	}
	if len(pairs) == 0 {
		return nil, errors.New("graph: no pairs")
	}
	if opts.NeuralCrop < 0 || math.IsNaN(opts.NeuralCrop) || math.IsInf(opts.NeuralCrop, 0) {
		return nil, fmt.Errorf("graph: NeuralCrop %g Å, want ≥ 0", opts.NeuralCrop)
	}
	res := &GraphResults{Options: opts}
	needNeural := opts.FitNeural
	for _, p := range pairs {
		needNeural = needNeural || p.NeuralMap != ""
	}
	if opts.FitNeural {
		cfg, err := SirenConfig(opts.Preset, opts.Config, opts.Seed)
		if err != nil {
			return nil, fmt.Errorf("graph: SIREN configuration: %w", err)
		}
		res.Config = cfg
		if opts.Init == "" {
			opts.Init = InitRandom
		}
		if err := applyInit(opts.Init, opts.Preset, &neuralmap.FitOptions{Config: cfg, Tiling: presetTiling(opts.Preset, opts.Config, opts.Tiling)}); err != nil {
			return nil, fmt.Errorf("graph: %w", err)
		}
		res.Options.Init = opts.Init
	}
	if needNeural {
		if opts.Backend == nil {
			var err error
			if opts.Backend, err = siren.NewBackend(); err != nil {
				return nil, fmt.Errorf("graph: %w", err)
			}
		}
		res.Options.Backend = opts.Backend
	}
	for i, p := range pairs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		report := func(stage, detail string, fp *neuralmap.FitProgress) {
			if progress != nil {
				progress(Progress{Experiment: "graph", Item: p.Name, Index: i, Total: len(pairs), Stage: stage, Detail: detail, Fit: fp})
			}
		}
		rows, err := graphPair(ctx, p, opts, res.Config, report)
		res.Rows = append(res.Rows, rows...)
		if err != nil {
			return res, fmt.Errorf("graph: pair %s: %w", p.Name, err)
		}
	}
	return res, nil
}

// fieldSpec is one field to build a graph from: its density source, where
// it came from, the cube edge in Å it covers (0: whole map) and, for a
// neural map, its fit.
type fieldSpec struct {
	src          *pipeline.Source
	kind, source string
	crop         float64
	fitTime      time.Duration
	summary      string
	// wholeScale: a neural map fitted on part of the map, sampled on the
	// whole map's [0, 1] scale with the whole map's threshold.
	wholeScale bool
}

// affineField is a field whose values are a·v + b of another's (gradients
// a·∇v).
type affineField struct {
	grid.Field
	a, b float64
}

func (f affineField) Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error {
	if err := f.Field.Sample(pts, val, grad); err != nil {
		return err
	}
	for i := range val {
		val[i] = f.a*val[i] + f.b
	}
	for i := range grad {
		grad[i] = grad[i].Scale(f.a)
	}
	return nil
}

// rescaled returns f, whose values are on the [0, 1] scale of normalisation
// from, on the [0, 1] scale of normalisation to (the same density in the
// original units).
func rescaled(f grid.Field, from, to grid.Normalization) grid.Field {
	if from.Lo == to.Lo && from.Hi == to.Hi {
		return f
	}
	w := to.Hi - to.Lo
	return affineField{f, (from.Hi - from.Lo) / w, (from.Lo - to.Lo) / w}
}

func graphPair(ctx context.Context, p Pair, opts GraphOptions, cfg siren.Config, report func(string, string, *neuralmap.FitProgress)) ([]GraphRow, error) {
	if !(p.Resolution > 0) || math.IsInf(p.Resolution, 0) {
		return nil, fmt.Errorf("resolution %g Å: the map's resolution must be given (> 0)", p.Resolution)
	}
	mapPath, err := resolve(opts.DataDir, p.Map)
	if err != nil {
		return nil, err
	}
	modelPath, err := resolve(opts.DataDir, p.Model)
	if err != nil {
		return nil, err
	}
	report("read", mapPath, nil)
	g, _, err := mrc.ReadGrid(mapPath)
	if err != nil {
		return nil, err
	}
	m, err := model.ReadFile(modelPath)
	if err != nil {
		return nil, err
	}
	fc, err := CheckFrame(g, m, mapPath)
	if err != nil {
		return nil, err
	}
	norm, err := grid.FitNormalization(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mapPath, err)
	}
	// Whole-map fields (optionally restricted to the model's neighbourhood).
	whole := g
	if opts.ModelMargin > 0 {
		if whole, _, err = grid.CropAround(g, m.HeavyAtoms().Positions(), opts.ModelMargin); err != nil {
			return nil, err
		}
	}
	var specs []fieldSpec
	add := func(kind string, meth grid.Method) error {
		src, err := pipeline.InterpolatedWith(whole, norm, meth, p.Resolution)
		if err != nil {
			return err
		}
		from := "whole map"
		if opts.ModelMargin > 0 {
			from = fmt.Sprintf("map within %g Å of the model (whole-map normalisation)", opts.ModelMargin)
		}
		specs = append(specs, fieldSpec{src: src, kind: kind, source: from})
		return nil
	}
	if !opts.NoBSpline {
		if err := add("bspline", grid.MethodBSpline); err != nil {
			return nil, err
		}
	}
	if opts.Trilinear {
		if err := add("trilinear", grid.MethodTrilinear); err != nil {
			return nil, err
		}
	}
	// Neural map: loaded or fitted, plus the B-spline of the same crop.
	var nm *neuralmap.NeuralMap
	var nmSpec fieldSpec
	switch {
	case p.NeuralMap != "":
		path, err := resolve(opts.DataDir, p.NeuralMap)
		if err != nil {
			return nil, err
		}
		if nm, err = neuralmap.Load(path); err != nil {
			return nil, err
		}
		if !nm.Complete() {
			return nil, fmt.Errorf("%s: neural map is incomplete (%s)", path, nm.FitSummary())
		}
		nmSpec = fieldSpec{kind: "neural", source: path}
	case opts.FitNeural:
		crop := g
		switch {
		case opts.NeuralCrop > 0:
			c, err := cropCenter(m, nil, opts.CropResidues)
			if err != nil {
				return nil, err
			}
			if crop, _, err = grid.CropAround(g, []geom.Point{c}, opts.NeuralCrop/2); err != nil {
				return nil, err
			}
		case opts.ModelMargin > 0:
			// The whole-map fields' grid: fitted there, sampled on the
			// whole map's scale and thresholded with its μ + kσ.
			crop, nmSpec.wholeScale = whole, true
		}
		fo := neuralmap.FitOptions{Tiling: presetTiling(opts.Preset, opts.Config, opts.Tiling), Config: cfg, Resolution: p.Resolution, Backend: opts.Backend,
			Workers: opts.Workers, Stack: opts.Stack}
		if err := applyInit(opts.Init, opts.Preset, &fo); err != nil {
			return nil, err
		}
		var fitTime time.Duration
		nm, fitTime, err = fitNeural(ctx, crop, fo, opts.CheckpointDir,
			fmt.Sprintf("graph_%s_crop%g_%s", p.Name, opts.NeuralCrop, initKey(opts.Init)), report)
		if err != nil {
			return nil, err
		}
		src := "fitted on the whole map"
		switch {
		case opts.NeuralCrop > 0:
			src = fmt.Sprintf("fitted on a %g Å cube (%v voxels)", opts.NeuralCrop, crop.Shape)
		case nmSpec.wholeScale:
			src = fmt.Sprintf("fitted on the map within %g Å of the model (%v voxels), on the whole map's scale and threshold", opts.ModelMargin, crop.Shape)
		}
		nmSpec.kind, nmSpec.source, nmSpec.crop, nmSpec.fitTime = "neural", src, opts.NeuralCrop, fitTime
	}
	if nm != nil {
		es, err := neuralmap.NewEvaluators(0, opts.Backend)
		if err != nil {
			return nil, err
		}
		nm.SetEvaluators(es...)
		if nmSpec.src, err = pipeline.Neural(nm); err != nil {
			return nil, err
		}
		nmSpec.src.Resolution = p.Resolution
		nmSpec.summary = nm.FitSummary()
		if nmSpec.wholeScale {
			s := nmSpec.src
			s.Field, s.Norm, s.Mu, s.Sigma = rescaled(nm, nm.Norm, norm), norm, norm.Mean01, norm.Std01
			s.LevelFrom = "the whole map's"
		}
		whole := nm.Frame.Shape == g.Shape && nm.Frame.Origin == g.Origin
		if nmSpec.crop == 0 && !whole && !nmSpec.wholeScale {
			e := nm.Frame.Box().Size()
			nmSpec.crop = math.Cbrt(e[0] * e[1] * e[2])
		}
		specs = append(specs, nmSpec)
		// The B-spline of the neural map's own voxels, normalised on them as
		// the neural map was: an equal comparison. (On the whole map's scale
		// the whole-map B-spline already is.)
		if !whole && !opts.NoBSpline && !nmSpec.wholeScale {
			sub, err := subGrid(g, nm.Frame)
			if err != nil {
				report("warning", fmt.Sprintf("no B-spline of the neural map's crop: %v", err), nil)
			} else {
				cn, err := grid.FitNormalization(sub)
				if err != nil {
					return nil, err
				}
				src, err := pipeline.InterpolatedWith(sub, cn, grid.MethodBSpline, p.Resolution)
				if err != nil {
					return nil, err
				}
				specs = append(specs, fieldSpec{src: src, kind: "bspline-crop", source: "B-spline of the neural map's crop, normalised on the crop", crop: nmSpec.crop})
			}
		}
	}
	var rows []GraphRow
	for _, s := range specs {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		report("graph "+s.kind, s.source, nil)
		r, err := graphOne(p, s, m, *fc, opts, report)
		if err != nil {
			return rows, fmt.Errorf("%s field: %w", s.kind, err)
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

// subGrid returns the voxels of g that make up frame f (a crop of g's
// frame), or an error if f is not aligned with g's voxels.
func subGrid(g *grid.Grid, f grid.Frame) (*grid.Grid, error) {
	var lo, hi geom.Index
	for a := 0; a < 3; a++ {
		if math.Abs(f.Spacing[a]-g.Spacing[a]) > 1e-6*g.Spacing[a] {
			return nil, fmt.Errorf("voxel size %v Å differs from the map's %v Å", f.Spacing, g.Spacing)
		}
		u := (f.Origin[a] - g.Origin[a]) / g.Spacing[a]
		if math.Abs(u-math.Round(u)) > 1e-3 {
			return nil, fmt.Errorf("origin %v Å is not on the map's voxel grid", f.Origin)
		}
		lo[a] = int(math.Round(u))
		hi[a] = lo[a] + f.Shape[a]
	}
	return grid.Crop(g, lo, hi)
}

// graphOne builds the graph of one field and scores it against the whole
// model, then (for several chains) against each chain.
func graphOne(p Pair, s fieldSpec, m *model.Model, fc FrameCheck, opts GraphOptions, report func(string, string, *neuralmap.FitProgress)) ([]GraphRow, error) {
	o, err := pipeline.GraphSettings{SigmaK: opts.SigmaK, SeedSpacing: opts.SeedSpacing, Resolution: p.Resolution}.Options(s.src)
	if err != nil {
		return nil, err
	}
	o.Walk.Progress = func(step, live, done, dropped int) {
		if step%20 == 0 {
			report("walk "+s.kind, fmt.Sprintf("step %d: live %d, at peak %d, dropped %d", step, live, done, dropped), nil)
		}
	}
	t0 := time.Now()
	gr, rep, err := densgraph.Build(&snapField{Field: s.src.Field}, o)
	if err != nil {
		return nil, err
	}
	build := time.Since(t0)
	dom := s.src.Field.Domain()
	inDom := m.Select(func(a *model.Atom) bool { return dom.Contains(a.Pos) })
	eo := eval.Options{Atoms: model.Heavy}
	if opts.AllAtoms {
		eo.Atoms = nil
	}
	ev, err := eval.EvaluateGraph(gr, inDom, eo)
	if err != nil {
		return nil, err
	}
	lvl, _ := o.Seeds.Threshold.Level()
	row := &GraphRow{
		Pair: p.Name, Resolution: p.Resolution, ResolutionAssumed: p.ResolutionAssumed, Masked: p.Masked,
		Field: s.kind, Source: s.source, Crop: s.crop, Domain: dom, Frame: fc,
		Mu: s.src.Mu, Sigma: s.src.Sigma, Threshold: lvl, Chain: "all", ChainNodes: rep.Nodes,
		Seeds: rep.Seeds.Kept, Peaks: rep.Walk.Peaks, Dropped: rep.Walk.Dropped, Capped: rep.Walk.Capped,
		WalkSteps: rep.Walk.Steps, Samples: rep.Walk.Samples, Nodes: rep.Nodes, Edges: rep.Edges,
		SeedTime: rep.Times.Seed, WalkTime: rep.Times.Walk, ClusterTime: rep.Times.Cluster, EdgeTime: rep.Times.Edges, BuildTime: build,
		FitTime: s.fitTime, NeuralSummary: s.summary,
	}
	row.setMetrics(ev)
	if w := rep.Times.Walk.Seconds(); w > 0 {
		row.SeedsPerSecond = float64(rep.Seeds.Kept) / w
		row.SamplesPerSecond = float64(rep.Walk.Samples) / w
	}
	nan := math.NaN()
	if p.Resolution <= AtomicResolution {
		row.Regime = "atomic"
		row.PaperSens, row.PaperSpec, row.PaperRMSD = PaperAtomicSens, PaperAtomicSpec, PaperAtomicRMSD
		row.PaperCACoverage, row.PaperCARMSD = PaperAtomicCACoverage, nan
	} else {
		row.Regime = "near-atomic"
		row.PaperSens, row.PaperSpec, row.PaperRMSD = nan, nan, nan
		row.PaperCACoverage, row.PaperCARMSD = PaperNearCACoverage, PaperNearCARMSD
	}
	row.PaperCANodeFraction = PaperAllCANodeFraction
	perChain, err := chainRows(row, gr.Positions(), inDom, eo)
	if err != nil {
		return nil, err
	}
	return append([]GraphRow{*row}, perChain...), nil
}

// snapField wraps a field so that points outside its domain by at most
// snapTol Å (rounding) are moved onto the domain's face before sampling;
// points further out still fail. It works around densgraph.Build sampling a
// cluster centroid computed as sum·(1/n): for a cluster of walk end points
// lying on a face of the domain, that can land one ulp outside it (seen on the
// 3EK3 map: z = −10.280294306137984 against a face at −10.280294306137982),
// and the whole graph then fails.
type snapField struct {
	grid.Field
	buf []geom.Point
}

const snapTol = 1e-9

func (s *snapField) Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error {
	dom := s.Field.Domain()
	var out []geom.Point
	for i, p := range pts {
		if dom.Contains(p) {
			continue
		}
		if out == nil {
			s.buf = append(s.buf[:0], pts...)
			out = s.buf
		}
		for a := 0; a < 3; a++ {
			if p[a] < dom.Min[a] && p[a] >= dom.Min[a]-snapTol {
				out[i][a] = dom.Min[a]
			} else if p[a] > dom.Max[a] && p[a] <= dom.Max[a]+snapTol {
				out[i][a] = dom.Max[a]
			}
		}
	}
	if out != nil {
		pts = out
	}
	return s.Field.Sample(pts, val, grad)
}

// fitNeural fits a neural map of g for an experiment, checkpointed (and so
// resumable) under dir when dir is set, reporting progress as stage "fit".
// It returns the map and the wall time of the fit.
//
// The checkpoint is named name + a hash of everything the fit depends on
// (g's frame and values, the tiling, the whole SIREN configuration and a
// learned initialisation's SHA-256), so a run with another learning rate,
// stop rule, crop, tiling, noise or initialisation file never resumes from
// (and silently reuses) a map fitted differently.
func fitNeural(ctx context.Context, g *grid.Grid, fo neuralmap.FitOptions, dir, name string, report func(stage, detail string, fp *neuralmap.FitProgress)) (*neuralmap.NeuralMap, time.Duration, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, 0, err
		}
		h := fnv.New64a()
		fmt.Fprintf(h, "%+v|%+v|%+v", g.Frame, fo.Tiling, fo.Config)
		var b [4]byte
		for _, v := range g.Data {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			h.Write(b[:])
		}
		if fo.Init != nil { // random-init names stay as before
			if fo.Init.SHA256 == "" { // never written: Encode sets it
				if _, err := fo.Init.Encode(); err != nil {
					return nil, 0, err
				}
			}
			fmt.Fprintf(h, "|init %s", fo.Init.SHA256)
		}
		fo.Checkpoint = filepath.Join(dir, fmt.Sprintf("%s_w%d_h%d_%016x%s", name, fo.Config.Width, fo.Config.HiddenLayers, h.Sum64(), neuralmap.FileExt))
	}
	report("fit", fmt.Sprintf("neural map of %v voxels", g.Shape), nil)
	t0 := time.Now()
	nm, err := neuralmap.Fit(ctx, g, fo, func(fp neuralmap.FitProgress) error {
		report("fit", "", &fp)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("neural fit: %w", err)
	}
	return nm, time.Since(t0), nil
}
