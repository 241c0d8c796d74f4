package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/progress"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/pipeline"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

func init() {
	register("fit", "fit a neural map (resumable; --shard i/n for clusters)", runFit)
}

// fitFlags are the network and tiling flags shared by fit, demo and the
// experiments. The preset is resolved once (neuralmap.PresetNetwork) and the
// flags that were set are applied through neuralmap.Override, which
// validates them: a flag set to a bad value is an error naming it, and a
// line on stderr says which preset values were overridden. fit and demo
// also have --init (addInitFlag): the initial weights, by default the
// preset's (neuralmap.Preset: learned for cpu, random for paper).
type fitFlags struct {
	preset              *string
	width, layers       *int
	omega0, lr          *float64
	firstOmega0         *float64
	lowLoss, highLoss   *float64
	patience            *int
	maxSteps            *int
	maxTime             *time.Duration
	seed                *uint64
	solveOutput         *bool
	optimizer           *string
	regionSize, overlap *int
	workers, stack      *int
	init                *string // --init; nil for commands without it (experiment: --inits)

	opts    neuralmap.FitOptions // the preset with the overrides and the initialisation, after parsing
	changes []neuralmap.Change
}

// overrideFlags names the flag of each neuralmap.Override field.
var overrideFlags = map[string]string{
	"Width": "width", "HiddenLayers": "hidden-layers", "Omega0": "omega0", "FirstOmega0": "first-omega0",
	"LearningRate": "lr", "MaxSteps": "max-steps", "MaxTime": "max-time", "Patience": "patience",
	"LowLoss": "low-loss", "HighLoss": "high-loss", "Seed": "seed", "SolveOutput": "solve-output", "Optimizer": "optimizer", "RegionSize": "region-size", "Overlap": "overlap",
}

// flagNames rewrites Override field names in a message as flags.
var flagNames = func() *strings.Replacer {
	var pairs []string
	for _, f := range []string{"FirstOmega0", "HiddenLayers", "LearningRate", "RegionSize", "MaxSteps", "MaxTime", "Patience", "LowLoss", "HighLoss", "Overlap", "Omega0", "Width", "SolveOutput", "Optimizer", "Seed"} {
		pairs = append(pairs, f, "--"+overrideFlags[f])
	}
	return strings.NewReplacer(pairs...)
}()

