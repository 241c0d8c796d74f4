package neuralmap

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// VoxelVec is a gradient per voxel unit along the grid's X, Y, Z axes (the
// derivative with respect to a geom.VoxelCoord). Divide component a by
// Spacing[a] to get a gradient per Å.
type VoxelVec [3]float64

// Ramp selects the shape of the per-axis blending ramps across an overlap.
type Ramp int

const (
	// RampLinear goes linearly from 0 to 1 across the overlap: the blended
	// value is continuous everywhere (faces, edges and corners of the
	// overlaps); its gradient jumps where a ramp starts or ends.
	RampLinear Ramp = iota
	// RampSmooth uses the smoothstep 3t²−2t³: value and gradient are both
	// continuous (C¹), at the same cost.
	RampSmooth
)

// String returns "linear" or "smooth".
func (r Ramp) String() string {
	switch r {
	case RampLinear:
		return "linear"
	case RampSmooth:
		return "smooth"
	}
	return fmt.Sprintf("Ramp(%d)", int(r))
}

// ParseRamp is the inverse of Ramp.String.
func ParseRamp(s string) (Ramp, error) {
	switch s {
	case "linear", "":
		return RampLinear, nil
	case "smooth":
		return RampSmooth, nil
	}
	return 0, fmt.Errorf("neuralmap: unknown blending ramp %q (want \"linear\" or \"smooth\")", s)
}

// eval returns the ramp value and its derivative with respect to t, with t
// clamped to [0, 1].
func (r Ramp) eval(t float64) (float64, float64) {
	if t <= 0 {
		return 0, 0
	}
	if t >= 1 {
		return 1, 0
	}
	if r == RampSmooth {
		return t * t * (3 - 2*t), 6 * t * (1 - t)
	}
	return t, 1
}

// VoxelBox is a region's box of voxel centres along X, Y, Z: voxel indices
// Lo..Hi, both inclusive.
type VoxelBox struct {
	Lo, Hi geom.Index
}

// span is one distinct interval of voxel indices along an axis, with the
// ends of its lower and upper ramps (voxel coordinates).
type span struct {
	lo, hi int
	// rampLo: the lower ramp goes 0→1 over [lo, rampLo]; hasLo false at the
	// map's low edge (weight 1 there).
	rampLo float64
	hasLo  bool
	// rampHi: the upper ramp goes 1→0 over [rampHi, hi].
	rampHi float64
	hasHi  bool
}

// Blender merges per-region functions into one field over the map. Regions
// must form a tensor-product tiling of the map's voxel centres (every
// combination of the per-axis intervals present exactly once, consecutive
// intervals sharing at least 2 voxels), as region.Tile produces.
//
// The weight of region r at voxel coordinate p is Π_a w_a(p_a), where w_a is
// the product of r's lower and upper ramps along axis a, normalised by the
// sum over the intervals of that axis containing p_a. The weights sum to 1 at
// every point and each goes to 0 at its region's inner faces, so the blend is
// continuous across faces, edges and corners of the overlaps.
type Blender struct {
	shape [3]int
	ramp  Ramp
	boxes []VoxelBox
	axes  [3][]span
	// cell maps (i0, i1, i2) span indices to a region slot.
	cell []int
}

