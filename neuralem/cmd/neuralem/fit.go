package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/progress"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

func init() {
	register("fit", "fit a neural map (resumable; --shard i/n for clusters)", runFit)
}

// fitFlags are the network and tiling flags shared by fit, demo and the experiments.
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
	regionSize, overlap *int
	workers, stack      *int
	init                *string
}

func addFitFlags(fs interface {
	String(string, string, string) *string
	Int(string, int, string) *int
	Float64(string, float64, string) *float64
	Duration(string, time.Duration, string) *time.Duration
	Uint64(string, uint64, string) *uint64
}, defPreset string) *fitFlags {
	return &fitFlags{
		preset:      fs.String("preset", defPreset, "preset: paper (exactly the paper: 256 wide, 4 hidden sine layers, 64-voxel regions) or cpu (64 wide, 2 hidden layers, 16-voxel regions: fast on CPUs)"),
		width:       fs.Int("width", 0, "override the preset's layer width"),
		layers:      fs.Int("hidden-layers", 0, "override the preset's number of hidden sine layers"),
		omega0:      fs.Float64("omega0", 0, "override ω0 of the hidden sine layers (and the input layer unless --first-omega0)"),
		firstOmega0: fs.Float64("first-omega0", -1, "override ω0 of the input sine layer only (0: same as --omega0; -1: the preset's)"),
		lr:          fs.Float64("lr", 0, "override Adam's learning rate"),
		maxSteps:    fs.Int("max-steps", 0, "override the step cap per region"),
		lowLoss:     fs.Float64("low-loss", -1, "override the stop rule's LowLoss: stop at once when the best MSE is below it (paper: 1e-5; -1: the preset's)"),
		highLoss:    fs.Float64("high-loss", -1, "override the stop rule's HighLoss: the natural fit point applies below it (paper: 4e-4; -1: the preset's)"),
		patience:    fs.Int("patience", 0, "override the natural-fit-point patience in steps (paper: 25)"),
		maxTime:     fs.Duration("max-time", 0, "override the wall-clock cap per region (e.g. 5m)"),
		seed:        fs.Uint64("seed", 0, "override the seed of the random initialisation (with --init random; every region starts from the same weights)"),
		init:        fs.String("init", "", "initial weights of every region: learned (the preset's shipped meta-learned initialisation), random, or a .nemi file (default: learned for cpu, random for paper)"),
		regionSize:  fs.Int("region-size", 0, "maximum region edge in voxels (0: the preset's, paper 64, cpu 16)"),
		overlap:     fs.Int("overlap", region.DefaultOptions.Overlap, "minimum overlap between regions in voxels (paper: 4)"),
		workers:     fs.Int("workers", 0, "regions trained at the same time (0: one per core on the Go backend, 1 otherwise)"),
		stack:       fs.Int("stack", 1, "regions trained together in one batched graph (for accelerators; 1 on CPUs)"),
	}
}

func (f *fitFlags) config() (siren.Config, region.Options, error) {
	p, err := neuralmap.Preset(*f.preset)
	if err != nil {
		return siren.Config{}, region.Options{}, err
	}
	cfg := p.Config
	if *f.width > 0 {
		cfg.Width = *f.width
	}
	if *f.layers > 0 {
		cfg.HiddenLayers = *f.layers
	}
	if *f.firstOmega0 >= 0 {
		cfg.FirstOmega0 = *f.firstOmega0
	}
	if *f.omega0 > 0 {
		cfg.Omega0 = *f.omega0
	}
	if *f.lr > 0 {
		cfg.LearningRate = *f.lr
	}
	if *f.maxSteps > 0 {
		cfg.MaxSteps = *f.maxSteps
	}
	if *f.lowLoss >= 0 {
		cfg.LowLoss = *f.lowLoss
	}
	if *f.highLoss >= 0 {
		cfg.HighLoss = *f.highLoss
	}
	if *f.patience > 0 {
		cfg.Patience = *f.patience
	}
	if *f.maxTime > 0 {
		cfg.MaxTime = *f.maxTime
	}
	if *f.seed > 0 {
		cfg.Seed = *f.seed
	}
	if err := cfg.Validate(); err != nil {
		return cfg, region.Options{}, err
	}
	switch {
	case *f.workers < 0:
		return cfg, region.Options{}, fmt.Errorf("--workers %d: want ≥ 0 (0: automatic)", *f.workers)
	case *f.stack < 1:
		return cfg, region.Options{}, fmt.Errorf("--stack %d: want ≥ 1", *f.stack)
	}
	tiling := region.Options{Size: p.Tiling.Size, Overlap: *f.overlap}
	if *f.regionSize > 0 {
		tiling.Size = *f.regionSize
	}
	return cfg, tiling, tiling.Validate()
}

