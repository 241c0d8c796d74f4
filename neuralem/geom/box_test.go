package geom

import (
	"fmt"
	"testing"
)

func TestShrinkInside(t *testing.T) {
	b := Box{Min: Point{0, 0, 0}, Max: Point{10, 4, 10}}
	s := b.Shrink(3)
	if s.Min != (Point{3, 3, 3}) || s.Max != (Point{7, 1, 7}) {
		t.Fatalf("Shrink(3) = %v", s)
	}
	pts := []Point{{5, 2, 5}, {1, 2, 5}, {5, 5, 5}}
	if got := b.Inside(pts); len(got) != 2 || got[1] != pts[1] {
		t.Errorf("Inside = %v", got)
	}
	if got := s.Inside(pts); len(got) != 0 { // y: 3 > 1, empty along y
		t.Errorf("a box empty along y holds %v", got)
	}
	if g := b.Shrink(-1); g.Min != (Point{-1, -1, -1}) || g.Max != (Point{11, 5, 11}) {
		t.Errorf("Shrink(-1) = %v", g)
	}
}

// Points at least 3 Å inside a map's box, where every method has data on
// all sides.
func ExampleBox_Shrink() {
	box := Box{Min: Point{0, 0, 0}, Max: Point{20, 20, 20}}
	pts := []Point{{1, 10, 10}, {10, 10, 10}, {18, 10, 10}}
	fmt.Println(box.Shrink(3).Inside(pts))
	// Output: [[10 10 10]]
}