func addFitFlags(fs *flag.FlagSet, defPreset string) *fitFlags {
	f := &fitFlags{
		preset:      fs.String("preset", defPreset, "preset: paper (exactly the paper: 256 wide, 4 hidden sine layers, 64-voxel regions) or cpu (64 wide, 2 hidden layers, 16-voxel regions: fast on CPUs)"),
		width:       fs.Int("width", 0, "layer width (> 0; default: the preset's)"),
		layers:      fs.Int("hidden-layers", 0, "number of hidden sine layers (≥ 0; default: the preset's)"),
		omega0:      fs.Float64("omega0", 0, "ω0 of the hidden sine layers, and of the input layer unless the preset or --first-omega0 sets that (> 0; default: the preset's)"),
		firstOmega0: fs.Float64("first-omega0", 0, "ω0 of the input sine layer only (≥ 0, 0: same as ω0; default: the preset's)"),
		lr:          fs.Float64("lr", 0, "Adam's learning rate (> 0; default: the preset's)"),
		maxSteps:    fs.Int("max-steps", 0, "step cap per region (≥ 0, 0: none; default: the preset's)"),
		lowLoss:     fs.Float64("low-loss", 0, "the stop rule's LowLoss: stop at once when the best MSE is below it (paper: 1e-5; default: the preset's)"),
		highLoss:    fs.Float64("high-loss", 0, "the stop rule's HighLoss: the natural fit point applies below it (paper: 4e-4; default: the preset's)"),
		patience:    fs.Int("patience", 0, "natural-fit-point patience in steps (> 0, paper: 25; default: the preset's)"),
		maxTime:     fs.Duration("max-time", 0, "wall-clock cap per region, e.g. 5m (≥ 0, 0: none; default: the preset's)"),
		seed:        fs.Uint64("seed", 0, "seed of the random initial weights (fit, demo: with --init random); every region starts from the same weights, so a resumed or sharded fit trains each region as one run would (default: the preset's)"),
		solveOutput: fs.Bool("solve-output", false, "train the sine layers with Adam and solve the linear output layer by least squares at every step (variable projection): from random weights far fewer steps (bench/siren/README.md § 9); chooses Adam unless --optimizer is given; default: off with Adam, on with K-FAC"),
		optimizer:   fs.String("optimizer", "", "how steps move the weights: adam (Adam with --lr) or kfac (K-FAC on the sine layers with the output layer solved; no learning rate; bench/meta/README.md § (h)); default: kfac from a learned initialisation (2.5× fewer steps than Adam, each about 1.5 Adam steps), adam from random weights (the paper's fit; K-FAC fits random weights in fewer steps but rough between voxels); --lr or --solve-output choose adam"),
		regionSize:  fs.Int("region-size", 0, "maximum region edge in voxels (default: the preset's, paper 64, cpu 16)"),
		overlap:     fs.Int("overlap", 0, "minimum overlap between regions in voxels (default: the preset's, 4 as the paper)"),
		workers:     fs.Int("workers", 0, "regions trained at the same time (0: one per core on the Go backend, 1 otherwise)"),
		stack:       fs.Int("stack", 1, "regions trained together in one batched graph (for accelerators; 1 on CPUs)"),
	}
	onParsed(fs, func(set map[string]bool) error { return f.resolve(set, fs.Output()) })
	return f
}

// addInitFlag adds --init to a command with fit flags (fit, demo).
func addInitFlag(fs *flag.FlagSet, f *fitFlags) {
	f.init = fs.String("init", "", "initial weights of every region: learned (the preset's shipped meta-learned initialisation), random (drawn from --seed), or a .nemi file from 'neuralem meta-train' (default: learned for the cpu preset, fitted with K-FAC in about 7× fewer steps than random weights with Adam; random for paper, which has none)")
}

// resolve applies the flags that were set to the preset's network and
// tiling, then resolves --init for the result (after parsing).
func (f *fitFlags) resolve(set map[string]bool, stderr io.Writer) error {
	p, err := neuralmap.PresetNetwork(*f.preset)
	if err != nil {
		return fmt.Errorf("--preset: %w", err)
	}
	var ov neuralmap.Override
	if set["width"] {
		ov.Width = f.width
	}
	if set["hidden-layers"] {
		ov.HiddenLayers = f.layers
	}
	if set["omega0"] {
		ov.Omega0 = f.omega0
	}
	if set["first-omega0"] {
		ov.FirstOmega0 = f.firstOmega0
	}
	if set["lr"] {
		ov.LearningRate = f.lr
	}
	if set["max-steps"] {
		ov.MaxSteps = f.maxSteps
	}
	if set["max-time"] {
		ov.MaxTime = f.maxTime
	}
	if set["patience"] {
		ov.Patience = f.patience
	}
	if set["low-loss"] {
		ov.LowLoss = f.lowLoss
	}
	if set["high-loss"] {
		ov.HighLoss = f.highLoss
	}
	if set["seed"] {
		ov.Seed = f.seed
	}
	if set["solve-output"] {
		ov.SolveOutput = f.solveOutput
	}
	if set["optimizer"] {
		opt := siren.Optimizer(*f.optimizer)
		ov.Optimizer = &opt
	}
	if set["region-size"] {
		ov.RegionSize = f.regionSize
	}
	if set["overlap"] {
		ov.Overlap = f.overlap
	}
	opts, changes, err := p.Override(ov)
	var oe *neuralmap.OverrideError
	switch {
	case errors.As(err, &oe):
		return fmt.Errorf("--%s %s: want %s", overrideFlags[oe.Field], oe.Value, flagNames.Replace(oe.Want))
	case err != nil:
		return err
	}
	if err := firstErr(
		check(*f.workers >= 0, "workers", *f.workers, "≥ 0 (0: automatic)"),
		check(*f.stack >= 1, "stack", *f.stack, "≥ 1"),
	); err != nil {
		return err
	}
	if f.init != nil { // experiment has no --init: it picks its own (--inits)
		if opts.Init, err = f.initFor(opts, set["seed"]); err != nil {
			return err
		}
	}
	f.opts, f.changes = opts, changes
	if len(changes) > 0 {
		var parts []string
		for _, c := range changes {
			parts = append(parts, "--"+overrideFlags[c.Field]+" "+strings.TrimPrefix(c.String(), c.Field+" "))
		}
		fmt.Fprintf(stderr, "%s preset overridden: %s\n", *f.preset, strings.Join(parts, ", "))
	}
	return nil
}

