package densgraph

import (
	"fmt"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// The edges of a graph as index pairs, for charts.GraphView.
func ExampleGraph_EdgePairs() {
	g := &Graph{Nodes: []Node{{Pos: geom.Point{0, 0, 0}}, {Pos: geom.Point{1.5, 0, 0}}, {Pos: geom.Point{3, 0, 0}}},
		Edges: []Edge{{I: 0, J: 1, Length: 1.5}, {I: 1, J: 2, Length: 1.5}}}
	fmt.Println(g.EdgePairs())
	// Output: [[0 1] [1 2]]
}
