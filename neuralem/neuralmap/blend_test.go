package neuralmap

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// tensorBoxes builds the tensor-product boxes of per-axis spans [lo, hi].
func tensorBoxes(spans [3][][2]int) []VoxelBox {
	var boxes []VoxelBox
	for _, z := range spans[2] {
		for _, y := range spans[1] {
			for _, x := range spans[0] {
				boxes = append(boxes, VoxelBox{Lo: geom.Index{x[0], y[0], z[0]}, Hi: geom.Index{x[1], y[1], z[1]}})
			}
		}
	}
	return boxes
}

// blendCase is a tiling exercising face, edge and corner overlaps, including
// a triple overlap along one axis (as the paper's tiling makes for, e.g.,
// 125 voxels with 64-voxel regions).
type blendCase struct {
	name  string
	shape [3]int
	spans [3][][2]int
}

var blendCases = []blendCase{
	{"20cube_12_4", [3]int{20, 20, 20}, [3][][2]int{{{0, 11}, {8, 19}}, {{0, 11}, {8, 19}}, {{0, 11}, {8, 19}}}},
	{"aniso_triple", [3]int{18, 13, 9}, [3][][2]int{{{0, 9}, {3, 12}, {8, 17}}, {{0, 7}, {4, 12}}, {{0, 8}}}},
}

// smoothF is the common part of the synthetic per-region functions, with its
// analytic gradient per voxel.
func smoothF(p geom.VoxelCoord) (float64, VoxelVec) {
	x, y, z := p[0]*0.3, p[1]*0.2, p[2]*0.25
	v := math.Sin(x)*math.Cos(y) + 0.5*math.Sin(z+x*y)
	g := VoxelVec{
		0.3 * (math.Cos(x)*math.Cos(y) + 0.5*math.Cos(z+x*y)*y),
		0.2 * (-math.Sin(x)*math.Sin(y) + 0.5*math.Cos(z+x*y)*x),
		0.25 * 0.5 * math.Cos(z+x*y),
	}
	return v, g
}

// offsetEval returns a RegionEval where region r gives smoothF + c[r]; it
// checks that every point lies in r's box and counts calls per region.
func offsetEval(t *testing.T, b *Blender, c []float64, calls []int) RegionEval {
	return func(r int, pts []geom.VoxelCoord, val []float64, grad []VoxelVec) error {
		calls[r]++
		bx := b.Box(r)
		for i, p := range pts {
			for a := 0; a < 3; a++ {
				if p[a] < float64(bx.Lo[a]) || p[a] > float64(bx.Hi[a]) {
					t.Errorf("region %d evaluated at %v outside its box %v..%v", r, p, bx.Lo, bx.Hi)
				}
			}
			v, g := smoothF(p)
			val[i] = v + c[r]
			if grad != nil {
				grad[i] = g
			}
		}
		return nil
	}
}

func randomPoints(rng *rand.Rand, shape [3]int, n int) []geom.VoxelCoord {
	pts := make([]geom.VoxelCoord, n)
	for i := range pts {
		for a := 0; a < 3; a++ {
			pts[i][a] = rng.Float64() * float64(shape[a]-1)
		}
	}
	return pts
}

// kinks returns, per axis, the coordinates where a ramp starts or ends.
func kinks(b *Blender) [3][]float64 {
	var k [3][]float64
	for a := 0; a < 3; a++ {
		for _, s := range b.axes[a] {
			if s.hasLo {
				k[a] = append(k[a], float64(s.lo), s.rampLo)
			}
			if s.hasHi {
				k[a] = append(k[a], float64(s.hi), s.rampHi)
			}
		}
	}
	return k
}

