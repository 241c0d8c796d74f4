package model

import (
	"errors"
	"strings"
	"testing"
)

// checkFuzzResult checks the reader's contract on arbitrary input: either a
// *ParseError naming the file, or at least one atom with finite coordinates
// and a non-empty element.
func checkFuzzResult(t *testing.T, m *Model, err error, name string) {
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) || pe.File != name || !strings.HasPrefix(err.Error(), name) {
			t.Fatalf("error %q (%T) is not a *ParseError naming %s", err, err, name)
		}
		return
	}
	if len(m.Atoms) == 0 {
		t.Fatalf("no error but no atoms")
	}
	for _, a := range m.Atoms {
		if !a.Pos.IsFinite() || a.Element == "" {
			t.Fatalf("bad atom %+v", a)
		}
	}
}

func FuzzReadPDB(f *testing.F) {
	good := pdbAtom("ATOM", 1, " CA ", ' ', "GLY", 'A', 1, ' ', 1, 2, 3, 1, 10, "C")
	for _, s := range []string{
		good,
		"REMARK   2 RESOLUTION.    2.00 ANGSTROMS.\n" + good + "\nEND\n",
		"MODEL        1\n" + good + "\nENDMDL\nMODEL        2\n" + good + "\nENDMDL\n",
		"ATOM  A0000  CA  GLY AA000      1.000   2.000   3.000  1.00 10.00           C\n",
		pdbAtom("HETATM", 2, "CA  ", 'A', "CA", 'B', 5, 'X', -1, -2, -3, 0.5, 20, "") + "\n" +
			pdbAtom("HETATM", 3, "CA  ", 'B', "CA", 'B', 5, 'X', -1, -2, -3, 0.5, 20, "") + "\r\n",
		good[:40], "ATOM", "", "END",
		strings.Replace(good, "   1.000", "   1.0x0", 1),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadPDB(strings.NewReader(string(data)), "fuzz.pdb")
		checkFuzzResult(t, m, err, "fuzz.pdb")
	})
}

func FuzzReadCIF(f *testing.F) {
	for _, s := range []string{
		cifSnippet,
		"data_x\n_atom_site.type_symbol Fe\n_atom_site.auth_atom_id FE1\n_atom_site.Cartn_x 1\n_atom_site.Cartn_y 2\n_atom_site.Cartn_z 3\n",
		"data_x\nloop_\n_atom_site.type_symbol\n_atom_site.label_atom_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nC 'CA' 1 2 3\nC\n;CB\n;\n4 5 6(7)\n",
		"data_x\nloop_\n_atom_site.type_symbol\n_atom_site.label_atom_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nC 'CA 1 2 3\n",
		"data_x\n_refine.ls_d_res_high 1.5\nloop_\n_a.b\n_a.c\n1 2 3\n",
		"data_", "", "data_x\n;\n", "data_x\nsave_frame\n_a.b 1\nsave_\nglobal_\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadCIF(strings.NewReader(string(data)), "fuzz.cif")
		checkFuzzResult(t, m, err, "fuzz.cif")
	})
}
