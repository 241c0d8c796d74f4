package metainit

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/molmap"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// Source is one map that training (or held-out) regions are drawn from:
// an experimental map file (Map), or an atomic model (Model) simulated with
// molmap at Resolution on a grid of voxel size Spacing.
type Source struct {
	// Name identifies the source in the split, in progress and in the
	// init file, e.g. "EMD-0093" or "9jmb 2.5 Å / 0.833 Å".
	Name string `json:"name"`
	// Map is the path of an experimental density map (MRC/CCP4, maybe
	// gzipped); Model is the path of a model to simulate. Exactly one is
	// set.
	Map   string `json:"map,omitempty"`
	Model string `json:"model,omitempty"`
	// Resolution in Å of the simulation (required with Model; with Map it
	// is recorded only).
	Resolution float64 `json:"resolution_A,omitempty"`
	// Spacing is the simulated voxel size in Å (0: Resolution/3, molmap's
	// default). Only with Model.
	Spacing float64 `json:"voxel_A,omitempty"`
	// Regions is the number of regions drawn from this source (> 0).
	Regions int `json:"regions"`
}

// validate reports a source that cannot be loaded.
func (s Source) validate() error {
	switch {
	case (s.Map == "") == (s.Model == ""):
		return fmt.Errorf("source %q: set exactly one of Map and Model (Map %q, Model %q)", s.Name, s.Map, s.Model)
	case s.Model != "" && (!(s.Resolution > 0) || math.IsInf(s.Resolution, 0)):
		return fmt.Errorf("source %q: Resolution = %g Å, want a finite value > 0 to simulate %s", s.Name, s.Resolution, s.Model)
	case s.Spacing < 0 || math.IsInf(s.Spacing, 0) || math.IsNaN(s.Spacing):
		return fmt.Errorf("source %q: Spacing = %g Å, want ≥ 0 (0: Resolution/3)", s.Name, s.Spacing)
	case s.Map != "" && s.Spacing != 0:
		return fmt.Errorf("source %q: Spacing = %g Å is for simulated models, not the map %s", s.Name, s.Spacing, s.Map)
	case s.Regions <= 0:
		return fmt.Errorf("source %q: Regions = %d, want > 0", s.Name, s.Regions)
	}
	return nil
}

// File returns the source's input file (its map or its model).
func (s Source) File() string {
	if s.Map != "" {
		return s.Map
	}
	return s.Model
}

// Load returns the source's map: the experimental map as read, or the
// model's molmap simulation (ChimeraX defaults, hydrogens excluded) at
// Resolution and Spacing.
func (s Source) Load() (*grid.Grid, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("metainit: %w", err)
	}
	if s.Map != "" {
		g, _, err := mrc.ReadGrid(s.Map)
		if err != nil {
			return nil, fmt.Errorf("metainit: source %q: %w", s.Name, err)
		}
		return g, nil
	}
	m, err := model.ReadFile(s.Model)
	if err != nil {
		return nil, fmt.Errorf("metainit: source %q: %w", s.Name, err)
	}
	p := molmap.Defaults(s.Resolution)
	if s.Spacing > 0 {
		p.Spacing = s.Spacing
	}
	g, err := molmap.FromModel(m, p)
	if err != nil {
		return nil, fmt.Errorf("metainit: source %q: %w", s.Name, err)
	}
	return g, nil
}

// SimSources returns one source per model, resolution and voxel size:
// each model simulated at each resolution on a grid of Resolution/3 (molmap's
// default) and of every voxel size in voxels that lies in
// [Resolution/4, Resolution/2] (experimental maps' voxel sizes, sampled no
// coarser than Nyquist). Each source draws perSource regions.
func SimSources(models []string, resolutions, voxels []float64, perSource int) []Source {
	var out []Source
	for _, m := range models {
		name := strings.TrimSuffix(filepath.Base(m), filepath.Ext(m))
		for _, r := range resolutions {
			sp := []float64{r / 3}
			for _, v := range voxels {
				if v >= r/4 && v <= r/2 && math.Abs(v-r/3) > 0.02 {
					sp = append(sp, v)
				}
			}
			for _, s := range sp {
				out = append(out, Source{
					Name: fmt.Sprintf("%s %.3g Å / %.3g Å", name, r, s), Model: m,
					Resolution: r, Spacing: s, Regions: perSource,
				})
			}
		}
	}
	return out
}

