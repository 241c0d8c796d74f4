package experiment

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"gonum.org/v1/gonum/stat/distuv"
)

// NoiseKind is the shape of the noise added to a simulated input map (see
// the package doc, "Noise experiment").
type NoiseKind string

const (
	// NoiseNone: no noise (SNR ∞).
	NoiseNone NoiseKind = "none"
	// NoiseWhite: independent Gaussian noise in every voxel.
	NoiseWhite NoiseKind = "white"
	// NoiseBand: resolution-band-limited noise, white noise low-passed with
	// the Gaussian of the map's resolution (molmap's σ = R/(π√2)), so that
	// it has the same spectral envelope as the simulated signal.
	NoiseBand NoiseKind = "band"
)

// DefaultNoiseKinds are the kinds RunNoise adds when none are given.
var DefaultNoiseKinds = []NoiseKind{NoiseWhite, NoiseBand}

// DefaultSNRs are the peak/σ ratios RunNoise uses when none are given
// (+Inf: no noise).
var DefaultSNRs = []float64{1, 3, 10, math.Inf(1)}

// ParseNoiseKind parses "white", "band" or "none".
func ParseNoiseKind(s string) (NoiseKind, error) {
	switch k := NoiseKind(strings.ToLower(strings.TrimSpace(s))); k {
	case NoiseWhite, NoiseBand, NoiseNone:
		return k, nil
	}
	return "", fmt.Errorf("noise kind %q: want %s, %s or %s", s, NoiseWhite, NoiseBand, NoiseNone)
}

// gaussTruncate is the kernel half-width in standard deviations, as
// scipy.ndimage.gaussian_filter's default truncate=4.
const gaussTruncate = 4

// gaussKernel returns the normalised 1-D Gaussian of standard deviation
// sigma voxels on the integer offsets −r…r, r = ⌊4·sigma + 0.5⌋ (as
// scipy.ndimage). sigma 0 gives the identity [1].
func gaussKernel(sigma float64) []float64 {
	if sigma == 0 {
		return []float64{1}
	}
	r := int(gaussTruncate*sigma + 0.5)
	w := make([]float64, 2*r+1)
	var sum float64
	for i := -r; i <= r; i++ {
		x := float64(i)
		w[i+r] = math.Exp(-0.5 * x * x / (sigma * sigma))
		sum += w[i+r]
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}

// reflectIndex maps i to [0, n) by the half-sample symmetric extension
// d c b a | a b c d | d c b a (scipy.ndimage's "reflect" mode).
func reflectIndex(i, n int) int {
	p := 2 * n
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - 1 - i
	}
	return i
}

// gaussianFilter returns g convolved with the 3-D Gaussian of standard
// deviation sigma Å (separable; per axis sigma/Spacing voxels, truncated
// at 4σ), with the half-sample symmetric boundary of scipy.ndimage's
// gaussian_filter(mode="reflect"). Values are accumulated in float64.
func gaussianFilter(g *grid.Grid, sigma float64) (*grid.Grid, error) {
	if !(sigma >= 0) || math.IsInf(sigma, 0) {
		return nil, fmt.Errorf("the Gaussian filter's σ %g Å, want a finite value ≥ 0", sigma)
	}
	if len(g.Data) != g.Len() {
		return nil, fmt.Errorf("grid: data length %d does not match shape %v", len(g.Data), g.Shape)
	}
	data := make([]float64, len(g.Data))
	for i, v := range g.Data {
		data[i] = float64(v)
	}
	for a := 0; a < 3; a++ {
		filterAxis(data, g.Shape, a, gaussKernel(sigma/g.Spacing[a]))
	}
	out := grid.New(g.Frame)
	for i, v := range data {
		out.Data[i] = float32(v)
	}
	return out, nil
}

