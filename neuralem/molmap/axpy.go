package molmap

// axpyScalar adds s·x to y element-wise; len(x) must be at least len(y).
func axpyScalar(y, x []float32, s float32) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] += s * v
	}
}

// addPatchScalar adds the outer product scales ⊗ wx[:n] to the rows of slab
// starting at offsets row, row+nx, row+2·nx, …
func addPatchScalar(slab []float32, row, nx int, wx []float32, n int, scales []float32) {
	wx = wx[:n]
	for _, s := range scales {
		if s != 0 {
			axpyScalar(slab[row:row+n], wx, s)
		}
		row += nx
	}
}
