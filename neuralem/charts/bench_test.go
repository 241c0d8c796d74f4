package charts

import (
	"math/rand/v2"
	"testing"
)

func volume(n int) ([3]int, []float32, []float32) {
	shape := [3]int{n, n, n}
	a, b := make([]float32, n*n*n), make([]float32, n*n*n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range a {
		a[i] = r.Float32()
		b[i] = a[i] + 0.01*r.Float32()
	}
	return shape, a, b
}

func BenchmarkSlice128(b *testing.B) {
	shape, a, _ := volume(128)
	for _, axis := range []Axis{AxisX, AxisZ} {
		b.Run(axis.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := Slice(a, shape, axis, 64); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMapSlicesHTML128 builds and renders the three 128×128 heatmaps of a
// 128³ pair of maps (49152 cells), the JSON the notebook receives.
func BenchmarkMapSlicesHTML128(b *testing.B) {
	shape, a, c := volume(128)
	withJSDirB(b)
	for b.Loop() {
		hm, err := MapSlices(shape, a, c, AxisZ, 64)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, _, err := snippet(hm); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBins1M(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	d := make([]float64, 1_000_000)
	for i := range d {
		d[i] = 5 * r.Float64()
	}
	for b.Loop() {
		if _, err := Bins(d, 0.1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLiveLossUpdate is the cost per Update in a training loop when the
// throttle skips the redraw (the common case).
func BenchmarkLiveLossUpdate(b *testing.B) {
	l := NewLiveLoss("bench")
	l.active = func() bool { return true }
	l.update = func(id, html string) {}
	_ = l.Update("r0", 0, 1) // first redraw
	l.MinInterval = 1 << 62  // never again
	step := 1
	for b.Loop() {
		if err := l.Update("r0", step, 1/float64(step)); err != nil {
			b.Fatal(err)
		}
		step++
	}
}

func withJSDirB(b *testing.B) {
	b.Helper()
	b.Setenv(JSDirEnv, b.TempDir()) // no bundles: measure the chart, not file reads
}