// NewBlender builds a blender for a map of the given shape (voxels along X,
// Y, Z) and region boxes (voxel-centre indices, inclusive). The region slot
// used by Weights and Blend is the index into boxes.
func NewBlender(shape [3]int, boxes []VoxelBox, ramp Ramp) (*Blender, error) {
	if ramp != RampLinear && ramp != RampSmooth {
		return nil, fmt.Errorf("neuralmap: blending ramp %d unknown", int(ramp))
	}
	for a := 0; a < 3; a++ {
		if shape[a] < 2 {
			return nil, fmt.Errorf("neuralmap: map shape[%d] = %d voxels, want ≥ 2 (the map's voxel-centre box must have extent along every axis)", a, shape[a])
		}
	}
	if len(boxes) == 0 {
		return nil, fmt.Errorf("neuralmap: no regions")
	}
	b := &Blender{shape: shape, ramp: ramp, boxes: append([]VoxelBox(nil), boxes...)}
	idx := make([][3]int, len(boxes))
	for a := 0; a < 3; a++ {
		type iv struct{ lo, hi int }
		seen := map[iv]bool{}
		var ivs []iv
		for r, bx := range boxes {
			lo, hi := bx.Lo[a], bx.Hi[a]
			if lo < 0 || hi > shape[a]-1 || hi-lo < 1 {
				return nil, fmt.Errorf("neuralmap: region slot %d: axis %d voxels %d..%d outside the map's 0..%d or shorter than 2 voxels", r, a, lo, hi, shape[a]-1)
			}
			if !seen[iv{lo, hi}] {
				seen[iv{lo, hi}] = true
				ivs = append(ivs, iv{lo, hi})
			}
		}
		sort.Slice(ivs, func(i, j int) bool {
			if ivs[i].lo != ivs[j].lo {
				return ivs[i].lo < ivs[j].lo
			}
			return ivs[i].hi < ivs[j].hi
		})
		spans := make([]span, len(ivs))
		for i, v := range ivs {
			spans[i] = span{lo: v.lo, hi: v.hi}
			if i > 0 {
				p := ivs[i-1]
				if v.lo == p.lo || v.hi <= p.hi {
					return nil, fmt.Errorf("neuralmap: regions along axis %d: intervals %d..%d and %d..%d nest (not a tiling)", a, p.lo, p.hi, v.lo, v.hi)
				}
				if v.lo > p.hi {
					return nil, fmt.Errorf("neuralmap: regions along axis %d leave voxels %d..%d between %d..%d and %d..%d uncovered", a, p.hi, v.lo, p.lo, p.hi, v.lo, v.hi)
				}
				if v.lo == p.hi {
					return nil, fmt.Errorf("neuralmap: regions along axis %d: intervals %d..%d and %d..%d share 1 voxel, want an overlap of ≥ 2 voxels to blend across", a, p.lo, p.hi, v.lo, v.hi)
				}
				spans[i].hasLo, spans[i].rampLo = true, float64(p.hi)
				spans[i-1].hasHi, spans[i-1].rampHi = true, float64(v.lo)
			}
		}
		if ivs[0].lo != 0 || ivs[len(ivs)-1].hi != shape[a]-1 {
			return nil, fmt.Errorf("neuralmap: regions along axis %d cover voxels %d..%d, want the whole map 0..%d", a, ivs[0].lo, ivs[len(ivs)-1].hi, shape[a]-1)
		}
		b.axes[a] = spans
		for r, bx := range boxes {
			k := sort.Search(len(spans), func(i int) bool { return spans[i].lo >= bx.Lo[a] })
			idx[r][a] = k
		}
	}
	n0, n1, n2 := len(b.axes[0]), len(b.axes[1]), len(b.axes[2])
	if n0*n1*n2 != len(boxes) {
		return nil, fmt.Errorf("neuralmap: %d regions do not form a tensor-product tiling (%d×%d×%d intervals along X, Y, Z)", len(boxes), n0, n1, n2)
	}
	b.cell = make([]int, n0*n1*n2)
	for i := range b.cell {
		b.cell[i] = -1
	}
	for r, ix := range idx {
		c := ix[0] + n0*(ix[1]+n1*ix[2])
		if b.cell[c] >= 0 {
			return nil, fmt.Errorf("neuralmap: region slots %d and %d have the same box %v..%v", b.cell[c], r, boxes[r].Lo, boxes[r].Hi)
		}
		b.cell[c] = r
	}
	return b, nil
}

// Shape returns the map shape the blender was built for.
func (b *Blender) Shape() [3]int { return b.shape }

// Ramp returns the ramp shape.
func (b *Blender) Ramp() Ramp { return b.ramp }

// Box returns the voxel box of region slot r.
func (b *Blender) Box(r int) VoxelBox { return b.boxes[r] }

// NumRegions returns the number of region slots.
func (b *Blender) NumRegions() int { return len(b.boxes) }

// Contains reports whether voxel coordinate v lies in the box spanned by the
// map's voxel centres (boundary included; false for NaN).
func (b *Blender) Contains(v geom.VoxelCoord) bool {
	for a := 0; a < 3; a++ {
		if !(v[a] >= 0 && v[a] <= float64(b.shape[a]-1)) {
			return false
		}
	}
	return true
}

// axisWeight is one interval's normalised weight along one axis.
type axisWeight struct {
	span int
	w    float64
	dw   float64 // per voxel
}