// initFor resolves --init for the network and tiling of opts: the
// preset's default when unset (metainit.Resolve). An initialisation that
// does not fit them is an error naming both and, for the default, saying
// to pass --init random; --seed is an error with a learned initialisation
// (it only draws random weights), never silently unused.
func (f *fitFlags) initFor(opts neuralmap.FitOptions, seedSet bool) (*metainit.Init, error) {
	in, err := metainit.Resolve(*f.init, *f.preset, opts.Config)
	if err == nil {
		o := opts
		o.Init = in
		err = o.CheckInit()
	}
	if err != nil {
		if *f.init == "" {
			return nil, fmt.Errorf("--init (default for the %s preset: its shipped learned initialisation): %w; pass --init random to start from random weights (any network and region size)", *f.preset, err)
		}
		return nil, fmt.Errorf("--init %s: %w", *f.init, err)
	}
	if in != nil && seedSet {
		return nil, check(false, "seed", *f.seed, fmt.Sprintf("it with --init random only (a seed draws random initial weights; this fit starts from the learned initialisation %s)", in.Name))
	}
	return in, nil
}

// config returns the network and tiling of the preset with the overrides
// (resolved and validated when the flags were parsed).
func (f *fitFlags) config() (siren.Config, region.Options, error) {
	return f.opts.Config, f.opts.Tiling, nil
}

// overrides lists the preset values the flags changed, for --json.
func (f *fitFlags) overrides() []string {
	var out []string
	for _, c := range f.changes {
		out = append(out, "--"+overrideFlags[c.Field]+" "+strings.TrimPrefix(c.String(), c.Field+" "))
	}
	return out
}

// parseShard parses "i/n" (1-based i) into the region IDs of that shard out of
// nRegions: regions are dealt round-robin, so shards have equal work ±1.
func parseShard(s string, nRegions int) ([]int, error) {
	var i, n int
	if _, err := fmt.Sscanf(s, "%d/%d", &i, &n); err != nil || n < 1 || i < 1 || i > n {
		return nil, fmt.Errorf("--shard %q: want i/n with 1 ≤ i ≤ n", s)
	}
	var ids []int
	for r := i - 1; r < nRegions; r += n {
		ids = append(ids, r)
	}
	return ids, nil
}

// fitMap fits g into a neural map at out (resuming from out if it exists),
// with a progress bar on stderr. opts gives the tiling, network, resolution,
// regions, workers and stack; out becomes its checkpoint. also, if not nil,
// is told of every progress event too.
func fitMap(ctx context.Context, g *grid.Grid, out string, opts neuralmap.FitOptions, stderr io.Writer, quiet bool, also func(neuralmap.FitProgress)) (*neuralmap.NeuralMap, error) {
	bar, end := fitBar(stderr, quiet)
	cb := func(p neuralmap.FitProgress) error {
		if also != nil {
			also(p)
		}
		return bar(p)
	}
	opts.Checkpoint = out
	nm, err := neuralmap.Fit(ctx, g, opts, cb)
	n := len(opts.Regions)
	if nm != nil && opts.Regions == nil {
		n = len(nm.Fitted())
	}
	end(n)
	return nm, err
}