func TestBlendPartitionOfUnity(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, bc := range blendCases {
		for _, ramp := range []Ramp{RampLinear, RampSmooth} {
			b, err := NewBlender(bc.shape, tensorBoxes(bc.spans), ramp)
			if err != nil {
				t.Fatal(err)
			}
			pts := randomPoints(rng, bc.shape, 2000)
			// Add every kink intersection: faces, edges and corners.
			k := kinks(b)
			for _, x := range append(k[0], 0, float64(bc.shape[0]-1)) {
				for _, y := range append(k[1], 0) {
					for _, z := range append(k[2], float64(bc.shape[2]-1)) {
						pts = append(pts, geom.VoxelCoord{x, y, z})
					}
				}
			}
			var ws []Weight
			for _, p := range pts {
				ws, err = b.Weights(p, ws[:0])
				if err != nil {
					t.Fatal(err)
				}
				var sum float64
				var gsum VoxelVec
				for _, w := range ws {
					if !(w.W > 0 && w.W <= 1+1e-15) {
						t.Fatalf("%s/%v: weight %g at %v", bc.name, ramp, w.W, p)
					}
					sum += w.W
					for a := 0; a < 3; a++ {
						gsum[a] += w.Grad[a]
					}
				}
				if math.Abs(sum-1) > 1e-12 {
					t.Fatalf("%s/%v: weights at %v sum to %.15g", bc.name, ramp, p, sum)
				}
				for a := 0; a < 3; a++ {
					if math.Abs(gsum[a]) > 1e-12 {
						t.Fatalf("%s/%v: weight gradients at %v sum to %v", bc.name, ramp, p, gsum)
					}
				}
			}
		}
	}
}

func TestBlendReproducesAgreeingRegions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, bc := range blendCases {
		b, err := NewBlender(bc.shape, tensorBoxes(bc.spans), RampLinear)
		if err != nil {
			t.Fatal(err)
		}
		c := make([]float64, b.NumRegions())
		calls := make([]int, b.NumRegions())
		pts := randomPoints(rng, bc.shape, 3000)
		val := make([]float64, len(pts))
		grad := make([]VoxelVec, len(pts))
		if err := b.Blend(pts, offsetEval(t, b, c, calls), val, grad); err != nil {
			t.Fatal(err)
		}
		for r, n := range calls {
			if n != 1 {
				t.Errorf("%s: region %d evaluated %d times, want once per batch", bc.name, r, n)
			}
		}
		for i, p := range pts {
			v, g := smoothF(p)
			if math.Abs(val[i]-v) > 1e-12 {
				t.Fatalf("%s: blend at %v = %.15g, all regions give %.15g", bc.name, p, val[i], v)
			}
			for a := 0; a < 3; a++ {
				if math.Abs(grad[i][a]-g[a]) > 1e-12 {
					t.Fatalf("%s: blended gradient at %v = %v, all regions give %v", bc.name, p, grad[i], g)
				}
			}
		}
	}
}

