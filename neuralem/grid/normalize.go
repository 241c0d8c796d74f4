package grid

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Normalization holds the parameters of the paper's two-step normalisation
// (§2.1) so values can be mapped forward and back, and the mean and standard
// deviation of the normalised map, which the density-graph threshold
// T = μ + 3σ uses.
//
// # The [0, 1] step, precisely
//
// The paper writes
//
//	d1 = 0                           if d0 ≤ 0
//	d1 = (d0 − dmin)/(dmax − dmin)   if d0 > 0
//
// and says in words "set the negative values to zero and scale the remaining
// values to [0, 1]". Read literally with dmin = the minimum of the map, which
// is negative for almost every cryo-EM map, the mapping jumps at d0 = 0: a
// voxel at −0.001 goes to 0 but one at +0.001 goes to about −dmin/(dmax−dmin)
// (≈ 0.36 for EMD-20026), so the "background" of the positive voxels is lifted
// off zero and the image is no longer continuous. The authors' code
// (DrDongSi/Neural-EM-Map, NeuralDensityMap.from_voxel_data) clamps first and
// then min-max scales the clamped map: `v[v < 0] = 0; v = (v − v.min())/(v.max()
// − v.min())`. That is what the words say and what this package does:
//
//	Lo = min over voxels of max(d0, 0)   (= 0 whenever any voxel is ≤ 0)
//	Hi = max over voxels of d0
//	d1 = (max(d0, 0) − Lo)/(Hi − Lo)     ∈ [0, 1], continuous in d0
//
// so for the usual map (with non-positive voxels) d1 = max(d0, 0)/dmax, and for
// a map with only positive voxels it is plain min-max scaling, in which case
// Lo is exactly the paper's dmin. The second step is d = 2·d1 − 1 ∈ [−1, 1].
//
// # Inverse
//
// To01(d0) is not invertible for d0 ≤ Lo: every such voxel maps to d1 = 0.
// From01(d1) = Lo + d1·(Hi − Lo) returns the original value exactly (up to
// rounding) for every voxel with d0 > Lo, and returns Lo (normally 0) for the
// clamped ones. Values outside [0, 1] (a neural field may overshoot) map
// linearly, which is what a density in original units should do. A gradient
// per Å transforms with the same factor: ∂d0 = (Hi − Lo)·∂d1 = (Hi − Lo)/2·∂d.
//
// # Statistics
//
// Mean01 and Std01 are μ and σ (population) of d1 over all voxels of the map
// the parameters were fitted on; the authors' code keeps these. Mean and Std
// are the same on the [−1, 1] scale (Mean = 2·Mean01 − 1, Std = 2·Std01).
// Because the two scales are related by an affine map, the threshold μ + kσ is
// the same density on either scale: Threshold(k) = 2·Threshold01(k) − 1.
type Normalization struct {
	// Lo and Hi are in the map's original units; see the type comment.
	Lo, Hi float64
	// Clamped is the number of voxels with d0 ≤ 0 that were set to d1 = 0
	// before scaling.
	Clamped int
	// Count is the number of voxels the parameters were fitted on.
	Count int
	// Mean01 and Std01 are μ and σ of the [0, 1] map d1.
	Mean01, Std01 float64
	// Mean and Std are μ and σ of the [−1, 1] map d.
	Mean, Std float64
}

// FitNormalization computes the normalisation parameters of g and the
// statistics of the normalised map. It fails if g holds a NaN or an Inf, or if
// the clamped map is constant (all voxels ≤ 0, or all equal), since such a map
// cannot be scaled to [0, 1].
func FitNormalization(g *Grid) (Normalization, error) {
	if len(g.Data) == 0 {
		return Normalization{}, fmt.Errorf("grid: cannot normalise an empty grid (shape %v)", g.Shape)
	}
	if len(g.Data) != g.Len() {
		return Normalization{}, fmt.Errorf("grid: data length %d does not match shape %v (%d voxels)", len(g.Data), g.Shape, g.Len())
	}
	raw, cl, nClamped := clampStats(g.Data)
	if raw.nan > 0 || raw.inf > 0 {
		idx, v, _ := g.firstNonFinite()
		return Normalization{}, fmt.Errorf("grid: cannot normalise: data hold %d NaN and %d Inf values (first: voxel %v = %g)", raw.nan, raw.inf, idx, v)
	}
	n := Normalization{Hi: raw.max, Count: raw.n, Clamped: nClamped}
	if raw.min > 0 {
		n.Lo = raw.min
	}
	if !(n.Hi > n.Lo) {
		return Normalization{}, fmt.Errorf("grid: cannot normalise: max density %g ≤ min of the clamped map %g (all voxels ≤ 0 or constant)", raw.max, n.Lo)
	}
	// d1 is an affine function of the clamped value max(d0, 0), so its
	// moments follow from the clamped map's.
	s := cl.stats()
	n.Mean01 = (s.Mean - n.Lo) / (n.Hi - n.Lo)
	n.Std01 = s.Std / (n.Hi - n.Lo)
	n.Mean, n.Std = 2*n.Mean01-1, 2*n.Std01
	return n, nil
}

// Normalize fits the normalisation on g and returns the normalised map
// d ∈ [−1, 1] in a new grid with the same frame, together with the parameters.
func Normalize(g *Grid) (*Grid, Normalization, error) {
	n, err := FitNormalization(g)
	if err != nil {
		return nil, Normalization{}, err
	}
	return n.Apply(g), n, nil
}

// To01 maps an original density d0 to the [0, 1] scale.
func (n Normalization) To01(d0 float64) float64 {
	if d0 <= 0 {
		d0 = 0
	}
	return (d0 - n.Lo) / (n.Hi - n.Lo)
}

