//go:build !(goexperiment.simd && amd64)

package molmap

// axpy adds s·x to y element-wise; len(x) must equal len(y).
func axpy(y, x []float32, s float32) {
	axpyScalar(y, x, s)
}
