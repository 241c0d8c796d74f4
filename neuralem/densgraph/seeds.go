package densgraph

import (
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/spatial"
)

// DefaultSeedSpacing is the paper's seed spacing in Å (§2.4).
const DefaultSeedSpacing = 0.5

// DefaultSigmaK is the paper's k in the seed threshold T = μ + kσ (§2.4).
const DefaultSigmaK = 3.0

// DefaultBatch is the number of points per Field.Sample call while seeding.
const DefaultBatch = 1 << 16

// ThresholdKind selects how the seed density threshold is set.
type ThresholdKind int

const (
	// ThresholdUnset is the zero value; seeding refuses it so that a
	// forgotten threshold is an error rather than "keep everything".
	ThresholdUnset ThresholdKind = iota
	// ThresholdAbsolute keeps seeds with density > Value.
	ThresholdAbsolute
	// ThresholdSigma keeps seeds with density > Mean + K·Std, where Mean and
	// Std are given (the neural map stores μ and σ of its normalised
	// training data); K = 0 means DefaultSigmaK.
	ThresholdSigma
	// ThresholdNone keeps every seed regardless of density; it needs a Mask.
	ThresholdNone
)

// Threshold is the density test that seeds must pass.
type Threshold struct {
	Kind  ThresholdKind
	Value float64 // ThresholdAbsolute: density must exceed Value
	Mean  float64 // ThresholdSigma: μ
	Std   float64 // ThresholdSigma: σ (≥ 0)
	K     float64 // ThresholdSigma: k (0 → DefaultSigmaK)
}

// Absolute returns a threshold keeping density > v.
func Absolute(v float64) Threshold { return Threshold{Kind: ThresholdAbsolute, Value: v} }

// Sigma returns a threshold keeping density > mean + k·std (k = 0 → 3).
func Sigma(mean, std, k float64) Threshold {
	return Threshold{Kind: ThresholdSigma, Mean: mean, Std: std, K: k}
}

// Level returns the density level of t (−Inf for ThresholdNone) or an error
// for an unset or invalid threshold.
func (t Threshold) Level() (float64, error) {
	switch t.Kind {
	case ThresholdAbsolute:
		if math.IsNaN(t.Value) || math.IsInf(t.Value, 0) {
			return 0, fmt.Errorf("densgraph: threshold Value = %g, want a finite number", t.Value)
		}
		return t.Value, nil
	case ThresholdSigma:
		k := t.K
		if k == 0 {
			k = DefaultSigmaK
		}
		if !(t.Std >= 0) || math.IsInf(t.Std, 0) {
			return 0, fmt.Errorf("densgraph: threshold Std = %g, want a finite σ ≥ 0", t.Std)
		}
		if math.IsNaN(t.Mean) || math.IsInf(t.Mean, 0) || math.IsNaN(k) || math.IsInf(k, 0) {
			return 0, fmt.Errorf("densgraph: threshold Mean = %g, K = %g, want finite numbers", t.Mean, t.K)
		}
		return t.Mean + k*t.Std, nil
	case ThresholdNone:
		return math.Inf(-1), nil
	case ThresholdUnset:
		return 0, fmt.Errorf("densgraph: threshold Kind not set (use Absolute, Sigma, or ThresholdNone with a Mask)")
	}
	return 0, fmt.Errorf("densgraph: threshold Kind = %d, unknown", t.Kind)
}

// String describes t for reports and error messages.
func (t Threshold) String() string {
	switch t.Kind {
	case ThresholdAbsolute:
		return fmt.Sprintf("density > %.4g", t.Value)
	case ThresholdSigma:
		l, _ := t.Level()
		k := t.K
		if k == 0 {
			k = DefaultSigmaK
		}
		return fmt.Sprintf("density > μ+%gσ = %.4g (μ = %.4g, σ = %.4g)", k, l, t.Mean, t.Std)
	case ThresholdNone:
		return "no density threshold"
	}
	return "unset threshold"
}