// fitBar returns a neuralmap.Fit progress callback drawing a bar on stderr
// and a function that ends the bar (if one was started) at n regions.
func fitBar(stderr io.Writer, quiet bool) (func(neuralmap.FitProgress) error, func(n int)) {
	var bar *progress.Bar
	done := 0 // regions finished (workers finish them in any order)
	cb := func(p neuralmap.FitProgress) error {
		if bar == nil {
			bar = progress.New(stderr, "fit", p.Total)
			bar.Silent = quiet
		}
		switch {
		case p.Done && p.Resumed:
			done++
			bar.Update(done, fmt.Sprintf("region %d already fitted (resumed)", p.Region.ID))
		case p.Done:
			done++
			bar.Update(done, fmt.Sprintf("region %d done: %d steps, best MSE %.3g, %s", p.Region.ID, p.Report.Steps, p.Report.BestLoss, p.Report.StopReason))
		default:
			bar.Update(done, fmt.Sprintf("region %d step %d MSE %.3g best %.3g", p.Region.ID, p.Step.Step, p.Step.Loss, p.Step.Best))
		}
		return nil
	}
	end := func(n int) {
		if bar != nil {
			bar.Done(n, "")
			bar = nil
		}
	}
	return cb, end
}

func runFit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("fit", "MAP -o OUT.nem",
		"Fits a neural cryo-EM map: normalises the map (paper §2.1), cuts it into regions of at\nmost --region-size voxels overlapping by ≥ --overlap, and trains one SIREN per region\n(Adam, MSE, the paper's natural-fit-point stop plus step and time caps, best weights kept).\nThe output file is rewritten atomically after each region: re-running the same command\nafter an interruption resumes where it stopped. While a fit runs it holds OUT.nem.lock:\na second fit of the same output fails at once, naming the first one's PID.\n--shard i/n or --regions fits a subset into a partial file; 'neuralem merge' joins the parts.\nA crop made by 'neuralem crop' is normalised with its parent map's normalisation by\ndefault (--level-from), so its density levels match the whole map's.", stderr)
	out := fs.String("o", "", "output neural map file (required; resumed from if it exists)")
	ff := addFitFlags(fs, "cpu")
	addInitFlag(fs, ff)
	res := fs.Float64("resolution", 0, "map resolution in Å (> 0), stored in the neural map (used for graph edges; default: unknown)")
	regions := fs.String("regions", "", "fit only these region IDs (e.g. 0,2,5-7)")
	shard := fs.String("shard", "", "fit only shard i of n (i/n, 1-based; regions dealt round-robin)")
	cropModel := fs.String("crop-model", "", "crop the map around this model first (with --margin); the input map's normalisation is kept unless --level-from self")
	margin := fs.Float64("margin", 6, "margin in Å for --crop-model (≥ 0)")
	levelFrom := addLevelFlag(fs)
	force := fs.Bool("force", false, "overwrite -o even if it holds something other than a neural map")
	asJSON := fs.Bool("json", false, "write a JSON summary to stdout")
	dryRun := fs.Bool("dry-run", false, "check everything a fit checks, print the tiling, network, output size and an estimated wall time, then stop without fitting")
	estSteps := fs.Int("estimate-steps", 4, "with --dry-run: training steps to time for the wall-time estimate (≥ 3; 0: no estimate)")
	onParsed(fs, func(set map[string]bool) error {
		return firstErr(
			check(!set["resolution"] || (*res > 0 && finite(*res)), "resolution", *res, "a resolution > 0 Å (leave it out if unknown)"),
			check(finite(*margin) && *margin >= 0, "margin", *margin, "a margin ≥ 0 Å"),
			check(!set["margin"] || *cropModel != "", "margin", *margin, "it with --crop-model (it is the margin around that model)"),
			check(*estSteps == 0 || *estSteps >= 3, "estimate-steps", *estSteps, "0 (no estimate) or ≥ 3 (the first step includes compilation)"),
			check(!set["estimate-steps"] || *dryRun, "estimate-steps", *estSteps, "it with --dry-run"),
		)
	})
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *out == "" && !*dryRun {
		return fmt.Errorf("-o OUT.nem is required")
	}
	if *regions != "" && *shard != "" {
		return fmt.Errorf("--regions and --shard exclude each other")
	}
	if *out != "" {
		if err := checkOutput("-o", *out, kindNeural, *force, pos[0], *cropModel); err != nil {
			return err
		}
	}
	opts := ff.opts
	opts.Resolution, opts.Workers, opts.Stack, opts.Checkpoint = *res, *ff.workers, *ff.stack, *out
	g, h, err := mrc.ReadGrid(pos[0])
	if err != nil {
		return err
	}
	pn, from, err := pipeline.ParentNormalization(pos[0], h, pipeline.LevelFrom(*levelFrom))
	if err != nil {
		return err
	}
	if *cropModel != "" {
		m, err := model.ReadFile(*cropModel)
		if err != nil {
			return err
		}
		if pn == nil && pipeline.LevelFrom(*levelFrom) != pipeline.LevelSelf {
			n, err := grid.FitNormalization(g)
			if err != nil {
				return fmt.Errorf("%s: %w", pos[0], err)
			}
			pn, from = &n, fmt.Sprintf("the input map %s's, before --crop-model (--level-from self for the crop's own)", pos[0])
		}
		if g, _, err = grid.CropAround(g, m.HeavyAtoms().Positions(), *margin); err != nil {
			return fmt.Errorf("cropping %s around %s: %w", pos[0], *cropModel, err)
		}
	}
	if pn != nil {
		opts.Normalization, opts.NormalizationSource = pn, from
	}
	fmt.Fprintf(stderr, "normalisation and level: %s\n", from)
	if *regions != "" {
		if opts.Regions, err = parseInts(*regions); err != nil {
			return fmt.Errorf("--regions: %w", err)
		}
	}
	if *shard != "" {
		_, n, err := region.Count(g.Shape, opts.Tiling)
		if err != nil {
			return err
		}
		if opts.Regions, err = parseShard(*shard, int(n)); err != nil {
			return err
		}
		if len(opts.Regions) == 0 {
			return fmt.Errorf("--shard %s: the map has only %d regions, so this shard is empty", *shard, n)
		}
	}
	if *dryRun {
		return fitPlan(stdout, g, opts, *ff.preset, *estSteps, ff.overrides(), from, *asJSON)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	var trained map[int]bool
	nm, err := fitMapOpts(ctx, g, *out, opts, stderr, *asJSON, &trained)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; finished regions are saved in %s — run the same command to resume", *out)
		}
		return err
	}
	secs := time.Since(start).Seconds()
	if *asJSON {
		return writeJSON(stdout, fitReport(nm, *out, *ff.preset, ff.overrides(), from, secs, trained))
	}
	fmt.Fprintf(stdout, "wrote %s in %.1f s\n%s\ninitial weights: %s\n", *out, secs, nm.TrainingSummary(), nm.Init)
	return nil
}