// Dataset holds normalised cubic regions drawn from a set of sources, the
// training material of meta-learning.
type Dataset struct {
	// Edge is the regions' edge in voxels.
	Edge int
	// Sources are the sources the regions were drawn from.
	Sources []Source
	// Regions[i] holds Edge³ normalised values (the networks' [−1, 1]
	// scale, X fastest) of a region of Sources[From[i]].
	Regions [][]float32
	From    []int
	// Lo[i] is the first voxel of region i in its source map.
	Lo []geom.Index
	// OffGrid are the off-grid points Q (DataOptions.OffGrid > 0; nil
	// otherwise) in half-voxel units of the region: point q is at voxel
	// coordinate q/2 from the region's first voxel, each component in
	// [0, 2(Edge−1)], not all even (no voxel centre). Q is closed under
	// the 48 symmetries of the cube (see offGridPoints).
	OffGrid [][3]int
	// OffValues[i] holds the cubic B-spline (grid.BSpline of the whole
	// normalised source map) of region i at the points OffGrid, on the same
	// [−1, 1] scale as Regions[i].
	OffValues [][]float32
	// offPerm[s][q] is the index in OffGrid of the point that symmetry s
	// (numbered as symmetryOf numbers them) reads for its output point q.
	offPerm [48][]int32
}

// DataOptions configure BuildDataset.
type DataOptions struct {
	// Edge is the region edge in voxels (the preset's region size).
	Edge int
	// Seed makes the draw reproducible: the same sources, options and seed
	// give the same regions.
	Seed uint64
	// MinOccupied is the fraction of a region's voxels that must hold
	// density (above 2 % of the map's maximum) for the region to be kept
	// always; emptier regions are kept with probability KeepEmpty. Masked
	// maps are mostly empty; without this the training set would be too.
	MinOccupied, KeepEmpty float64
	// OffGrid is M, the number of off-grid points per region supervised
	// with the B-spline of the source map (at least M: whole orbits of the
	// cube's symmetries are taken; see Dataset.OffGrid). 0: voxel centres
	// only (the shipped cpu initialisation was trained so).
	OffGrid int
}

// MaxOffGrid returns the number of points of the 2×-upsampled lattice of a
// region of edge voxels that are not voxel centres, (2·edge−1)³ − edge³:
// the largest DataOptions.OffGrid.
func MaxOffGrid(edge int) int {
	n := 2*edge - 1
	return n*n*n - edge*edge*edge
}

// DefaultDataOptions returns the options used by meta-train for regions of
// edge voxels: regions with density on at least 5 % of their voxels, and
// one in ten of the others.
func DefaultDataOptions(edge int, seed uint64) DataOptions {
	return DataOptions{Edge: edge, Seed: seed, MinOccupied: 0.05, KeepEmpty: 0.1}
}

// occupiedLevel is the normalised value (on [−1, 1]) above which a voxel
// counts as holding density: 2 % of the map's maximum.
const occupiedLevel = -1 + 2*0.02

// BuildDataset loads every source (Source.Load), normalises each whole map
// (grid.Normalize, as Fit does) and draws Source.Regions regions of
// opts.Edge³ voxels at random positions, keeping them as DataOptions says.
// A map smaller than Edge along an axis is an error naming the source.
// progress, if not nil, is called after each source.
func BuildDataset(ctx context.Context, sources []Source, opts DataOptions, progress func(done, total int, s Source)) (*Dataset, error) {
	if opts.Edge <= 1 {
		return nil, fmt.Errorf("metainit: dataset: Edge = %d voxels, want > 1", opts.Edge)
	}
	if !(opts.MinOccupied >= 0 && opts.MinOccupied <= 1) || !(opts.KeepEmpty >= 0 && opts.KeepEmpty <= 1) {
		return nil, fmt.Errorf("metainit: dataset: MinOccupied = %g, KeepEmpty = %g, want both in [0, 1]", opts.MinOccupied, opts.KeepEmpty)
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("metainit: dataset: no sources")
	}
	if opts.OffGrid < 0 || opts.OffGrid > MaxOffGrid(opts.Edge) {
		return nil, fmt.Errorf("metainit: dataset: OffGrid = %d points, want 0 to %d (the non-voxel points of a %d³ region's half-voxel lattice)", opts.OffGrid, MaxOffGrid(opts.Edge), opts.Edge)
	}
	for _, s := range sources {
		if err := s.validate(); err != nil {
			return nil, fmt.Errorf("metainit: dataset: %w", err)
		}
	}
	d := &Dataset{Edge: opts.Edge, Sources: sources}
	if opts.OffGrid > 0 {
		d.OffGrid = offGridPoints(opts.Edge, opts.OffGrid, opts.Seed)
		d.offPerm = offGridPerms(d.OffGrid, opts.Edge)
	}
	for si, s := range sources {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g, err := s.Load()
		if err != nil {
			return nil, err
		}
		normed, _, err := grid.Normalize(g)
		if err != nil {
			return nil, fmt.Errorf("metainit: source %q: %w", s.Name, err)
		}
		rng := rand.New(rand.NewPCG(opts.Seed, uint64(si)+1))
		regs, los, err := drawRegions(normed, s.Regions, opts, rng)
		if err != nil {
			return nil, fmt.Errorf("metainit: source %q (%s): %w", s.Name, s.File(), err)
		}
		var bs *grid.BSpline
		if d.OffGrid != nil {
			if bs, err = grid.NewBSpline(normed); err != nil {
				return nil, fmt.Errorf("metainit: source %q (%s): %w", s.Name, s.File(), err)
			}
		}
		for ri, r := range regs {
			d.Regions = append(d.Regions, r)
			d.From = append(d.From, si)
			d.Lo = append(d.Lo, los[ri])
			if bs != nil {
				v, err := offGridValues(bs, normed.Frame, los[ri], d.OffGrid)
				if err != nil {
					return nil, fmt.Errorf("metainit: source %q (%s): %w", s.Name, s.File(), err)
				}
				d.OffValues = append(d.OffValues, v)
			}
		}
		if progress != nil {
			progress(si+1, len(sources), s)
		}
	}
	return d, nil
}

