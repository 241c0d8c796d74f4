// Package molmap simulates density maps from atomic models with the semantics
// of UCSF ChimeraX's molmap command (chimerax.map.molmap and the C++
// sum_of_gaussians in chimerax/map/_map/gaussian.cpp), which the paper (§3.1)
// used to make its input maps (voxel size resolution/3) and 0.2 Å control maps.
//
// Every selected atom contributes a normalised isotropic 3-D Gaussian centred
// on it and weighted by its atomic number Z:
//
//	ρ(p) = Σ_atoms Z · (2π σ²)^(-3/2) · exp(-|p - x_atom|² / (2σ²)),
//	σ = SigmaFactor · Resolution,  SigmaFactor = 1/(π√2) ≈ 0.225.
//
// Each Gaussian is evaluated only inside the box of voxels within
// CutoffRange·σ (default 5σ) of the atom along each axis, as ChimeraX does:
// ChimeraX's cutoff is a per-axis box, not a sphere (gaussian.cpp computes
// ijk_min = ceil(c - 5σ), ijk_max = floor(c + 5σ) independently per axis), so
// the separable evaluation used here reproduces its cut-off exactly. The
// dropped tails are below exp(-12.5) ≈ 3.7e-6 of each atom's peak.
//
// # Grid bounds
//
// With the defaults the map's voxel size is Resolution/3 and the box is the
// bounding box of the selected atoms' centres padded by 3·Resolution on every
// side. The origin (centre of voxel 0,0,0) is min(atom) − padding on each axis,
// exactly as in ChimeraX and Chimera (bounding_grid in their molmap.py), and
// is not snapped to the voxel size, so maps of the same atoms at different
// voxel sizes (the paper's resolution/3 input and 0.2 Å control) share their
// origin.
//
// Deliberate differences from ChimeraX:
//
//   - Shape: ChimeraX uses ceil(extent/step) voxels per axis, whose last voxel
//     centre can fall up to one step short of max + padding. Here the shape is
//     ceil(extent/step) + 1 (the ceiling taken with a 1e-9 relative
//     tolerance), so the last voxel centre is always at or beyond
//     max + padding: ChimeraX's grid plus one voxel per axis, with the same
//     values on the voxels both have.
//   - Hydrogens (elements H and D) are excluded by default (this project's
//     choice; ChimeraX uses every atom it is given, and most deposited
//     cryo-EM models carry none). Params.IncludeHydrogens restores that. The
//     bounding box is taken over the atoms actually used.
//   - An atom whose element is not in the periodic table is an error naming
//     the atom, not a silent weight.
//   - Atom centres are converted to voxel coordinates in float64; ChimeraX
//     rounds them to float32, which moves its Gaussians by up to ~1e-5 voxel
//     and its values by up to ~3e-6 of the peak (measured against a numpy
//     port of ChimeraX's algorithm in the tests).
//   - Normalisation (2π σ²)^(-3/2) is folded into each atom's weight instead
//     of being applied to the finished float32 map: the same numbers up to
//     float32 rounding.
//   - On a caller-supplied frame (OnFrame, ChimeraX's onGrid), an atom whose
//     cut-off box lies wholly outside the grid is skipped; ChimeraX clamps
//     such a box onto the edge voxels and adds values below exp(-12.5) of the
//     peak there.
//   - Symmetry copies, "balls" mode and the display threshold are not
//     implemented.
//
// Occupancies and B-factors are ignored, as in ChimeraX.
//
// # Speed
//
// The Gaussian factorises over x, y and z. For every atom the three 1-D
// weight tables (one per axis, within the cut-off) are computed once in
// float64 (the x table stored as float32, zero-padded to a multiple of 8).
// The map is then filled z-slice by z-slice by GOMAXPROCS goroutines, each
// slice owned by one goroutine: the atoms whose z-range covers the slice are
// visited in y order (so consecutive patches share cache lines) and each adds
// the outer product of its y and x tables, scaled by its weight and z-table
// entry (scale in float64, accumulation in float32). Built with
// GOEXPERIMENT=simd on amd64 with AVX2 and FMA, the rows are accumulated
// with 8-wide fused multiply-adds; elsewhere a scalar loop does the same.
package molmap

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
)

// DefaultSigmaFactor is ChimeraX's default σ/resolution, 1/(π√2) ≈ 0.225: the
// Fourier transform of the Gaussian falls to 1/e of its maximum at a spatial
// frequency of 1/resolution.
var DefaultSigmaFactor = 1 / (math.Pi * math.Sqrt2)

// DefaultCutoffRange is ChimeraX's default cut-off in standard deviations.
const DefaultCutoffRange = 5.0