// fitMapOpts is fitMap that also records which regions this run trained
// (as opposed to resumed).
func fitMapOpts(ctx context.Context, g *grid.Grid, out string, opts neuralmap.FitOptions, stderr io.Writer, quiet bool, trained *map[int]bool) (*neuralmap.NeuralMap, error) {
	*trained = map[int]bool{}
	var mu sync.Mutex
	opts.Checkpoint = out
	return fitMap(ctx, g, out, opts, stderr, quiet, func(p neuralmap.FitProgress) {
		if p.Done && !p.Resumed {
			mu.Lock()
			(*trained)[p.Region.ID] = true
			mu.Unlock()
		}
	})
}

// regionJSON is one region's training report in fit --json and info --json.
type regionJSON struct {
	ID         int     `json:"id"`
	Steps      int     `json:"steps"`
	BestStep   int     `json:"best_step"`
	BestLoss   float64 `json:"best_loss"`
	StopReason string  `json:"stop_reason"`
	Seconds    float64 `json:"seconds"`
	Resumed    *bool   `json:"resumed,omitempty"`
}

// summaryJSON is neuralmap.TrainingSummary for --json.
func summaryJSON(s neuralmap.TrainingSummary) map[string]any {
	return map[string]any{"regions": s.Regions, "fitted": s.Fitted, "steps": s.Steps, "median_steps": s.MedianSteps, "max_steps": s.MaxSteps,
		"worst_best_loss": s.WorstLoss, "worst_region": s.WorstRegion, "median_best_loss": s.MedianLoss,
		"above_high_loss": s.AboveHighLoss, "by_stop_reason": s.ByStopReason, "train_seconds": s.TrainTime.Seconds()}
}

