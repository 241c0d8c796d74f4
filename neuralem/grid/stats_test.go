package grid

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveStats is the two-pass float64 reference: filter finite values, then
// mean, then Σ(x−mean)².
func naiveStats(data []float32) Stats {
	var fin []float64
	s := Stats{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, x := range data {
		v := float64(x)
		switch {
		case math.IsNaN(v):
			s.NaN++
		case math.IsInf(v, 0):
			s.Inf++
		default:
			fin = append(fin, v)
			s.Min = math.Min(s.Min, v)
			s.Max = math.Max(s.Max, v)
		}
	}
	s.Count = len(fin)
	var sum float64
	for _, v := range fin {
		sum += v
	}
	s.Mean = sum / float64(len(fin))
	var ss float64
	for _, v := range fin {
		ss += (v - s.Mean) * (v - s.Mean)
	}
	s.Std = math.Sqrt(ss / float64(len(fin)))
	return s
}

func relErr(got, want, scale float64) float64 { return math.Abs(got-want) / scale }

func TestStatsMatchesNaiveReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Three chunks and a bit, so the parallel merge is exercised; a large
	// offset relative to the spread tests the conditioning of the one-pass sums.
	for _, offset := range []float64{0, 1e4} {
		data := make([]float32, 3*statsChunk+1234)
		for i := range data {
			data[i] = float32(offset + rng.NormFloat64()*0.5 + 0.1)
		}
		data[17] = float32(math.NaN())
		data[statsChunk+5] = float32(math.Inf(1))
		data[2*statsChunk+9] = float32(math.Inf(-1))
		data[len(data)-1] = float32(math.NaN())
		got, want := ComputeStats(data), naiveStats(data)
		if got.Count != want.Count || got.NaN != 2 || got.Inf != 2 || want.NaN != 2 {
			t.Fatalf("offset %g: counts got %+v, want %+v (NaN 2, Inf 2)", offset, got, want)
		}
		if got.Min != want.Min || got.Max != want.Max {
			t.Errorf("offset %g: min/max got %g/%g, want %g/%g", offset, got.Min, got.Max, want.Min, want.Max)
		}
		// float64 sums of ~8e5 values: 1e-12 relative to the spread is far
		// above rounding and far below any real error.
		if e := relErr(got.Mean, want.Mean, want.Std); e > 1e-12 {
			t.Errorf("offset %g: mean %.17g, want %.17g (err %g σ)", offset, got.Mean, want.Mean, e)
		}
		if e := relErr(got.Std, want.Std, want.Std); e > 1e-10 {
			t.Errorf("offset %g: std %.17g, want %.17g (rel err %g)", offset, got.Std, want.Std, e)
		}
	}
}

func TestStatsSmallAndEmpty(t *testing.T) {
	s := ComputeStats([]float32{1, 2, 3, 4})
	if s.Min != 1 || s.Max != 4 || s.Mean != 2.5 || math.Abs(s.Std-math.Sqrt(1.25)) > 1e-15 || s.Count != 4 {
		t.Errorf("stats of 1..4 = %+v, want min 1 max 4 mean 2.5 std √1.25", s)
	}
	e := ComputeStats([]float32{float32(math.NaN())})
	if e.Count != 0 || e.NaN != 1 || !math.IsNaN(e.Mean) || !math.IsNaN(e.Min) {
		t.Errorf("stats of [NaN] = %+v, want Count 0, NaN 1, NaN moments", e)
	}
	if z := ComputeStats(nil); z.Count != 0 || !math.IsNaN(z.Std) {
		t.Errorf("stats of nil = %+v", z)
	}
}
