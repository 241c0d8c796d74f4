package molmap

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAddPatchMatchesScalar checks the kernel in use (vector with
// GOEXPERIMENT=simd on AVX2+FMA machines) against the plain scalar loop, for
// patches of many widths, including ones whose zero-padded rows would run
// past the end of the slice (which must take the exact path), and checks that
// voxels outside the patch keep their exact values.
func TestAddPatchMatchesScalar(t *testing.T) {
	t.Logf("kernel: %s", kernelName)
	rng := rand.New(rand.NewPCG(5, 6))
	const nx, ny = 61, 23
	for trial := 0; trial < 400; trial++ {
		n := 1 + rng.IntN(nx)
		nPad := (n + 7) &^ 7
		wx := make([]float32, nPad)
		for i := range n {
			wx[i] = rng.Float32()
		}
		rows := 1 + rng.IntN(ny)
		scales := make([]float32, rows)
		for i := range scales {
			scales[i] = rng.Float32() * 10
			if rng.IntN(7) == 0 {
				scales[i] = 0
			}
		}
		x0 := rng.IntN(nx - n + 1)
		y0 := rng.IntN(ny - rows + 1)
		base := make([]float32, nx*ny)
		for i := range base {
			base[i] = rng.Float32()
		}
		got := append([]float32(nil), base...)
		want := append([]float32(nil), base...)
		addPatch(got, y0*nx+x0, nx, wx, n, scales)
		addPatchScalar(want, y0*nx+x0, nx, wx, n, scales)
		for j := 0; j < ny; j++ {
			for i := 0; i < nx; i++ {
				o := j*nx + i
				inside := i >= x0 && i < x0+n && j >= y0 && j < y0+rows
				if !inside {
					if got[o] != base[o] {
						t.Fatalf("trial %d: voxel (%d,%d) outside the patch changed: %v -> %v", trial, i, j, base[o], got[o])
					}
					continue
				}
				// FMA rounds once, the scalar loop twice: ≤ 1 ulp of the sum.
				if d := math.Abs(float64(got[o] - want[o])); d > 2e-7*math.Abs(float64(want[o])) {
					t.Fatalf("trial %d: voxel (%d,%d): kernel %v, scalar %v", trial, i, j, got[o], want[o])
				}
			}
		}
	}
}