// regionReports lists the fitted regions' reports; trained, if not nil,
// marks the regions this run trained (the others were resumed).
func regionReports(nm *neuralmap.NeuralMap, trained map[int]bool) []regionJSON {
	var out []regionJSON
	for _, r := range nm.Regions {
		if r.Net == nil {
			continue
		}
		rj := regionJSON{ID: r.Region.ID, Steps: r.Report.Steps, BestStep: r.Report.BestStep, BestLoss: r.Report.BestLoss,
			StopReason: r.Report.StopReason, Seconds: r.Report.TrainTime.Seconds()}
		if trained != nil {
			resumed := !trained[r.Region.ID]
			rj.Resumed = &resumed
		}
		out = append(out, rj)
	}
	return out
}

// fitReport is fit --json: what the fit did, from the map's own records.
func fitReport(nm *neuralmap.NeuralMap, out, preset string, overrides []string, from string, secs float64, trained map[int]bool) map[string]any {
	s := nm.TrainingSummary()
	stepsNow := 0
	for _, r := range nm.Regions {
		if r.Net != nil && trained[r.Region.ID] {
			stepsNow += r.Report.Steps
		}
	}
	return map[string]any{"output": out, "shape": nm.Frame.Shape, "regions": len(nm.Regions), "fitted": s.Fitted,
		"complete": nm.Complete(), "steps": s.Steps, "steps_this_run": stepsNow, "trained_this_run": len(trained),
		"seconds": secs, "preset": preset, "overrides": overrides, "normalization_from": from, "init": nm.Init, "network": nm.Network(),
		"summary": summaryJSON(s), "region_reports": regionReports(nm, trained)}
}

