package pipeline

import (
	"fmt"
	"math"
	"strings"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/model"
)

// PaperOptions returns the paper's density-graph settings (§2.4) for src,
// defined here once: seeds on a 0.5 Å grid (or the voxel size if smaller)
// where the density exceeds μ + 3σ, a gradient walk in 0.05 Å steps
// (capped at densgraph.DefaultMaxSteps), DBSCAN with eps 0.2 Å and minPts
// 1, and edges between nodes closer than 2 × the resolution. If src's
// resolution is unknown (0), densgraph's edge cutoff for that case applies
// (densgraph.DefaultCutoffNoResolution, reported in Report.Cutoff); set
// Edges.Resolution or Edges.Cutoff to avoid it.
func PaperOptions(src *Source) densgraph.Options {
	return densgraph.Options{
		Seeds: densgraph.SeedOptions{
			Spacing:   densgraph.DefaultSpacing(src.Voxel),
			Threshold: src.Threshold(densgraph.DefaultSigmaK),
		},
		Walk:    densgraph.WalkOptions{Step: densgraph.DefaultStep, MaxSteps: densgraph.DefaultMaxSteps},
		Cluster: densgraph.ClusterOptions{Eps: densgraph.DefaultEps, MinPts: densgraph.DefaultMinPts},
		Edges:   densgraph.EdgeOptions{Resolution: src.Resolution},
	}
}

// GraphSettings are departures from the paper's graph settings that hold
// for any source (a command's flags, a Job's graphs); the zero value is the
// paper's. Options turns them into densgraph.Options for one source.
type GraphSettings struct {
	// The seed threshold is Level (an absolute density on the [0, 1]
	// scale) if set, else Contour (a density in the input map's units, e.g.
	// the author-recommended contour) if set, else μ + SigmaK·σ (SigmaK 0:
	// the paper's 3).
	SigmaK         float64
	Level, Contour *float64
	// SeedSpacing is the seed grid spacing in Å (0: the paper's).
	SeedSpacing float64
	// Mask, if set, keeps only seeds near its atoms.
	Mask *densgraph.Mask
	// MaxSteps caps each seed's walk (0: densgraph.DefaultMaxSteps).
	MaxSteps int
	// Eps is DBSCAN's eps in Å (0: the paper's 0.2).
	Eps float64
	// Cutoff is the edge cutoff in Å (0: 2 × Resolution); Resolution
	// replaces the source's (0: keep it).
	Cutoff, Resolution float64
	// Prune and K select edge pruning beyond the paper (densgraph.PruneKind).
	Prune densgraph.PruneKind
	K     int
}

// Options returns PaperOptions(src) with s's departures. An unknown
// resolution with no Cutoff is an error (edges join nodes closer than
// 2 × resolution), as are settings out of range.
func (s GraphSettings) Options(src *Source) (densgraph.Options, error) {
	o := PaperOptions(src)
	switch {
	case s.Level != nil:
		o.Seeds.Threshold = densgraph.Absolute(*s.Level)
	case s.Contour != nil:
		if !(*s.Contour > src.Norm.Lo) {
			return o, fmt.Errorf("pipeline: contour %g (the map's units): want a density above %g, the lowest the normalisation keeps", *s.Contour, src.Norm.Lo)
		}
		o.Seeds.Threshold = src.Contour(*s.Contour)
	case s.SigmaK != 0:
		o.Seeds.Threshold = src.Threshold(s.SigmaK)
	}
	if _, err := o.Seeds.Threshold.Level(); err != nil {
		return o, fmt.Errorf("pipeline: seed threshold: %w", err)
	}
	if s.SeedSpacing < 0 || math.IsNaN(s.SeedSpacing) || math.IsInf(s.SeedSpacing, 0) {
		return o, fmt.Errorf("pipeline: SeedSpacing %g Å, want > 0 (0: the paper's)", s.SeedSpacing)
	}
	if s.SeedSpacing != 0 {
		o.Seeds.Spacing = s.SeedSpacing
	}
	o.Seeds.Mask = s.Mask
	if s.MaxSteps < 0 {
		return o, fmt.Errorf("pipeline: MaxSteps %d, want > 0 (0: %d)", s.MaxSteps, densgraph.DefaultMaxSteps)
	}
	if s.MaxSteps != 0 {
		o.Walk.MaxSteps = s.MaxSteps
	}
	if s.Eps < 0 || math.IsNaN(s.Eps) || math.IsInf(s.Eps, 0) {
		return o, fmt.Errorf("pipeline: Eps %g Å, want > 0 (0: the paper's %g)", s.Eps, densgraph.DefaultEps)
	}
	if s.Eps != 0 {
		o.Cluster.Eps = s.Eps
	}
	if s.Cutoff < 0 || math.IsNaN(s.Cutoff) || math.IsInf(s.Cutoff, 0) {
		return o, fmt.Errorf("pipeline: Cutoff %g Å, want > 0 (0: 2 × resolution)", s.Cutoff)
	}
	if s.Resolution < 0 || math.IsNaN(s.Resolution) || math.IsInf(s.Resolution, 0) {
		return o, fmt.Errorf("pipeline: Resolution %g Å, want > 0 (0: the source's)", s.Resolution)
	}
	o.Edges.Cutoff = s.Cutoff
	if s.Resolution != 0 {
		o.Edges.Resolution = s.Resolution
	}
	if o.Edges.Cutoff == 0 && o.Edges.Resolution == 0 {
		return o, fmt.Errorf("pipeline: the %s source's resolution is unknown: set Resolution (edges join nodes closer than 2 × resolution) or Cutoff", src.Kind)
	}
	o.Edges.Prune, o.Edges.K = s.Prune, s.K
	return o, nil
}

// ModelMask returns a seed mask keeping seeds within margin Å of m's heavy
// atoms. With chains, only those chains' atoms keep seeds; the other
// chains' atoms become Mask.Exclude, so density near them is left out and
// counted (Report.Seeds.Excluded) instead of being scored against the
// chosen chains. A chain m does not hold is an error naming the chains it
// does hold.
func ModelMask(m *model.Model, margin float64, chains []string) (*densgraph.Mask, error) {
	heavy := m.HeavyAtoms()
	mask := &densgraph.Mask{Margin: margin}
	if len(chains) == 0 {
		mask.Atoms = heavy.Positions()
		return mask, nil
	}
	want := map[string]bool{}
	for _, c := range chains {
		want[c] = true
	}
	have := map[string]bool{}
	var order []string
	for _, a := range heavy.Atoms {
		if !have[a.Chain] {
			have[a.Chain] = true
			order = append(order, a.Chain)
		}
		if want[a.Chain] {
			mask.Atoms = append(mask.Atoms, a.Pos)
		} else {
			mask.Exclude = append(mask.Exclude, a.Pos)
		}
	}
	for _, c := range chains {
		if !have[c] {
			return nil, fmt.Errorf("pipeline: chain %q is not in %s (chains: %s)", c, m.Source, strings.Join(order, ","))
		}
	}
	return mask, nil
}
