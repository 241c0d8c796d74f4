package grid

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/neuralem/neuralem/neuralem/geom"
)

func benchGrid(n int) *Grid {
	f := Frame{Shape: [3]int{n, n, n}, Spacing: geom.Vec3{1.05, 1.05, 1.05}, Origin: geom.Point{10, -20, 30}}
	g := New(f)
	rng := rand.New(rand.NewPCG(21, 22))
	for i := range g.Data {
		g.Data[i] = float32(rng.NormFloat64())
	}
	return g
}

// benchSample measures Sample with value and gradient on a 128³ grid for 1e5
// random points per call; the points/s metric is the figure to report.
func benchSample(b *testing.B, m Method) {
	g := benchGrid(128)
	ip, err := NewInterpolator(g, m)
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	pts := randomPoints(rand.New(rand.NewPCG(23, 24)), ip.Domain(), n)
	val := make([]float64, n)
	grad := make([]geom.Vec3, n)
	cpu0 := cpuTime()
	for b.Loop() {
		if err := ip.Sample(pts, val, grad); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu0).Seconds(), "points/cpu-s")
}

// cpuTime is the process's user+system CPU time (all threads). On a shared
// machine the points/cpu-s metric is less sensitive to other processes than
// points/s, which is wall-clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkSampleTrilinear128(b *testing.B) { benchSample(b, MethodTrilinear) }
func BenchmarkSampleBSpline128(b *testing.B)   { benchSample(b, MethodBSpline) }

// BenchmarkNewBSpline128 is the one-off prefilter and padding cost.
func BenchmarkNewBSpline128(b *testing.B) {
	g := benchGrid(128)
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := NewBSpline(g); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.Len()*b.N)/b.Elapsed().Seconds(), "voxels/s")
	b.ReportMetric(float64(g.Len()*b.N)/(cpuTime()-cpu0).Seconds(), "voxels/cpu-s")
}

func BenchmarkStats256(b *testing.B) {
	g := benchGrid(256)
	b.SetBytes(int64(4 * g.Len()))
	cpu0 := cpuTime()
	for b.Loop() {
		_ = g.Stats()
	}
	b.ReportMetric(float64(g.Len()*b.N)/b.Elapsed().Seconds(), "voxels/s")
	b.ReportMetric(float64(g.Len()*b.N)/(cpuTime()-cpu0).Seconds(), "voxels/cpu-s")
}

func BenchmarkNormalize256(b *testing.B) {
	g := benchGrid(256)
	b.SetBytes(int64(4 * g.Len()))
	cpu0 := cpuTime()
	for b.Loop() {
		if _, _, err := Normalize(g); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.Len()*b.N)/b.Elapsed().Seconds(), "voxels/s")
	b.ReportMetric(float64(g.Len()*b.N)/(cpuTime()-cpu0).Seconds(), "voxels/cpu-s")
}

// BenchmarkNormalizeInto256 is fit + ApplyTo into an existing grid: the
// arithmetic without first-touch page faults of a fresh 64 MiB output.
func BenchmarkNormalizeInto256(b *testing.B) {
	g := benchGrid(256)
	dst := New(g.Frame)
	b.SetBytes(int64(4 * g.Len()))
	cpu0 := cpuTime()
	for b.Loop() {
		n, err := FitNormalization(g)
		if err != nil {
			b.Fatal(err)
		}
		if err := n.ApplyTo(dst, g); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.Len()*b.N)/b.Elapsed().Seconds(), "voxels/s")
	b.ReportMetric(float64(g.Len()*b.N)/(cpuTime()-cpu0).Seconds(), "voxels/cpu-s")
}