// MaxVoxels bounds the size of a simulated map (2^31 voxels, 8 GiB of
// float32) so that a typo in the spacing gives an error instead of
// exhausting memory. It is grid.MaxVoxels, the cap of every grid.
const MaxVoxels = grid.MaxVoxels

// Params sets up a simulation. Start from Defaults(resolution) and change
// fields as needed; every field is validated and none has a hidden zero-value
// default.
type Params struct {
	// Resolution in Å (> 0). σ = SigmaFactor · Resolution.
	Resolution float64
	// Spacing is the voxel size in Å (> 0), the same on all axes. ChimeraX
	// default: Resolution/3. Ignored by OnFrame.
	Spacing float64
	// Padding in Å (≥ 0) added on every side of the atoms' bounding box.
	// ChimeraX default: 3·Resolution. Ignored by OnFrame.
	Padding float64
	// CutoffRange is the half-width of each atom's evaluation box in units
	// of σ (> 0). ChimeraX default: 5.
	CutoffRange float64
	// SigmaFactor is σ/Resolution (> 0). ChimeraX default: 1/(π√2).
	SigmaFactor float64
	// IncludeHydrogens adds atoms with element H or D (weight 1). Off by
	// default (this project's choice); ChimeraX uses every atom it is given.
	IncludeHydrogens bool
}

// Defaults returns ChimeraX's molmap defaults for a resolution in Å: spacing
// resolution/3, padding 3·resolution, cut-off 5σ, σ = resolution/(π√2),
// hydrogens excluded.
func Defaults(resolution float64) Params {
	return Params{
		Resolution:  resolution,
		Spacing:     resolution / 3,
		Padding:     3 * resolution,
		CutoffRange: DefaultCutoffRange,
		SigmaFactor: DefaultSigmaFactor,
	}
}

// Sigma returns the Gaussian standard deviation σ in Å.
func (p Params) Sigma() float64 { return p.SigmaFactor * p.Resolution }

func finitePositive(x float64) bool { return x > 0 && !math.IsInf(x, 0) }

// validate checks the fields used by every path; withBox adds Spacing and
// Padding, which only the bounding-box path uses.
func (p Params) validate(withBox bool) error {
	if !finitePositive(p.Resolution) {
		return fmt.Errorf("molmap: Params.Resolution = %g Å, want a finite value > 0", p.Resolution)
	}
	if !finitePositive(p.SigmaFactor) {
		return fmt.Errorf("molmap: Params.SigmaFactor = %g, want a finite value > 0 (ChimeraX default 1/(π√2))", p.SigmaFactor)
	}
	if !finitePositive(p.CutoffRange) {
		return fmt.Errorf("molmap: Params.CutoffRange = %g σ, want a finite value > 0 (ChimeraX default 5)", p.CutoffRange)
	}
	if withBox {
		if !finitePositive(p.Spacing) {
			return fmt.Errorf("molmap: Params.Spacing = %g Å, want a finite value > 0 (Defaults gives resolution/3)", p.Spacing)
		}
		if !(p.Padding >= 0) || math.IsInf(p.Padding, 0) {
			return fmt.Errorf("molmap: Params.Padding = %g Å, want a finite value ≥ 0 (Defaults gives 3·resolution)", p.Padding)
		}
	}
	return nil
}

// IsHydrogen reports whether an element symbol is hydrogen or deuterium.
func IsHydrogen(element string) bool {
	e := strings.ToUpper(strings.TrimSpace(element))
	return e == "H" || e == "D"
}

// describe names an atom in error messages.
func describe(i int, a *model.Atom) string {
	return fmt.Sprintf("atom %d (serial %d, %s %s %s%d%s)", i, a.Serial, a.Name, a.ResName, a.Chain, a.ResSeq, a.ICode)
}

// source is one weighted Gaussian centre in Å.
type source struct {
	pos geom.Point
	z   float64 // atomic number
}

