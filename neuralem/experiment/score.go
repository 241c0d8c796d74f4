package experiment

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/molmap"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// PeakFloor is the lowest control value, on the [0, 1] scale, of a control
// peak: a local maximum of the 0.2 Å control map (strictly above the 13
// neighbours before it in memory order and at least as high as the 13
// after, so a plateau counts once), not on the control grid's faces, at
// or above PeakFloor. The floor keeps out the shallow maxima of the
// near-empty solvent and of molmap's 5σ cut-off edges; 0.2 is a fifth of
// the input map's maximum.
const PeakFloor = 0.2

// ErrStats summarises |interpolated − control| over the evaluated voxels,
// on the [0, 1] scale.
type ErrStats struct {
	MAE  float64 `json:"mae"`
	Max  float64 `json:"max"`
	RMSE float64 `json:"rmse"`
	// Bias is the mean of interpolated − control (negative: peaks flattened).
	Bias float64 `json:"bias"`
	// PeakMAE and PeakBias are the mean |interpolated − control| and the
	// mean interpolated − control at the control's peaks (see PeakFloor):
	// the peak-height error. A negative PeakBias means flattened peaks.
	PeakMAE  float64 `json:"peak_mae"`
	PeakBias float64 `json:"peak_bias"`
	// Time is the wall time spent sampling the interpolator.
	Time time.Duration `json:"time_ns"`
}

// errAcc accumulates one interpolator's errors (grid.ErrorAcc), its errors
// at the control's peaks and its sampling time.
type errAcc struct {
	all  grid.ErrorAcc
	peak grid.ErrorAcc
	t    time.Duration
}

func (a *errAcc) add(v, c float64, peak bool) {
	a.all.Add(v, c)
	if peak {
		a.peak.Add(v, c)
	}
}

func (a *errAcc) stats() ErrStats {
	e, p := a.all.Errors(), a.peak.Errors()
	return ErrStats{MAE: e.MAE, Max: e.Max, RMSE: e.RMSE, Bias: e.Bias, PeakMAE: p.MAE, PeakBias: p.Bias, Time: a.t}
}

// maxSlabVoxels bounds the control voxels simulated at once.
const maxSlabVoxels = 1 << 22

// sampleBatch is the number of points per Field.Sample call.
const sampleBatch = 1 << 16

// controlSlabs simulates the control in slabs along z of at most about
// maxVoxels voxels; a control that fits in one slab is simulated once. Each
// slab carries a halo of one z plane on either side (where the control has
// one), so that local maxima can be found across slab boundaries.
type controlSlabs struct {
	atoms      []model.Atom
	f          grid.Frame
	p          molmap.Params
	nx, ny, nz int
	slabZ      int
	cached     *grid.Grid
}

func newControlSlabs(atoms []model.Atom, f grid.Frame, p molmap.Params, maxVoxels int) *controlSlabs {
	nx, ny, nz := f.Shape[0], f.Shape[1], f.Shape[2]
	return &controlSlabs{atoms: atoms, f: f, p: p, nx: nx, ny: ny, nz: nz, slabZ: max(1, maxVoxels/(nx*ny))}
}

// at returns the slab of z planes [z0, z0+slabZ) with its halo, and the z
// index in the returned grid of plane z0.
func (c *controlSlabs) at(z0 int) (*grid.Grid, int, error) {
	if c.slabZ >= c.nz {
		if c.cached == nil {
			g, err := molmap.OnFrame(c.atoms, c.f, c.p)
			if err != nil {
				return nil, 0, err
			}
			c.cached = g
		}
		return c.cached, z0, nil
	}
	lo, hi := max(0, z0-1), min(c.nz, z0+c.slabZ+1)
	f, err := c.f.SubFrame(geom.Index{0, 0, lo}, geom.Index{c.nx, c.ny, hi})
	if err != nil {
		return nil, 0, err
	}
	g, err := molmap.OnFrame(c.atoms, f, c.p)
	return g, z0 - lo, err
}

