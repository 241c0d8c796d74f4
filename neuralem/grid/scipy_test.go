package grid

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// debianPython is the interpreter with numpy/scipy (python3-scipy); the
// python3 first on PATH may be a different one.
const debianPython = "/usr/bin/python3"

// skipOrFailNoScipy skips (or, when CI is set, fails) because the reference
// tools are missing.
func skipOrFailNoScipy(t *testing.T, err error, out []byte) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI: %s with numpy and scipy is required (apt-get install python3-scipy): %v\n%s", debianPython, err, out)
	}
	t.Skipf("%s with scipy not available (%v); set CI to make this a failure", debianPython, err)
}

// scipyScript reads grid values (X fastest) and voxel coordinates, and prints
// scipy.ndimage.map_coordinates at order 1 and order 3 with mode="mirror"
// (whole-sample symmetric, the extension our B-spline prefilter assumes).
//
// Arguments: groups of (nx, ny, nz, volume file, coordinates file, output file).
const scipyScript = `
import sys, numpy as np
from scipy import ndimage
a = sys.argv[1:]
for c in range(0, len(a), 6):
    nx, ny, nz = int(a[c]), int(a[c+1]), int(a[c+2])
    vol = np.fromfile(a[c+3], dtype='<f8').reshape(nz, ny, nx)
    uvw = np.fromfile(a[c+4], dtype='<f8').reshape(-1, 3)
    coords = np.stack([uvw[:, 2], uvw[:, 1], uvw[:, 0]])
    out = np.stack([ndimage.map_coordinates(vol, coords, order=o, mode='mirror', prefilter=True) for o in (1, 3)])
    out.astype('<f8').tofile(a[c+5])
`

func writeF64(t *testing.T, path string, v []float64) {
	t.Helper()
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestAgainstScipyMapCoordinates compares both interpolators with scipy's
// independent implementation on random data (so nothing is smooth and every
// coefficient matters), on grids down to 2 voxels per axis where the mirror
// boundary dominates.
func TestAgainstScipyMapCoordinates(t *testing.T) {
	if _, err := os.Stat(debianPython); err != nil {
		skipOrFailNoScipy(t, err, nil)
	}
	rng := rand.New(rand.NewPCG(13, 14))
	type tcase struct {
		g   *Grid
		pts []geom.Point
		out string
	}
	var cases []tcase
	args := []string{"-c", scipyScript}
	dir := t.TempDir()
	for c, shape := range [][3]int{{9, 7, 11}, {2, 3, 5}, {30, 4, 2}} {
		f := Frame{Shape: shape, Spacing: geom.Vec3{0.7, 1.3, 0.45}, Origin: geom.Point{5, -7.5, 100}}
		g := New(f)
		vol := make([]float64, f.Len())
		for i := range g.Data {
			g.Data[i] = float32(rng.Float64()*2 - 1)
			vol[i] = float64(g.Data[i])
		}
		pts := randomPoints(rng, f.Box(), 500)
		pts = append(pts, f.Box().Min, f.Box().Max)
		uvw := make([]float64, 0, 3*len(pts))
		for _, p := range pts {
			u := f.ToVoxel(p)
			uvw = append(uvw, u[0], u[1], u[2])
		}
		name := func(s string) string { return filepath.Join(dir, s+strconv.Itoa(c)) }
		writeF64(t, name("vol"), vol)
		writeF64(t, name("uvw"), uvw)
		args = append(args, strconv.Itoa(shape[0]), strconv.Itoa(shape[1]), strconv.Itoa(shape[2]), name("vol"), name("uvw"), name("out"))
		cases = append(cases, tcase{g, pts, name("out")})
	}
	if out, err := exec.Command(debianPython, args...).CombinedOutput(); err != nil {
		if bytes.Contains(out, []byte("ModuleNotFoundError")) {
			skipOrFailNoScipy(t, err, out)
		}
		t.Fatalf("scipy: %v\n%s", err, out)
	}
	for _, tc := range cases {
		g, pts, shape := tc.g, tc.pts, tc.g.Shape
		raw, err := os.ReadFile(tc.out)
		if err != nil {
			t.Fatal(err)
		}
		ref := make([]float64, 2*len(pts))
		if err := binary.Read(bytes.NewReader(raw), binary.LittleEndian, ref); err != nil {
			t.Fatal(err)
		}
		for m, ip := range bothInterpolators(t, g) {
			val := make([]float64, len(pts))
			if err := ip.Sample(pts, val, nil); err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for n := range pts {
				worst = math.Max(worst, math.Abs(val[n]-ref[m*len(pts)+n]))
			}
			t.Logf("%T shape %v: max |ours − scipy| = %g", ip, shape, worst)
			// Data in [−1, 1]; both sides work in float64, so agreement is at
			// rounding level (1e-12 leaves room for different summation orders).
			if worst > 1e-12 {
				t.Errorf("%T shape %v: max |ours − scipy| = %g", ip, shape, worst)
			}
		}
	}
}
