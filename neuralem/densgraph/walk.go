package densgraph

import (
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
)

// DefaultStep is the paper's gradient-walk step in Å (§2.4).
const DefaultStep = 0.05

// DefaultMaxSteps caps each seed's walk: 2000 steps of 0.05 Å = 100 Å, far
// longer than any path from a seed above threshold to its peak in a protein
// map. A seed that reaches the cap is dropped and counted in
// WalkResult.Capped.
const DefaultMaxSteps = 2000

// WalkOptions controls Walk.
type WalkOptions struct {
	// Step is the step length in Å (0 → DefaultStep).
	Step float64
	// MaxSteps caps the number of steps per seed (0 → DefaultMaxSteps).
	MaxSteps int
	// Progress, if not nil, is called after every step with the step number
	// (1-based), the seeds still walking, the seeds finished at a peak, and
	// the seeds dropped so far (left the Domain or capped).
	Progress func(step, live, done, dropped int)
	// TracePaths records the full path of this many seeds, spread evenly
	// over the seed list (for plots). 0 records none.
	TracePaths int
}

// WalkResult is the outcome of Walk.
type WalkResult struct {
	// Peaks are the end points of the seeds that reached a peak, in the
	// order the seeds finished; PeakDensity is the density there and Seed
	// the index of the seed in the input.
	Peaks       []geom.Point
	PeakDensity []float64
	Seed        []int
	// Dropped counts seeds whose next step left the Domain (Algorithm 1
	// removes them from the pool).
	Dropped int
	// Capped counts seeds still climbing after MaxSteps steps (dropped).
	Capped int
	// AtPeak counts seeds whose gradient was exactly zero at some point:
	// they are taken to be on a peak already.
	AtPeak int
	// Steps is the number of steps taken by the longest walk; Samples the
	// number of points sampled in total; Calls the number of Field.Sample
	// calls (Steps + 1).
	Steps   int
	Samples int
	Calls   int
	// Paths holds the traced paths (see WalkOptions.TracePaths); PathSeed
	// the seed index of each.
	Paths    [][]geom.Point
	PathSeed []int
	// Fate tells, for each seed (by index in the input), how its walk ended,
	// and SeedSamples how many times it was sampled (its steps + 1): enough
	// to give the statistics above for any subset of the seeds (Stats).
	Fate        []Fate
	SeedSamples []int32
}

// Fate is how one seed's walk ended.
type Fate uint8

const (
	// FatePeak: the density stopped increasing; the seed's peak is the
	// last point before.
	FatePeak Fate = iota
	// FateAtPeak: the gradient was exactly zero (counted in AtPeak; a
	// peak too).
	FateAtPeak
	// FateDropped: the next step left the Domain.
	FateDropped
	// FateCapped: still climbing after MaxSteps steps.
	FateCapped
)

// Stats returns the walk's statistics (Peaks, Dropped, Capped, AtPeak,
// Steps, Samples, Calls) over the seeds for which keep returns true (nil:
// all): what walking only those seeds would have reported, since a seed's
// walk does not depend on the others.
func (r *WalkResult) Stats(keep func(seed int) bool) WalkStats {
	var st WalkStats
	for i, f := range r.Fate {
		if keep != nil && !keep(i) {
			continue
		}
		switch f {
		case FatePeak:
			st.Peaks++
		case FateAtPeak:
			st.Peaks++
			st.AtPeak++
		case FateDropped:
			st.Dropped++
		case FateCapped:
			st.Capped++
		}
		n := int(r.SeedSamples[i])
		st.Samples += n
		st.Calls = max(st.Calls, n)
	}
	st.Steps = max(st.Calls-1, 0)
	return st
}