// Mask keeps only seeds within Margin Å of any atom position.
type Mask struct {
	Atoms  []geom.Point // positions in Å
	Margin float64      // Å, > 0
	// Exclude, if not empty, are atoms whose density is not wanted (e.g.
	// the other chains of a model when a graph is built for one): grid
	// points within Margin of an Exclude atom and of no Atoms atom are
	// sampled, and those above the threshold are counted in
	// SeedReport.Excluded and dropped, so the density left out is reported.
	Exclude []geom.Point
}

// SeedOptions controls Seed.
type SeedOptions struct {
	// Spacing of the seed grid in Å along each axis; 0 means
	// DefaultSeedSpacing. Use DefaultSpacing(voxel) for the paper's rule
	// "0.5 Å, or the voxel size if smaller".
	Spacing float64
	// Threshold is the density test (required).
	Threshold Threshold
	// Mask, if not nil, additionally keeps only seeds near atoms. Seeds
	// outside the mask are not sampled.
	Mask *Mask
	// Batch is the number of points per Field.Sample call (0 → DefaultBatch).
	Batch int
}

// DefaultSpacing returns the paper's seed spacing: 0.5 Å, or the smallest
// voxel edge if that is smaller.
func DefaultSpacing(voxel geom.Vec3) float64 {
	s := DefaultSeedSpacing
	for _, v := range voxel {
		if v > 0 && v < s {
			s = v
		}
	}
	return s
}

// SeedReport counts what seeding did.
type SeedReport struct {
	Spacing   float64 // Å
	Shape     [3]int  // seed grid points along X, Y, Z
	Made      int     // grid points generated
	Masked    int     // rejected by the atom mask (not sampled)
	Sampled   int     // points whose density was sampled
	Kept      int     // seeds returned
	Excluded  int     // points above the threshold near Mask.Exclude atoms only (dropped)
	Level     float64 // density level a seed had to exceed
	Threshold string  // description of the threshold
	MinSeen   float64 // density range over the sampled points
	MaxSeen   float64
}

// Seed lays a regular grid with the given spacing over f's Domain, starting
// at Domain.Min, and returns the points that pass the mask and whose
// density exceeds the threshold. Points are sampled in batches, so the full
// grid is never held in memory. An empty result is an error that states the
// density range seen and the threshold.
func Seed(f grid.Field, opts SeedOptions) ([]geom.Point, *SeedReport, error) {
	seeds, _, rep, err := seedWithDensity(f, opts)
	return seeds, rep, err
}

