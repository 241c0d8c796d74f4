package molmap

// axpyScalar adds s·x to y element-wise; len(x) must equal len(y).
func axpyScalar(y, x []float32, s float32) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] += s * v
	}
}
