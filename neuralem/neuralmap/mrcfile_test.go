package neuralmap

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// checkMRCWithMrcfile reads an exported map with the mrcfile Python package
// (an independent reader) and checks shape, voxel size, origin and values
// against the neural map. When $CI is set a missing mrcfile fails the test;
// otherwise the check is skipped with a message.
func checkMRCWithMrcfile(t *testing.T, path string, m *NeuralMap) {
	t.Helper()
	py := "/usr/bin/python3"
	script := `
import json, sys, mrcfile
with mrcfile.open(sys.argv[1], permissive=False) as f:
    d = f.data
    print(json.dumps({
        "shape_zyx": list(d.shape),
        "voxel": [float(f.voxel_size.x), float(f.voxel_size.y), float(f.voxel_size.z)],
        "origin": [float(f.header.origin.x), float(f.header.origin.y), float(f.header.origin.z)],
        "nstart": [int(f.header.nxstart), int(f.header.nystart), int(f.header.nzstart)],
        "v000": float(d[0, 0, 0]), "v_3_5_7": float(d[7, 5, 3]),
    }))
`
	out, err := exec.Command(py, "-c", script, path).Output()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mrcfile check (apt python3-mrcfile) failed: %v", err)
		}
		t.Skipf("mrcfile not available under %s (%v): skipping the independent MRC check", py, err)
	}
	var r struct {
		ShapeZYX [3]int     `json:"shape_zyx"`
		Voxel    [3]float64 `json:"voxel"`
		Origin   [3]float64 `json:"origin"`
		NStart   [3]int     `json:"nstart"`
		V000     float64    `json:"v000"`
		V357     float64    `json:"v_3_5_7"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("mrcfile output %q: %v", out, err)
	}
	s := m.Frame.Shape
	if r.ShapeZYX != [3]int{s[2], s[1], s[0]} || r.NStart != [3]int{} {
		t.Errorf("mrcfile: shape (z,y,x) %v nstart %v, want %v and 0", r.ShapeZYX, r.NStart, [3]int{s[2], s[1], s[0]})
	}
	for a := 0; a < 3; a++ {
		if math.Abs(r.Voxel[a]-m.Frame.Spacing[a]) > 1e-5 || math.Abs(r.Origin[a]-m.Frame.Origin[a]) > 1e-4 {
			t.Errorf("mrcfile: voxel %v origin %v, want %v %v", r.Voxel, r.Origin, m.Frame.Spacing, m.Frame.Origin)
		}
	}
	val := make([]float64, 2)
	pts := []geom.Point{m.Frame.PointOf(geom.Index{0, 0, 0}), m.Frame.PointOf(geom.Index{3, 5, 7})}
	if err := m.SampleUnits(pts, val, nil, UnitsOriginal); err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.V000-val[0]) > 1e-5*math.Max(1, math.Abs(val[0])) || math.Abs(r.V357-val[1]) > 1e-5*math.Max(1, math.Abs(val[1])) {
		t.Errorf("mrcfile values %g, %g; neural map %g, %g", r.V000, r.V357, val[0], val[1])
	}
}