// controlTo01 returns the map of control values to the [0, 1] scale: the
// input's normalisation (NormInput), or one fitted on the control (NormOwn).
func controlTo01(slabs *controlSlabs, norm grid.Normalization, mode Normalization) (func(float64) float64, error) {
	if mode != NormOwn {
		return norm.To01, nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for z0 := 0; z0 < slabs.nz; z0 += slabs.slabZ {
		g, _, err := slabs.at(z0)
		if err != nil {
			return nil, err
		}
		for _, v := range g.Data {
			lo = math.Min(lo, math.Max(float64(v), 0))
			hi = math.Max(hi, float64(v))
		}
	}
	if !(hi > lo) {
		return nil, fmt.Errorf("control map is constant (%g): cannot normalise it", hi)
	}
	return func(d0 float64) float64 { return (math.Max(d0, 0) - lo) / (hi - lo) }, nil
}

// scoredField is one interpolator to score: its field and the map of its
// values to the control's [0, 1] scale (nil: already on that scale).
type scoredField struct {
	field grid.Field
	to01  func(float64) float64
}

// controlSummary describes the control voxels a scorer evaluated, on the
// [0, 1] scale.
type controlSummary struct {
	// Voxels inside the domain, the non-zero ones among them, the peaks
	// among those (see PeakFloor) and the voxels the fields were sampled
	// at (all non-zero ones, or a random subset plus every peak).
	Voxels, NonZero, Peaks, Sampled int
	Mean01, Std01                   float64
	Min01, Max01                    float64
	// RawMax is the largest control value in molmap units.
	RawMax float64
}

// scorer samples interpolators at batches of control voxel centres and
// accumulates their errors against the control values.
type scorer struct {
	ctx context.Context
	// fraction < 1 samples the fields at a deterministic pseudo-random
	// subset of that fraction of the non-zero control voxels (and at every
	// peak): an unbiased estimate of the MAE for controls too large to
	// sample whole (the maximum error is then the subset's).
	fraction float64
	fields   []scoredField
	accs     []*errAcc
	pts      []geom.Point
	ctl      []float64
	peak     []bool
	val      []float64
}

func newScorer(ctx context.Context, fields []scoredField, fraction float64) *scorer {
	s := &scorer{ctx: ctx, fraction: fraction, fields: fields, accs: make([]*errAcc, len(fields)),
		pts: make([]geom.Point, 0, sampleBatch), ctl: make([]float64, 0, sampleBatch), peak: make([]bool, 0, sampleBatch),
		val: make([]float64, sampleBatch)}
	for i := range s.accs {
		s.accs[i] = &errAcc{}
	}
	return s
}

// stats returns the error statistics of field k.
func (s *scorer) stats(k int) ErrStats { return s.accs[k].stats() }

// add queues the control value c at p, sampling when a batch is full.
func (s *scorer) add(p geom.Point, c float64, peak bool) error {
	s.pts = append(s.pts, p)
	s.ctl = append(s.ctl, c)
	s.peak = append(s.peak, peak)
	if len(s.pts) == sampleBatch {
		return s.flush()
	}
	return nil
}

// flush samples every interpolator at the queued points.
func (s *scorer) flush() error {
	if len(s.pts) == 0 {
		return nil
	}
	val := s.val[:len(s.pts)]
	for k, f := range s.fields {
		acc := s.accs[k]
		t0 := time.Now()
		if err := f.field.Sample(s.pts, val, nil); err != nil {
			return err
		}
		acc.t += time.Since(t0)
		for i, c := range s.ctl {
			v := val[i]
			if f.to01 != nil {
				v = f.to01(v)
			}
			acc.add(v, c, s.peak[i])
		}
	}
	s.pts, s.ctl, s.peak = s.pts[:0], s.ctl[:0], s.peak[:0]
	return s.ctx.Err()
}

// isPeak reports whether voxel (i, j, k) of g is a local maximum (see
// PeakFloor; the floor is the caller's). The voxel must not lie on g's
// faces.
func isPeak(g *grid.Grid, i, j, k int) bool {
	nx, nxy := g.Shape[0], g.Shape[0]*g.Shape[1]
	o := g.Offset(i, j, k)
	v := g.Data[o]
	for dk := -1; dk <= 1; dk++ {
		for dj := -1; dj <= 1; dj++ {
			for di := -1; di <= 1; di++ {
				d := di + nx*dj + nxy*dk
				if d == 0 {
					continue
				}
				n := g.Data[o+d]
				if n > v || (d < 0 && n == v) {
					return false
				}
			}
		}
	}
	return true
}

// score walks the control slab by slab and scores every non-zero control
// voxel whose centre lies in dom; to01 maps control values to the [0, 1]
// scale.
func (s *scorer) score(slabs *controlSlabs, dom geom.Box, to01 func(float64) float64, report func(string, string, *neuralmap.FitProgress)) (controlSummary, error) {
	var cs controlSummary
	var n, sum, sq float64
	cs.Min01, cs.Max01 = math.Inf(1), math.Inf(-1)
	nx, ny, nz := slabs.nx, slabs.ny, slabs.nz
	for z0 := 0; z0 < nz; z0 += slabs.slabZ {
		g, kOff, err := slabs.at(z0)
		if err != nil {
			return cs, err
		}
		z1 := min(nz, z0+slabs.slabZ)
		report("sample", fmt.Sprintf("control slab z %d–%d of %d", z0, z1, nz), nil)
		for z := z0; z < z1; z++ {
			k := z - z0 + kOff
			for j := 0; j < ny; j++ {
				for i := 0; i < nx; i++ {
					p := g.PointOf(geom.Index{i, j, k})
					if !dom.Contains(p) {
						continue
					}
					cs.Voxels++
					raw := float64(g.Data[g.Offset(i, j, k)])
					cs.RawMax = math.Max(cs.RawMax, raw)
					if raw == 0 {
						continue
					}
					c := to01(raw)
					n++
					sum += c
					sq += c * c
					cs.Min01 = math.Min(cs.Min01, c)
					cs.Max01 = math.Max(cs.Max01, c)
					interior := i > 0 && i < nx-1 && j > 0 && j < ny-1 && z > 0 && z < nz-1
					peak := interior && c >= PeakFloor && isPeak(g, i, j, k)
					if peak {
						cs.Peaks++
					}
					if !peak && s.fraction < 1 && keepUniform(uint64(i+nx*(j+ny*z))) >= s.fraction {
						continue
					}
					cs.Sampled++
					if err := s.add(p, c, peak); err != nil {
						return cs, err
					}
				}
			}
		}
	}
	if err := s.flush(); err != nil {
		return cs, err
	}
	cs.NonZero = int(n)
	if cs.NonZero == 0 {
		return cs, fmt.Errorf("no non-zero control voxel inside the input domain %v–%v Å (%d control voxels there)", dom.Min, dom.Max, cs.Voxels)
	}
	cs.Mean01 = sum / n
	cs.Std01 = math.Sqrt(math.Max(0, sq/n-cs.Mean01*cs.Mean01))
	return cs, nil
}

// keepUniform maps a voxel index to a pseudo-random number in [0, 1)
// (splitmix64's finaliser), the same for the same index in every run.
func keepUniform(x uint64) float64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}