// fitPlan describes what a fit would do, checked as a fit checks it
// (neuralmap.PlanFit): regions, network, parameters, the size of the
// weights and, from estSteps timed training steps, an estimated wall time.
func fitPlan(w io.Writer, g *grid.Grid, opts neuralmap.FitOptions, preset string, estSteps int, overrides []string, from string, asJSON bool) error {
	p, err := neuralmap.PlanFit(g, opts)
	if err != nil {
		return err
	}
	shape, cfg := p.Shape, p.Config
	n := len(p.ToFit) - len(p.Resumed)
	plan := map[string]any{
		"shape": shape, "preset": preset, "overrides": overrides, "region_size": p.Tiling.Size, "overlap": p.Tiling.Overlap,
		"regions": p.Regions, "to_fit": n, "resumed": len(p.Resumed), "constant": len(p.Constant), "region_shape": p.RegionShape,
		"width": cfg.Width, "hidden_layers": cfg.HiddenLayers, "omega0": cfg.Omega0, "learning_rate": cfg.LearningRate, "solve_output": cfg.SolveOutput, "optimizer": cfg.OptimizerName(),
		"params_per_region": p.Params, "weights_bytes": 4 * p.Params * len(p.ToFit), "map_float32_bytes": 4 * shape[0] * shape[1] * shape[2],
		"max_steps": cfg.MaxSteps, "max_time_s": cfg.MaxTime.Seconds(), "workers": p.Workers, "normalization_from": from, "init": p.Init,
	}
	var est *neuralmap.TimeEstimate
	var assumption string
	if estSteps > 0 && p.Trained() > 0 {
		steps, source := cfg.MaxSteps, fmt.Sprintf("no measured median for the %s preset: every region is assumed to run to the %d-step cap", preset, cfg.MaxSteps)
		if rec, ok := neuralmap.PresetSteps(preset, opts.Init, cfg); ok {
			steps, source = rec.Median, fmt.Sprintf("the %s preset's measured median, %s", preset, rec.Source)
			// The median is measured with and without --solve-output and --optimizer.
			other := slices.DeleteFunc(slices.Clone(overrides), func(o string) bool {
				return strings.HasPrefix(o, "--solve-output ") || strings.HasPrefix(o, "--optimizer ")
			})
			if len(other) > 0 {
				source += "; the preset was overridden, so this median may not hold"
			}
		}
		if steps == 0 {
			steps, source = 1000, "no step cap and no measured median: 1,000 steps per region assumed"
		}
		if est, err = p.EstimateTime(context.Background(), estSteps, steps, source); err != nil {
			return err
		}
		assumption = source
		plan["estimate"] = map[string]any{"is_estimate": true, "timed_steps": est.TimedSteps, "compile_s": est.Compile.Seconds(),
			"step_s": est.PerStep.Seconds(), "steps_per_region": est.StepsPerRegion, "steps_per_region_source": est.StepsSource,
			"workers": est.Workers, "regions": est.Regions, "wall_s": est.Wall.Seconds(), "max_wall_s": est.MaxWall.Seconds()}
	}
	if asJSON {
		return writeJSON(w, plan)
	}
	fmt.Fprintf(w, "map %v voxels → %d regions of %v voxels (≤ %d, overlap ≥ %d); fitting %d", shape, p.Regions, p.RegionShape, p.Tiling.Size, p.Tiling.Overlap, n)
	if len(p.Resumed) > 0 {
		fmt.Fprintf(w, " (%d already in the output, resumed)", len(p.Resumed))
	}
	if len(p.Constant) > 0 {
		fmt.Fprintf(w, " (%d of them constant, e.g. zeros outside a mask: set exactly, not trained)", len(p.Constant))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "network (%s preset): %s, %s, %d parameters per region; caps %d steps, %v per region; initial weights %s\n",
		preset, cfg.ArchString(), cfg.TrainingString(), p.Params, cfg.MaxSteps, cfg.MaxTime, p.Init)
	fmt.Fprintf(w, "weights %.1f MB (the float32 map is %.1f MB); normalisation: %s\n",
		float64(4*p.Params*len(p.ToFit))/1e6, float64(4*shape[0]*shape[1]*shape[2])/1e6, from)
	if est != nil {
		fmt.Fprintf(w, "estimated wall time ≈ %v (an estimate: %d steps of one region timed, %.3g s per step after a %.2g s first step; assumes %d steps per region — %s — and %d workers in parallel at that step time)",
			est.Wall.Round(time.Second), est.TimedSteps, est.PerStep.Seconds(), est.Compile.Seconds(), est.StepsPerRegion, assumption, est.Workers)
		if est.MaxWall > 0 {
			fmt.Fprintf(w, "; at most ≈ %v if every region runs to the step cap", est.MaxWall.Round(time.Second))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "no fit done (--dry-run)")
	return nil
}
