package neuralmap

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// Plan is what Fit would do with a map and options, found by the same
// checks Fit makes (PlanFit), without training.
type Plan struct {
	// Shape is the map's shape in voxels.
	Shape [3]int
	// Tiling and Config are the options Fit would use (defaults filled in).
	Tiling region.Options
	Config siren.Config
	// Regions is the number of regions of the tiling; RegionShape their
	// shape (every window along an axis has the same length).
	Regions     int
	RegionShape [3]int
	// ToFit are the region IDs the fit covers; Resumed those of them
	// already fitted in the checkpoint, which a run would not train again.
	ToFit, Resumed []int
	// Constant are the regions to fit, not resumed, whose values are all
	// equal: Fit sets them exactly (siren.ConstantNet), without training.
	Constant []int
	// Params is the number of network parameters per region.
	Params int
	// Norm is the normalisation the fit would use.
	Norm grid.Normalization
	// Init is the initial weights every region would start from (random,
	// or a learned initialisation, checked against Config and Tiling).
	Init InitRecord
	// Workers is the number of regions Fit would train at the same time.
	Workers int

	prep *prepared
}

// PlanFit checks g and opts exactly as Fit does — the grid, the options,
// the normalisation (a constant map is refused), the tiling and blending,
// the region list, an existing checkpoint's compatibility, and that no other
// writer holds the checkpoint's lock — and returns what the fit would do.
// It writes nothing.
func PlanFit(g *grid.Grid, opts FitOptions) (*Plan, error) {
	if opts.Checkpoint != "" {
		lock, err := atomicfile.Lock(opts.Checkpoint)
		if err != nil {
			return nil, fmt.Errorf("neuralmap: fit: %w", err)
		}
		lock.Release()
	}
	p, err := prepare(g, opts)
	if err != nil {
		return nil, err
	}
	net, err := siren.NewNet(p.opts.Config)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Shape: g.Shape, Tiling: p.opts.Tiling, Config: p.opts.Config, Regions: len(p.m.Regions),
		RegionShape: p.m.Regions[0].Region.Shape(), ToFit: p.todo, Norm: p.m.Norm, Init: p.m.Init, prep: p}
	for _, L := range net.Layers {
		plan.Params += len(L.W) + len(L.B)
	}
	for _, id := range p.todo {
		if p.m.Regions[id].Net != nil {
			plan.Resumed = append(plan.Resumed, id)
			continue
		}
		_, constant, err := constantValue(p.normed, p.m.Regions[id].Region)
		if err != nil {
			return nil, err
		}
		if constant {
			plan.Constant = append(plan.Constant, id)
		}
	}
	if p.opts.Backend == nil {
		if p.opts.Backend, err = siren.NewBackend(); err != nil {
			return nil, fmt.Errorf("neuralmap: fit: %w", err)
		}
	}
	plan.Workers = p.opts.Workers
	if plan.Workers <= 0 {
		plan.Workers = 1
		if siren.IsGoBackend(p.opts.Backend) {
			plan.Workers = runtime.GOMAXPROCS(0)
		}
	}
	plan.Workers = max(1, min(plan.Workers, plan.Trained()))
	return plan, nil
}

// Trained is the number of regions a run would train: those to fit, less
// the resumed and the constant ones.
func (p *Plan) Trained() int { return len(p.ToFit) - len(p.Resumed) - len(p.Constant) }

// StepsRecord is a measured number of training steps per region and where
// it was measured.
type StepsRecord struct {
	Median int
	Source string
}

// PresetSteps returns the measured median number of training steps per
// region of a named preset from the initialisation in (nil: random
// weights), with the output layer solved at every step or not
// (siren.Config.SolveOutput) and by Adam or K-FAC (siren.Config.Optimizer), for time estimates; ok is false when none has
// been measured. For an initialisation other than the preset's shipped one
// it returns the random-weights median, which such a fit likely beats, and
// Source says so. Change it when a preset or its shipped initialisation
// changes.
func PresetSteps(name string, in *metainit.Init, cfg siren.Config) (rec StepsRecord, ok bool) {
	if name != "cpu" {
		return StepsRecord{}, false
	}
	random := StepsRecord{155, "bench/siren/README.md §1: 9,956 steps for the 64 regions of a 48³ crop of EMD-20026 from random weights, 144–160 per region"}
	learned := StepsRecord{50, "bench/meta/README.md § The shipped initialisation (a): medians of 58.5, 47.5 and 49.5 steps per 16³ region to MSE 1e-4 from the shipped initialisation on the held-out EMD-20026 crop, EMD-20026 and EMD-2566 maps"}
	switch {
	case cfg.OptimizerName() == siren.OptimizerKFAC:
		random = StepsRecord{12, "bench/meta/README.md § (h): medians of 12.0, 11.0 and 12.0 steps per 16³ region to MSE 1e-4 from random weights with K-FAC, on the held-out EMD-20026 crop, EMD-20026 and EMD-2566 maps"}
		learned = StepsRecord{22, "bench/meta/README.md § (h): medians of 23.5, 20.5 and 22.0 steps per 16³ region to MSE 1e-4 from the shipped initialisation with K-FAC, on the held-out EMD-20026 crop, EMD-20026 and EMD-2566 maps"}
	case cfg.SolveOutput:
		random = StepsRecord{45, "bench/siren/README.md § 9: medians of 51.0, 41.0 and 45.0 steps per 16³ region to MSE 1e-4 from random weights with the output layer solved, on the held-out EMD-20026 crop, EMD-20026 and EMD-2566 maps"}
		learned = StepsRecord{50, "bench/siren/README.md § 9: medians of 56.5, 46.5 and 49.0 steps per 16³ region to MSE 1e-4 from the shipped initialisation with the output layer solved, on the held-out EMD-20026 crop, EMD-20026 and EMD-2566 maps"}
	}
	if in == nil {
		return random, true
	}
	if shipped, err := metainit.Learned(name); err == nil && shipped.SHA256 == in.SHA256 {
		return learned, true
	}
	random.Source += "; measured from random initial weights, so a fit from the learned initialisation " + in.Name + " likely needs fewer (bench/meta/README.md)"
	return random, true
}