// initFor resolves --init for the network cfg and tiling: the preset's
// default when unset. --seed applies to random initialisations only, so it is an error
// with a learned one.
func (f *fitFlags) initFor(cfg siren.Config, tiling region.Options) (*metainit.Init, error) {
	in, err := metainit.Resolve(*f.init, *f.preset, cfg)
	if err == nil && in != nil && in.Meta.RegionEdge != tiling.Size {
		err = fmt.Errorf("the initialisation %s was learned on %d-voxel regions, not --region-size %d", in.Name, in.Meta.RegionEdge, tiling.Size)
	}
	if err != nil {
		if *f.init == "" {
			return nil, fmt.Errorf("%w (the %s preset starts from it by default: pass --init random for another network or region size)", err, *f.preset)
		}
		return nil, fmt.Errorf("--init %s: %w", *f.init, err)
	}
	if in != nil && *f.seed > 0 {
		return nil, fmt.Errorf("--seed %d sets the random initialisation's seed, but this fit starts from the learned initialisation %s: pass --init random to use a seed", *f.seed, in.Name)
	}
	return in, nil
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
// with a progress bar on stderr.
// opts gives the tiling, network, resolution, regions, workers and stack;
// out becomes its checkpoint.
func fitMap(ctx context.Context, g *grid.Grid, out string, opts neuralmap.FitOptions, stderr io.Writer, quiet bool) (*neuralmap.NeuralMap, error) {
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
	opts.Checkpoint = out
	nm, err := neuralmap.Fit(ctx, g, opts, cb)
	if bar != nil {
		n := len(opts.Regions)
		if nm != nil && opts.Regions == nil {
			n = len(nm.Fitted())
		}
		bar.Done(n, "")
	}
	return nm, err
}

func runFit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("fit", "MAP -o OUT.nem",
		"Fits a neural cryo-EM map: normalises the map (paper §2.1), cuts it into regions of at\nmost --region-size voxels overlapping by ≥ --overlap, and trains one SIREN per region\n(Adam, MSE, the paper's natural-fit-point stop plus step and time caps, best weights kept).\nThe output file is rewritten atomically after each region: re-running the same command\nafter an interruption resumes where it stopped. --shard i/n or --regions fits a subset\ninto a partial file; 'neuralem merge' joins the parts.", stderr)
	out := fs.String("o", "", "output neural map file (required; resumed from if it exists)")
	ff := addFitFlags(fs, "cpu")
	res := fs.Float64("resolution", 0, "map resolution in Å, stored in the neural map (used for graph edges)")
	regions := fs.String("regions", "", "fit only these region IDs (e.g. 0,2,5-7)")
	shard := fs.String("shard", "", "fit only shard i of n (i/n, 1-based; regions dealt round-robin)")
	cropModel := fs.String("crop-model", "", "crop the map around this model first (with --margin)")
	margin := fs.Float64("margin", 6, "margin in Å for --crop-model")
	asJSON := fs.Bool("json", false, "write a JSON summary to stdout")
	dryRun := fs.Bool("dry-run", false, "print the tiling, network and output size, then stop without fitting")
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
	cfg, tiling, err := ff.config()
	if err != nil {
		return err
	}
	in, err := ff.initFor(cfg, tiling)
	if err != nil {
		return err
	}
	g, _, err := mrc.ReadGrid(pos[0])
	if err != nil {
		return err
	}
	if *cropModel != "" {
		m, err := model.ReadFile(*cropModel)
		if err != nil {
			return err
		}
		if g, _, err = grid.CropAround(g, m.HeavyAtoms().Positions(), *margin); err != nil {
			return fmt.Errorf("cropping %s around %s: %w", pos[0], *cropModel, err)
		}
	}
	var ids []int
	if *regions != "" {
		if ids, err = parseInts(*regions); err != nil {
			return fmt.Errorf("--regions: %w", err)
		}
	}
	if *shard != "" {
		all, err := region.Tile(g.Shape, tiling)
		if err != nil {
			return err
		}
		if ids, err = parseShard(*shard, len(all)); err != nil {
			return err
		}
		if len(ids) == 0 {
			return fmt.Errorf("--shard %s: the map has only %d regions, so this shard is empty", *shard, len(all))
		}
	}
	if *dryRun {
		return fitPlan(stdout, g.Shape, cfg, tiling, ids, *ff.preset, in, *asJSON)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	nm, err := fitMap(ctx, g, *out, neuralmap.FitOptions{Tiling: tiling, Config: cfg, Init: in, Resolution: *res, Regions: ids,
		Workers: *ff.workers, Stack: *ff.stack}, stderr, *asJSON)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; finished regions are saved in %s — run the same command to resume", *out)
		}
		return err
	}
	sum := map[string]any{"output": *out, "shape": g.Shape, "regions": len(nm.Regions), "fitted": len(nm.Fitted()),
		"complete": nm.Complete(), "summary": nm.FitSummary(), "seconds": time.Since(start).Seconds(), "preset": *ff.preset,
		"init": nm.Init, "steps": nm.TotalSteps()}
	if *asJSON {
		return writeJSON(stdout, sum)
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", *out, nm.FitSummary())
	return nil
}