// seedWithDensity is Seed, also returning the density sampled at each seed.
func seedWithDensity(f grid.Field, opts SeedOptions) ([]geom.Point, []float64, *SeedReport, error) {
	level, err := opts.Threshold.Level()
	if err != nil {
		return nil, nil, nil, err
	}
	sp := opts.Spacing
	if sp == 0 {
		sp = DefaultSeedSpacing
	}
	if !(sp > 0) || math.IsInf(sp, 0) {
		return nil, nil, nil, fmt.Errorf("densgraph: seed Spacing = %g Å, want > 0", opts.Spacing)
	}
	if opts.Threshold.Kind == ThresholdNone && opts.Mask == nil {
		return nil, nil, nil, fmt.Errorf("densgraph: ThresholdNone needs a Mask (otherwise every grid point is a seed)")
	}
	batch := opts.Batch
	if batch == 0 {
		batch = DefaultBatch
	}
	if batch < 0 {
		return nil, nil, nil, fmt.Errorf("densgraph: seed Batch = %d, want ≥ 0", opts.Batch)
	}
	var mask, exclude *spatial.Index
	if opts.Mask != nil {
		m := opts.Mask
		if !(m.Margin > 0) || math.IsInf(m.Margin, 0) {
			return nil, nil, nil, fmt.Errorf("densgraph: mask Margin = %g Å, want > 0", m.Margin)
		}
		if len(m.Atoms) == 0 {
			return nil, nil, nil, fmt.Errorf("densgraph: mask has no atoms")
		}
		for i, p := range m.Atoms {
			if !p.IsFinite() {
				return nil, nil, nil, fmt.Errorf("densgraph: mask atom %d at %v is not finite", i, p)
			}
		}
		mask = spatial.NewIndex(m.Atoms, m.Margin)
		for i, p := range m.Exclude {
			if !p.IsFinite() {
				return nil, nil, nil, fmt.Errorf("densgraph: mask excluded atom %d at %v is not finite", i, p)
			}
		}
		if len(m.Exclude) > 0 {
			exclude = spatial.NewIndex(m.Exclude, m.Margin)
		}
	}
	dom := f.Domain()
	rep := &SeedReport{Spacing: sp, Level: level, Threshold: opts.Threshold.String(),
		MinSeen: math.Inf(1), MaxSeen: math.Inf(-1)}
	if !dom.Min.IsFinite() || !dom.Max.IsFinite() {
		return nil, nil, nil, fmt.Errorf("densgraph: field Domain %v is not finite", dom)
	}
	total := 1.0
	for a := 0; a < 3; a++ {
		ext := dom.Max[a] - dom.Min[a]
		if ext < 0 {
			return nil, nil, nil, fmt.Errorf("densgraph: field Domain %v is empty along axis %d", dom, a)
		}
		rep.Shape[a] = int(math.Floor(ext/sp+1e-9)) + 1
		total *= float64(rep.Shape[a])
	}
	if total > 1<<40 {
		return nil, nil, nil, fmt.Errorf("densgraph: seed grid %v at spacing %g Å has %g points, too many", rep.Shape, sp, total)
	}
	rep.Made = int(total)

	var seeds []geom.Point
	var dens []float64
	pts := make([]geom.Point, 0, batch)
	excl := make([]bool, 0, batch) // pts[i] is near excluded atoms only
	val := make([]float64, batch)
	flush := func() error {
		if len(pts) == 0 {
			return nil
		}
		v := val[:len(pts)]
		if err := f.Sample(pts, v, nil); err != nil {
			return fmt.Errorf("densgraph: seeding: %w", err)
		}
		rep.Sampled += len(pts)
		for i, d := range v {
			if math.IsNaN(d) {
				return fmt.Errorf("densgraph: seeding: density NaN at %v", pts[i])
			}
			rep.MinSeen = math.Min(rep.MinSeen, d)
			rep.MaxSeen = math.Max(rep.MaxSeen, d)
			if d > level {
				if excl[i] {
					rep.Excluded++
				} else {
					seeds = append(seeds, pts[i])
					dens = append(dens, d)
				}
			}
		}
		pts, excl = pts[:0], excl[:0]
		return nil
	}
	for k := 0; k < rep.Shape[2]; k++ {
		for j := 0; j < rep.Shape[1]; j++ {
			for i := 0; i < rep.Shape[0]; i++ {
				p := geom.Point{
					math.Min(dom.Min[0]+float64(i)*sp, dom.Max[0]),
					math.Min(dom.Min[1]+float64(j)*sp, dom.Max[1]),
					math.Min(dom.Min[2]+float64(k)*sp, dom.Max[2]),
				}
				out := false
				if mask != nil {
					in := false
					mask.Within(p, opts.Mask.Margin, func(int, float64) bool { in = true; return false })
					if !in && exclude != nil {
						exclude.Within(p, opts.Mask.Margin, func(int, float64) bool { out = true; return false })
					}
					if !in && !out {
						rep.Masked++
						continue
					}
				}
				pts = append(pts, p)
				excl = append(excl, out)
				if len(pts) == batch {
					if err := flush(); err != nil {
						return nil, nil, nil, err
					}
				}
			}
		}
	}
	if err := flush(); err != nil {
		return nil, nil, nil, err
	}
	rep.Kept = len(seeds)
	if len(seeds) == 0 {
		if rep.Sampled == 0 {
			return nil, nil, rep, fmt.Errorf("densgraph: no seeds: all %d grid points (spacing %g Å over %v) were outside the atom mask (margin %g Å)",
				rep.Made, sp, dom, opts.Mask.Margin)
		}
		if rep.Excluded > 0 {
			return nil, nil, rep, fmt.Errorf("densgraph: no seeds: the %d points above the threshold (%s) all lie near the excluded atoms only", rep.Excluded, rep.Threshold)
		}
		return nil, nil, rep, fmt.Errorf("densgraph: no seeds: density over %d sampled points ranged %g to %g, none above the threshold (%s)",
			rep.Sampled, rep.MinSeen, rep.MaxSeen, rep.Threshold)
	}
	return seeds, dens, rep, nil
}
