package neuralmap

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// refEvaluator evaluates networks with siren's float64 reference forward
// pass (independent of GoMLX).
type refEvaluator struct{ calls int }

func (e *refEvaluator) Eval(net *siren.Net, x, val, grad []float32) error {
	e.calls++
	for i := range val {
		v, g := net.EvalRef([3]float64{float64(x[3*i]), float64(x[3*i+1]), float64(x[3*i+2])})
		val[i] = float32(v)
		if grad != nil {
			for a := 0; a < 3; a++ {
				grad[3*i+a] = float32(g[a])
			}
		}
	}
	return nil
}

// testFrame is a 20×17×14 frame with anisotropic voxels and an off-zero
// origin; tiled with size 12 / overlap 4 it has 2×2×2 regions.
var testFrame = grid.Frame{Shape: [3]int{20, 17, 14}, Spacing: geom.Vec3{0.9, 1.1, 0.75}, Origin: geom.Point{-3.5, 12.25, 100}}

var testNorm = grid.Normalization{Lo: 0, Hi: 2.5, Count: 20 * 17 * 14, Mean01: 0.1, Std01: 0.2, Mean: -0.8, Std: 0.4}

// randomNetMap returns a complete map over testFrame with small random
// (untrained) networks: a cheap stand-in with real network structure.
func randomNetMap(t testing.TB, width int) *NeuralMap {
	t.Helper()
	m, err := New(testFrame, testNorm, region.Options{Size: 12, Overlap: 4})
	if err != nil {
		t.Fatal(err)
	}
	m.Resolution = 2.5
	for i := range m.Regions {
		cfg, _ := siren.Preset("cpu")
		cfg.Width, cfg.HiddenLayers, cfg.Seed = width, 1, uint64(100+i)
		cfg.Omega0 = 10 // gentler than 30 so float32 finite differences stay meaningful
		net, err := siren.NewNet(cfg)
		if err != nil {
			t.Fatal(err)
		}
		m.Regions[i].Net = net
		m.Regions[i].Report = RegionReport{Steps: 10 + i, BestStep: 5, BestLoss: 1e-4 * float64(i+1), TrainTime: time.Duration(i) * time.Second, StopReason: string(siren.StopMaxSteps)}
	}
	m.SetEvaluator(&refEvaluator{})
	return m
}

func randomPointsIn(rng *rand.Rand, b geom.Box, n int) []geom.Point {
	pts := make([]geom.Point, n)
	for i := range pts {
		for a := 0; a < 3; a++ {
			pts[i][a] = b.Min[a] + rng.Float64()*(b.Max[a]-b.Min[a])
		}
	}
	return pts
}

