package neuralmap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/gomlx/compute"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// FitOptions configure Fit.
type FitOptions struct {
	// Tiling is the sub-region tiling (zero value: region.DefaultOptions,
	// the paper's 64-voxel regions overlapping by ≥ 4 voxels). Overlap must
	// be ≥ 2 voxels so the blend has room to ramp.
	Tiling region.Options
	// Config is the SIREN configuration (zero Width: siren.Preset("paper")).
	// Every region starts from the same initial weights (Init, or a network
	// drawn from Config.Seed: the same seed for every region, not one per
	// region), so a resumed or sharded fit trains each region exactly as
	// one uninterrupted run would, and one compiled training step serves
	// all regions.
	Config siren.Config
	// Init, if not nil, is the learned initialisation every region starts
	// from (metainit); nil starts from siren.NewNet(Config). Its network
	// must be Config's exactly and its region edge Tiling.Size, or Fit
	// fails naming both (Config.Seed is then unused). The map records it
	// (NeuralMap.Init), and a checkpoint made from another initialisation
	// is not resumed. Preset("cpu") sets the shipped one; set Init to nil
	// for random initial weights.
	Init *metainit.Init
	// Resolution is the map's resolution in Å, stored in the map (0 =
	// unknown).
	Resolution float64
	// Ramp is the blending ramp of the resulting map.
	Ramp Ramp
	// Regions lists the region IDs to fit (nil: all), for sharding a fit
	// over processes or machines; Merge joins the shards.
	Regions []int
	// Checkpoint, if not empty, is the path of the neural map file. It is
	// written atomically after each finished region (on large maps, once
	// the time since the last save is ten times that save's duration, so
	// that saving costs at most a tenth of the fit) and when Fit returns; if it exists when Fit starts,
	// its fitted regions are kept and only the others are trained, so a fit
	// killed at any moment resumes without redoing finished regions. The
	// file must have been made from the same map with the same tiling and
	// network architecture (width, hidden layers, ω0), or Fit fails; other
	// training settings may change between runs (each region's file entry
	// records its own).
	Checkpoint string
	// Backend is the GoMLX backend (nil: siren.NewBackend()).
	Backend compute.Backend
	// Workers is the number of regions trained at the same time, each by
	// its own goroutine. 0 chooses: on the pure-Go backend, whose training
	// step keeps only about one core busy (elementwise sine and cosine run
	// on one core), one worker per core (GOMAXPROCS), each with its own
	// backend (the first uses Backend, the others siren.NewBackend()):
	// measured 1.9× faster than one worker on 2 cores
	// (bench/siren/README.md); on other backends 1. A region's result does
	// not depend on the number of workers.
	Workers int
	// Normalization, if not nil, is used instead of fitting the paper's
	// normalisation on the map: for a crop, its parent map's (recorded by
	// 'neuralem crop', mrc.ParentNormalization), so that the crop's values
	// and its density-graph level μ + kσ mean what they mean on the whole
	// map. The map's values must lie within its [Lo, Hi].
	Normalization *grid.Normalization
	// NormalizationSource says where Normalization came from (stored in
	// the map as NeuralMap.NormSource; empty: fitted on this map).
	NormalizationSource string
	// Stack is the number of regions trained together in one stacked graph
	// (siren.StackTrainer, weights [K, out, in]); 0 or 1 trains one region
	// per graph. On the pure-Go backend stacking 8 regions measured only
	// 6–10 % faster than one after another, against 1.9× for Workers, so
	// the default is 1; stacking is meant for accelerators.
	Stack int
}

// PresetNames lists the names Preset accepts.
var PresetNames = []string{"paper", "cpu"}

