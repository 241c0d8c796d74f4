package region

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// paperStarts evaluates the paper's formula with exact rationals (math/big),
// as an independent reference for Axis. (In float64, (n−1)·s can round just
// below an integer: for Size 16, Overlap 4, n_v = 262 the literal float
// formula puts the last window at 245, ending at 261 and leaving voxel 261
// uncovered; TestFloatFormulaPitfall pins that case.)
func paperStarts(nv, size, overlap int) ([]int, int) {
	vr := nv
	if nv >= size {
		vr = size
	}
	nr := 1
	if nv > vr { // for nv == vr the ratio is 0/(vr−overlap), NaN when vr ≤ overlap
		nr = int(math.Ceil(float64(nv-vr)/float64(vr-overlap))) + 1
	}
	s := big.NewRat(int64(nv-vr), int64(max(nr-1, 1)))
	out := make([]int, nr)
	for n := 1; n <= nr; n++ {
		v := new(big.Rat).Mul(big.NewRat(int64(n-1), 1), s)
		q := new(big.Int).Quo(v.Num(), v.Denom()) // floor: v ≥ 0
		out[n-1] = int(q.Int64())
	}
	return out, vr
}

func TestFloatFormulaPitfall(t *testing.T) {
	s := float64(262-16) / float64(22-1)
	if got := int(math.Floor(21 * s)); got != 245 {
		t.Fatalf("literal float64 formula gave %d, documented pitfall is 245", got)
	}
	starts, size, err := Axis(262, Options{Size: 16, Overlap: 4})
	if err != nil {
		t.Fatal(err)
	}
	if last := starts[len(starts)-1]; last+size != 262 {
		t.Fatalf("last window [%d,%d) does not reach 262", last, last+size)
	}
}

func TestAxisHandComputed(t *testing.T) {
	// Worked by hand from the paper's formula with v_r = 64, overlap 4.
	cases := []struct {
		n      int
		size   int
		starts []int
	}{
		{40, 40, []int{0}},                     // n_v < 64: one window of 40
		{64, 64, []int{0}},                     // exactly one window
		{65, 64, []int{0, 1}},                  // n_r = ceil(1/60)+1 = 2, s = 1
		{127, 64, []int{0, 31, 63}},            // n_r = ceil(63/60)+1 = 3, s = 31.5
		{300, 64, []int{0, 59, 118, 177, 236}}, // n_r = ceil(236/60)+1 = 5, s = 59
	}
	for _, c := range cases {
		starts, size, err := Axis(c.n, DefaultOptions)
		if err != nil {
			t.Fatalf("Axis(%d): %v", c.n, err)
		}
		if size != c.size || !reflect.DeepEqual(starts, c.starts) {
			t.Errorf("Axis(%d) = %v, size %d; want %v, size %d", c.n, starts, size, c.starts, c.size)
		}
	}
}

func TestAxisMatchesPaperFormulaAndCovers(t *testing.T) {
	for _, o := range []Options{DefaultOptions, {Size: 16, Overlap: 4}, {Size: 9, Overlap: 8}, {Size: 5, Overlap: 0}} {
		for n := 1; n <= 700; n++ {
			starts, size, err := Axis(n, o)
			if err != nil {
				t.Fatal(err)
			}
			want, wantSize := paperStarts(n, o.Size, o.Overlap)
			if size != wantSize || !reflect.DeepEqual(starts, want) {
				t.Fatalf("opts %+v n=%d: got %v/%d, paper formula %v/%d", o, n, starts, size, want, wantSize)
			}
			if starts[0] != 0 || starts[len(starts)-1]+size != n {
				t.Fatalf("opts %+v n=%d: windows %v size %d do not span [0,%d)", o, n, starts, size, n)
			}
			for k := 1; k < len(starts); k++ {
				if ov := starts[k-1] + size - starts[k]; ov < o.Overlap {
					t.Fatalf("opts %+v n=%d: windows %d,%d overlap %d < %d", o, n, k-1, k, ov, o.Overlap)
				}
				if starts[k] <= starts[k-1] {
					t.Fatalf("opts %+v n=%d: starts not increasing %v", o, n, starts)
				}
			}
		}
	}
}