// Walk moves every seed uphill along its unit gradient in steps of Step Å
// while the density increases (Algorithm 1 of the paper) and returns, for
// each seed, the last point before the density failed to increase. All
// live seeds advance together: each step is one Field.Sample call over all
// of them. A zero gradient ends a seed's walk where it is. NaN density or
// gradient is an error naming the seed and point. Seeds must lie inside the
// Domain.
func Walk(f grid.Field, seeds []geom.Point, opts WalkOptions) (*WalkResult, error) {
	step := opts.Step
	if step == 0 {
		step = DefaultStep
	}
	if !(step > 0) || math.IsInf(step, 0) {
		return nil, fmt.Errorf("densgraph: walk Step = %g Å, want > 0", opts.Step)
	}
	maxSteps := opts.MaxSteps
	if maxSteps == 0 {
		maxSteps = DefaultMaxSteps
	}
	if maxSteps < 0 {
		return nil, fmt.Errorf("densgraph: walk MaxSteps = %d, want > 0", opts.MaxSteps)
	}
	dom := f.Domain()
	for i, p := range seeds {
		if !dom.Contains(p) {
			return nil, fmt.Errorf("densgraph: seed %d at %v is outside the field Domain %v", i, p, dom)
		}
	}
	n := len(seeds)
	res := &WalkResult{Fate: make([]Fate, n), SeedSamples: make([]int32, n)}
	// Per live seed: its seed index, current point, cached (previous) point
	// and density.
	idx := make([]int, n)
	cur := make([]geom.Point, n)
	prev := make([]geom.Point, n)
	prevD := make([]float64, n)
	for i := range seeds {
		idx[i] = i
		cur[i] = seeds[i]
		prevD[i] = math.Inf(-1)
	}
	val := make([]float64, n)
	grad := make([]geom.Vec3, n)

	// Traced seeds: map seed index → path slot.
	trace := map[int]int{}
	if opts.TracePaths > 0 && n > 0 {
		m := min(opts.TracePaths, n)
		for t := 0; t < m; t++ {
			s := t * n / m
			trace[s] = len(res.PathSeed)
			res.PathSeed = append(res.PathSeed, s)
			res.Paths = append(res.Paths, []geom.Point{seeds[s]})
		}
	}

	finish := func(i int, f Fate) {
		res.Peaks = append(res.Peaks, prev[i])
		res.PeakDensity = append(res.PeakDensity, prevD[i])
		res.Seed = append(res.Seed, idx[i])
		res.Fate[idx[i]] = f
	}
	done := 0
	for s := 0; len(cur) > 0; s++ {
		v, g := val[:len(cur)], grad[:len(cur)]
		if err := f.Sample(cur, v, g); err != nil {
			return nil, fmt.Errorf("densgraph: walk step %d: %w", s, err)
		}
		res.Calls++
		res.Samples += len(cur)
		live := 0
		for i := range cur {
			res.SeedSamples[idx[i]]++
			d, gr := v[i], g[i]
			if math.IsNaN(d) || math.IsNaN(gr[0]) || math.IsNaN(gr[1]) || math.IsNaN(gr[2]) {
				return nil, fmt.Errorf("densgraph: walk step %d: seed %d (started at %v) at %v: density %g, gradient %v (NaN)",
					s, idx[i], seeds[idx[i]], cur[i], d, gr)
			}
			if d <= prevD[i] {
				finish(i, FatePeak) // cached point is the peak
				done++
				continue
			}
			prev[i], prevD[i] = cur[i], d
			norm := gr.Norm()
			if norm == 0 {
				res.AtPeak++
				finish(i, FateAtPeak)
				done++
				continue
			}
			if s == maxSteps {
				res.Capped++
				res.Fate[idx[i]] = FateCapped
				continue
			}
			next := cur[i].Add(gr.Scale(step / norm))
			if !dom.Contains(next) {
				res.Dropped++
				res.Fate[idx[i]] = FateDropped
				continue
			}
			if slot, ok := trace[idx[i]]; ok {
				res.Paths[slot] = append(res.Paths[slot], next)
			}
			// Compact the live set in place (live ≤ i).
			idx[live], cur[live], prev[live], prevD[live] = idx[i], next, prev[i], prevD[i]
			live++
		}
		idx, cur, prev, prevD = idx[:live], cur[:live], prev[:live], prevD[:live]
		if live > 0 {
			res.Steps = s + 1
		}
		if opts.Progress != nil {
			opts.Progress(s+1, live, done, res.Dropped+res.Capped)
		}
	}
	return res, nil
}