// Preset returns the fit options of a named preset: its network
// (siren.Preset of the same name), the region tiling the network is sized
// for, and its default initialisation (metainit.Default: random weights
// for "paper", the shipped learned initialisation for "cpu": set Init to
// nil for random weights). Its optimizer is unset, so FitConfig chooses by
// the start: K-FAC from the learned initialisation, Adam from random
// weights.
// PresetNetwork is the preset without an initialisation.
//
//   - "paper": the paper's network (256 wide, 4 hidden sine layers) on the
//     paper's regions of at most 64 voxels per axis overlapping by ≥ 4.
//   - "cpu": a 64-wide network with 2 hidden sine layers on regions of at
//     most 16 voxels overlapping by ≥ 4. Small regions are what make CPUs
//     fast here: a 16³ region has 4,096 voxels for the network's 8,641
//     parameters, and it is fitted below MSE 1e-4 in ~150 steps of ~0.06 s,
//     while one 64³ region of the paper network takes ~25 s per step.
//     Measured on a 48³ crop of EMD-20026 (bench/siren/README.md §1): 64
//     regions in 303 s on 2 cores, blended-map MSE 8.2e-5 on every voxel
//     (the paper's bound is 4e-4).
func Preset(name string) (FitOptions, error) {
	o, err := PresetNetwork(name)
	if err != nil {
		return FitOptions{}, err
	}
	if o.Init, err = metainit.Default(name); err != nil {
		return FitOptions{}, fmt.Errorf("neuralmap: preset %q: %w", name, err)
	}
	return o, nil
}

// PresetNetwork is Preset without the default initialisation (Init nil,
// random initial weights): the network and tiling of the preset, which a
// learned initialisation is meta-learned for.
func PresetNetwork(name string) (FitOptions, error) {
	cfg, err := siren.Preset(name)
	if err != nil {
		return FitOptions{}, fmt.Errorf("neuralmap: %w", err)
	}
	t := region.DefaultOptions
	if name == "cpu" {
		t = region.Options{Size: CPURegionSize, Overlap: region.DefaultOptions.Overlap}
	}
	return FitOptions{Tiling: t, Config: cfg}, nil
}

// CPURegionSize is the region edge of the "cpu" preset, in voxels.
const CPURegionSize = 16

// FitProgress reports Fit's progress to its callback.
type FitProgress struct {
	// Region is the region being fitted.
	Region region.Region
	// Index is the position of Region among the regions this call fits
	// (0-based) and Total their number.
	Index, Total int
	// Step is the last training step's progress (zero when Done or
	// Resumed).
	Step siren.Progress
	// Done is true once, when Region's network is finished (and saved to the
	// checkpoint, if any); Report is then set.
	Done   bool
	Report *RegionReport
	// Resumed is true (with Done) for a region found already fitted in the
	// checkpoint and not trained again.
	Resumed bool
}

// ErrStopped is wrapped by the error Fit returns when its progress callback
// returned an error.
var ErrStopped = errors.New("neuralmap: fit stopped by the progress callback")

// Fit makes a neural map of g: it normalises g (grid.Normalize, or
// opts.Normalization), tiles it, and trains one SIREN per region on the
// region's voxel-centre coordinates (siren.RegionCoords, [−1, 1] per axis)
// and normalised values.
//
// With a Checkpoint, Fit holds an exclusive lock on it for the whole fit
// (a flock on Checkpoint+".lock"): a second Fit of the same file, in this
// process or another, fails at once with an error naming the holder's PID
// (*atomicfile.LockedError). Temporaries of the checkpoint left by a writer
// that was killed are removed.
//
// progress, if not nil, is called after every training step and once per
// finished region; if it returns an error, Fit stops (a region in training
// is abandoned, finished ones are kept and saved) and returns the partial
// map with an error wrapping ErrStopped and the callback's error. Cancelling
// ctx does the same with ctx.Err().
func Fit(ctx context.Context, g *grid.Grid, opts FitOptions, progress func(FitProgress) error) (*NeuralMap, error) {
	if opts.Checkpoint != "" {
		lock, err := atomicfile.Lock(opts.Checkpoint)
		if err != nil {
			return nil, fmt.Errorf("neuralmap: fit: %w", err)
		}
		defer lock.Release()
		if _, err := atomicfile.CleanStale(opts.Checkpoint); err != nil {
			return nil, fmt.Errorf("neuralmap: fit: %w", err)
		}
	}
	p, err := prepare(g, opts)
	if err != nil {
		return nil, err
	}
	opts, m, todo := p.opts, p.m, p.todo
	if opts.Checkpoint != "" && !p.resumed {
		if err := m.Save(opts.Checkpoint); err != nil {
			return nil, fmt.Errorf("neuralmap: fit: checkpoint: %w", err)
		}
	}

	var pending []int // positions in todo of the regions to train
	for k, id := range todo {
		rf := &m.Regions[id]
		if rf.Net == nil {
			pending = append(pending, k)
			continue
		}
		if progress != nil {
			rep := rf.Report
			if err := progress(FitProgress{Region: rf.Region, Index: k, Total: len(todo), Done: true, Report: &rep, Resumed: true}); err != nil {
				return m, fmt.Errorf("%w: %w", ErrStopped, err)
			}
		}
	}
	if len(pending) == 0 {
		return m, nil
	}
	if err := ctx.Err(); err != nil {
		return m, fmt.Errorf("neuralmap: fit: %w", err)
	}
	f := &fitRun{m: m, normed: p.normed, todo: todo, opts: opts, progress: progress}
	err = f.run(ctx, pending)
	if f.dirty {
		if serr := f.save(); serr != nil {
			err = errors.Join(err, fmt.Errorf("neuralmap: fit: checkpoint: %w", serr))
		}
	}
	return m, err
}