func TestTileCoversEveryVoxel(t *testing.T) {
	shape := [3]int{70, 40, 130}
	regs, err := Tile(shape, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(regs) != 2*1*3 {
		t.Fatalf("got %d regions, want 6", len(regs))
	}
	cover := make([]int, shape[0]*shape[1]*shape[2])
	for id, r := range regs {
		if r.ID != id {
			t.Fatalf("region %d has ID %d", id, r.ID)
		}
		s := r.Shape()
		if s != [3]int{64, 40, 64} || r.Len() != 64*40*64 {
			t.Fatalf("region %d shape %v", id, s)
		}
		for k := r.Lo[2]; k < r.Hi[2]; k++ {
			for j := r.Lo[1]; j < r.Hi[1]; j++ {
				for i := r.Lo[0]; i < r.Hi[0]; i++ {
					cover[i+shape[0]*(j+shape[1]*k)]++
				}
			}
		}
	}
	for i, c := range cover {
		if c == 0 {
			t.Fatalf("voxel %d not covered", i)
		}
	}
	// X fastest ordering and overlap between X neighbours.
	if regs[0].Lo != (geom.Index{0, 0, 0}) || regs[1].Lo != (geom.Index{6, 0, 0}) || regs[2].Lo != (geom.Index{0, 0, 33}) {
		t.Fatalf("unexpected order: %v %v %v", regs[0], regs[1], regs[2])
	}
	if !regs[1].Contains(geom.Index{69, 39, 63}) || regs[1].Contains(geom.Index{5, 0, 0}) || regs[1].Contains(geom.Index{70, 0, 0}) {
		t.Fatal("Contains wrong at the half-open boundaries")
	}
}

func TestErrors(t *testing.T) {
	bad := []struct {
		shape [3]int
		opts  Options
	}{
		{[3]int{10, 10, 10}, Options{Size: 4, Overlap: 4}},
		{[3]int{10, 10, 10}, Options{Size: 3, Overlap: 4}},
		{[3]int{10, 10, 10}, Options{Size: 0, Overlap: 0}},
		{[3]int{10, 10, 10}, Options{Size: 8, Overlap: -1}},
		{[3]int{10, 0, 10}, DefaultOptions},
		{[3]int{10, 10, -3}, DefaultOptions},
	}
	for _, b := range bad {
		if _, err := Tile(b.shape, b.opts); err == nil {
			t.Errorf("Tile(%v, %+v): no error", b.shape, b.opts)
		} else {
			t.Log(err)
		}
	}
	if _, _, err := Axis(0, DefaultOptions); err == nil {
		t.Error("Axis(0): no error")
	}
}

func ExampleTile() {
	regs, err := Tile([3]int{127, 40, 64}, DefaultOptions)
	if err != nil {
		panic(err)
	}
	for _, r := range regs {
		fmt.Println(r.ID, r.Lo, r.Hi)
	}
	// Output:
	// 0 [0 0 0] [64 40 64]
	// 1 [31 0 0] [95 40 64]
	// 2 [63 0 0] [127 40 64]
}

// TestCountMatchesTile: Count gives Tile's number of regions without
// allocating, also for sizes Tile could not hold in memory.
func TestCountMatchesTile(t *testing.T) {
	for _, c := range []struct {
		shape [3]int
		opts  Options
	}{
		{[3]int{27, 35, 40}, Options{Size: 16, Overlap: 4}},
		{[3]int{64, 64, 64}, DefaultOptions},
		{[3]int{262, 1, 65}, Options{Size: 16, Overlap: 4}},
		{[3]int{5, 9, 200}, Options{Size: 5, Overlap: 4}},
	} {
		regs, err := Tile(c.shape, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		_, n, err := Count(c.shape, c.opts)
		if err != nil || n != int64(len(regs)) {
			t.Errorf("Count(%v, %+v) = %d, %v; Tile made %d", c.shape, c.opts, n, err, len(regs))
		}
	}
	per, n, err := Count([3]int{100000, 100000, 100000}, Options{Size: 16, Overlap: 4})
	if err != nil || per[0] != 8333 || n != 8333*8333*8333 {
		t.Errorf("huge shape: %v %d %v", per, n, err)
	}
	if _, _, err := Count([3]int{0, 1, 1}, DefaultOptions); err == nil {
		t.Error("zero shape accepted")
	}
}
