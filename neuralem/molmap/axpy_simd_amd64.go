//go:build goexperiment.simd && amd64

package molmap

import "simd/archsimd"

// haveAVX2FMA selects the vector kernel at run time.
var haveAVX2FMA = archsimd.X86.AVX2() && archsimd.X86.FMA()

// axpy adds s·x to y element-wise; len(x) must equal len(y).
func axpy(y, x []float32, s float32) {
	if !haveAVX2FMA {
		axpyScalar(y, x, s)
		return
	}
	x = x[:len(y)]
	sv := archsimd.BroadcastFloat32x8(s)
	i := 0
	for ; i+8 <= len(y); i += 8 {
		xv := archsimd.LoadFloat32x8Slice(x[i:])
		yv := archsimd.LoadFloat32x8Slice(y[i:])
		xv.MulAdd(sv, yv).StoreSlice(y[i:])
	}
	for ; i < len(y); i++ {
		y[i] += s * x[i]
	}
}