// prepared is a fit checked and set up by prepare.
type prepared struct {
	opts    FitOptions
	normed  *grid.Grid // the map on the networks' [−1, 1] scale
	m       *NeuralMap // every region unfitted, or the checkpoint's fitted ones
	todo    []int      // region IDs this fit covers, sorted
	resumed bool       // the checkpoint existed and was taken over
}

// prepare performs every check Fit makes before training (the grid, the
// options, the normalisation, the tiling and blending, the region list, and
// a checkpoint's compatibility) and sets the fit up, without writing
// anything. Fit and PlanFit share it, so a dry run refuses what a run
// refuses.
func prepare(g *grid.Grid, opts FitOptions) (*prepared, error) {
	if g == nil {
		return nil, fmt.Errorf("neuralmap: fit: nil grid")
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("neuralmap: fit: %w", err)
	}
	if len(g.Data) != g.Len() {
		return nil, fmt.Errorf("neuralmap: fit: grid data hold %d values, shape %v wants %d", len(g.Data), g.Shape, g.Len())
	}
	if opts.Tiling == (region.Options{}) {
		opts.Tiling = region.DefaultOptions
	}
	if opts.Config.Width == 0 {
		c, err := siren.Preset("paper")
		if err != nil {
			return nil, err
		}
		opts.Config = c
	}
	opts.Config = opts.FitConfig()
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("neuralmap: fit: %w", err)
	}
	if opts.Resolution < 0 || !isFinite(opts.Resolution) {
		return nil, fmt.Errorf("neuralmap: fit: Resolution = %g Å, want ≥ 0 (0 = unknown)", opts.Resolution)
	}
	if opts.Workers < 0 || opts.Stack < 0 {
		return nil, fmt.Errorf("neuralmap: fit: Workers = %d, Stack = %d, want ≥ 0 (0: the default)", opts.Workers, opts.Stack)
	}
	if err := checkInit(opts.Init, opts.Config, opts.Tiling); err != nil {
		return nil, fmt.Errorf("neuralmap: fit: %w", err)
	}
	rec, err := RecordInit(opts.Init)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: fit: %w", err)
	}
	normed, norm, err := normalize(g, opts.Normalization)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: fit: %w", err)
	}
	m, err := New(g.Frame, norm, opts.Tiling)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: fit: %w", err)
	}
	m.Init = rec
	m.Resolution = opts.Resolution
	m.Ramp = opts.Ramp
	m.NormSource = opts.NormalizationSource
	todo, err := selectRegions(m, opts.Regions)
	if err != nil {
		return nil, err
	}
	p := &prepared{opts: opts, normed: normed, m: m, todo: todo}
	if opts.Checkpoint != "" {
		prev, err := Load(opts.Checkpoint)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("neuralmap: fit: resuming from the checkpoint: %w", err)
		default:
			if err := compatible(prev, m, opts.Config); err != nil {
				return nil, fmt.Errorf("neuralmap: fit: checkpoint %s was made differently (%v); remove it or use another path", opts.Checkpoint, err)
			}
			for i := range m.Regions {
				m.Regions[i].Net = prev.Regions[i].Net
				m.Regions[i].Report = prev.Regions[i].Report
			}
			p.resumed = true
		}
	}
	return p, nil
}

