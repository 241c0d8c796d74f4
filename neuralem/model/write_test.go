package model

import (
	"bytes"
	"math"
	"testing"

	"github.com/neuralem/neuralem/neuralem/internal/shared"
)

func TestWritePDBRoundTrip(t *testing.T) {
	for _, rel := range []string{"models/emd20026_3ajo_fitted_refined_chainA.pdb", "models/sim/1CRN.cif"} {
		m, err := ReadFile(shared.Path(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		m.Resolution = 1.75
		var buf bytes.Buffer
		if err := WritePDB(&buf, m); err != nil {
			t.Fatal(err)
		}
		back, err := ReadPDB(&buf, "roundtrip.pdb")
		if err != nil {
			t.Fatal(err)
		}
		if len(back.Atoms) != len(m.Atoms) {
			t.Fatalf("%s: %d atoms written, %d read back", rel, len(m.Atoms), len(back.Atoms))
		}
		if back.Resolution != 1.75 {
			t.Errorf("%s: resolution %g read back, want 1.75", rel, back.Resolution)
		}
		for i, a := range m.Atoms {
			b := back.Atoms[i]
			if a.Name != b.Name || a.ResName != b.ResName || a.Chain != b.Chain || a.ResSeq != b.ResSeq ||
				a.Element != b.Element || a.HetAtm != b.HetAtm || a.ICode != b.ICode {
				t.Fatalf("%s atom %d: wrote %+v, read %+v", rel, i, a, b)
			}
			for k := 0; k < 3; k++ { // 8.3 format: half a milli-Ångström
				if math.Abs(a.Pos[k]-b.Pos[k]) > 0.0005+1e-9 {
					t.Fatalf("%s atom %d: coordinate %d %g → %g", rel, i, k, a.Pos[k], b.Pos[k])
				}
			}
			if math.Abs(a.Occupancy-b.Occupancy) > 0.005+1e-9 || math.Abs(a.B-b.B) > 0.005+1e-9 {
				t.Fatalf("%s atom %d: occupancy/B %g/%g → %g/%g", rel, i, a.Occupancy, a.B, b.Occupancy, b.B)
			}
		}
	}
}

func TestWritePDBRefusesWhatDoesNotFit(t *testing.T) {
	m := &Model{Atoms: []Atom{{Name: "CA", ResName: "ALA", Chain: "A", Element: "C", Pos: [3]float64{12345.6, 0, 0}}}}
	if err := WritePDB(&bytes.Buffer{}, m); err == nil {
		t.Error("coordinate 12345.6 Å accepted")
	}
	m.Atoms[0].Pos[0] = 1
	m.Atoms[0].ResName = "LONG"
	if err := WritePDB(&bytes.Buffer{}, m); err == nil {
		t.Error("residue name of 4 characters accepted")
	}
}
