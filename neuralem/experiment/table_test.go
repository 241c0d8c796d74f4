package experiment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMeanSkipsNaN checks the table mean (gonum's stat.Mean over the
// non-NaN values) against a sequential sum. gonum sums with several
// accumulators (SIMD), so the two may differ in the last bits: the
// tolerance is a few ulps of the sum, not 0.
func TestMeanSkipsNaN(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, n := range []int{1, 2, 3, 7, 64, 1001} {
		xs := make([]float64, n)
		var s float64
		k := 0
		for i := range xs {
			if i%5 == 3 {
				xs[i] = math.NaN()
				continue
			}
			xs[i] = rng.NormFloat64()*0.01 + 0.05
			s += xs[i]
			k++
		}
		want := s / float64(k)
		if got := mean(xs); math.Abs(got-want) > 4*float64(k)*0x1p-52*math.Abs(want) {
			t.Errorf("n=%d: mean %.17g, sequential %.17g", n, got, want)
		}
	}
	if !math.IsNaN(mean(nil)) || !math.IsNaN(mean([]float64{math.NaN()})) {
		t.Error("mean of no value is not NaN")
	}
	if got := mean([]float64{1, 2, math.NaN(), 6}); got != 3 {
		t.Errorf("mean(1, 2, NaN, 6) = %g, want 3", got)
	}
}
