package neuralmap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"

	"github.com/gomlx/compute"
	"github.com/neuralem/neuralem/neuralem/grid"
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
	// Every region starts from the same initial weights (Config.Seed), so a
	// resumed or sharded fit trains each region exactly as one uninterrupted
	// run would, and one compiled training step serves all regions.
	Config siren.Config
	// Resolution is the map's resolution in Å, stored in the map (0 =
	// unknown).
	Resolution float64
	// Ramp is the blending ramp of the resulting map.
	Ramp Ramp
	// Regions lists the region IDs to fit (nil: all), for sharding a fit
	// over processes or machines; Merge joins the shards.
	Regions []int
	// Checkpoint, if not empty, is the path of the neural map file. It is
	// written atomically after each region; if it exists when Fit starts,
	// its fitted regions are kept and only the others are trained, so a fit
	// killed at any moment resumes without redoing finished regions. The
	// file must have been made from the same map with the same tiling and
	// network architecture (width, hidden layers, ω0), or Fit fails; other
	// training settings may change between runs (each region's file entry
	// records its own).
	Checkpoint string
	// Backend is the GoMLX backend (nil: siren.NewBackend()).
	Backend compute.Backend
}

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

// Fit makes a neural map of g: it normalises g (grid.Normalize), tiles it,
// and trains one SIREN per region on the region's voxel-centre coordinates
// (siren.RegionCoords, [−1, 1] per axis) and normalised values.
//
// progress, if not nil, is called after every training step and once per
// finished region; if it returns an error, Fit stops (a region in training
// is abandoned, finished ones are kept and saved) and returns the partial
// map with an error wrapping ErrStopped and the callback's error. Cancelling
// ctx does the same with ctx.Err().
func Fit(ctx context.Context, g *grid.Grid, opts FitOptions, progress func(FitProgress) error) (*NeuralMap, error) {
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
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("neuralmap: fit: %w", err)
	}
	if opts.Resolution < 0 || !isFinite(opts.Resolution) {
		return nil, fmt.Errorf("neuralmap: fit: Resolution = %g Å, want ≥ 0 (0 = unknown)", opts.Resolution)
	}
	normed, norm, err := grid.Normalize(g)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: fit: %w", err)
	}
	m, err := New(g.Frame, norm, opts.Tiling)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: fit: %w", err)
	}
	m.Resolution = opts.Resolution
	m.Ramp = opts.Ramp
	todo, err := selectRegions(m, opts.Regions)
	if err != nil {
		return nil, err
	}

	if opts.Checkpoint != "" {
		prev, err := Load(opts.Checkpoint)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := m.Save(opts.Checkpoint); err != nil {
				return nil, fmt.Errorf("neuralmap: fit: checkpoint: %w", err)
			}
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
		}
	}

	var trainer *siren.Trainer
	for k, id := range todo {
		rf := &m.Regions[id]
		if rf.Net != nil {
			if progress != nil {
				rep := rf.Report
				if err := progress(FitProgress{Region: rf.Region, Index: k, Total: len(todo), Done: true, Report: &rep, Resumed: true}); err != nil {
					return m, fmt.Errorf("%w: %w", ErrStopped, err)
				}
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return m, fmt.Errorf("neuralmap: fit: %w", err)
		}
		x, y, err := regionData(normed, rf.Region)
		if err != nil {
			return m, err
		}
		if trainer == nil {
			if trainer, err = siren.NewTrainer(opts.Backend, opts.Config); err != nil {
				return m, fmt.Errorf("neuralmap: fit: %w", err)
			}
		}
		rctx, cancel := context.WithCancel(ctx)
		var cbErr error
		var stepCB func(siren.Progress)
		if progress != nil {
			stepCB = func(p siren.Progress) {
				if cbErr != nil {
					return
				}
				if cbErr = progress(FitProgress{Region: rf.Region, Index: k, Total: len(todo), Step: p}); cbErr != nil {
					cancel()
				}
			}
		}
		net, rep, err := trainer.Fit(rctx, x, y, stepCB)
		cancel()
		switch {
		case cbErr != nil:
			return m, fmt.Errorf("%w during region %d: %w", ErrStopped, rf.Region.ID, cbErr)
		case ctx.Err() != nil:
			return m, fmt.Errorf("neuralmap: fit: region %d: %w", rf.Region.ID, ctx.Err())
		case err != nil:
			return m, fmt.Errorf("neuralmap: fit: region %d (voxels %v–%v): %w", rf.Region.ID, rf.Region.Lo, rf.Region.Hi, err)
		}
		rf.Net = net
		rf.Report = RegionReport{Steps: rep.Steps, BestStep: rep.BestStep, BestLoss: rep.BestLoss, TrainTime: rep.Duration, StopReason: string(rep.StopReason)}
		if opts.Checkpoint != "" {
			if err := m.Save(opts.Checkpoint); err != nil {
				return m, fmt.Errorf("neuralmap: fit: checkpoint after region %d: %w", rf.Region.ID, err)
			}
		}
		if progress != nil {
			r := rf.Report
			if err := progress(FitProgress{Region: rf.Region, Index: k, Total: len(todo), Done: true, Report: &r}); err != nil {
				return m, fmt.Errorf("%w after region %d: %w", ErrStopped, rf.Region.ID, err)
			}
		}
	}
	return m, nil
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
	case prev.Norm.Lo != m.Norm.Lo || prev.Norm.Hi != m.Norm.Hi || prev.Norm.Count != m.Norm.Count ||
		math.Abs(prev.Norm.Mean01-m.Norm.Mean01) > 1e-9*math.Max(1, math.Abs(m.Norm.Mean01)):
		return fmt.Errorf("normalisation %+v, this map %+v (different map values)", prev.Norm, m.Norm)
	}
	for _, r := range prev.Regions {
		if r.Net == nil {
			continue
		}
		c := r.Net.Config
		if c.Width != cfg.Width || c.HiddenLayers != cfg.HiddenLayers || c.Omega0 != cfg.Omega0 {
			return fmt.Errorf("region %d was trained with width %d, %d hidden layers, ω0 %g; now %d, %d, %g",
				r.Region.ID, c.Width, c.HiddenLayers, c.Omega0, cfg.Width, cfg.HiddenLayers, cfg.Omega0)
		}
	}
	return nil
}

