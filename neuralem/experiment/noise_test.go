package experiment

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"gonum.org/v1/gonum/stat"
)

// debianPython is the interpreter with numpy/scipy (python3-scipy).
const debianPython = "/usr/bin/python3"

// gaussianScript filters volumes with scipy.ndimage.gaussian_filter
// (mode "reflect", truncate 4). Arguments: groups of (nx, ny, nz, σx, σy,
// σz in voxels, input file, output file), float64 little-endian, X fastest.
const gaussianScript = `
import sys, numpy as np
from scipy import ndimage
a = sys.argv[1:]
for c in range(0, len(a), 8):
    nx, ny, nz = int(a[c]), int(a[c+1]), int(a[c+2])
    sx, sy, sz = float(a[c+3]), float(a[c+4]), float(a[c+5])
    vol = np.fromfile(a[c+6], dtype='<f8').reshape(nz, ny, nx)
    out = ndimage.gaussian_filter(vol, sigma=(sz, sy, sx), mode='reflect', truncate=4.0)
    out.astype('<f8').tofile(a[c+7])
`

// TestGaussianFilterScipy compares gaussianFilter with scipy's independent
// implementation on random volumes (nothing smooth, so every weight and
// every boundary reflection matters), with anisotropic voxels and axes
// shorter than the kernel (reflected more than once).
func TestGaussianFilterScipy(t *testing.T) {
	if _, err := os.Stat(debianPython); err != nil {
		t.Fatalf("%s with scipy is required for this reference test: %v", debianPython, err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	type tcase struct {
		g     *grid.Grid
		sigma float64
		out   string
	}
	var cases []tcase
	args := []string{"-c", gaussianScript}
	for c, tc := range []struct {
		shape   [3]int
		spacing geom.Vec3
		sigma   float64 // Å
	}{
		{[3]int{13, 9, 11}, geom.Vec3{0.5, 0.5, 0.5}, 0.675},
		{[3]int{7, 12, 5}, geom.Vec3{0.4, 0.9, 0.3}, 1.1},
		{[3]int{2, 3, 20}, geom.Vec3{0.2, 0.2, 0.2}, 0.7}, // radius 14 voxels on 2- and 3-voxel axes
	} {
		g := grid.New(grid.Frame{Shape: tc.shape, Spacing: tc.spacing, Origin: geom.Point{1, 2, 3}})
		vol := make([]float64, g.Len())
		for i := range vol {
			g.Data[i] = float32(rng.Float64()*2 - 1)
			vol[i] = float64(g.Data[i])
		}
		in := filepath.Join(dir, "in"+strconv.Itoa(c))
		out := filepath.Join(dir, "out"+strconv.Itoa(c))
		writeF64(t, in, vol)
		args = append(args, strconv.Itoa(tc.shape[0]), strconv.Itoa(tc.shape[1]), strconv.Itoa(tc.shape[2]))
		for a := 0; a < 3; a++ {
			args = append(args, strconv.FormatFloat(tc.sigma/tc.spacing[a], 'g', -1, 64))
		}
		args = append(args, in, out)
		cases = append(cases, tcase{g, tc.sigma, out})
	}
	if out, err := exec.Command(debianPython, args...).CombinedOutput(); err != nil {
		t.Fatalf("scipy: %v\n%s", err, out)
	}
	for c, tc := range cases {
		got, err := gaussianFilter(tc.g, tc.sigma)
		if err != nil {
			t.Fatal(err)
		}
		want := readF64(t, tc.out, tc.g.Len())
		worst := 0.0
		for i, w := range want {
			worst = math.Max(worst, math.Abs(float64(got.Data[i])-w))
		}
		// Inputs in [−1, 1]: float32 output rounding is ~6e-8; the sums are
		// float64 in both.
		if worst > 2e-7 {
			t.Errorf("case %d (shape %v, σ %g Å): max |Go − scipy| = %g, want ≤ 2e-7", c, tc.g.Shape, tc.sigma, worst)
		}
	}
	if _, err := gaussianFilter(cases[0].g, -1); err == nil {
		t.Error("σ −1 Å: no error")
	}
}

func writeF64(t *testing.T, path string, v []float64) {
	t.Helper()
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readF64(t *testing.T, path string, n int) []float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float64, n)
	if err := binary.Read(bytes.NewReader(b), binary.LittleEndian, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// lagCorrelation returns the correlation of g's values with their
// neighbours d voxels further along axis a.
func lagCorrelation(g *grid.Grid, a, d int) float64 {
	var x, y []float64
	for k := 0; k < g.Shape[2]; k++ {
		for j := 0; j < g.Shape[1]; j++ {
			for i := 0; i < g.Shape[0]; i++ {
				idx := [3]int{i, j, k}
				idx[a] += d
				if idx[a] >= g.Shape[a] {
					continue
				}
				x = append(x, float64(g.At(i, j, k)))
				y = append(y, float64(g.At(idx[0], idx[1], idx[2])))
			}
		}
	}
	return stat.Correlation(x, y, nil)
}

// TestUnitNoise checks the noise fields against their definitions: mean 0
// and standard deviation 1, white noise uncorrelated between neighbours,
// band-limited noise correlated as the Gaussian kernel predicts, the same
// everywhere in the frame (stationary), and reproducible from the seed.
func TestUnitNoise(t *testing.T) {
	f := grid.Frame{Shape: [3]int{40, 36, 32}, Spacing: geom.Vec3{0.5, 0.5, 0.5}}
	n := float64(f.Len())
	const bandSigma = 0.675 // Å: molmap's σ at R = 3 Å, 1.35 voxels
	for _, kind := range []NoiseKind{NoiseWhite, NoiseBand} {
		g, err := unitNoise(kind, f, bandSigma, 42)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float64, len(g.Data))
		for i, v := range g.Data {
			x[i] = float64(v)
		}
		mu, sd := stat.MeanStdDev(x, nil)
		switch kind {
		case NoiseWhite:
			// 46 080 independent N(0, 1) values: the mean's standard error
			// is 0.0047 and the standard deviation's 0.0033; allow 5 of each.
			if math.Abs(mu) > 5/math.Sqrt(n) || math.Abs(sd-1) > 5/math.Sqrt(2*n) {
				t.Errorf("white: mean %g, sd %g; want 0 ± %g, 1 ± %g", mu, sd, 5/math.Sqrt(n), 5/math.Sqrt(2*n))
			}
			for a := 0; a < 3; a++ {
				if r := lagCorrelation(g, a, 1); math.Abs(r) > 5/math.Sqrt(n) {
					t.Errorf("white: lag-1 correlation along axis %d = %g, want 0 ± %g", a, r, 5/math.Sqrt(n))
				}
			}
		case NoiseBand:
			// Correlated values: the effective sample count is about n over
			// the kernel's volume ((2√π·1.35)³ ≈ 110 voxels), so the mean's
			// standard error is ≈ 0.05 and the sd's ≈ 0.04.
			if math.Abs(mu) > 0.2 || math.Abs(sd-1) > 0.15 {
				t.Errorf("band: mean %g, sd %g; want 0 ± 0.2, 1 ± 0.15", mu, sd)
			}
			// Theory: filtered white noise has correlation Σ w_i w_{i+d} /
			// Σ w_i² at lag d along an axis.
			w := gaussKernel(bandSigma / f.Spacing[0])
			for _, d := range []int{1, 2, 4} {
				var num, den float64
				for i := range w {
					den += w[i] * w[i]
					if i+d < len(w) {
						num += w[i] * w[i+d]
					}
				}
				want := num / den
				for a := 0; a < 3; a++ {
					if r := lagCorrelation(g, a, d); math.Abs(r-want) > 0.05 {
						t.Errorf("band: lag-%d correlation along axis %d = %g, want %g ± 0.05", d, a, r, want)
					}
				}
			}
			// Stationary: the faces are not damped or inflated by a boundary.
			var face []float64
			for k := 0; k < f.Shape[2]; k++ {
				for j := 0; j < f.Shape[1]; j++ {
					face = append(face, float64(g.At(0, j, k)), float64(g.At(f.Shape[0]-1, j, k)))
				}
			}
			if fs := stat.StdDev(face, nil); math.Abs(fs-1) > 0.2 {
				t.Errorf("band: sd on the x faces %g, want 1 ± 0.2 (stationary noise)", fs)
			}
		}
		again, _ := unitNoise(kind, f, bandSigma, 42)
		other, _ := unitNoise(kind, f, bandSigma, 43)
		same, diff := true, 0
		for i := range g.Data {
			same = same && again.Data[i] == g.Data[i]
			if other.Data[i] != g.Data[i] {
				diff++
			}
		}
		if !same || diff < len(g.Data)*99/100 {
			t.Errorf("%s: same seed reproduces: %v; another seed changes %d of %d values", kind, same, diff, len(g.Data))
		}
	}
	if _, err := unitNoise("pink", f, bandSigma, 1); err == nil {
		t.Error("unknown kind: no error")
	}
	if _, err := unitNoise(NoiseBand, f, 0, 1); err == nil {
		t.Error("band noise with σ 0: no error")
	}
	if noiseSeed(1, "1CRN", NoiseWhite) == noiseSeed(1, "1CRN", NoiseBand) || noiseSeed(1, "1CRN", NoiseWhite) == noiseSeed(1, "4oz7", NoiseWhite) {
		t.Error("noise seeds collide across kinds or models")
	}
}
