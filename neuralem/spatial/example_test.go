package spatial_test

import (
	"fmt"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/spatial"
)

func Example() {
	pts := []geom.Point{{0, 0, 0}, {1, 0, 0}, {5, 0, 0}, {5.5, 0, 0}}
	ix := spatial.NewIndex(pts, 1.2) // cells near the query radius
	uf := spatial.NewUnionFind(len(pts))
	for i, p := range pts {
		ix.Within(p, 1.2, func(j int, d2 float64) bool {
			uf.Union(i, j)
			return true
		})
	}
	i, d := ix.Nearest(geom.Point{4.6, 0, 0}, 2)
	fmt.Printf("nearest to x = 4.6 Å: point %d at %.1f Å\n", i, d)
	fmt.Println("0 and 1 joined:", uf.Find(0) == uf.Find(1), "; 1 and 2 joined:", uf.Find(1) == uf.Find(2))
	// Output:
	// nearest to x = 4.6 Å: point 2 at 0.4 Å
	// 0 and 1 joined: true ; 1 and 2 joined: false
}