// filterAxis convolves every line of data (X-fastest, shape sh) along axis
// a with the odd-length kernel w, in place.
func filterAxis(data []float64, sh [3]int, a int, w []float64) {
	if len(w) == 1 {
		return
	}
	n := sh[a]
	stride := [3]int{1, sh[0], sh[0] * sh[1]}[a]
	r := len(w) / 2
	line := make([]float64, n)
	// The other two axes index the lines.
	b, c := (a+1)%3, (a+2)%3
	for ic := 0; ic < sh[c]; ic++ {
		for ib := 0; ib < sh[b]; ib++ {
			var idx [3]int
			idx[b], idx[c] = ib, ic
			base := idx[0] + sh[0]*(idx[1]+sh[1]*idx[2])
			for i := 0; i < n; i++ {
				line[i] = data[base+i*stride]
			}
			for i := 0; i < n; i++ {
				var s float64
				for k, wk := range w {
					j := i + k - r
					if j < 0 || j >= n {
						j = reflectIndex(j, n)
					}
					s += wk * line[j]
				}
				data[base+i*stride] = s
			}
		}
	}
}

// noiseSeed derives the seed of one noise field from the experiment's
// seed, the model and the kind, so that every (model, kind) has its own
// reproducible field whatever else the run contains.
func noiseSeed(seed uint64, model string, kind NoiseKind) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%s", model, kind)
	return h.Sum64() ^ seed
}

// unitNoise returns a noise field on frame f with mean 0 and standard
// deviation 1 in expectation, deterministic from seed:
//
//   - NoiseWhite: independent N(0, 1) values, drawn in X-fastest order.
//   - NoiseBand: N(0, 1) values drawn (X-fastest) on f grown by the
//     kernel's half-width on every side, convolved with the Gaussian of
//     standard deviation bandSigma Å, cropped back to f (so every voxel
//     sees the whole kernel and the field is stationary), and divided by
//     the filtered field's theoretical standard deviation √(Σ w²) (w the
//     3-D kernel's weights).
//
// Values are drawn with gonum's distuv.Normal from a PCG source.
func unitNoise(kind NoiseKind, f grid.Frame, bandSigma float64, seed uint64) (*grid.Grid, error) {
	src := rand.NewPCG(seed, 0x6e6f697365) // "noise"
	normal := distuv.Normal{Mu: 0, Sigma: 1, Src: src}
	switch kind {
	case NoiseWhite:
		g := grid.New(f)
		for i := range g.Data {
			g.Data[i] = float32(normal.Rand())
		}
		return g, nil
	case NoiseBand:
		if !(bandSigma > 0) || math.IsInf(bandSigma, 0) {
			return nil, fmt.Errorf("band-limited noise: σ %g Å, want a finite value > 0", bandSigma)
		}
		var pad geom.Index
		var kernels [3][]float64
		scale := 1.0
		for a := 0; a < 3; a++ {
			kernels[a] = gaussKernel(bandSigma / f.Spacing[a])
			pad[a] = len(kernels[a]) / 2
			var ss float64
			for _, w := range kernels[a] {
				ss += w * w
			}
			scale *= ss
		}
		big := [3]int{f.Shape[0] + 2*pad[0], f.Shape[1] + 2*pad[1], f.Shape[2] + 2*pad[2]}
		data := make([]float64, big[0]*big[1]*big[2])
		for i := range data {
			data[i] = normal.Rand()
		}
		for a := 0; a < 3; a++ {
			filterAxis(data, big, a, kernels[a])
		}
		inv := 1 / math.Sqrt(scale)
		g := grid.New(f)
		for k := 0; k < f.Shape[2]; k++ {
			for j := 0; j < f.Shape[1]; j++ {
				src := (pad[0]) + big[0]*((j+pad[1])+big[1]*(k+pad[2]))
				dst := f.Offset(0, j, k)
				for i := 0; i < f.Shape[0]; i++ {
					g.Data[dst+i] = float32(data[src+i] * inv)
				}
			}
		}
		return g, nil
	}
	return nil, fmt.Errorf("unit noise of kind %q: want %s or %s", kind, NoiseWhite, NoiseBand)
}

// addNoise returns clean + amp·noise voxel by voxel.
func addNoise(clean, noise *grid.Grid, amp float64) *grid.Grid {
	out := grid.New(clean.Frame)
	for i, v := range clean.Data {
		out.Data[i] = float32(float64(v) + amp*float64(noise.Data[i]))
	}
	return out
}

// clampNegative returns g with its negative values set to 0 (the first
// step of the paper's normalisation, which every interpolator here sees).
func clampNegative(g *grid.Grid) *grid.Grid {
	out := grid.New(g.Frame)
	for i, v := range g.Data {
		out.Data[i] = max(v, 0)
	}
	return out
}