// drawRegions draws n regions of opts.Edge³ voxels from the normalised map
// g at uniformly random positions, keeping empty ones with probability
// opts.KeepEmpty, and their first voxels. It gives up (an error) after
// 200·n draws.
func drawRegions(g *grid.Grid, n int, opts DataOptions, rng *rand.Rand) ([][]float32, []geom.Index, error) {
	e := opts.Edge
	for a := 0; a < 3; a++ {
		if g.Shape[a] < e {
			return nil, nil, fmt.Errorf("map shape %v is smaller than a %d-voxel region along axis %d", g.Shape, e, a)
		}
	}
	var out [][]float32
	var los []geom.Index
	for tries := 0; len(out) < n; tries++ {
		if tries >= 200*n {
			return nil, nil, fmt.Errorf("only %d of %d regions hold density on ≥ %g of their voxels after %d draws", len(out), n, opts.MinOccupied, tries)
		}
		var lo geom.Index
		for a := 0; a < 3; a++ {
			lo[a] = rng.IntN(g.Shape[a] - e + 1)
		}
		r := cube(g, lo, e)
		occ := 0
		for _, v := range r {
			if v > occupiedLevel {
				occ++
			}
		}
		if float64(occ) < opts.MinOccupied*float64(len(r)) && rng.Float64() >= opts.KeepEmpty {
			continue
		}
		out = append(out, r)
		los = append(los, lo)
	}
	return out, los, nil
}

// cube copies the e³ voxels of g starting at lo, X fastest.
func cube(g *grid.Grid, lo geom.Index, e int) []float32 {
	out := make([]float32, 0, e*e*e)
	for k := 0; k < e; k++ {
		for j := 0; j < e; j++ {
			o := g.Offset(lo[0], lo[1]+j, lo[2]+k)
			out = append(out, g.Data[o:o+e]...)
		}
	}
	return out
}

// symmetry is one of the 48 symmetries of a cube: output axis a reads input
// axis perm[a], reversed when flip[a].
type symmetry struct {
	perm [3]int
	flip [3]bool
}

var perms = [6][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}

// symmetryOf returns symmetry number id (0 … 47): permutation perms[id/8],
// axis a flipped when bit a of id%8 is set.
func symmetryOf(id int) symmetry {
	s := symmetry{perm: perms[id/8]}
	for a := 0; a < 3; a++ {
		s.flip[a] = id%8&(1<<a) != 0
	}
	return s
}

// randomSymmetry draws the number of a symmetry (symmetryOf).
func randomSymmetry(rng *rand.Rand) int {
	p := rng.IntN(6)
	return 8*p + rng.IntN(8)
}

// source returns the position (in the same lattice units) that s reads for
// the output position out of a cube whose positions run from 0 to last.
func (s symmetry) source(out [3]int, last int) [3]int {
	var in [3]int
	for a := 0; a < 3; a++ {
		v := out[a]
		if s.flip[a] {
			v = last - v
		}
		in[s.perm[a]] = v
	}
	return in
}

