package grid

import "math"

// Stats summarises the values of a grid.
//
// Min, Max, Mean and Std are taken over the finite values only; NaN and Inf
// counts how many values were left out. Std is the population standard
// deviation (divide by Count, as numpy.std does). Sums are accumulated in
// float64. When Count is 0, Min, Max, Mean and Std are NaN.
type Stats struct {
	Min, Max  float64
	Mean, Std float64
	// Count is the number of finite values.
	Count int
	// NaN and Inf count the non-finite values (Inf counts both signs).
	NaN, Inf int
}

// statsChunk is the number of values one goroutine summarises at a time.
const statsChunk = 1 << 18

// ComputeStats summarises data in one pass over memory. Large slices are split
// in chunks that are summarised in parallel and merged with Chan et al.'s
// pairwise update, so the result does not lose precision when the mean is
// large compared with the spread.
func ComputeStats(data []float32) Stats {
	nChunks := max((len(data)+statsChunk-1)/statsChunk, 1)
	parts := make([]partial, nChunks)
	parts[0] = partial{min: math.Inf(1), max: math.Inf(-1)}
	parallelChunks(len(data), statsChunk, func(lo, hi int) {
		parts[lo/statsChunk] = partialStats(data[lo:hi])
	})
	acc := parts[0]
	for _, p := range parts[1:] {
		acc = acc.merge(p)
	}
	return acc.stats()
}

// Stats summarises the grid's values; see ComputeStats.
func (g *Grid) Stats() Stats { return ComputeStats(g.Data) }

// partial holds the running summary of one chunk: count, mean and the sum of
// squared deviations from the mean (M2).
type partial struct {
	n        int
	mean, m2 float64
	min, max float64
	nan, inf int
}

// partialStats summarises one chunk. Sums are of x − shift, where shift is the
// chunk's first finite value, which keeps Σ(x−shift)² well conditioned.
func partialStats(data []float32) partial {
	p := partial{min: math.Inf(1), max: math.Inf(-1)}
	shift := 0.0
	for _, x := range data {
		if isFinite32(x) {
			shift = float64(x)
			break
		}
	}
	var s, s2 float64
	mn, mx := p.min, p.max
	for _, x := range data {
		b := math.Float32bits(x)
		if b&0x7f800000 == 0x7f800000 {
			if b&0x007fffff != 0 {
				p.nan++
			} else {
				p.inf++
			}
			continue
		}
		v := float64(x)
		d := v - shift
		s += d
		s2 += d * d
		if v < mn {
			mn = v
		}
		if v > mx {
			mx = v
		}
		p.n++
	}
	p.min, p.max = mn, mx
	if p.n > 0 {
		m := s / float64(p.n)
		p.mean = shift + m
		p.m2 = math.Max(s2-m*s, 0) // Σd² − n·m²
	}
	return p
}

// merge combines two chunk summaries (Chan, Golub & LeVeque).
func (a partial) merge(b partial) partial {
	out := partial{
		n:   a.n + b.n,
		min: math.Min(a.min, b.min),
		max: math.Max(a.max, b.max),
		nan: a.nan + b.nan,
		inf: a.inf + b.inf,
	}
	switch {
	case a.n == 0:
		out.mean, out.m2 = b.mean, b.m2
	case b.n == 0:
		out.mean, out.m2 = a.mean, a.m2
	default:
		d := b.mean - a.mean
		fa, fb := float64(a.n), float64(b.n)
		out.mean = a.mean + d*fb/(fa+fb)
		out.m2 = a.m2 + b.m2 + d*d*fa*fb/(fa+fb)
	}
	return out
}

func (p partial) stats() Stats {
	s := Stats{Count: p.n, NaN: p.nan, Inf: p.inf}
	if p.n == 0 {
		nan := math.NaN()
		s.Min, s.Max, s.Mean, s.Std = nan, nan, nan, nan
		return s
	}
	s.Min, s.Max, s.Mean = p.min, p.max, p.mean
	s.Std = math.Sqrt(p.m2 / float64(p.n))
	return s
}

func isFinite32(x float32) bool { return math.Float32bits(x)&0x7f800000 != 0x7f800000 }