// ToSigned maps an original density d0 to the [−1, 1] scale: 2·To01(d0) − 1.
func (n Normalization) ToSigned(d0 float64) float64 { return 2*n.To01(d0) - 1 }

// From01 maps d1 on the [0, 1] scale back to original units: Lo + d1·(Hi − Lo).
// See the type comment for what is and is not invertible.
func (n Normalization) From01(d1 float64) float64 { return n.Lo + d1*(n.Hi-n.Lo) }

// FromSigned maps d on the [−1, 1] scale back to original units.
func (n Normalization) FromSigned(d float64) float64 { return n.From01((d + 1) / 2) }

// SignedTo01 maps d on the [−1, 1] scale to the [0, 1] scale: (d + 1)/2.
func SignedTo01(d float64) float64 { return (d + 1) / 2 }

// Threshold01 returns μ + k·σ on the [0, 1] scale (the paper uses k = 3).
func (n Normalization) Threshold01(k float64) float64 { return n.Mean01 + k*n.Std01 }

// Threshold returns μ + k·σ on the [−1, 1] scale; it equals
// 2·Threshold01(k) − 1.
func (n Normalization) Threshold(k float64) float64 { return n.Mean + k*n.Std }

// Apply returns a new grid with g's frame holding ToSigned of each voxel of g,
// i.e. the [−1, 1] map. It may be used on a grid other than the one the
// parameters were fitted on (a crop, say); values then need not lie in
// [−1, 1]. NaN stays NaN.
func (n Normalization) Apply(g *Grid) *Grid {
	out := &Grid{Frame: g.Frame, Data: make([]float32, len(g.Data))}
	n.apply(out.Data, g.Data, 2/(n.Hi-n.Lo), -2*n.Lo/(n.Hi-n.Lo)-1)
	return out
}

// Apply01 is Apply on the [0, 1] scale.
func (n Normalization) Apply01(g *Grid) *Grid {
	out := &Grid{Frame: g.Frame, Data: make([]float32, len(g.Data))}
	n.apply(out.Data, g.Data, 1/(n.Hi-n.Lo), -n.Lo/(n.Hi-n.Lo))
	return out
}

// ApplyTo writes the [−1, 1] map of src into dst, which must have the same
// shape; dst may be src (normalise in place). Writing into an existing grid
// avoids touching fresh memory, which on a 256³ map costs more than the
// arithmetic.
func (n Normalization) ApplyTo(dst, src *Grid) error {
	if dst.Shape != src.Shape || len(dst.Data) != len(src.Data) {
		return fmt.Errorf("grid: normalise into a grid of shape %v (%d values) from shape %v (%d values)", dst.Shape, len(dst.Data), src.Shape, len(src.Data))
	}
	n.apply(dst.Data, src.Data, 2/(n.Hi-n.Lo), -2*n.Lo/(n.Hi-n.Lo)-1)
	return nil
}

// apply writes a·max(src, 0) + b into dst, in parallel chunks.
func (n Normalization) apply(dst, src []float32, a, b float64) {
	parallelChunks(len(src), statsChunk, func(lo, hi int) {
		d := dst[lo:hi]
		for i, x := range src[lo:hi] {
			d[i] = float32(a*float64(max(x, 0)) + b) // max keeps NaN; no branch
		}
	})
}

// clampStats summarises data (raw) and max(data, 0) (clamped) in one
// parallel pass, and counts the values ≤ 0.
func clampStats(data []float32) (raw, clamped partial, nonPositive int) {
	nChunks := max((len(data)+statsChunk-1)/statsChunk, 1)
	raws := make([]partial, nChunks)
	cls := make([]partial, nChunks)
	counts := make([]int, nChunks)
	parallelChunks(len(data), statsChunk, func(lo, hi int) {
		c := lo / statsChunk
		raws[c] = partialStats(data[lo:hi])
		// Moments of the clamped values, shifted by the raw chunk mean
		// clamped at 0 for conditioning.
		shift := math.Max(raws[c].mean, 0)
		var s, s2 float64
		np := 0
		for _, x := range data[lo:hi] {
			// Branch-free clamp and count: the sign of real densities is
			// unpredictable, and a mispredicted branch per voxel costs ~3×.
			np += b2i(x <= 0)
			d := float64(max(x, 0)) - shift
			s += d
			s2 += d * d
		}
		p := partial{n: hi - lo, min: math.Max(raws[c].min, 0), max: math.Max(raws[c].max, 0)}
		m := s / float64(p.n)
		p.mean = shift + m
		p.m2 = math.Max(s2-m*s, 0)
		cls[c], counts[c] = p, np
	})
	raw, clamped, nonPositive = raws[0], cls[0], counts[0]
	for c := 1; c < nChunks; c++ {
		raw = raw.merge(raws[c])
		clamped = clamped.merge(cls[c])
		nonPositive += counts[c]
	}
	return raw, clamped, nonPositive
}

// parallelChunks calls f(lo, hi) for consecutive chunks of [0, n) of the
// given size, on up to GOMAXPROCS goroutines. Chunk boundaries are multiples
// of size.
func parallelChunks(n, size int, f func(lo, hi int)) {
	nChunks := (n + size - 1) / size
	if nChunks <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	workers := min(runtime.GOMAXPROCS(0), nChunks)
	next := make(chan int, nChunks)
	for c := range nChunks {
		next <- c
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range next {
				lo := c * size
				f(lo, min(lo+size, n))
			}
		})
	}
	wg.Wait()
}

// b2i is 1 for true and 0 for false; the compiler emits SETcc, not a branch.
func b2i(b bool) int {
	var i int
	if b {
		i = 1
	}
	return i
}