// axisWeights appends the normalised weights of the intervals of axis a that
// contain x with a non-zero weight.
func (b *Blender) axisWeights(a int, x float64, dst []axisWeight) []axisWeight {
	spans := b.axes[a]
	// First interval whose hi ≥ x; intervals are sorted by lo and hi.
	i := sort.Search(len(spans), func(i int) bool { return float64(spans[i].hi) >= x })
	start := len(dst)
	var sum, dsum float64
	for ; i < len(spans) && float64(spans[i].lo) <= x; i++ {
		s := &spans[i]
		up, dup := 1.0, 0.0
		if s.hasLo {
			l := s.rampLo - float64(s.lo)
			r, dr := b.ramp.eval((x - float64(s.lo)) / l)
			up, dup = r, dr/l
		}
		down, ddown := 1.0, 0.0
		if s.hasHi {
			l := float64(s.hi) - s.rampHi
			r, dr := b.ramp.eval((float64(s.hi) - x) / l)
			down, ddown = r, -dr/l
		}
		w := up * down
		if w == 0 {
			continue
		}
		dw := dup*down + up*ddown
		dst = append(dst, axisWeight{span: i, w: w, dw: dw})
		sum += w
		dsum += dw
	}
	if sum == 1 && dsum == 0 {
		return dst
	}
	for k := start; k < len(dst); k++ {
		w, dw := dst[k].w, dst[k].dw
		dst[k].w = w / sum
		dst[k].dw = (dw*sum - w*dsum) / (sum * sum)
	}
	return dst
}

// Weight is one region's blending weight at a point.
type Weight struct {
	// Region is the region slot (index into the boxes given to NewBlender).
	Region int
	// W is the weight in (0, 1]; the weights at a point sum to 1.
	W float64
	// Grad is the gradient of W per voxel unit.
	Grad VoxelVec
}

// Weights appends to dst the non-zero blending weights at voxel coordinate v
// and returns the extended slice. A point outside the map's voxel-centre box
// is an error.
func (b *Blender) Weights(v geom.VoxelCoord, dst []Weight) ([]Weight, error) {
	if !b.Contains(v) {
		return dst, fmt.Errorf("neuralmap: voxel coordinate %v outside the map's voxel-centre box [0, %d]×[0, %d]×[0, %d]", v, b.shape[0]-1, b.shape[1]-1, b.shape[2]-1)
	}
	var buf [3][8]axisWeight
	ax := [3][]axisWeight{}
	for a := 0; a < 3; a++ {
		ax[a] = b.axisWeights(a, v[a], buf[a][:0])
		if len(ax[a]) == 0 {
			return dst, fmt.Errorf("neuralmap: internal error: no region weight along axis %d at voxel coordinate %v", a, v)
		}
	}
	n0, n1 := len(b.axes[0]), len(b.axes[1])
	for _, z := range ax[2] {
		for _, y := range ax[1] {
			for _, x := range ax[0] {
				r := b.cell[x.span+n0*(y.span+n1*z.span)]
				dst = append(dst, Weight{
					Region: r,
					W:      x.w * y.w * z.w,
					Grad:   VoxelVec{x.dw * y.w * z.w, x.w * y.dw * z.w, x.w * y.w * z.dw},
				})
			}
		}
	}
	return dst, nil
}

// RegionEval evaluates region slot r at voxel coordinates pts (all inside
// r's box), writing values into val and, if grad is not nil, gradients per
// voxel unit into grad.
type RegionEval func(r int, pts []geom.VoxelCoord, val []float64, grad []VoxelVec) error

// WorkerEval is a RegionEval run by one of several workers: worker is in
// [0, workers) and no two calls with the same worker run at the same time.
type WorkerEval func(worker, r int, pts []geom.VoxelCoord, val []float64, grad []VoxelVec) error

// Blend writes the blended value at each voxel coordinate into val and, if
// grad is not nil, the blended gradient per voxel unit (product rule,
// including the ramp derivatives). eval is called at most once per region
// slot, with all the points that need that region (those where its weight
// is non-zero). Points outside the map are an error naming the first few;
// nothing is clamped.
func (b *Blender) Blend(pts []geom.VoxelCoord, eval RegionEval, val []float64, grad []VoxelVec) error {
	return b.BlendWorkers(pts, 1, func(_, r int, p []geom.VoxelCoord, v []float64, g []VoxelVec) error {
		return eval(r, p, v, g)
	}, val, grad)
}

