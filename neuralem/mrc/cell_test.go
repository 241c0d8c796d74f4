package mrc

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// TestCellMatrixMatchesGemmi compares FracToCart and CellVolume (the
// determinant, by gonum) with gemmi's UnitCell (orth matrix and volume) on
// random triclinic cells, and checks that impossible angle triples are
// reported by Header.Validate.
func TestCellMatrixMatchesGemmi(t *testing.T) {
	needPython(t)
	rng := rand.New(rand.NewPCG(11, 12))
	var hs []Header
	for len(hs) < 40 {
		var h Header
		for a := 0; a < 3; a++ {
			h.CellA[a] = float32(10 + 190*rng.Float64())
			h.CellB[a] = float32(40 + 100*rng.Float64())
		}
		if len(hs) < 3 { // exact right angles and the all-zero convention
			h.CellB = [3][3]float32{{90, 90, 90}, {90, 90, 120}, {}}[len(hs)]
		}
		hs = append(hs, h)
	}
	type cell struct{ A, B [3]float64 }
	cells := make([]cell, len(hs))
	for i, h := range hs {
		ang := h.cellAngles()
		cells[i] = cell{[3]float64{float64(h.CellA[0]), float64(h.CellA[1]), float64(h.CellA[2])}, ang}
	}
	in, _ := json.Marshal(cells)
	const script = `import sys, json, gemmi
out = []
for c in json.load(sys.stdin):
    u = gemmi.UnitCell(*c["A"], *c["B"])
    ok = u.volume == u.volume  # NaN when the angles form no cell
    out.append({"volume": u.volume if ok else -1, "orth": u.orth.mat.tolist() if ok else [[0] * 3] * 3})
print(json.dumps(out))
`
	cmd := exec.Command(refPython, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gemmi: %v", err)
	}
	var ref []struct {
		Volume float64
		Orth   [3][3]float64
	}
	if err := json.Unmarshal(out, &ref); err != nil || len(ref) != len(hs) {
		t.Fatalf("gemmi output: %v (%d results)", err, len(ref))
	}
	valid := 0
	for i := range hs {
		h := &hs[i]
		v, want := h.CellVolume(), ref[i].Volume
		abc := float64(h.CellA[0]) * float64(h.CellA[1]) * float64(h.CellA[2])
		if !(want > 0) { // gemmi: NaN (sent as −1) or 0 for angles that form no cell
			if h.cellAnglesProblem() == "" {
				t.Errorf("cell %v %v: gemmi volume %g, but no problem reported", h.CellA, h.CellB, want)
			}
			continue
		}
		valid++
		if math.Abs(v-want) > 1e-9*abc {
			t.Errorf("cell %v %v: volume %.10g Å³, gemmi %.10g", h.CellA, h.CellB, v, want)
		}
		M := h.FracToCart()
		for r := 0; r < 3; r++ {
			for c := 0; c < 3; c++ {
				if math.Abs(M[r][c]-ref[i].Orth[r][c]) > 1e-9*float64(h.CellA[c]) {
					t.Errorf("cell %v %v: FracToCart[%d][%d] = %.10g, gemmi %.10g", h.CellA, h.CellB, r, c, M[r][c], ref[i].Orth[r][c])
				}
			}
		}
		if (want > minCellVolume*abc) != (h.cellAnglesProblem() == "") {
			t.Errorf("cell %v %v: volume %g, problem %q", h.CellA, h.CellB, want, h.cellAnglesProblem())
		}
	}
	t.Logf("%d cells with a volume, %d without (both checked)", valid, len(hs)-valid)
	if valid < 20 {
		t.Errorf("only %d of %d random cells are valid: the test checks too little", valid, len(hs))
	}
	// An impossible triple: α = β = 10°, γ = 170°.
	bad := Header{CellA: [3]float32{10, 10, 10}, CellB: [3]float32{10, 10, 170}}
	found := false
	for _, p := range bad.Validate() {
		found = found || (p.Word == 14 && p.Field == "CELLB" && p.Value == "10,10,170")
	}
	if !found {
		t.Errorf("Validate of angles 10, 10, 170: no CELLB problem in %v", bad.Validate())
	}
}