// apply writes the region src (e³, X fastest) transformed by s into dst.
func (s symmetry) apply(dst, src []float32, e int) {
	for k := 0; k < e; k++ {
		for j := 0; j < e; j++ {
			for i := 0; i < e; i++ {
				in := s.source([3]int{i, j, k}, e-1)
				dst[i+e*(j+e*k)] = src[in[0]+e*(in[1]+e*in[2])]
			}
		}
	}
}

// Sample returns region i of the dataset turned by a random symmetry of
// the cube (the density has no preferred orientation, so every turned and
// mirrored region is as valid a training example as the original): its
// Edge³ voxel values, followed, with off-grid points, by its values at
// OffGrid turned by the same symmetry. They are the targets at Coords.
func (d *Dataset) Sample(rng *rand.Rand, i int) []float32 {
	n := len(d.Regions[i])
	out := make([]float32, n+len(d.OffGrid))
	id := randomSymmetry(rng)
	symmetryOf(id).apply(out[:n], d.Regions[i], d.Edge)
	if len(d.OffGrid) > 0 {
		src := d.OffValues[i]
		for q, p := range d.offPerm[id] {
			out[n+q] = src[p]
		}
	}
	return out
}

// Coords returns the network inputs (siren.RegionCoords' [−1, 1] region
// coordinates, N×3) of the targets Sample returns: the Edge³ voxel centres,
// X fastest, then the off-grid points OffGrid (half-voxel position c maps
// to −1 + c/(Edge−1)).
func (d *Dataset) Coords() ([]float32, error) {
	x, err := siren.RegionCoords([3]int{d.Edge, d.Edge, d.Edge})
	if err != nil {
		return nil, err
	}
	for _, q := range d.OffGrid {
		for a := 0; a < 3; a++ {
			x = append(x, float32(-1+float64(q[a])/float64(d.Edge-1)))
		}
	}
	return x, nil
}

// offGridPoints returns at least m points of the half-voxel lattice of a
// region of edge voxels (components 0 … 2(edge−1), not all even), closed
// under the 48 symmetries of the cube: the orbits of uniformly random
// lattice points (drawn from seed; voxel centres and points already taken
// are drawn again) until there are m points. The order is the order they
// were taken in, so the same edge, m and seed give the same list.
func offGridPoints(edge, m int, seed uint64) [][3]int {
	last := 2 * (edge - 1)
	rng := rand.New(rand.NewPCG(seed, 0x0ff9_21d))
	taken := map[[3]int]bool{}
	var out [][3]int
	for len(out) < m {
		p := [3]int{rng.IntN(last + 1), rng.IntN(last + 1), rng.IntN(last + 1)}
		if p[0]%2 == 0 && p[1]%2 == 0 && p[2]%2 == 0 || taken[p] {
			continue
		}
		for id := range 48 {
			q := symmetryOf(id).source(p, last)
			if !taken[q] {
				taken[q] = true
				out = append(out, q)
			}
		}
	}
	return out
}

// offGridPerms returns, for each symmetry, the index in q of the point it
// reads for each output point of q (q must be closed under the symmetries).
func offGridPerms(q [][3]int, edge int) [48][]int32 {
	last := 2 * (edge - 1)
	index := make(map[[3]int]int32, len(q))
	for i, p := range q {
		index[p] = int32(i)
	}
	var out [48][]int32
	for id := range out {
		s := symmetryOf(id)
		out[id] = make([]int32, len(q))
		for i, p := range q {
			j, ok := index[s.source(p, last)]
			if !ok {
				panic(fmt.Sprintf("metainit: off-grid points not closed under symmetry %d at %v", id, p))
			}
			out[id][i] = j
		}
	}
	return out
}

// offGridValues evaluates the B-spline bs of a map of frame f at the
// off-grid points q of the region whose first voxel is lo.
func offGridValues(bs *grid.BSpline, f grid.Frame, lo geom.Index, q [][3]int) ([]float32, error) {
	pts := make([]geom.Point, len(q))
	for i, p := range q {
		var v geom.VoxelCoord
		for a := 0; a < 3; a++ {
			v[a] = float64(lo[a]) + float64(p[a])/2
		}
		pts[i] = f.ToPoint(v)
	}
	val := make([]float64, len(q))
	if err := bs.Sample(pts, val, nil); err != nil {
		return nil, fmt.Errorf("off-grid points of the region at voxel %v: %w", lo, err)
	}
	out := make([]float32, len(q))
	for i, v := range val {
		out[i] = float32(v)
	}
	return out, nil
}