// FitConfig returns the network configuration a fit with o trains with:
// o.Config, with an unset optimizer (Config.Optimizer "", as the presets
// leave it) chosen by the start — from a learned initialisation, K-FAC with
// the output layer solved (siren.OptimizerKFAC); from random weights, Adam
// (the paper's fit). An optimizer that is set is kept.
//
// Why (bench/meta/README.md § (h), held-out maps): from the shipped
// learned initialisation K-FAC reaches MSE 1e-4 in 2.5× fewer steps than
// Adam and fits as smoothly between voxels or better; from random weights
// it fits the voxels in even fewer steps but leaves spurious maxima
// between them (four to six times the density-graph nodes, twice the
// interpolation error), so random weights keep Adam.
func (o FitOptions) FitConfig() siren.Config {
	c := o.Config
	if c.Optimizer == "" {
		if o.Init != nil {
			c.Optimizer, c.SolveOutput = siren.OptimizerKFAC, true
		} else {
			c.Optimizer = siren.OptimizerAdam
		}
	}
	return c
}

// CheckInit reports, naming both, a learned initialisation (o.Init) that
// does not fit o.Config's network exactly or o.Tiling's region size (zero
// Tiling: region.DefaultOptions); nil Init fits everything. Fit and
// PlanFit make the same check.
func (o FitOptions) CheckInit() error {
	if o.Tiling == (region.Options{}) {
		o.Tiling = region.DefaultOptions
	}
	return checkInit(o.Init, o.Config, o.Tiling)
}

// checkInit reports a learned initialisation in that does not fit the
// network cfg (Init.Check: the architecture exactly) or regions of up to
// tiling.Size voxels (the edge it was learned on), naming both; nil in
// (random weights) fits everything.
func checkInit(in *metainit.Init, cfg siren.Config, tiling region.Options) error {
	if in == nil {
		return nil
	}
	if err := in.Check(cfg); err != nil {
		return err
	}
	if e := in.Meta.RegionEdge; e > 0 && e != tiling.Size {
		return fmt.Errorf("the initialisation %s was learned on %d-voxel regions; this fit tiles regions of up to %d voxels (use the same region size, or a random initialisation)",
			in.Name, e, tiling.Size)
	}
	return nil
}

// normalize applies the given normalisation (checked against g) or fits
// one on g.
func normalize(g *grid.Grid, given *grid.Normalization) (*grid.Grid, grid.Normalization, error) {
	if given == nil {
		return grid.Normalize(g)
	}
	n := *given
	if !isFinite(n.Lo) || !isFinite(n.Hi) || !(n.Hi > n.Lo) || !isFinite(n.Mean01) || !(n.Std01 >= 0) || !isFinite(n.Std01) {
		return nil, grid.Normalization{}, fmt.Errorf("FitOptions.Normalization Lo = %g, Hi = %g, Mean01 = %g, Std01 = %g: want finite Lo < Hi and Std01 ≥ 0", n.Lo, n.Hi, n.Mean01, n.Std01)
	}
	st := g.Stats()
	if st.NaN+st.Inf > 0 {
		return nil, grid.Normalization{}, fmt.Errorf("cannot normalise: data hold %d NaN and %d Inf values", st.NaN, st.Inf)
	}
	if tol := 1e-6 * (n.Hi - n.Lo); st.Max > n.Hi+tol {
		return nil, grid.Normalization{}, fmt.Errorf("the map's maximum %g is above the given normalisation's Hi = %g: it is not a crop of the map that normalisation was fitted on", st.Max, n.Hi)
	}
	return n.Apply(g), n, nil
}

// fitRun trains the pending regions of one Fit call with one or more
// workers; mu serialises the map, the checkpoint and the callback.
type fitRun struct {
	m        *NeuralMap
	normed   *grid.Grid
	todo     []int
	opts     FitOptions
	progress func(FitProgress) error

	mu    sync.Mutex
	cbErr error // first error returned by the progress callback

	// Checkpoint saves (under mu): the end of the last one, its
	// duration, and whether finished regions are not saved yet.
	lastSave time.Time
	saveCost time.Duration
	dirty    bool
}