// selectAtoms returns the atoms to simulate with their atomic numbers.
func selectAtoms(atoms []model.Atom, includeH bool) ([]source, error) {
	if len(atoms) == 0 {
		return nil, fmt.Errorf("molmap: no atoms given")
	}
	out := make([]source, 0, len(atoms))
	nH := 0
	for i := range atoms {
		a := &atoms[i]
		if IsHydrogen(a.Element) {
			nH++
			if !includeH {
				continue
			}
		}
		z := model.AtomicNumber(a.Element)
		if z <= 0 {
			return nil, fmt.Errorf("molmap: %s: Element = %q is not a known element symbol", describe(i, a), a.ElementRead())
		}
		if !a.Pos.IsFinite() {
			return nil, fmt.Errorf("molmap: %s: Pos = %v Å is not finite", describe(i, a), a.Pos)
		}
		out = append(out, source{pos: a.Pos, z: float64(z)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("molmap: no atoms left to simulate: all %d atoms are hydrogens and Params.IncludeHydrogens is false", nH)
	}
	return out, nil
}

// BoundingFrame returns the frame Simulate uses for the selected atoms:
// origin = min(atom) − Padding (not snapped to the spacing), spacing
// Params.Spacing on all axes, and enough voxels that the last voxel centre is
// at or beyond max(atom) + Padding on every axis.
func BoundingFrame(atoms []model.Atom, p Params) (grid.Frame, error) {
	if err := p.validate(true); err != nil {
		return grid.Frame{}, err
	}
	src, err := selectAtoms(atoms, p.IncludeHydrogens)
	if err != nil {
		return grid.Frame{}, err
	}
	return boundingFrame(src, p)
}

func boundingFrame(src []source, p Params) (grid.Frame, error) {
	lo, hi := src[0].pos, src[0].pos
	for _, s := range src[1:] {
		for a := 0; a < 3; a++ {
			lo[a] = math.Min(lo[a], s.pos[a])
			hi[a] = math.Max(hi[a], s.pos[a])
		}
	}
	var f grid.Frame
	total := 1.0
	for a := 0; a < 3; a++ {
		f.Origin[a] = lo[a] - p.Padding
		f.Spacing[a] = p.Spacing
		steps := (hi[a] - lo[a] + 2*p.Padding) / p.Spacing
		n := math.Ceil(steps - 1e-9*math.Max(1, steps))
		if n < 0 {
			n = 0
		}
		total *= n + 1
		if total > MaxVoxels {
			return grid.Frame{}, fmt.Errorf("molmap: map would need more than %d voxels (extent %.4g Å on axis %d at Params.Spacing = %g Å, Params.Padding = %g Å)",
				int64(MaxVoxels), hi[a]-lo[a]+2*p.Padding, a, p.Spacing, p.Padding)
		}
		f.Shape[a] = int(n) + 1
	}
	return f, nil
}

// Simulate returns the molmap of atoms on their padded bounding box (see
// BoundingFrame). Density is in atomic-number units per Å³: a lone atom's
// voxel values times the voxel volume sum to Z (less the tails beyond the
// cut-off).
func Simulate(atoms []model.Atom, p Params) (*grid.Grid, error) {
	if err := p.validate(true); err != nil {
		return nil, err
	}
	src, err := selectAtoms(atoms, p.IncludeHydrogens)
	if err != nil {
		return nil, err
	}
	f, err := boundingFrame(src, p)
	if err != nil {
		return nil, err
	}
	g := grid.New(f)
	accumulate(g, src, p.Sigma(), p.CutoffRange)
	return g, nil
}

// ControlSpacing is the voxel size in Å of the paper's control maps (§3.1).
const ControlSpacing = 0.2

// SimulatePair returns the paper's two simulated maps of atoms at a
// resolution in Å (§3.1): the input map with ChimeraX's defaults (voxel size
// resolution/3) and the control map at ControlSpacing, other parameters at
// their defaults. Both share their origin.
func SimulatePair(atoms []model.Atom, resolution float64) (input, control *grid.Grid, err error) {
	p := Defaults(resolution)
	if input, err = Simulate(atoms, p); err != nil {
		return nil, nil, err
	}
	p.Spacing = ControlSpacing
	if control, err = Simulate(atoms, p); err != nil {
		return nil, nil, err
	}
	return input, control, nil
}

// OnFrame returns the molmap of atoms sampled on a given frame (ChimeraX's
// onGrid option), for instance an experimental map's. Params.Spacing and
// Params.Padding are ignored; the frame may be anisotropic. Atoms outside the
// frame contribute only where their cut-off box overlaps it.
func OnFrame(atoms []model.Atom, f grid.Frame, p Params) (*grid.Grid, error) {
	if err := p.validate(false); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("molmap: frame: %w", err)
	}
	if f.Len() > MaxVoxels {
		return nil, fmt.Errorf("molmap: frame shape %v has more than %d voxels", f.Shape, int64(MaxVoxels))
	}
	src, err := selectAtoms(atoms, p.IncludeHydrogens)
	if err != nil {
		return nil, err
	}
	g := grid.New(f)
	accumulate(g, src, p.Sigma(), p.CutoffRange)
	return g, nil
}

// FromModel is Simulate on a model's atoms, with errors naming the model's
// source file.
func FromModel(m *model.Model, p Params) (*grid.Grid, error) {
	if m == nil {
		return nil, fmt.Errorf("molmap: nil model")
	}
	g, err := Simulate(m.Atoms, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Source, err)
	}
	return g, nil
}