// TimeEstimate is an estimate of a fit's wall time from a few timed
// training steps.
type TimeEstimate struct {
	// TimedSteps steps of one region were timed; Compile is the first
	// step's time (graph building and compilation, once per worker) and
	// PerStep the mean of the others.
	TimedSteps int
	Compile    time.Duration
	PerStep    time.Duration
	// Regions is the number of regions to train (resumed and constant
	// ones excluded),
	// Workers how many train at once.
	Regions, Workers int
	// StepsPerRegion is the assumption (StepsSource says where it comes
	// from); Wall = Compile + ⌈Regions/Workers⌉ · StepsPerRegion · PerStep.
	StepsPerRegion int
	StepsSource    string
	Wall           time.Duration
	// MaxWall is the same with every region running to the step cap (0 if
	// there is none); a fit is also bounded by the time cap per region.
	MaxWall time.Duration
}

// EstimateTime trains the plan's first region to fit for steps steps (at
// least 3; the weights are thrown away), and estimates the fit's wall time
// from the step time, assuming stepsPerRegion steps per region (e.g. a
// PresetSteps median; stepsSource says where it comes from) and that the
// plan's workers run in parallel at that step time each (on 2 cores, 2
// workers measured 1.9× one: bench/siren/README.md). FitOptions.Stack > 1
// is not modelled (it trains regions together, each step costing more).
func (p *Plan) EstimateTime(ctx context.Context, steps, stepsPerRegion int, stepsSource string) (*TimeEstimate, error) {
	if steps < 3 {
		return nil, fmt.Errorf("neuralmap: estimate: %d timed steps, want ≥ 3", steps)
	}
	if stepsPerRegion <= 0 {
		return nil, fmt.Errorf("neuralmap: estimate: %d steps per region, want > 0", stepsPerRegion)
	}
	e := &TimeEstimate{TimedSteps: steps, Regions: p.Trained(), Workers: p.Workers,
		StepsPerRegion: stepsPerRegion, StepsSource: stepsSource}
	if e.Regions == 0 {
		return e, nil
	}
	id := p.ToFit[0]
	for _, r := range p.ToFit {
		if p.prep.m.Regions[r].Net == nil && !slices.Contains(p.Constant, r) {
			id = r
			break
		}
	}
	cfg := p.Config
	cfg.MaxSteps, cfg.MaxTime, cfg.LowLoss, cfg.HighLoss, cfg.Patience = steps, 0, 0, 0, steps+1
	tr, err := siren.NewTrainer(p.prep.opts.Backend, cfg)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: estimate: %w", err)
	}
	x, y, err := regionData(p.prep.normed, p.prep.m.Regions[id].Region)
	if err != nil {
		return nil, err
	}
	var at []time.Duration
	_, _, err = tr.Fit(ctx, x, y, func(pr siren.Progress) { at = append(at, pr.Elapsed) })
	if err != nil && !errors.Is(err, siren.ErrNonFinite) {
		return nil, fmt.Errorf("neuralmap: estimate: timing region %d: %w", id, err)
	}
	if len(at) < 3 {
		return nil, fmt.Errorf("neuralmap: estimate: only %d steps ran", len(at))
	}
	e.TimedSteps = len(at)
	e.Compile = at[0]
	e.PerStep = (at[len(at)-1] - at[0]) / time.Duration(len(at)-1)
	rounds := (e.Regions + e.Workers - 1) / e.Workers
	e.Wall = e.Compile + time.Duration(rounds*stepsPerRegion)*e.PerStep
	if p.Config.MaxSteps > 0 {
		e.MaxWall = e.Compile + time.Duration(rounds*p.Config.MaxSteps)*e.PerStep
	}
	return e, nil
}
