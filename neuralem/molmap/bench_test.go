package molmap

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user+system CPU time, so that benchmark
// numbers on a shared machine can be read next to wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchmark7l2i(b *testing.B, spacing float64) {
	atoms := readAtoms(b, "models/sim/7l2i.cif")
	p := Defaults(3.7) // 7L2I: cryo-EM, 3.7 Å
	if spacing > 0 {
		p.Spacing = spacing
	}
	f, err := BoundingFrame(atoms, p)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer() // (also drops metrics reported so far)
	c0 := cpuTime()
	for b.Loop() {
		if _, err := Simulate(atoms, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(f.Len())/1e6, "Mvoxels")
	b.ReportMetric(float64(len(atoms)), "atoms")
}

// BenchmarkMolmap7l2i02 simulates 7L2I (17k atoms, 3.7 Å) at 0.2 Å spacing,
// the paper's control-map setting (≈ 280 M voxels, 1.1 GB).
func BenchmarkMolmap7l2i02(b *testing.B) { benchmark7l2i(b, 0.2) }

// BenchmarkMolmap7l2iRes3 simulates 7L2I at the default resolution/3 spacing.
func BenchmarkMolmap7l2iRes3(b *testing.B) { benchmark7l2i(b, 0) }

// BenchmarkPatch42 times the inner kernel on one atom's 42×42 patch of a
// slice (a 3.7 Å atom's 5σ range at 0.2 Å), in cache.
func BenchmarkPatch42(b *testing.B) {
	benchPatch(b, addPatch)
}

// BenchmarkPatch42Scalar is BenchmarkPatch42 without vector instructions.
func BenchmarkPatch42Scalar(b *testing.B) {
	benchPatch(b, addPatchScalar)
}

func benchPatch(b *testing.B, f func([]float32, int, int, []float32, int, []float32)) {
	const n, nx = 42, 100
	wx := make([]float32, 48)
	scales := make([]float32, n)
	for i := range n {
		wx[i] = float32(i)
		scales[i] = 1e-3 * float32(i+1)
	}
	slab := make([]float32, nx*n+8)
	b.SetBytes(n * n * 4)
	for b.Loop() {
		f(slab, 3, nx, wx, n, scales)
	}
}
