// Package spatial holds neighbour search and connectivity over point sets
// in Å: Index, a uniform-cell spatial hash for radius and nearest-point
// queries, and UnionFind, disjoint sets for connected components. It sits
// just above geom at the bottom of the import graph, so that densgraph
// (edges, DBSCAN, seed masks) and eval (matching) share one copy without
// importing each other.
package spatial

import (
	"math"
	"sort"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// Index is a uniform-cell spatial hash over a fixed set of points in
// Å. Radius queries visit only the cells that overlap the query ball, so a
// query costs O(points in those cells). Build it with a cell size near the
// query radius.
type Index struct {
	pts   []geom.Point
	cell  float64
	min   geom.Point
	dims  [3]int64
	order []int32 // point indices sorted by cell key
	keys  []int64 // keys[i] = cell key of pts[order[i]]
	// dense cell table (when the box has few cells): start[key]..start[key+1];
	// nil otherwise, and rows are found by binary search in keys.
	start []int32
}

// NewIndex indexes pts (not copied: do not modify them while the
// index is in use) with cubic cells of the given edge in Å. It panics if cell
// is not a finite positive number or a point is not finite (callers validate
// input first).
func NewIndex(pts []geom.Point, cell float64) *Index {
	if !(cell > 0) || math.IsInf(cell, 0) {
		panic("spatial: index cell must be > 0")
	}
	s := &Index{pts: pts, cell: cell}
	if len(pts) == 0 {
		return s
	}
	lo, hi := pts[0], pts[0]
	for _, p := range pts {
		if !p.IsFinite() {
			panic("spatial: index point not finite")
		}
		for a := 0; a < 3; a++ {
			lo[a] = math.Min(lo[a], p[a])
			hi[a] = math.Max(hi[a], p[a])
		}
	}
	s.min = lo
	total := 1.0
	for a := 0; a < 3; a++ {
		s.dims[a] = int64((hi[a]-lo[a])/cell) + 1
		total *= float64(s.dims[a])
	}
	n := len(pts)
	s.order = make([]int32, n)
	s.keys = make([]int64, n)
	keyOf := make([]int64, n)
	for i, p := range pts {
		keyOf[i] = s.key(s.cellOf(p))
		s.order[i] = int32(i)
	}
	sort.Slice(s.order, func(a, b int) bool {
		ka, kb := keyOf[s.order[a]], keyOf[s.order[b]]
		if ka != kb {
			return ka < kb
		}
		return s.order[a] < s.order[b]
	})
	for i, o := range s.order {
		s.keys[i] = keyOf[o]
	}
	if total <= float64(4*n+1<<16) {
		nc := int(total)
		s.start = make([]int32, nc+1)
		j := 0
		for c := 0; c <= nc; c++ {
			for j < n && s.keys[j] < int64(c) {
				j++
			}
			s.start[c] = int32(j)
		}
	}
	return s
}

func (s *Index) cellOf(p geom.Point) [3]int64 {
	var c [3]int64
	for a := 0; a < 3; a++ {
		c[a] = int64(math.Floor((p[a] - s.min[a]) / s.cell))
	}
	return c
}

func (s *Index) key(c [3]int64) int64 {
	return c[0] + s.dims[0]*(c[1]+s.dims[1]*c[2])
}

// Len returns the number of indexed points.
func (s *Index) Len() int { return len(s.pts) }

// Within calls fn(i, d2) for every indexed point i whose squared distance d2
// to p is at most r² (Å²). Points are visited in an unspecified but
// deterministic order. If fn returns false the search stops.
func (s *Index) Within(p geom.Point, r float64, fn func(i int, d2 float64) bool) {
	if len(s.pts) == 0 || !(r >= 0) {
		return
	}
	r2 := r * r
	var lo, hi [3]int64
	for a := 0; a < 3; a++ {
		lo[a] = int64(math.Floor((p[a] - r - s.min[a]) / s.cell))
		hi[a] = int64(math.Floor((p[a] + r - s.min[a]) / s.cell))
		if lo[a] < 0 {
			lo[a] = 0
		}
		if hi[a] > s.dims[a]-1 {
			hi[a] = s.dims[a] - 1
		}
		if lo[a] > hi[a] {
			return
		}
	}
	// Cells along X within one (y, z) row have consecutive keys, so each row
	// is one contiguous run of the sorted points.
	for cz := lo[2]; cz <= hi[2]; cz++ {
		for cy := lo[1]; cy <= hi[1]; cy++ {
			k0 := s.key([3]int64{lo[0], cy, cz})
			k1 := s.key([3]int64{hi[0], cy, cz}) + 1
			var a, b int
			if s.start != nil {
				a, b = int(s.start[k0]), int(s.start[k1])
			} else {
				a = sort.Search(len(s.keys), func(i int) bool { return s.keys[i] >= k0 })
				b = a + sort.Search(len(s.keys)-a, func(i int) bool { return s.keys[a+i] >= k1 })
			}
			for _, o := range s.order[a:b] {
				d2 := p.Dist2(s.pts[o])
				if d2 <= r2 {
					if !fn(int(o), d2) {
						return
					}
				}
			}
		}
	}
}

// Nearest returns the index of the indexed point nearest to p among those
// within r Å, and its distance; (-1, +Inf) if there is none. Ties go to the
// lower index.
func (s *Index) Nearest(p geom.Point, r float64) (int, float64) {
	best, bd2 := -1, math.Inf(1)
	s.Within(p, r, func(i int, d2 float64) bool {
		if d2 < bd2 || (d2 == bd2 && i < best) {
			best, bd2 = i, d2
		}
		return true
	})
	return best, math.Sqrt(bd2)
}