// refSample is an independent float64 evaluation of the blended map at an Å
// point on the [−1, 1] scale: blending weights from Blender.Weights, network
// coordinates derived directly from Å positions.
func refSample(t *testing.T, m *NeuralMap, p geom.Point) float64 {
	b, err := m.buildBlender()
	if err != nil {
		t.Fatal(err)
	}
	v := geom.VoxelCoord{}
	for a := 0; a < 3; a++ {
		v[a] = (p[a] - m.Frame.Origin[a]) / m.Frame.Spacing[a]
	}
	ws, err := b.Weights(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, w := range ws {
		r := m.Regions[w.Region]
		var x [3]float64
		for a := 0; a < 3; a++ {
			first := m.Frame.Origin[a] + float64(r.Region.Lo[a])*m.Frame.Spacing[a]
			last := m.Frame.Origin[a] + float64(r.Region.Hi[a]-1)*m.Frame.Spacing[a]
			x[a] = -1 + 2*(p[a]-first)/(last-first)
		}
		f, _ := r.Net.EvalRef(x)
		sum += w.W * f
	}
	return sum
}

func TestSampleMatchesReferenceAndFiniteDifferences(t *testing.T) {
	m := randomNetMap(t, 16)
	if len(m.Regions) != 8 {
		t.Fatalf("tiling: %d regions, want 2×2×2 = 8", len(m.Regions))
	}
	rng := rand.New(rand.NewPCG(11, 12))
	dom := m.Domain()
	const h = 1e-5 // Å
	var pts []geom.Point
	for len(pts) < 200 {
		p := randomPointsIn(rng, dom, 1)[0]
		inner := geom.Box{Min: dom.Min.Add(geom.Vec3{h, h, h}), Max: dom.Max.Add(geom.Vec3{-h, -h, -h})}
		if inner.Contains(p) {
			pts = append(pts, p)
		}
	}
	val := make([]float64, len(pts))
	grad := make([]geom.Vec3, len(pts))
	if err := m.SampleUnits(pts, val, grad, UnitsSigned); err != nil {
		t.Fatal(err)
	}
	b, _ := m.buildBlender()
	kn := kinks(b)
	maxValErr, maxGradErr, maxGrad := 0.0, 0.0, 0.0
	checked := 0
	for i, p := range pts {
		ref := refSample(t, m, p)
		maxValErr = math.Max(maxValErr, math.Abs(val[i]-ref))
		// Skip the planes where linear ramps have kinks (one-sided derivatives).
		near := false
		v := m.Frame.ToVoxel(p)
		for a := 0; a < 3; a++ {
			for _, k := range kn[a] {
				if math.Abs(v[a]-k) < 1e-3 {
					near = true
				}
			}
		}
		if near {
			continue
		}
		checked++
		for a := 0; a < 3; a++ {
			q1, q2 := p, p
			q1[a] += h
			q2[a] -= h
			fd := (refSample(t, m, q1) - refSample(t, m, q2)) / (2 * h)
			maxGradErr = math.Max(maxGradErr, math.Abs(grad[i][a]-fd))
			maxGrad = math.Max(maxGrad, math.Abs(fd))
		}
	}
	t.Logf("%d points (%d for gradients): max |val − ref| %.2g, max |grad − FD| %.2g per Å (max |grad| %.3g)", len(pts), checked, maxValErr, maxGradErr, maxGrad)
	// float32 network inputs and outputs: ~1e-7 relative; gradients per Å go
	// through the float32 network gradient.
	if maxValErr > 1e-5 {
		t.Errorf("values differ from the float64 reference by %.3g", maxValErr)
	}
	if maxGradErr > 1e-4*math.Max(1, maxGrad) {
		t.Errorf("gradients per Å differ from central differences by %.3g (max gradient %.3g)", maxGradErr, maxGrad)
	}
	if checked < 100 {
		t.Errorf("only %d points away from ramp kinks", checked)
	}
}

func TestSampleUnits(t *testing.T) {
	m := randomNetMap(t, 8)
	pts := randomPointsIn(rand.New(rand.NewPCG(1, 3)), m.Domain(), 50)
	var vs, v01, vo [50]float64
	var gs, g01, gOrig [50]geom.Vec3
	for _, c := range []struct {
		u Units
		v []float64
		g []geom.Vec3
	}{{UnitsSigned, vs[:], gs[:]}, {Units01, v01[:], g01[:]}, {UnitsOriginal, vo[:], gOrig[:]}} {
		if err := m.SampleUnits(pts, c.v, c.g, c.u); err != nil {
			t.Fatal(err)
		}
	}
	var viaSample [50]float64
	if err := m.Sample(pts, viaSample[:], nil); err != nil {
		t.Fatal(err)
	}
	r := testNorm.Hi - testNorm.Lo
	for i := range pts {
		if math.Abs(v01[i]-(vs[i]+1)/2) > 1e-12 || viaSample[i] != v01[i] {
			t.Fatalf("[0,1] value %g, signed %g: want (d+1)/2", v01[i], vs[i])
		}
		if math.Abs(vo[i]-testNorm.FromSigned(vs[i])) > 1e-12 {
			t.Fatalf("original-units value %g, want FromSigned(%g) = %g", vo[i], vs[i], testNorm.FromSigned(vs[i]))
		}
		for a := 0; a < 3; a++ {
			if math.Abs(g01[i][a]-gs[i][a]/2) > 1e-12 || math.Abs(gOrig[i][a]-gs[i][a]*r/2) > 1e-12 {
				t.Fatalf("gradients in other units do not scale: %v %v %v", gs[i], g01[i], gOrig[i])
			}
		}
	}
	if err := m.SampleUnits(pts, vs[:], nil, Units(7)); err == nil {
		t.Error("unknown units: no error")
	}
}

func TestSampleOutsideAndUnfitted(t *testing.T) {
	m := randomNetMap(t, 8)
	dom := m.Domain()
	if !m.Contains(dom.Min) || !m.Contains(dom.Max) || m.Contains(dom.Max.Add(geom.Vec3{0, 0, 1e-9})) {
		t.Error("Contains: wrong at the voxel-centre box")
	}
	// The corners themselves are inside, despite rounding in Å → voxel.
	val := make([]float64, 2)
	if err := m.Sample([]geom.Point{dom.Min, dom.Max}, val, nil); err != nil {
		t.Fatalf("sampling the domain corners: %v", err)
	}
	pts := []geom.Point{dom.Min, {dom.Min[0] - 0.01, dom.Min[1], dom.Min[2]}, {math.NaN(), 0, 0}}
	err := m.Sample(pts, make([]float64, 3), nil)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 points outside") || !strings.Contains(err.Error(), "#1 (-3.51, 12.25, 100)") {
		t.Errorf("outside points: error %v", err)
	}
	if err := m.Sample(pts, make([]float64, 2), nil); err == nil {
		t.Error("short val: no error")
	}
	// A partial map samples where its fitted regions suffice and names the
	// missing region elsewhere.
	m2 := randomNetMap(t, 8)
	m2.Regions[7].Net = nil
	if err := m2.Sample([]geom.Point{dom.Min}, val[:1], nil); err != nil {
		t.Errorf("partial map, point in region 0 only: %v", err)
	}
	err = m2.Sample([]geom.Point{dom.Max}, val[:1], nil)
	if err == nil || !strings.Contains(err.Error(), "region 7") || !strings.Contains(err.Error(), "not fitted") {
		t.Errorf("partial map, point in region 7: error %v", err)
	}
}

