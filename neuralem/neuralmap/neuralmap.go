package neuralmap

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// Units selects the scale of sampled densities.
type Units int

const (
	// Units01 is the paper's output scale (§2.3): d = (d_out + 1)/2, where
	// d_out is the networks' [−1, 1] scale. The normalised map's voxels lie
	// in [0, 1]; the field may overshoot slightly.
	Units01 Units = iota
	// UnitsSigned is the networks' own [−1, 1] scale (the training targets).
	UnitsSigned
	// UnitsOriginal is the input map's units, through the inverse of the
	// normalisation (Norm.From01). Voxels that were ≤ 0 in the input map
	// come back as Norm.Lo (normally 0).
	UnitsOriginal
)

// String names the units.
func (u Units) String() string {
	switch u {
	case Units01:
		return "[0,1]"
	case UnitsSigned:
		return "[-1,1]"
	case UnitsOriginal:
		return "original"
	}
	return fmt.Sprintf("Units(%d)", int(u))
}

// RegionReport records how one region's network was trained.
type RegionReport struct {
	// Steps is the number of training steps taken (Adam or K-FAC).
	Steps int `json:"steps"`
	// BestStep is the step whose weights were kept (the best loss).
	BestStep int `json:"best_step"`
	// BestLoss is the lowest full-batch MSE on the region's voxels, on the
	// networks' [−1, 1] scale.
	BestLoss float64 `json:"best_loss"`
	// TrainTime is the wall time spent training the region.
	TrainTime time.Duration `json:"train_time_ns"`
	// StopReason says why training ended (siren.StopReason text).
	StopReason string `json:"stop_reason"`
}

// RegionFit is one sub-region of the map and its network. Net is nil for a
// region not fitted yet (a partial map being fitted or a shard).
type RegionFit struct {
	Region region.Region
	Net    *siren.Net
	Report RegionReport
}