// TestBlendContinuity walks lines through the map, including ones through
// overlap faces, edges and corners, with regions that disagree by O(1)
// offsets, and checks that no step changes the value by more than the
// gradient allows: a jump of the size of the offsets would be 10³ times
// larger than the bound.
func TestBlendContinuity(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const h = 2e-4
	for _, bc := range blendCases {
		for _, ramp := range []Ramp{RampLinear, RampSmooth} {
			b, err := NewBlender(bc.shape, tensorBoxes(bc.spans), ramp)
			if err != nil {
				t.Fatal(err)
			}
			c := make([]float64, b.NumRegions())
			for i := range c {
				c[i] = 2*rng.Float64() - 1
			}
			calls := make([]int, b.NumRegions())
			eval := offsetEval(t, b, c, calls)
			k := kinks(b)
			// Lines through every kind of overlap point: start at a kink
			// intersection (corner), a kink pair (edge), one kink (face).
			type line struct {
				through geom.VoxelCoord
				dir     geom.VoxelCoord
			}
			var lines []line
			pick := func(a int) float64 {
				if len(k[a]) == 0 {
					return rng.Float64() * float64(bc.shape[a]-1)
				}
				return k[a][rng.IntN(len(k[a]))]
			}
			for i := 0; i < 12; i++ {
				p := geom.VoxelCoord{pick(0), pick(1), pick(2)}
				for m := 0; m < i%3; m++ { // 0, 1 or 2 coordinates made generic
					a := rng.IntN(3)
					p[a] = rng.Float64() * float64(bc.shape[a]-1)
				}
				d := geom.VoxelCoord{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
				n := math.Sqrt(d[0]*d[0] + d[1]*d[1] + d[2]*d[2])
				lines = append(lines, line{p, geom.VoxelCoord{d[0] / n, d[1] / n, d[2] / n}})
			}
			for _, ln := range lines {
				var pts []geom.VoxelCoord
				for s := -0.5; s <= 0.5; s += h {
					p := geom.VoxelCoord{ln.through[0] + s*ln.dir[0], ln.through[1] + s*ln.dir[1], ln.through[2] + s*ln.dir[2]}
					if b.Contains(p) {
						pts = append(pts, p)
					}
				}
				val := make([]float64, len(pts))
				grad := make([]VoxelVec, len(pts))
				if err := b.Blend(pts, eval, val, grad); err != nil {
					t.Fatal(err)
				}
				maxSlope := 0.0
				for _, g := range grad {
					maxSlope = math.Max(maxSlope, math.Abs(g[0]*ln.dir[0]+g[1]*ln.dir[1]+g[2]*ln.dir[2]))
				}
				for i := 1; i < len(pts); i++ {
					if d := math.Abs(val[i] - val[i-1]); d > 1.01*maxSlope*h+1e-12 {
						t.Fatalf("%s/%v: value steps by %.3g over %.0e voxels at %v (slope bound %.3g): discontinuous", bc.name, ramp, d, h, pts[i], maxSlope)
					}
				}
			}
		}
	}
}

// TestBlendGradientFD checks the blended gradient (product rule with the
// ramp derivatives) against central finite differences at random points,
// away from the planes where linear ramps have kinks.
func TestBlendGradientFD(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const h = 1e-5
	for _, bc := range blendCases {
		for _, ramp := range []Ramp{RampLinear, RampSmooth} {
			b, err := NewBlender(bc.shape, tensorBoxes(bc.spans), ramp)
			if err != nil {
				t.Fatal(err)
			}
			c := make([]float64, b.NumRegions())
			for i := range c {
				c[i] = 2*rng.Float64() - 1
			}
			eval := offsetEval(t, b, c, make([]int, b.NumRegions()))
			k := kinks(b)
			var pts []geom.VoxelCoord
			for len(pts) < 500 {
				p := randomPoints(rng, bc.shape, 1)[0]
				ok := true
				for a := 0; a < 3; a++ {
					if p[a] < 2*h || p[a] > float64(bc.shape[a]-1)-2*h {
						ok = false
					}
					for _, x := range k[a] {
						if math.Abs(p[a]-x) < 2*h {
							ok = false
						}
					}
				}
				if ok {
					pts = append(pts, p)
				}
			}
			// Points plus ±h along each axis in one batch.
			all := append([]geom.VoxelCoord(nil), pts...)
			for a := 0; a < 3; a++ {
				for _, p := range pts {
					q := p
					q[a] += h
					all = append(all, q)
					q[a] -= 2 * h
					all = append(all, q)
				}
			}
			val := make([]float64, len(all))
			grad := make([]VoxelVec, len(all))
			if err := b.Blend(all, eval, val, grad); err != nil {
				t.Fatal(err)
			}
			n := len(pts)
			maxErr := 0.0
			for i := range pts {
				for a := 0; a < 3; a++ {
					plus := val[n+2*a*n+2*i]
					minus := val[n+2*a*n+2*i+1]
					fd := (plus - minus) / (2 * h)
					maxErr = math.Max(maxErr, math.Abs(fd-grad[i][a]))
				}
			}
			// Truncation error h²·f'''/6 ~ 1e-11, rounding 1e-16/h ~ 1e-11.
			if maxErr > 1e-7 {
				t.Errorf("%s/%v: blended gradient vs central differences: max abs error %.3g", bc.name, ramp, maxErr)
			}
		}
	}
}

func TestBlendOutsideIsError(t *testing.T) {
	bc := blendCases[0]
	b, err := NewBlender(bc.shape, tensorBoxes(bc.spans), RampLinear)
	if err != nil {
		t.Fatal(err)
	}
	calls := make([]int, b.NumRegions())
	pts := []geom.VoxelCoord{{1, 1, 1}, {-0.01, 3, 3}, {3, 19.001, 3}, {math.NaN(), 1, 1}}
	err = b.Blend(pts, offsetEval(t, b, make([]float64, b.NumRegions()), calls), make([]float64, 4), nil)
	if err == nil {
		t.Fatal("points outside the map: no error")
	}
	for _, want := range []string{"3 of 4 points", "#1", "#2", "#3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	for r, n := range calls {
		if n != 0 {
			t.Errorf("region %d evaluated despite the error", r)
		}
	}
	if !b.Contains(geom.VoxelCoord{0, 19, 19}) || b.Contains(geom.VoxelCoord{0, 19, 19.0000001}) {
		t.Error("Contains: wrong on the voxel-centre box boundary")
	}
}

func TestNewBlenderRejectsBadTilings(t *testing.T) {
	cases := []struct {
		name  string
		shape [3]int
		boxes []VoxelBox
		want  string
	}{
		{"gap", [3]int{20, 4, 4}, tensorBoxes([3][][2]int{{{0, 9}, {11, 19}}, {{0, 3}}, {{0, 3}}}), "uncovered"},
		{"one shared voxel", [3]int{20, 4, 4}, tensorBoxes([3][][2]int{{{0, 10}, {10, 19}}, {{0, 3}}, {{0, 3}}}), "share 1 voxel"},
		{"short of the map", [3]int{20, 4, 4}, tensorBoxes([3][][2]int{{{0, 11}, {8, 18}}, {{0, 3}}, {{0, 3}}}), "want the whole map"},
		{"outside the map", [3]int{20, 4, 4}, tensorBoxes([3][][2]int{{{0, 11}, {8, 20}}, {{0, 3}}, {{0, 3}}}), "outside the map"},
		{"nested", [3]int{20, 4, 4}, tensorBoxes([3][][2]int{{{0, 19}, {0, 11}}, {{0, 3}}, {{0, 3}}}), "nest"},
		{"not tensor", [3]int{20, 20, 4}, tensorBoxes([3][][2]int{{{0, 11}, {8, 19}}, {{0, 11}, {8, 19}}, {{0, 3}}})[:3], "tensor-product"},
		{"duplicate", [3]int{20, 20, 4}, append(tensorBoxes([3][][2]int{{{0, 11}, {8, 19}}, {{0, 11}, {8, 19}}, {{0, 3}}})[:3], tensorBoxes([3][][2]int{{{0, 11}}, {{8, 19}}, {{0, 3}}})...), "same box"},
		{"flat map", [3]int{20, 1, 4}, tensorBoxes([3][][2]int{{{0, 19}}, {{0, 0}}, {{0, 3}}}), "want ≥ 2"},
		{"no regions", [3]int{4, 4, 4}, nil, "no regions"},
	}
	for _, c := range cases {
		_, err := NewBlender(c.shape, c.boxes, RampLinear)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func BenchmarkBlendWeights(b *testing.B) {
	bc := blendCases[0]
	bl, err := NewBlender(bc.shape, tensorBoxes(bc.spans), RampLinear)
	if err != nil {
		b.Fatal(err)
	}
	pts := randomPoints(rand.New(rand.NewPCG(1, 1)), bc.shape, 4096)
	var ws []Weight
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ws, _ = bl.Weights(pts[i%len(pts)], ws[:0])
	}
}