// TestContinuityRealNets walks lines through overlap faces, edges and the
// corner of the 2×2×2-region map and checks no step jumps.
func TestContinuityRealNets(t *testing.T) {
	frame := grid.Frame{Shape: [3]int{20, 20, 20}, Spacing: geom.Vec3{1, 1, 1}}
	m, err := New(frame, testNorm, region.Options{Size: 12, Overlap: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Regions) != 8 {
		t.Fatalf("%d regions, want 8", len(m.Regions))
	}
	for i := range m.Regions {
		cfg, _ := siren.Preset("cpu")
		cfg.Width, cfg.HiddenLayers, cfg.Seed, cfg.Omega0 = 8, 1, uint64(i+1), 5
		m.Regions[i].Net, _ = siren.NewNet(cfg)
	}
	m.SetEvaluator(&refEvaluator{})
	// Overlap along every axis: voxels 8..11; kinks at 8 and 11.
	const h = 1e-3
	rng := rand.New(rand.NewPCG(2, 9))
	throughs := []geom.Point{{8, 8, 8}, {11, 11, 11}, {8, 11, 3}, {9.5, 11, 15}, {8, 4, 15}, {11, 9.7, 2}}
	for _, p0 := range throughs {
		d := geom.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		d = d.Scale(1 / d.Norm())
		var pts []geom.Point
		for s := -1.0; s <= 1; s += h {
			pts = append(pts, p0.Add(d.Scale(s)))
		}
		val := make([]float64, len(pts))
		grad := make([]geom.Vec3, len(pts))
		if err := m.SampleUnits(pts, val, grad, UnitsSigned); err != nil {
			t.Fatal(err)
		}
		slope := 0.0
		for _, g := range grad {
			slope = math.Max(slope, math.Abs(g.Dot(d)))
		}
		for i := 1; i < len(pts); i++ {
			// float32 network outputs add ~1e-7 of noise per value.
			if dv := math.Abs(val[i] - val[i-1]); dv > 1.05*slope*h+1e-6 {
				t.Fatalf("line through %v: value steps by %.3g at %v (bound %.3g)", p0, dv, pts[i], slope*h)
			}
		}
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	m := randomNetMap(t, 12)
	m.Ramp = RampSmooth
	m.Regions[7].Net = nil // partial maps round-trip too
	m.Regions[7].Report = RegionReport{}
	path := filepath.Join(t.TempDir(), "map"+FileExt)
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Frame != m.Frame || got.Norm != m.Norm || got.Mu != m.Mu || got.Sigma != m.Sigma || got.Resolution != m.Resolution || got.Tiling != m.Tiling || got.Ramp != m.Ramp {
		t.Errorf("header fields differ: got %+v %+v, want %+v %+v", got.Frame, got.Norm, m.Frame, m.Norm)
	}
	for i, r := range m.Regions {
		g := got.Regions[i]
		if g.Region != r.Region || g.Report != r.Report || (g.Net == nil) != (r.Net == nil) {
			t.Fatalf("region %d differs: %+v vs %+v", i, g, r)
		}
		if r.Net == nil {
			continue
		}
		if g.Net.Config != r.Net.Config {
			t.Errorf("region %d config %+v, want %+v", i, g.Net.Config, r.Net.Config)
		}
		for l := range r.Net.Layers {
			if !equalF32(g.Net.Layers[l].W, r.Net.Layers[l].W) || !equalF32(g.Net.Layers[l].B, r.Net.Layers[l].B) {
				t.Errorf("region %d layer %d weights differ", i, l)
			}
		}
	}
	// Identical samples where the fitted regions cover the points.
	got.SetEvaluator(&refEvaluator{})
	dom := m.Domain()
	pts := randomPointsIn(rand.New(rand.NewPCG(4, 4)), geom.Box{Min: dom.Min, Max: m.Frame.PointOf(geom.Index{7, 16, 13})}, 100)
	v1, v2 := make([]float64, 100), make([]float64, 100)
	g1, g2 := make([]geom.Vec3, 100), make([]geom.Vec3, 100)
	if err := m.Sample(pts, v1, g1); err != nil {
		t.Fatal(err)
	}
	if err := got.Sample(pts, v2, g2); err != nil {
		t.Fatal(err)
	}
	for i := range pts {
		if v1[i] != v2[i] || g1[i] != g2[i] {
			t.Fatalf("sample %d differs after the round trip: %g %v vs %g %v", i, v1[i], g1[i], v2[i], g2[i])
		}
	}
	// Saving again over the file leaves no temporary files behind.
	if err := got.Save(path); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries after saves, want 1", len(ents))
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// savedBytes saves m at p and returns the file's bytes.
func savedBytes(t *testing.T, m *NeuralMap, p string) []byte {
	t.Helper()
	if err := m.Save(p); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoadVersion1 reads a file in format version 1 (no first_omega0: every
// sine layer uses omega0), made by rewriting the version of a fresh file,
// and round-trips a FirstOmega0 and SolveOutput in the current version
// (neither is written when unset, so files fitted without them are as
// before).
func TestLoadVersion1(t *testing.T) {
	m := randomNetMap(t, 8)
	dir := t.TempDir()
	p := filepath.Join(dir, "v3.nem")
	b := savedBytes(t, m, p)
	metaLen := binary.LittleEndian.Uint64(b[24:])
	meta := b[headerLen : headerLen+metaLen]
	if bytes.Contains(meta, []byte("first_omega0")) {
		t.Fatal("a map without FirstOmega0 wrote first_omega0")
	}
	if bytes.Contains(meta, []byte("solve_output")) {
		t.Fatal("a map without SolveOutput wrote solve_output")
	}
	if bytes.Contains(meta, []byte(`"optimizer"`)) {
		t.Fatal("a map fitted with Adam wrote optimizer")
	}
	v1 := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(v1[16:], 1)
	meta1 := bytes.Replace(meta, []byte(`"version": 3`), []byte(`"version": 1`), 1)
	if bytes.Equal(meta1, meta) {
		t.Fatalf("no version field found in the metadata: %.200s", meta)
	}
	copy(v1[headerLen:], meta1)
	binary.LittleEndian.PutUint32(v1[len(v1)-4:], crc32.Checksum(v1[:len(v1)-4], castagnoli))
	p1 := filepath.Join(dir, "v1.nem")
	if err := os.WriteFile(p1, v1, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p1)
	if err != nil {
		t.Fatalf("version 1 file: %v", err)
	}
	for i, r := range got.Regions {
		if r.Net != nil && (r.Net.Config != m.Regions[i].Net.Config || !equalF32(r.Net.Layers[0].W, m.Regions[i].Net.Layers[0].W)) {
			t.Errorf("version 1 file: region %d differs", i)
		}
	}
	for i := range m.Regions {
		if m.Regions[i].Net != nil {
			m.Regions[i].Net.Config.FirstOmega0 = 7.5
			m.Regions[i].Net.Config.SolveOutput = true
			m.Regions[i].Net.Config.Optimizer = siren.OptimizerKFAC
		}
	}
	if err := m.Save(p); err != nil {
		t.Fatal(err)
	}
	if got, err = Load(p); err != nil {
		t.Fatal(err)
	}
	for i, r := range got.Regions {
		if r.Net != nil && r.Net.Config.FirstOmega0 != 7.5 {
			t.Errorf("region %d: FirstOmega0 %g after a round trip, want 7.5", i, r.Net.Config.FirstOmega0)
		}
		if r.Net != nil && !r.Net.Config.SolveOutput {
			t.Errorf("region %d: SolveOutput false after a round trip, want true", i)
		}
		if r.Net != nil && r.Net.Config.Optimizer != siren.OptimizerKFAC {
			t.Errorf("region %d: Optimizer %q after a round trip, want %q", i, r.Net.Config.Optimizer, siren.OptimizerKFAC)
		}
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	m := randomNetMap(t, 8)
	dir := t.TempDir()
	b := savedBytes(t, m, filepath.Join(dir, "good.nem"))
	metaLen := binary.LittleEndian.Uint64(b[24:])
	mutate := func(f func(c []byte) []byte) []byte { return f(append([]byte(nil), b...)) }
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a neuralem neural map file"},
		{"foreign", []byte("MAP \x00\x00\x00\x00 this is an MRC file, honest"), "not a neuralem neural map file"},
		{"header only", b[:30], "truncated"},
		{"truncated weights", b[:len(b)-100], "truncated"},
		{"truncated checksum", b[:len(b)-2], "truncated"},
		{"trailing data", append(append([]byte(nil), b...), 0), "trailing data"},
		{"flipped weight bit", mutate(func(c []byte) []byte { c[len(c)-50] ^= 1; return c }), "checksum mismatch"},
		{"flipped metadata bit", mutate(func(c []byte) []byte { c[headerLen+10] ^= 0x20; return c }), "checksum mismatch"},
		{"unknown version", mutate(func(c []byte) []byte { binary.LittleEndian.PutUint32(c[16:], 4); return c }), "version 4 not supported"},
		{"text-mode mangled", bytes.Replace(b, []byte("\r\n"), []byte("\n"), 1), "not a neuralem neural map file"},
		{"huge metadata length", mutate(func(c []byte) []byte { binary.LittleEndian.PutUint64(c[24:], metaLen+1<<50); return c }), "corrupt"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".nem")
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming %s and containing %q", c.name, err, p, c.want)
		}
	}
	// A checksum-valid file whose metadata contradicts itself.
	bad := randomNetMap(t, 8)
	bad.Regions[1].Region.Hi[0]++
	if err := bad.Save(filepath.Join(dir, "x.nem")); err == nil || !strings.Contains(err.Error(), "region 1") {
		t.Errorf("saving inconsistent regions: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.nem")); err == nil || !strings.Contains(err.Error(), "missing.nem") {
		t.Errorf("missing file: %v", err)
	}
}

// TestFileSizes documents the file size against the float32 MRC of the same
// map and the paper's per-region torch pickles, for the paper's network.
func TestFileSizes(t *testing.T) {
	cfg, _ := siren.Preset("paper")
	params := 0
	for l := 0; l < cfg.NumLayers(); l++ {
		out, in := cfg.Width, cfg.Width
		if l == 0 {
			in = 3
		}
		if l == cfg.NumLayers()-1 {
			out = 1
		}
		params += out*in + out
	}
	// 3·256+256 + 4·(256·256+256) + 256+1
	if params != 264449 {
		t.Fatalf("paper network: %d parameters, want 264449", params)
	}
	// EMD-20026 zone map, 94×104×112 voxels: 2×2×2 regions of 64³.
	regs, err := region.Tile([3]int{94, 104, 112}, region.DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	frame := grid.Frame{Shape: [3]int{94, 104, 112}, Spacing: geom.Vec3{0.65, 0.65, 0.65}}
	m, err := New(frame, testNorm, region.DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Regions {
		m.Regions[i].Net = &siren.Net{Config: cfg}
		for l := 0; l < cfg.NumLayers(); l++ {
			out, in := cfg.Width, cfg.Width
			if l == 0 {
				in = 3
			}
			if l == cfg.NumLayers()-1 {
				out = 1
			}
			m.Regions[i].Net.Layers = append(m.Regions[i].Net.Layers, siren.Layer{Out: out, In: in, W: make([]float32, out*in), B: make([]float32, out)})
		}
	}
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	mrc := 1024 + 4*94*104*112
	weights := 4 * params * len(regs)
	if buf.Len() < weights || buf.Len() > weights+64*1024 {
		t.Errorf("file %d bytes, weights alone %d: metadata overhead out of line", buf.Len(), weights)
	}
	t.Logf("EMD-20026 (94×104×112): %d regions × %d params: file %d B = %.2f× the float32 MRC (%d B); float32 weights alone (the payload of the paper's per-region torch pickles) %d B",
		len(regs), params, buf.Len(), float64(buf.Len())/float64(mrc), mrc, weights)
}

// TestLoadRejectsBadOptimizer: a checksum-valid file whose regions name an
// optimizer neuralem does not know is refused with an error naming the
// file, the region and the value, not trained or evaluated as Adam.
func TestLoadRejectsBadOptimizer(t *testing.T) {
	m := randomNetMap(t, 8)
	for i := range m.Regions {
		if m.Regions[i].Net != nil {
			m.Regions[i].Net.Config.SolveOutput = true
			m.Regions[i].Net.Config.Optimizer = siren.OptimizerKFAC
		}
	}
	dir := t.TempDir()
	b := savedBytes(t, m, filepath.Join(dir, "kfac.nem"))
	bad := bytes.ReplaceAll(b, []byte(`"optimizer": "kfac"`), []byte(`"optimizer": "sgd!"`))
	if bytes.Equal(bad, b) {
		t.Fatalf("no optimizer field found in the metadata")
	}
	binary.LittleEndian.PutUint32(bad[len(bad)-4:], crc32.Checksum(bad[:len(bad)-4], castagnoli))
	p := filepath.Join(dir, "sgd.nem")
	if err := os.WriteFile(p, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	for _, want := range []string{p, "regions[", `Optimizer = "sgd!"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("loading an unknown optimizer: error %v, want one containing %q", err, want)
		}
	}
}
