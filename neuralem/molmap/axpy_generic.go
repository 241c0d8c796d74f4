//go:build !(goexperiment.simd && amd64)

package molmap

// addPatch adds the outer product scales ⊗ wx[:n] to the rows of slab
// starting at offsets row, row+nx, row+2·nx, … (wx is zero-padded beyond n).
func addPatch(slab []float32, row, nx int, wx []float32, n int, scales []float32) {
	addPatchScalar(slab, row, nx, wx, n, scales)
}

// kernelName names the inner kernel in use (for benchmarks and reports).
const kernelName = "scalar"