// run trains the regions at positions pending of f.todo and returns the
// first error.
func (f *fitRun) run(ctx context.Context, pending []int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Regions whose values are all equal (the zeros outside a masked map's
	// mask) are set exactly instead of trained.
	var train []int
	for _, k := range pending {
		reg := f.m.Regions[f.todo[k]].Region
		c, ok, err := constantValue(f.normed, reg)
		if err != nil {
			return err
		}
		if !ok {
			train = append(train, k)
			continue
		}
		net, err := siren.ConstantNet(f.opts.Config, c)
		if err != nil {
			return fmt.Errorf("neuralmap: fit: region %d: %w", reg.ID, err)
		}
		if err := f.done(cancel, k, net, &siren.FitReport{StopReason: siren.StopConstant}); err != nil {
			return err
		}
	}
	pending = train
	if len(pending) == 0 {
		return nil
	}
	first := f.opts.Backend
	if first == nil {
		var err error
		if first, err = siren.NewBackend(); err != nil {
			return fmt.Errorf("neuralmap: fit: %w", err)
		}
	}
	stack := max(f.opts.Stack, 1)
	var groups [][]int
	for len(pending) > 0 {
		n := min(stack, len(pending))
		groups = append(groups, pending[:n])
		pending = pending[n:]
	}
	workers := f.opts.Workers
	if workers <= 0 {
		workers = 1
		if siren.IsGoBackend(first) {
			workers = runtime.GOMAXPROCS(0)
		}
	}
	workers = min(workers, len(groups))

	jobs := make(chan []int)
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			errs <- f.worker(ctx, cancel, w, first, jobs)
		}()
	}
	go func() {
		defer close(jobs)
		for _, g := range groups {
			select {
			case jobs <- g:
			case <-ctx.Done():
				return
			}
		}
	}()
	var firstErr error
	for range workers {
		if err := <-errs; err != nil && firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	return firstErr
}

// worker trains the groups it receives on its own backend (the shared
// first one for worker 0) until jobs closes or an error occurs.
func (f *fitRun) worker(ctx context.Context, cancel func(), w int, first compute.Backend, jobs <-chan []int) error {
	var (
		backend = first
		trainer *siren.Trainer
		stacker *siren.StackTrainer
		init    *siren.Net
		err     error
	)
	for group := range jobs {
		if err := ctx.Err(); err != nil {
			return f.stopErr(nil, err)
		}
		if init == nil {
			if w > 0 {
				if backend, err = siren.NewBackend(); err != nil {
					return fmt.Errorf("neuralmap: fit: worker %d: %w", w, err)
				}
			}
			if f.opts.Init != nil {
				init = f.opts.Init.Net.Clone()
			} else if init, err = siren.NewNet(f.opts.Config); err != nil {
				return fmt.Errorf("neuralmap: fit: %w", err)
			}
		}
		if len(group) == 1 {
			if trainer == nil {
				if trainer, err = siren.NewTrainer(backend, f.opts.Config); err != nil {
					return fmt.Errorf("neuralmap: fit: %w", err)
				}
			}
			err = f.fitOne(ctx, cancel, trainer, init, group[0])
		} else {
			if stacker == nil {
				if stacker, err = siren.NewStackTrainer(backend, f.opts.Config); err != nil {
					return fmt.Errorf("neuralmap: fit: %w", err)
				}
			}
			err = f.fitStack(ctx, cancel, stacker, init, group)
		}
		if err != nil {
			return err
		}
	}
	return f.stopErr(nil, ctx.Err())
}