// Merge joins partial maps of the same map and tiling (shards fitted with
// FitOptions.Regions) into one. A region fitted in several shards is an
// error.
func Merge(shards ...*NeuralMap) (*NeuralMap, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("neuralmap: merge: no maps")
	}
	first := shards[0]
	out := &NeuralMap{Frame: first.Frame, Norm: first.Norm, Mu: first.Mu, Sigma: first.Sigma,
		Resolution: first.Resolution, Tiling: first.Tiling, Ramp: first.Ramp,
		Regions: slices.Clone(first.Regions)}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("neuralmap: merge: map 0: %w", err)
	}
	for s, sh := range shards[1:] {
		if sh.Frame != first.Frame || sh.Tiling != first.Tiling || sh.Norm != first.Norm {
			return nil, fmt.Errorf("neuralmap: merge: map %d has a different frame, tiling or normalisation than map 0", s+1)
		}
		if len(sh.Regions) != len(out.Regions) {
			return nil, fmt.Errorf("neuralmap: merge: map %d has %d regions, map 0 has %d", s+1, len(sh.Regions), len(out.Regions))
		}
		for i, r := range sh.Regions {
			if r.Net == nil {
				continue
			}
			if err := sameArch(first, r.Net.Config); err != nil {
				return nil, fmt.Errorf("neuralmap: merge: map %d region %d: %w", s+1, r.Region.ID, err)
			}
			if out.Regions[i].Net != nil {
				return nil, fmt.Errorf("neuralmap: merge: region %d is fitted in map %d and an earlier map", r.Region.ID, s+1)
			}
			out.Regions[i] = r
		}
	}
	return out, nil
}

// sameArch reports a network whose architecture or seed differs from the
// fitted regions of m (shards of one map must share them).
func sameArch(m *NeuralMap, c siren.Config) error {
	for _, r := range m.Regions {
		if r.Net == nil {
			continue
		}
		a := r.Net.Config
		if a.Width != c.Width || a.HiddenLayers != c.HiddenLayers || a.Omega0 != c.Omega0 || a.Init != c.Init || a.Seed != c.Seed {
			return fmt.Errorf("network width %d, %d hidden layers, ω0 %g, init %s, seed %d differs from map 0's width %d, %d hidden layers, ω0 %g, init %s, seed %d",
				c.Width, c.HiddenLayers, c.Omega0, c.Init, c.Seed, a.Width, a.HiddenLayers, a.Omega0, a.Init, a.Seed)
		}
		return nil
	}
	return nil
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
