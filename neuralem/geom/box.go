package geom

// Shrink returns b with every face moved inwards by d Å (outwards for a
// negative d). A box thinner than 2d along an axis becomes empty there
// (Min > Max): it contains no point.
func (b Box) Shrink(d float64) Box {
	for a := range 3 {
		b.Min[a] += d
		b.Max[a] -= d
	}
	return b
}

// Inside returns the points of pts that b contains, in order.
func (b Box) Inside(pts []Point) []Point {
	var out []Point
	for _, p := range pts {
		if b.Contains(p) {
			out = append(out, p)
		}
	}
	return out
}