// stopErr turns a cancellation into Fit's error: the callback's, if it
// caused it, or the caller's context error; reg, if not nil, is the region
// that was being trained.
func (f *fitRun) stopErr(reg *region.Region, err error) error {
	if err == nil {
		return nil
	}
	during := ""
	if reg != nil {
		during = fmt.Sprintf(" during region %d", reg.ID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cbErr != nil {
		return fmt.Errorf("%w%s: %w", ErrStopped, during, f.cbErr)
	}
	return fmt.Errorf("neuralmap: fit%s: %w", during, err)
}

// report calls the progress callback (serialised) and cancels the fit if it
// returns an error; it reports whether the fit goes on.
func (f *fitRun) report(cancel func(), p FitProgress) bool {
	if f.progress == nil {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cbErr != nil {
		return false
	}
	if f.cbErr = f.progress(p); f.cbErr != nil {
		cancel()
		return false
	}
	return true
}

// done stores a finished region in the map, saves the checkpoint and
// reports it.
func (f *fitRun) done(cancel func(), k int, net *siren.Net, rep *siren.FitReport) error {
	f.mu.Lock()
	rf := &f.m.Regions[f.todo[k]]
	rf.Net = net
	rf.Report = RegionReport{Steps: rep.Steps, BestStep: rep.BestStep, BestLoss: rep.BestLoss, TrainTime: rep.Duration, StopReason: string(rep.StopReason)}
	r := rf.Report
	var err error
	if f.opts.Checkpoint != "" {
		// Saving rewrites the whole file: on maps of thousands of regions
		// it is kept to a tenth of the time (the last save's cost × 10
		// since it), and Fit saves what is left when it returns.
		if time.Since(f.lastSave) >= 10*f.saveCost {
			err = f.save()
		} else {
			f.dirty = true
		}
	}
	f.mu.Unlock()
	if err != nil {
		return fmt.Errorf("neuralmap: fit: checkpoint after region %d: %w", rf.Region.ID, err)
	}
	if !f.report(cancel, FitProgress{Region: rf.Region, Index: k, Total: len(f.todo), Done: true, Report: &r}) {
		return f.stopErr(nil, context.Canceled)
	}
	return nil
}

// save writes the checkpoint and times it; f.mu is held or the workers
// have stopped.
func (f *fitRun) save() error {
	start := time.Now()
	err := f.m.Save(f.opts.Checkpoint)
	f.lastSave = time.Now()
	f.saveCost = f.lastSave.Sub(start)
	f.dirty = err != nil
	return err
}

// constantValue reports whether all of the region's values in normed are
// equal, and the value.
func constantValue(normed *grid.Grid, r region.Region) (float32, bool, error) {
	sub, err := grid.Crop(normed, r.Lo, r.Hi)
	if err != nil {
		return 0, false, fmt.Errorf("neuralmap: fit: region %d: %w", r.ID, err)
	}
	c := sub.Data[0]
	for _, v := range sub.Data {
		if v != c {
			return 0, false, nil
		}
	}
	return c, true, nil
}

// fitOne trains the region at position k of f.todo.
func (f *fitRun) fitOne(ctx context.Context, cancel func(), trainer *siren.Trainer, init *siren.Net, k int) error {
	reg := f.m.Regions[f.todo[k]].Region
	x, y, err := regionData(f.normed, reg)
	if err != nil {
		return err
	}
	var step func(siren.Progress)
	if f.progress != nil {
		step = func(p siren.Progress) {
			f.report(cancel, FitProgress{Region: reg, Index: k, Total: len(f.todo), Step: p})
		}
	}
	net, rep, err := trainer.FitFrom(ctx, init, x, y, step)
	switch {
	case ctx.Err() != nil:
		return f.stopErr(&reg, ctx.Err())
	case err != nil:
		return fmt.Errorf("neuralmap: fit: region %d (voxels %v–%v): %w", reg.ID, reg.Lo, reg.Hi, err)
	}
	return f.done(cancel, k, net, rep)
}

// fitStack trains the regions at positions group of f.todo in one stack.
func (f *fitRun) fitStack(ctx context.Context, cancel func(), st *siren.StackTrainer, init *siren.Net, group []int) error {
	var x []float32
	ys := make([][]float32, len(group))
	inits := make([]*siren.Net, len(group))
	for i, k := range group {
		reg := f.m.Regions[f.todo[k]].Region
		xi, y, err := regionData(f.normed, reg)
		if err != nil {
			return err
		}
		x, ys[i], inits[i] = xi, y, init
	}
	var doneErr error
	_, _, err := st.FitStack(ctx, inits, x, ys, func(p siren.StackProgress) {
		k := group[p.Index]
		if p.Done {
			if ctx.Err() == nil && doneErr == nil {
				doneErr = f.done(cancel, k, p.Net, p.Report)
			}
			return
		}
		f.report(cancel, FitProgress{Region: f.m.Regions[f.todo[k]].Region, Index: k, Total: len(f.todo), Step: p.Step})
	})
	reg := f.m.Regions[f.todo[group[0]]].Region
	switch {
	case doneErr != nil:
		return doneErr
	case ctx.Err() != nil:
		return f.stopErr(&reg, ctx.Err())
	case err != nil:
		return fmt.Errorf("neuralmap: fit: regions %d… (stack of %d): %w", reg.ID, len(group), err)
	}
	return nil
}

// selectRegions returns the region IDs to fit, in order.
func selectRegions(m *NeuralMap, ids []int) ([]int, error) {
	if ids == nil {
		all := make([]int, len(m.Regions))
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("neuralmap: fit: Regions is empty (nil fits all)")
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	for i, id := range out {
		if id < 0 || id >= len(m.Regions) {
			return nil, fmt.Errorf("neuralmap: fit: Regions holds ID %d, the tiling has IDs 0–%d", id, len(m.Regions)-1)
		}
		if i > 0 && out[i-1] == id {
			return nil, fmt.Errorf("neuralmap: fit: Regions holds ID %d twice", id)
		}
	}
	return out, nil
}

// regionData returns the region's voxel-centre coordinates in [−1, 1] and
// its normalised values, both X fastest.
func regionData(normed *grid.Grid, r region.Region) (x, y []float32, err error) {
	sub, err := grid.Crop(normed, r.Lo, r.Hi)
	if err != nil {
		return nil, nil, fmt.Errorf("neuralmap: fit: region %d: %w", r.ID, err)
	}
	x, err = siren.RegionCoords(sub.Shape)
	if err != nil {
		return nil, nil, fmt.Errorf("neuralmap: fit: region %d: %w", r.ID, err)
	}
	return x, sub.Data, nil
}

// compatible reports why a checkpoint cannot be resumed into m with cfg.
func compatible(prev, m *NeuralMap, cfg siren.Config) error {
	switch {
	case prev.Frame != m.Frame:
		return fmt.Errorf("frame %+v, this map %+v", prev.Frame, m.Frame)
	case prev.Tiling != m.Tiling:
		return fmt.Errorf("tiling %+v, now %+v", prev.Tiling, m.Tiling)
	case prev.Init != m.Init:
		return fmt.Errorf("initial weights %s, this fit %s", prev.Init, m.Init)
	case prev.Norm.Lo != m.Norm.Lo || prev.Norm.Hi != m.Norm.Hi || prev.Norm.Count != m.Norm.Count ||
		math.Abs(prev.Norm.Mean01-m.Norm.Mean01) > 1e-9*math.Max(1, math.Abs(m.Norm.Mean01)):
		return fmt.Errorf("normalisation %+v, this map %+v (different map values)", prev.Norm, m.Norm)
	}
	for _, r := range prev.Regions {
		if r.Net == nil {
			continue
		}
		c := r.Net.Config
		if !c.SameArch(cfg) {
			return fmt.Errorf("region %d was trained with %s; now %s", r.Region.ID, c.ArchString(), cfg.ArchString())
		}
	}
	return nil
}

// Merge joins partial maps of the same map and tiling (shards fitted with
// FitOptions.Regions) into one. Every difference between shards is an error
// naming the field, both values and both shards (by NeuralMap.Source, the
// file they were loaded from, or "map i"): the frame, tiling, normalisation,
// μ and σ, resolution, blending ramp, initial weights (NeuralMap.Init:
// random, or which learned initialisation), and the networks' architecture,
// initialisation, seed and training settings (all but MaxTime, a wall-clock
// cap that may differ between machines). A region fitted in two shards is
// an error naming both.
func Merge(shards ...*NeuralMap) (*NeuralMap, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("neuralmap: merge: no maps")
	}
	name := func(i int) string {
		if shards[i].Source != "" {
			return shards[i].Source
		}
		return fmt.Sprintf("map %d", i)
	}
	first := shards[0]
	out := &NeuralMap{Frame: first.Frame, Norm: first.Norm, NormSource: first.NormSource, Mu: first.Mu, Sigma: first.Sigma,
		Resolution: first.Resolution, Tiling: first.Tiling, Ramp: first.Ramp, Init: first.Init,
		Regions: slices.Clone(first.Regions)}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("neuralmap: merge: %s: %w", name(0), err)
	}
	from := make([]int, len(out.Regions)) // shard each region comes from
	for s := 1; s < len(shards); s++ {
		sh := shards[s]
		if field, a, b := mapDiff(first, sh); field != "" {
			return nil, fmt.Errorf("neuralmap: merge: %s differs: %s has %s, %s has %s; shards of one map must share it", field, name(0), a, name(s), b)
		}
		for i, r := range sh.Regions {
			if r.Net == nil {
				continue
			}
			if out.Regions[i].Net != nil {
				return nil, fmt.Errorf("neuralmap: merge: region %d is fitted in both %s and %s", r.Region.ID, name(from[i]), name(s))
			}
			out.Regions[i] = r
			from[i] = s
		}
	}
	// Networks: every region's settings against the first fitted region's,
	// across shards (within one file a resumed fit may have changed them).
	ref := -1
	for i, r := range out.Regions {
		if r.Net == nil {
			continue
		}
		if ref < 0 {
			ref = i
			continue
		}
		if from[i] == from[ref] {
			continue
		}
		if field, a, b := configDiff(out.Regions[ref].Net.Config, r.Net.Config); field != "" {
			return nil, fmt.Errorf("neuralmap: merge: %s differs: %s (region %d) has %s, %s (region %d) has %s; shards of one map must be fitted with the same settings",
				field, name(from[ref]), out.Regions[ref].Region.ID, a, name(from[i]), r.Region.ID, b)
		}
	}
	return out, nil
}

// field is a named pair of values to compare.
type field struct {
	name   string
	va, vb any
}

// firstDiff returns the first field whose two values print differently,
// and the two values; "" if none.
func firstDiff(fields []field) (name, va, vb string) {
	for _, c := range fields {
		if x, y := fmt.Sprint(c.va), fmt.Sprint(c.vb); x != y {
			return c.name, x, y
		}
	}
	return "", "", ""
}

// mapDiff returns the first map-level field in which a and b differ, and
// the two values; "" if none.
func mapDiff(a, b *NeuralMap) (name, va, vb string) {
	return firstDiff([]field{
		{"frame shape", a.Frame.Shape, b.Frame.Shape},
		{"voxel size (Å)", a.Frame.Spacing, b.Frame.Spacing},
		{"origin (Å)", a.Frame.Origin, b.Frame.Origin},
		{"tiling (region size, overlap)", [2]int{a.Tiling.Size, a.Tiling.Overlap}, [2]int{b.Tiling.Size, b.Tiling.Overlap}},
		{"number of regions", len(a.Regions), len(b.Regions)},
		{"normalisation Lo", a.Norm.Lo, b.Norm.Lo},
		{"normalisation Hi", a.Norm.Hi, b.Norm.Hi},
		{"normalisation voxel count", a.Norm.Count, b.Norm.Count},
		{"normalisation clamped count", a.Norm.Clamped, b.Norm.Clamped},
		{"normalisation Mean01", a.Norm.Mean01, b.Norm.Mean01},
		{"normalisation Std01", a.Norm.Std01, b.Norm.Std01},
		{"normalisation source", fmt.Sprintf("%q", a.NormSource), fmt.Sprintf("%q", b.NormSource)},
		{"μ", a.Mu, b.Mu},
		{"σ", a.Sigma, b.Sigma},
		{"resolution (Å)", a.Resolution, b.Resolution},
		{"blending ramp", a.Ramp, b.Ramp},
		{"initial weights", a.Init, b.Init},
	})
}

// configDiff returns the first network setting in which a and b differ
// (MaxTime excepted), and the two values; "" if none.
func configDiff(a, b siren.Config) (name, va, vb string) {
	return firstDiff([]field{
		{"network width", a.Width, b.Width},
		{"hidden layers", a.HiddenLayers, b.HiddenLayers},
		{"ω0", a.Omega0, b.Omega0},
		{"input-layer ω0", a.InputOmega0(), b.InputOmega0()},
		{"initialisation", a.Init, b.Init},
		{"seed", a.Seed, b.Seed},
		{"learning rate", a.LearningRate, b.LearningRate},
		{"output layer solved", a.SolveOutput, b.SolveOutput},
		{"optimizer", a.OptimizerName(), b.OptimizerName()},
		{"step cap", a.MaxSteps, b.MaxSteps},
		{"patience", a.Patience, b.Patience},
		{"LowLoss", a.LowLoss, b.LowLoss},
		{"HighLoss", a.HighLoss, b.HighLoss},
	})
}

// Network describes the network and training of the map's fitted regions
// (siren.Config.ArchString and TrainingString; every fitted region of a
// map has one configuration, which Merge and resuming check), e.g. "Width
// 64, HiddenLayers 2, Omega0 30, K-FAC on the sine layers, output layer
// solved by least squares at every step"; "" if no region is fitted.
func (m *NeuralMap) Network() string {
	for _, r := range m.Regions {
		if r.Net != nil {
			return r.Net.Config.ArchString() + ", " + r.Net.Config.TrainingString()
		}
	}
	return ""
}

// FitSummary sums up a map's training in one line.
func (m *NeuralMap) FitSummary() string {
	var steps int
	var worst float64
	var total float64
	for _, r := range m.Regions {
		if r.Net == nil {
			continue
		}
		steps += r.Report.Steps
		worst = math.Max(worst, r.Report.BestLoss)
		total += r.Report.TrainTime.Seconds()
	}
	return fmt.Sprintf("%d of %d regions fitted, %d steps, worst best-loss %.3g, %.1f s training", len(m.Fitted()), len(m.Regions), steps, worst, total)
}