// InitRecord says which initial weights a map's networks were trained
// from: Kind metainit.KindRandom (siren.NewNet with each network's recorded
// scheme and seed) or metainit.KindLearned (an initialisation file, named
// by Name and identified by its SHA-256).
type InitRecord struct {
	Kind   string `json:"kind"`
	Name   string `json:"name,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// String describes the record for messages.
func (r InitRecord) String() string {
	if r.Kind == metainit.KindLearned {
		return fmt.Sprintf("learned %s (sha256 %s)", r.Name, r.SHA256)
	}
	if r.Kind == "" {
		return "none recorded"
	}
	return r.Kind
}

// RecordInit returns the record of fits started from in (nil: random
// weights), as Fit stores it in NeuralMap.Init.
func RecordInit(in *metainit.Init) (InitRecord, error) {
	if in == nil {
		return InitRecord{Kind: metainit.KindRandom}, nil
	}
	if in.SHA256 == "" { // never written: hash its encoding
		if _, err := in.Encode(); err != nil {
			return InitRecord{}, err
		}
	}
	return InitRecord{Kind: metainit.KindLearned, Name: in.Name, SHA256: in.SHA256}, nil
}

// NetEvaluator evaluates a SIREN at N normalised coordinates x (N×3, in
// [−1, 1]), writing values into val (N) and, if grad is not nil, d value /
// d x per normalised unit into grad (N×3). siren.Evaluator implements it.
type NetEvaluator interface {
	Eval(net *siren.Net, x []float32, val []float32, grad []float32) error
}

// NeuralMap is a neural cryo-EM map: the original map's frame, the
// normalisation that mapped its values to the networks' [−1, 1] scale, and
// one SIREN per overlapping sub-region, blended into one field (Blender).
//
// It implements grid.Field: Sample gives the density on the paper's [0, 1]
// output scale and its gradient per Å, at any point of Domain(), the box
// spanned by the map's voxel centres. SampleUnits gives other scales.
//
// Build one with Fit, Load or New. Regions' networks and Ramp may be changed
// between calls to Sample; the frame and the tiling may not.
type NeuralMap struct {
	// Frame is the original map's frame (shape, voxel size, origin; axes
	// X, Y, Z).
	Frame grid.Frame
	// Norm is the paper's two-step normalisation fitted on the original map
	// (or given to Fit, see NormSource).
	Norm grid.Normalization
	// NormSource says where Norm was fitted when not on this map, e.g. on
	// the parent map a crop was cut from (FitOptions.Normalization); empty
	// when Norm was fitted on the map itself.
	NormSource string
	// Source is the file the map was loaded from (Load), for messages;
	// empty for a map built in memory.
	Source string
	// Mu and Sigma are the mean and standard deviation of the normalised map
	// on the [0, 1] output scale (Norm.Mean01, Norm.Std01): the density graph
	// threshold is Mu + 3·Sigma.
	Mu, Sigma float64
	// Resolution is the map's resolution in Å, 0 if unknown.
	Resolution float64
	// Tiling is the region tiling the regions came from.
	Tiling region.Options
	// Ramp is the blending ramp shape (default RampLinear).
	Ramp Ramp
	// Regions are all the tiling's regions, ordered by ID.
	Regions []RegionFit
	// Init records the initial weights every region's network started
	// from (set by Fit; files older than format version 3 read as random).
	Init InitRecord

	mu      sync.Mutex
	blender *Blender
	// evals[w] is worker w's evaluator and bufs[w] its scratch buffers,
	// guarded by mu.
	evals []NetEvaluator
	bufs  []evalBufs
}

// evalBufs are one worker's scratch buffers for evaluator calls.
type evalBufs struct{ x, v, g []float32 }

// New returns a neural map with all regions of the tiling of frame unfitted,
// recorded as started from random weights (set Init otherwise).
func New(frame grid.Frame, norm grid.Normalization, tiling region.Options) (*NeuralMap, error) {
	if err := frame.Validate(); err != nil {
		return nil, fmt.Errorf("neuralmap: map frame: %w", err)
	}
	regs, err := region.Tile(frame.Shape, tiling)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: tiling map of shape %v: %w", frame.Shape, err)
	}
	m := &NeuralMap{Frame: frame, Norm: norm, Mu: norm.Mean01, Sigma: norm.Std01, Tiling: tiling, Init: InitRecord{Kind: metainit.KindRandom}}
	for _, r := range regs {
		m.Regions = append(m.Regions, RegionFit{Region: r})
	}
	if _, err := m.buildBlender(); err != nil {
		return nil, err
	}
	return m, nil
}

// SetEvaluator makes Sample evaluate every network with e, one region after
// another. The default (NewEvaluators(0, nil), created at the first Sample)
// evaluates regions concurrently on the pure-Go backend.
func (m *NeuralMap) SetEvaluator(e NetEvaluator) { m.SetEvaluators(e) }

// SetEvaluators makes Sample evaluate the regions a call needs on
// len(es) workers at once, worker w calling es[w] (see NewEvaluators).
// Results do not depend on the number of workers. No evaluators restores
// the default.
func (m *NeuralMap) SetEvaluators(es ...NetEvaluator) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evals = append([]NetEvaluator(nil), es...)
	m.bufs = make([]evalBufs, len(es))
}

// Domain returns the Å box spanned by the map's voxel centres.
func (m *NeuralMap) Domain() geom.Box { return m.Frame.Box() }

// Contains reports whether p (Å) lies in Domain().
func (m *NeuralMap) Contains(p geom.Point) bool { return m.Domain().Contains(p) }

// Complete reports whether every region has a network.
func (m *NeuralMap) Complete() bool {
	for _, r := range m.Regions {
		if r.Net == nil {
			return false
		}
	}
	return true
}

// Fitted returns the IDs of the regions that have a network.
func (m *NeuralMap) Fitted() []int {
	var ids []int
	for _, r := range m.Regions {
		if r.Net != nil {
			ids = append(ids, r.Region.ID)
		}
	}
	return ids
}

// NumParams returns the number of network parameters over all fitted
// regions.
func (m *NeuralMap) NumParams() int {
	n := 0
	for _, r := range m.Regions {
		if r.Net != nil {
			for _, L := range r.Net.Layers {
				n += len(L.W) + len(L.B)
			}
		}
	}
	return n
}

// Validate checks that the map is self-consistent: a valid frame, a usable
// normalisation, regions matching the tiling of the frame in ID order, and
// valid networks.
func (m *NeuralMap) Validate() error {
	if err := m.Frame.Validate(); err != nil {
		return fmt.Errorf("neuralmap: map frame: %w", err)
	}
	if !(m.Norm.Hi > m.Norm.Lo) || !isFinite(m.Norm.Hi) || !isFinite(m.Norm.Lo) {
		return fmt.Errorf("neuralmap: normalisation Lo = %g, Hi = %g, want finite Lo < Hi", m.Norm.Lo, m.Norm.Hi)
	}
	if m.Resolution < 0 || !isFinite(m.Resolution) {
		return fmt.Errorf("neuralmap: resolution %g Å, want ≥ 0 (0 = unknown)", m.Resolution)
	}
	if !isFinite(m.Mu) || !(m.Sigma >= 0) || !isFinite(m.Sigma) {
		return fmt.Errorf("neuralmap: μ = %g, σ = %g on [0,1], want finite values, σ ≥ 0", m.Mu, m.Sigma)
	}
	if !isFinite(m.Norm.Mean01) || !(m.Norm.Std01 >= 0) || !isFinite(m.Norm.Std01) {
		return fmt.Errorf("neuralmap: normalisation mean01 = %g, std01 = %g, want finite values, std01 ≥ 0", m.Norm.Mean01, m.Norm.Std01)
	}
	_, n, err := region.Count(m.Frame.Shape, m.Tiling)
	if err != nil {
		return fmt.Errorf("neuralmap: tiling map of shape %v: %w", m.Frame.Shape, err)
	}
	if n != int64(len(m.Regions)) {
		return fmt.Errorf("neuralmap: %d regions, the tiling %+v of shape %v has %d", len(m.Regions), m.Tiling, m.Frame.Shape, n)
	}
	want, err := region.Tile(m.Frame.Shape, m.Tiling)
	if err != nil {
		return fmt.Errorf("neuralmap: tiling map of shape %v: %w", m.Frame.Shape, err)
	}
	for i, r := range m.Regions {
		if r.Region != want[i] {
			return fmt.Errorf("neuralmap: region %d is %+v, the tiling has %+v", i, r.Region, want[i])
		}
		if r.Net != nil {
			if err := r.Net.Validate(); err != nil {
				return fmt.Errorf("neuralmap: region %d: %w", r.Region.ID, err)
			}
		}
	}
	return nil
}

func (m *NeuralMap) buildBlender() (*Blender, error) {
	if m.blender != nil && m.blender.ramp == m.Ramp {
		return m.blender, nil
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	boxes := make([]VoxelBox, len(m.Regions))
	for i, r := range m.Regions {
		boxes[i] = VoxelBox{Lo: r.Region.Lo, Hi: geom.Index{r.Region.Hi[0] - 1, r.Region.Hi[1] - 1, r.Region.Hi[2] - 1}}
	}
	b, err := NewBlender(m.Frame.Shape, boxes, m.Ramp)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: tiling %+v of shape %v: %w", m.Tiling, m.Frame.Shape, err)
	}
	m.blender = b
	return b, nil
}

// Sample implements grid.Field: the density on the [0, 1] output scale at
// each point (Å) into val and, if grad is not nil, its gradient per Å.
func (m *NeuralMap) Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error {
	return m.SampleUnits(pts, val, grad, Units01)
}

// SampleUnits is Sample with a choice of density scale. Points outside
// Domain() are an error naming them; nothing is clamped. Networks are
// evaluated once per region per call, on all the points needing them.
func (m *NeuralMap) SampleUnits(pts []geom.Point, val []float64, grad []geom.Vec3, units Units) error {
	if len(val) != len(pts) || (grad != nil && len(grad) != len(pts)) {
		return fmt.Errorf("neuralmap: sample: %d points but len(val) = %d, len(grad) = %d", len(pts), len(val), len(grad))
	}
	var scale, offset float64
	switch units {
	case Units01:
		scale, offset = 0.5, 0.5
	case UnitsSigned:
		scale, offset = 1, 0
	case UnitsOriginal:
		r := m.Norm.Hi - m.Norm.Lo
		scale, offset = r/2, m.Norm.Lo+r/2
	default:
		return fmt.Errorf("neuralmap: sample: unknown units %d", int(units))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.buildBlender()
	if err != nil {
		return err
	}
	dom := m.Domain()
	vox := make([]geom.VoxelCoord, len(pts))
	var bad []int
	nbad := 0
	for i, p := range pts {
		if !dom.Contains(p) {
			if len(bad) < 3 {
				bad = append(bad, i)
			}
			nbad++
			continue
		}
		v := m.Frame.ToVoxel(p)
		// p is inside the Å box: keep rounding from pushing it out in voxels.
		for a := 0; a < 3; a++ {
			v[a] = math.Min(math.Max(v[a], 0), float64(m.Frame.Shape[a]-1))
		}
		vox[i] = v
	}
	if nbad > 0 {
		msg := ""
		for _, i := range bad {
			msg += fmt.Sprintf(" #%d (%g, %g, %g)", i, pts[i][0], pts[i][1], pts[i][2])
		}
		return fmt.Errorf("neuralmap: sample: %d of %d points outside the map's voxel-centre box (%g, %g, %g)–(%g, %g, %g) Å:%s",
			nbad, len(pts), dom.Min[0], dom.Min[1], dom.Min[2], dom.Max[0], dom.Max[1], dom.Max[2], msg)
	}
	if len(m.evals) == 0 {
		es, err := NewEvaluators(0, nil)
		if err != nil {
			return err
		}
		m.evals, m.bufs = es, make([]evalBufs, len(es))
	}
	var vg []VoxelVec
	if grad != nil {
		vg = make([]VoxelVec, len(pts))
	}
	if err := b.BlendWorkers(vox, len(m.evals), m.evalRegion, val, vg); err != nil {
		return err
	}
	for i := range val {
		val[i] = scale*val[i] + offset
		if grad != nil {
			for a := 0; a < 3; a++ {
				grad[i][a] = scale * vg[i][a] / m.Frame.Spacing[a]
			}
		}
	}
	return nil
}

// evalRegion evaluates region slot r's network at voxel coordinates (in the
// region's box) on the [−1, 1] scale, gradients per voxel, with worker w's
// evaluator. Called with m.mu held, by at most one goroutine per worker.
func (m *NeuralMap) evalRegion(w, r int, pts []geom.VoxelCoord, val []float64, grad []VoxelVec) error {
	rf := &m.Regions[r]
	if rf.Net == nil {
		return fmt.Errorf("neuralmap: region %d (voxels %v–%v) is not fitted: %d of %d regions have networks",
			rf.Region.ID, rf.Region.Lo, rf.Region.Hi, len(m.Fitted()), len(m.Regions))
	}
	n := len(pts)
	lo, ext := regionAffine(rf.Region)
	buf := &m.bufs[w]
	buf.x = grow(buf.x, 3*n)
	buf.v = grow(buf.v, n)
	var g []float32
	if grad != nil {
		buf.g = grow(buf.g, 3*n)
		g = buf.g
	}
	for i, p := range pts {
		for a := 0; a < 3; a++ {
			buf.x[3*i+a] = float32(-1 + 2*(p[a]-lo[a])/ext[a])
		}
	}
	if err := m.evals[w].Eval(rf.Net, buf.x, buf.v, g); err != nil {
		return fmt.Errorf("neuralmap: region %d: %w", rf.Region.ID, err)
	}
	for i := range pts {
		val[i] = float64(buf.v[i])
		if grad != nil {
			for a := 0; a < 3; a++ {
				// x_a = −1 + 2(v_a − lo_a)/ext_a  ⇒  dx_a/dv_a = 2/ext_a.
				grad[i][a] = float64(g[3*i+a]) * 2 / ext[a]
			}
		}
	}
	return nil
}

// regionAffine returns the first voxel index and the extent (number of voxel
// steps, last − first) of a region's voxel-centre box along each axis. The
// networks' input coordinate is x_a = −1 + 2·(v_a − lo_a)/ext_a, as in
// siren.RegionCoords.
func regionAffine(r region.Region) (lo, ext [3]float64) {
	for a := 0; a < 3; a++ {
		lo[a] = float64(r.Lo[a])
		ext[a] = float64(r.Hi[a] - 1 - r.Lo[a])
	}
	return lo, ext
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}