// fitPlan describes what a fit would do: regions, network, parameters and
// the size of the weights, without training.
func fitPlan(w io.Writer, shape [3]int, cfg siren.Config, tiling region.Options, ids []int, preset string, in *metainit.Init, asJSON bool) error {
	regs, err := region.Tile(shape, tiling)
	if err != nil {
		return err
	}
	n := len(regs)
	if ids != nil {
		n = len(ids)
	}
	net, err := siren.NewNet(cfg)
	if err != nil {
		return err
	}
	params := 0
	for _, L := range net.Layers {
		params += len(L.W) + len(L.B)
	}
	plan := map[string]any{
		"shape": shape, "preset": preset, "region_size": tiling.Size, "overlap": tiling.Overlap,
		"regions": len(regs), "to_fit": n, "region_shape": regs[0].Shape(),
		"width": cfg.Width, "hidden_layers": cfg.HiddenLayers, "omega0": cfg.Omega0, "learning_rate": cfg.LearningRate,
		"params_per_region": params, "weights_bytes": 4 * params * n, "map_float32_bytes": 4 * shape[0] * shape[1] * shape[2],
		"max_steps": cfg.MaxSteps, "max_time_s": cfg.MaxTime.Seconds(), "init": initName(in),
	}
	if asJSON {
		return writeJSON(w, plan)
	}
	fmt.Fprintf(w, "map %v voxels → %d regions of %v voxels (≤ %d, overlap ≥ %d); fitting %d\n",
		shape, len(regs), regs[0].Shape(), tiling.Size, tiling.Overlap, n)
	fmt.Fprintf(w, "network (%s preset): %s, lr %g, %d parameters per region; caps %d steps, %v per region; initialisation %s\n",
		preset, cfg.ArchString(), cfg.LearningRate, params, cfg.MaxSteps, cfg.MaxTime, initName(in))
	fmt.Fprintf(w, "weights %.1f MB (the float32 map is %.1f MB); no fit done (--dry-run)\n",
		float64(4*params*n)/1e6, float64(4*shape[0]*shape[1]*shape[2])/1e6)
	return nil
}

// initName names an initialisation for messages: "random" or the learned
// file's name and SHA-256.
func initName(in *metainit.Init) string {
	if in == nil {
		return metainit.KindRandom
	}
	return fmt.Sprintf("learned %s (sha256 %s)", in.Name, in.SHA256)
}