// atomTable holds one atom's separable weights within the grid.
type atomTable struct {
	lo   [3]int  // first voxel index on each axis
	n    [3]int  // number of voxels on each axis (all > 0)
	xOff int     // offset of the x table in tx (padded with zeros to a multiple of 8)
	yOff int     // offset of the y table in tyz; the z table follows it
	w    float64 // Z · (2π σ²)^(-3/2)
}

// accumulate adds the Gaussians of src to g.
func accumulate(g *grid.Grid, src []source, sigma, cutoff float64) {
	norm := math.Pow(2*math.Pi*sigma*sigma, -1.5)
	tabs := make([]atomTable, 0, len(src))
	// Table lengths are at most the cut-off range in voxels, plus one for
	// rounding (x padded to a multiple of 8).
	var maxN [3]int
	for a := 0; a < 3; a++ {
		maxN[a] = min(int(2*cutoff*sigma/g.Spacing[a])+2, g.Shape[a])
	}
	tx := make([]float32, 0, len(src)*((maxN[0]+7)&^7))
	tyz := make([]float64, 0, len(src)*(maxN[1]+maxN[2]))
	for _, s := range src {
		var t atomTable
		var c, sd [3]float64
		ok := true
		for a := 0; a < 3; a++ {
			c[a] = (s.pos[a] - g.Origin[a]) / g.Spacing[a]
			sd[a] = sigma / g.Spacing[a]
			lo := math.Max(math.Ceil(c[a]-cutoff*sd[a]), 0)
			hi := math.Min(math.Floor(c[a]+cutoff*sd[a]), float64(g.Shape[a]-1))
			if !(lo <= hi) {
				ok = false
				break
			}
			t.lo[a] = int(lo)
			t.n[a] = int(hi-lo) + 1
		}
		if !ok {
			continue
		}
		t.w = s.z * norm
		t.xOff = len(tx)
		for i := 0; i < t.n[0]; i++ {
			d := (float64(t.lo[0]+i) - c[0]) / sd[0]
			tx = append(tx, float32(math.Exp(-0.5*d*d)))
		}
		for len(tx)%8 != 0 {
			tx = append(tx, 0)
		}
		t.yOff = len(tyz)
		for a := 1; a < 3; a++ {
			for i := 0; i < t.n[a]; i++ {
				d := (float64(t.lo[a]+i) - c[a]) / sd[a]
				tyz = append(tyz, math.Exp(-0.5*d*d))
			}
		}
		tabs = append(tabs, t)
	}
	if len(tabs) == 0 {
		return
	}
	// Sort by first z slice so the atoms covering slice k form a short run.
	slices.SortStableFunc(tabs, func(a, b atomTable) int { return a.lo[2] - b.lo[2] })
	maxNz := 0
	for i := range tabs {
		maxNz = max(maxNz, tabs[i].n[2])
	}

	nx, ny, nz := g.Shape[0], g.Shape[1], g.Shape[2]
	plane := nx * ny
	var next atomic.Int64
	workers := min(runtime.GOMAXPROCS(0), nz)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var active []int32
			var scales []float32
			for {
				k := int(next.Add(1) - 1)
				if k >= nz {
					return
				}
				// Atoms whose z range covers slice k, in y order so that
				// consecutive atoms touch neighbouring rows (cache).
				active = active[:0]
				start, _ := slices.BinarySearchFunc(tabs, k-maxNz+1, func(t atomTable, v int) int { return t.lo[2] - v })
				for ti := start; ti < len(tabs) && tabs[ti].lo[2] <= k; ti++ {
					if k-tabs[ti].lo[2] < tabs[ti].n[2] {
						active = append(active, int32(ti))
					}
				}
				slices.SortFunc(active, func(a, b int32) int {
					if d := tabs[a].lo[1] - tabs[b].lo[1]; d != 0 {
						return d
					}
					return tabs[a].lo[0] - tabs[b].lo[0]
				})
				// Full slice expression: nothing can reach into the next
				// slice, which another goroutine owns.
				slab := g.Data[k*plane : (k+1)*plane : (k+1)*plane]
				for _, ti := range active {
					t := &tabs[ti]
					wz := t.w * tyz[t.yOff+t.n[1]+k-t.lo[2]]
					wy := tyz[t.yOff : t.yOff+t.n[1]]
					scales = scales[:0]
					for _, y := range wy {
						scales = append(scales, float32(wz*y))
					}
					nPad := (t.n[0] + 7) &^ 7
					addPatch(slab, t.lo[1]*nx+t.lo[0], nx, tx[t.xOff:t.xOff+nPad], t.n[0], scales)
				}
			}
		})
	}
	wg.Wait()
}
