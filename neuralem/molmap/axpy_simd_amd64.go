//go:build goexperiment.simd && amd64

package molmap

import "simd/archsimd"

// haveAVX2FMA selects the vector kernel at run time.
var haveAVX2FMA = archsimd.X86.AVX2() && archsimd.X86.FMA()

// kernelName names the inner kernel in use (for benchmarks and reports).
var kernelName = map[bool]string{true: "avx2+fma", false: "scalar"}[haveAVX2FMA]

// addPatch adds the outer product scales ⊗ wx[:n] to the rows of slab
// starting at offsets row, row+nx, row+2·nx, … wx is zero-padded to a
// multiple of 8 beyond n; the vector path writes the padded length, adding
// exact zeros to the voxels after each row, whenever that stays inside slab
// (slab's capacity is its length, so it never reaches another goroutine's
// slice).
func addPatch(slab []float32, row, nx int, wx []float32, n int, scales []float32) {
	if !haveAVX2FMA || len(scales) == 0 || row+(len(scales)-1)*nx+len(wx) > len(slab) || len(wx)%8 != 0 {
		addPatchScalar(slab, row, nx, wx, n, scales)
		return
	}
	for _, s := range scales {
		if s != 0 {
			sv := archsimd.BroadcastFloat32x8(s)
			y := slab[row : row+len(wx)]
			for i := 0; i+8 <= len(y); i += 8 {
				xv := archsimd.LoadFloat32x8Slice(wx[i:])
				yv := archsimd.LoadFloat32x8Slice(y[i:])
				xv.MulAdd(sv, yv).StoreSlice(y[i:])
			}
		}
		row += nx
	}
}
