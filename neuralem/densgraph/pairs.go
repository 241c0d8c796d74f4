package densgraph

// EdgePairs returns the edges as pairs of node indices (I, J), in the
// graph's edge order: what a chart or a graph library takes.
func (g *Graph) EdgePairs() [][2]int {
	p := make([][2]int, len(g.Edges))
	for i, e := range g.Edges {
		p[i] = [2]int{e.I, e.J}
	}
	return p
}
