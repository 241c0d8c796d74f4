package molmap

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/neuralem/neuralem/neuralem/model"
)

// python is the Debian interpreter that has numpy (not the python3 first on
// PATH).
const python = "/usr/bin/python3"

// needNumpy skips the test when numpy is unavailable, or fails it when $CI
// is set (CI installs python3-numpy).
func needNumpy(t *testing.T) {
	t.Helper()
	out, err := exec.Command(python, "-c", "import numpy").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("numpy reference unavailable: %v: %s (apt-get install python3-numpy)", err, out)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// TestChimeraXPort compares Simulate with testdata/chimerax_molmap.py, an
// independent numpy re-implementation of ChimeraX's molmap algorithm (grid
// bounds, per-axis box cut-off, float32 accumulation, normalisation at the
// end). The maps share their origin; ChimeraX's shape is ours or one voxel
// less per axis, and on the common voxels the values agree to float32
// rounding.
func TestChimeraXPort(t *testing.T) {
	needNumpy(t)
	atoms := readAtoms(t, "models/sim/1CRN.cif")
	dir := t.TempDir()
	var buf bytes.Buffer
	for _, a := range atoms {
		if IsHydrogen(a.Element) {
			continue
		}
		fmt.Fprintf(&buf, "%.17g %.17g %.17g %d\n", a.Pos[0], a.Pos[1], a.Pos[2], model.AtomicNumber(a.Element))
	}
	in := filepath.Join(dir, "atoms.txt")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// Reading the script makes it part of go test's cache key.
	script := filepath.Join("testdata", "chimerax_molmap.py")
	if _, err := os.ReadFile(script); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ res, spacing float64 }{{2, 0}, {3.7, 0.45}}
	params := make([]Params, len(cases))
	args := []string{script, in}
	for ci, c := range cases {
		p := Defaults(c.res)
		if c.spacing > 0 {
			p.Spacing = c.spacing
		}
		params[ci] = p
		args = append(args, fmt.Sprint(p.Resolution), fmt.Sprint(p.Spacing), fmt.Sprint(p.Padding),
			fmt.Sprint(p.CutoffRange), fmt.Sprint(p.SigmaFactor), filepath.Join(dir, fmt.Sprintf("map%d.bin", ci)))
	}
	cmd := exec.Command(python, args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, msg)
	}
	for ci, c := range cases {
		p := params[ci]
		g, err := Simulate(atoms, p)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, fmt.Sprintf("map%d.bin", ci))
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(bytes.NewReader(raw))
		var shape [3]int
		var origin [3]float64
		if _, err := fmt.Fscanf(r, "%d %d %d %g %g %g\n", &shape[0], &shape[1], &shape[2], &origin[0], &origin[1], &origin[2]); err != nil {
			t.Fatalf("reference header: %v", err)
		}
		data := make([]float32, shape[0]*shape[1]*shape[2])
		if err := binary.Read(r, binary.LittleEndian, data); err != nil {
			t.Fatalf("reference data: %v", err)
		}
		for a := 0; a < 3; a++ {
			if math.Abs(origin[a]-g.Origin[a]) > 1e-9 {
				t.Errorf("res %g: origin[%d] %.9f, ChimeraX %.9f", c.res, a, g.Origin[a], origin[a])
			}
			if d := g.Shape[a] - shape[a]; d != 0 && d != 1 {
				t.Errorf("res %g: shape[%d] %d, ChimeraX %d: want equal or one more", c.res, a, g.Shape[a], shape[a])
			}
		}
		var maxVal, maxDiff float64
		for k := 0; k < min(shape[2], g.Shape[2]); k++ {
			for j := 0; j < min(shape[1], g.Shape[1]); j++ {
				for i := 0; i < min(shape[0], g.Shape[0]); i++ {
					ref := float64(data[i+shape[0]*(j+shape[1]*k)])
					maxVal = math.Max(maxVal, ref)
					maxDiff = math.Max(maxDiff, math.Abs(float64(g.At(i, j, k))-ref))
				}
			}
		}
		t.Logf("res %g spacing %g: shape %v (ChimeraX %v), max %.4g, max |diff| %.3g", c.res, p.Spacing, g.Shape, shape, maxVal, maxDiff)
		// ChimeraX rounds the atoms' voxel coordinates (~100) to float32,
		// shifting each Gaussian by up to ~6e-6 voxel; at the steepest point
		// (1σ ≈ 0.7 voxel) that changes a value by ~5e-6 of its peak.
		if maxVal == 0 || maxDiff > 1e-5*maxVal {
			t.Errorf("res %g spacing %g: max |Go - ChimeraX port| = %.3g, want ≤ 1e-5 of max %.4g", c.res, p.Spacing, maxDiff, maxVal)
		}
	}
}