// BlendWorkers is Blend with the regions' evaluations spread over workers
// goroutines (largest batches first). The result does not depend on
// workers: every region's batch is the same whichever worker runs it, and
// the blend sums the regions' contributions in region order afterwards. On
// errors, the one of the lowest region slot is returned.
func (b *Blender) BlendWorkers(pts []geom.VoxelCoord, workers int, eval WorkerEval, val []float64, grad []VoxelVec) error {
	if len(val) != len(pts) || (grad != nil && len(grad) != len(pts)) {
		return fmt.Errorf("neuralmap: Blend: %d points but len(val) = %d, len(grad) = %d", len(pts), len(val), len(grad))
	}
	if workers < 1 {
		return fmt.Errorf("neuralmap: Blend: %d workers, want ≥ 1", workers)
	}
	if err := b.checkInside(pts); err != nil {
		return err
	}
	type entry struct {
		pt int
		w  Weight
	}
	entries := make([]entry, 0, len(pts)*2)
	count := make([]int, len(b.boxes))
	var wbuf []Weight
	for i, p := range pts {
		var err error
		wbuf, err = b.Weights(p, wbuf[:0])
		if err != nil {
			return err
		}
		for _, w := range wbuf {
			entries = append(entries, entry{i, w})
			count[w.Region]++
		}
	}
	// Bucket entries by region (counting sort keeps point order): region r's
	// entries are order[offs[r]:offs[r+1]], and its points, values and
	// gradients the same range of rp, rv, rg.
	offs := make([]int, len(b.boxes)+1)
	for r, c := range count {
		offs[r+1] = offs[r] + c
	}
	order := make([]int, len(entries))
	fill := append([]int(nil), offs[:len(b.boxes)]...)
	for k, e := range entries {
		order[fill[e.w.Region]] = k
		fill[e.w.Region]++
	}
	rp := make([]geom.VoxelCoord, len(entries))
	for j, k := range order {
		rp[j] = pts[entries[k].pt]
	}
	rv := make([]float64, len(entries))
	var rg []VoxelVec
	if grad != nil {
		rg = make([]VoxelVec, len(entries))
	}
	var jobs []int
	for r, c := range count {
		if c > 0 {
			jobs = append(jobs, r)
		}
	}
	run := func(w, r int) error {
		lo, hi := offs[r], offs[r+1]
		var g []VoxelVec
		if grad != nil {
			g = rg[lo:hi]
		}
		return eval(w, r, rp[lo:hi], rv[lo:hi], g)
	}
	errs := make([]error, len(b.boxes))
	if workers == 1 || len(jobs) == 1 {
		for _, r := range jobs {
			if errs[r] = run(0, r); errs[r] != nil {
				break
			}
		}
	} else {
		// Largest batches first, each taken by the next free worker.
		sort.SliceStable(jobs, func(i, j int) bool { return count[jobs[i]] > count[jobs[j]] })
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := range min(workers, len(jobs)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					k := int(next.Add(1)) - 1
					if k >= len(jobs) {
						return
					}
					r := jobs[k]
					errs[r] = run(w, r)
				}
			}()
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for i := range val {
		val[i] = 0
		if grad != nil {
			grad[i] = VoxelVec{}
		}
	}
	for j, k := range order {
		e := entries[k]
		f := rv[j]
		val[e.pt] += e.w.W * f
		if grad != nil {
			for a := 0; a < 3; a++ {
				grad[e.pt][a] += e.w.Grad[a]*f + e.w.W*rg[j][a]
			}
		}
	}
	return nil
}

// checkInside returns an error naming up to 3 points outside the map.
func (b *Blender) checkInside(pts []geom.VoxelCoord) error {
	var bad []int
	nbad := 0
	for i, p := range pts {
		if !b.Contains(p) {
			if len(bad) < 3 {
				bad = append(bad, i)
			}
			nbad++
		}
	}
	if nbad == 0 {
		return nil
	}
	msg := ""
	for _, i := range bad {
		msg += fmt.Sprintf(" #%d %v", i, pts[i])
	}
	return fmt.Errorf("neuralmap: %d of %d points outside the map's voxel-centre box [0, %d]×[0, %d]×[0, %d] (voxel units):%s", nbad, len(pts), b.shape[0]-1, b.shape[1]-1, b.shape[2]-1, msg)
}

// isFinite reports whether x is neither NaN nor ±Inf.
func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
