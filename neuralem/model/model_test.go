package model

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pdbAtom formats an ATOM/HETATM line with the fixed PDB columns.
func pdbAtom(rec string, serial int, name4 string, alt byte, res string, chain byte, seq int, icode byte,
	x, y, z, occ, b float64, elem string) string {
	return fmt.Sprintf("%-6s%5d %-4s%c%3s %c%4d%c   %8.3f%8.3f%8.3f%6.2f%6.2f          %2s",
		rec, serial, name4, alt, res, chain, seq, icode, x, y, z, occ, b, elem)
}

func readPDBString(t *testing.T, s string) *Model {
	t.Helper()
	m, err := ReadPDB(strings.NewReader(s), "snippet.pdb")
	if err != nil {
		t.Fatalf("ReadPDB: %v", err)
	}
	return m
}

func readCIFString(t *testing.T, s string) *Model {
	t.Helper()
	m, err := ReadCIF(strings.NewReader(s), "snippet.cif")
	if err != nil {
		t.Fatalf("ReadCIF: %v", err)
	}
	return m
}

func TestPDBColumns(t *testing.T) {
	line := pdbAtom("HETATM", 1234, " FE1", 'B', "SF4", 'C', -12, 'A', -1.5, 22.25, 333.125, 0.45, 87.5, "FE")
	if len(line) != 78 {
		t.Fatalf("test line has %d columns, want 78:\n%s", len(line), line)
	}
	m := readPDBString(t, line+"\n")
	a := m.Atoms[0]
	want := Atom{Serial: 1234, Name: "FE1", AltLoc: "B", ResName: "SF4", Chain: "C", ResSeq: -12, ICode: "A",
		Pos: [3]float64{-1.5, 22.25, 333.125}, Occupancy: 0.45, B: 87.5, Element: "FE", HetAtm: true}
	if a != want {
		t.Errorf("got  %+v\nwant %+v", a, want)
	}
	if m.Source != "snippet.pdb" || m.Resolution != 0 {
		t.Errorf("Source %q Resolution %v", m.Source, m.Resolution)
	}
}

// TestPDBElementInference checks element inference from the atom name when
// columns 77-78 are blank. Expected values were produced by gemmi 0.5.7
// (gemmi.read_pdb_string on the same lines), see the package doc.
func TestPDBElementInference(t *testing.T) {
	cases := []struct{ name4, want string }{
		{" CA ", "C"}, {"CA  ", "CA"}, {" C  ", "C"}, {"1HB ", "H"}, {"HB12", "H"}, {"HG12", "H"},
		{"HE21", "H"}, {"HG  ", "HG"}, {" HG ", "H"}, {"FE1 ", "FE"}, {"FE  ", "FE"}, {"ZN  ", "ZN"},
		{" OXT", "O"}, {"D   ", "D"}, {"D1  ", "D"}, {" SE ", "S"}, {"SE  ", "SE"}, {"MG  ", "MG"},
		{"CL  ", "CL"}, {"C1' ", "C"}, {"HO5'", "H"}, {"NA  ", "NA"}, {" NA ", "N"}, {"O1P ", "O"},
		{"1CA ", "C"}, {"cA  ", "CA"}, {" ca ", "C"}, {"C1  ", "C"}, {"N1  ", "N"},
		// gemmi gives X (unknown) for these:
		{" MG ", "X"}, {"  C ", "X"}, {"DA  ", "X"}, {"2MG ", "X"}, {"*C1 ", "X"}, {"XX  ", "X"},
		{"HB  ", "X"}, {"OXT ", "X"}, {"DG12", "X"},
	}
	for _, c := range cases {
		line := pdbAtom("HETATM", 1, c.name4, ' ', "HOH", 'A', 1, ' ', 11.104, 13.207, 10, 1, 20, "")
		m := readPDBString(t, line+"\n")
		if got := m.Atoms[0].Element; got != c.want {
			t.Errorf("name %q: element %q, want %q", c.name4, got, c.want)
		}
	}
	// The element columns win when they hold a letter; otherwise the name is used.
	for _, c := range []struct{ col, want string }{{" C", "C"}, {"C ", "C"}, {"c ", "C"}, {"Fe", "FE"},
		{" X", "X"}, {"QQ", "X"}, {"D ", "D"}, {"1 ", "C"}, {"  ", "C"}} {
		line := pdbAtom("HETATM", 1, " CA ", ' ', "HOH", 'A', 1, ' ', 1, 2, 3, 1, 20, c.col)
		if got := readPDBString(t, line+"\n").Atoms[0].Element; got != c.want {
			t.Errorf("element columns %q: element %q, want %q", c.col, got, c.want)
		}
	}
	// Short line ending before the element columns: inferred.
	short := pdbAtom("ATOM", 1, "CA  ", ' ', "CA", 'A', 1, ' ', 1, 2, 3, 1, 20, "")[:66]
	if got := readPDBString(t, short+"\n").Atoms[0].Element; got != "CA" {
		t.Errorf("short line: %q, want CA", got)
	}
}

func TestPDBAltLocs(t *testing.T) {
	lines := []string{
		pdbAtom("ATOM", 1, " N  ", ' ', "SER", 'A', 5, ' ', 0, 0, 0, 1, 10, "N"),
		pdbAtom("ATOM", 2, " CA ", 'A', "SER", 'A', 5, ' ', 1, 0, 0, 0.4, 10, "C"),
		pdbAtom("ATOM", 3, " CA ", 'B', "SER", 'A', 5, ' ', 2, 0, 0, 0.6, 10, "C"),
		pdbAtom("ATOM", 4, " OG ", 'A', "SER", 'A', 5, ' ', 3, 0, 0, 0.5, 10, "O"),
		pdbAtom("ATOM", 5, " OG ", 'B', "SER", 'A', 5, ' ', 4, 0, 0, 0.5, 10, "O"), // tie: first wins
		pdbAtom("ATOM", 6, " CA ", 'A', "SER", 'A', 5, 'A', 5, 0, 0, 0.3, 10, "C"), // other icode
		pdbAtom("ATOM", 7, " CA ", 'A', "SER", 'B', 5, ' ', 6, 0, 0, 0.3, 10, "C"), // other chain
		pdbAtom("ATOM", 8, " CB ", 'C', "SER", 'A', 5, ' ', 7, 0, 0, 0.2, 10, "C"), // single alternate
		pdbAtom("ATOM", 9, " CB ", 'D', "SER", 'A', 5, ' ', 8, 0, 0, 0.7, 10, "C"),
	}
	m := readPDBString(t, strings.Join(lines, "\n")+"\n")
	var got []int
	for _, a := range m.Atoms {
		got = append(got, a.Serial)
	}
	if fmt.Sprint(got) != "[1 3 4 6 7 9]" {
		t.Errorf("kept serials %v, want [1 3 4 6 7 9]", got)
	}
}

func TestPDBModelsRemarksHybrid36(t *testing.T) {
	s := strings.Join([]string{
		"HEADER    TEST",
		"REMARK   2 RESOLUTION.    3.40 ANGSTROMS.",
		"REMARK   3   RESOLUTION RANGE HIGH (ANGSTROMS) : 2.90",
		"MODEL        1",
		pdbAtom("ATOM", 1, " N  ", ' ', "GLY", 'A', 1, ' ', 1, 2, 3, 1, 10, "N"),
		"ATOM  A0000  CA  GLY AA000      1.000   2.000   3.000  1.00 10.00           C",
		"ATOM  a0000  C   GLY Aa000      1.000   2.000   3.000  1.00 10.00           C",
		"TER",
		"ENDMDL",
		"MODEL        2",
		pdbAtom("ATOM", 1, " N  ", ' ', "GLY", 'A', 1, ' ', 9, 9, 9, 1, 10, "N"),
		"ENDMDL",
		"END",
		"garbage after END is never read",
	}, "\r\n")
	m := readPDBString(t, s)
	if len(m.Atoms) != 3 {
		t.Fatalf("%d atoms, want 3 (first model only)", len(m.Atoms))
	}
	if m.Resolution != 3.4 {
		t.Errorf("resolution %v, want 3.4 (REMARK 2 wins over REMARK 3)", m.Resolution)
	}
	// Hybrid-36: A0000 = 100000 (5 wide), A000 = 10000 (4 wide); the lower-case
	// range follows the 26*36^(n-1) upper-case values.
	if a := m.Atoms[1]; a.Serial != 100000 || a.ResSeq != 10000 {
		t.Errorf("hybrid-36 upper: serial %d resSeq %d", a.Serial, a.ResSeq)
	}
	if a := m.Atoms[2]; a.Serial != 100000+26*36*36*36*36 || a.ResSeq != 10000+26*36*36*36 {
		t.Errorf("hybrid-36 lower: serial %d resSeq %d", a.Serial, a.ResSeq)
	}
	// REMARK 3 is used when REMARK 2 is absent or NOT APPLICABLE.
	s2 := "REMARK   2 RESOLUTION. NOT APPLICABLE.\nREMARK   3   RESOLUTION RANGE HIGH (ANGSTROMS) : 2.90\n" +
		pdbAtom("ATOM", 1, " N  ", ' ', "GLY", 'A', 1, ' ', 1, 2, 3, 1, 10, "N")
	if r := readPDBString(t, s2).Resolution; r != 2.9 {
		t.Errorf("REMARK 3 resolution %v, want 2.9", r)
	}
	// A second MODEL without ENDMDL still ends the first model.
	s3 := "MODEL 1\n" + pdbAtom("ATOM", 1, " N  ", ' ', "GLY", 'A', 1, ' ', 1, 2, 3, 1, 10, "N") +
		"\nMODEL 2\n" + pdbAtom("ATOM", 1, " N  ", ' ', "GLY", 'A', 1, ' ', 1, 2, 3, 1, 10, "N") + "\n"
	if n := len(readPDBString(t, s3).Atoms); n != 1 {
		t.Errorf("MODEL without ENDMDL: %d atoms, want 1", n)
	}
	// VMD's ***** serial is tolerated.
	if a := readPDBString(t, "ATOM  *****"+pdbAtom("ATOM", 1, " N  ", ' ', "GLY", 'A', 1, ' ', 1, 2, 3, 1, 10, "N")[11:]).Atoms[0]; a.Serial != 0 || a.Name != "N" {
		t.Errorf("***** serial: %+v", a)
	}
	// Occupancy and B may be missing (line ends after z): defaults 1 and 0.
	s4 := pdbAtom("ATOM", 1, " N  ", ' ', "GLY", 'A', 1, ' ', 1, 2, 3, 1, 10, "N")[:54]
	if a := readPDBString(t, s4).Atoms[0]; a.Occupancy != 1 || a.B != 0 || a.Element != "N" {
		t.Errorf("line ending at column 54: %+v", a)
	}
}

func TestPDBErrors(t *testing.T) {
	good := pdbAtom("ATOM", 1, " N  ", ' ', "GLY", 'A', 1, ' ', 1, 2, 3, 1, 10, "N")
	cases := []struct {
		name, text, field, value string
		line                     int
	}{
		{"x not a number", good + "\n" + strings.Replace(good, "   1.000", "   1.0x0", 1), "x (columns 31-38)", "1.0x0", 2},
		{"y blank", "REMARK\n" + good[:38] + "        " + good[46:], "y (columns 39-46)", "", 2},
		{"z NaN", good[:46] + "     NaN" + good[54:], "z (columns 47-54)", "NaN", 1},
		{"too short", good[:40], "z (columns 47-54)", "", 1},
		{"occupancy", good[:54] + "  abcd" + good[60:], "occupancy (columns 55-60)", "abcd", 1},
		{"B", good[:60] + " 1e999" + good[66:], "tempFactor (columns 61-66)", "1e999", 1},
		{"serial", "ATOM  1x345" + good[11:], "serial (columns 7-11)", "1x345", 1},
		{"resSeq", good[:22] + "12#4" + good[26:], "residue number (columns 23-26)", "12#4", 1},
		{"no atoms", "HEADER    NOTHING\nEND\n", "", "", 0},
		{"empty", "", "", "", 0},
	}
	for _, c := range cases {
		_, err := ReadPDB(strings.NewReader(c.text), "bad.pdb")
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v, want a *ParseError", c.name, err)
			continue
		}
		if pe.File != "bad.pdb" || pe.Line != c.line || pe.Field != c.field || pe.Value != c.value {
			t.Errorf("%s: got file %q line %d field %q value %q, want line %d field %q value %q (%v)",
				c.name, pe.File, pe.Line, pe.Field, pe.Value, c.line, c.field, c.value, err)
		}
		if !strings.Contains(err.Error(), "bad.pdb") {
			t.Errorf("%s: message %q does not name the file", c.name, err)
		}
	}
}

const cifSnippet = `data_TEST
# a comment
_refine.ls_d_res_high  .
_em_3d_reconstruction.resolution  '2.5'
_reflns.d_resolution_high 1.9
_struct.title
;A title with 'quotes' and "double quotes"
spanning two lines
;
loop_
_atom_site.Cartn_z
_atom_site.pdbx_PDB_model_num
_atom_site.group_PDB
_atom_site.id
_atom_site.type_symbol
_atom_site.label_atom_id
_atom_site.auth_atom_id
_atom_site.label_alt_id
_atom_site.label_comp_id
_atom_site.label_asym_id
_atom_site.auth_asym_id
_atom_site.label_seq_id
_atom_site.auth_seq_id
_atom_site.pdbx_PDB_ins_code
_atom_site.Cartn_x
_atom_site.Cartn_y
_atom_site.occupancy
_atom_site.B_iso_or_equiv
3.0 1 ATOM   1 N  N   N   . ALA A B  1 11 ?  1.0 2.0 1.00 10.0
3.5 1 ATOM   2 C  CA  CA  A ALA A B  1 11 ?  1.5 2.5 0.40 11.0
3.6 1 ATOM   3 C  CA  CA  B ALA A B  1 11 ?  1.6 2.6 0.60 12.0
4.0 1 ATOM   4 O  "O5'" "O5'" . DA C C 2 12 A 4.0 5.0 1.00 13(2)
5.0 1 HETATM 5 Ca CA  CA  . CA  D D  . 101 ? 6.0 7.0 . 15
6.0 1 HETATM 6 O  'it's' 'it's' . HOH E E . 201 ? 8.0 9.0 1 20
7.0 2 ATOM   7 N  N   N   . ALA A B  1 11 ?  9.9 9.9 1.00 10.0
#
loop_
_other.a
_other.b
x ;not-a-text-field
'a b' "c d"
`

func TestCIFSnippet(t *testing.T) {
	m := readCIFString(t, cifSnippet)
	if m.Resolution != 2.5 {
		t.Errorf("resolution %v, want 2.5 (_refine is '.', _em_3d_reconstruction next)", m.Resolution)
	}
	want := []Atom{
		{Serial: 1, Name: "N", ResName: "ALA", Chain: "B", ResSeq: 11, Pos: [3]float64{1, 2, 3}, Occupancy: 1, B: 10, Element: "N"},
		{Serial: 3, Name: "CA", AltLoc: "B", ResName: "ALA", Chain: "B", ResSeq: 11, Pos: [3]float64{1.6, 2.6, 3.6}, Occupancy: 0.6, B: 12, Element: "C"},
		{Serial: 4, Name: "O5'", ResName: "DA", Chain: "C", ResSeq: 12, ICode: "A", Pos: [3]float64{4, 5, 4}, Occupancy: 1, B: 13, Element: "O"},
		{Serial: 5, Name: "CA", ResName: "CA", Chain: "D", ResSeq: 101, Pos: [3]float64{6, 7, 5}, Occupancy: 1, B: 15, Element: "CA", HetAtm: true},
		{Serial: 6, Name: "it's", ResName: "HOH", Chain: "E", ResSeq: 201, Pos: [3]float64{8, 9, 6}, Occupancy: 1, B: 20, Element: "O", HetAtm: true},
	}
	if len(m.Atoms) != len(want) {
		t.Fatalf("%d atoms, want %d: %+v", len(m.Atoms), len(want), m.Atoms)
	}
	for i := range want {
		if m.Atoms[i] != want[i] {
			t.Errorf("atom %d:\n got  %+v\n want %+v", i, m.Atoms[i], want[i])
		}
	}
	if n := len(m.CAlphas().Atoms); n != 1 {
		t.Errorf("%d C-alphas, want 1 (calcium CA excluded)", n)
	}
}

func TestCIFResolutionOrder(t *testing.T) {
	atoms := "loop_\n_atom_site.type_symbol\n_atom_site.label_atom_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nC CA 1 2 3\n"
	for _, c := range []struct {
		head string
		want float64
	}{
		{"_refine.ls_d_res_high 1.8\n_reflns.d_resolution_high 1.5\n", 1.8},
		{"_refine.ls_d_res_high ?\n_reflns.d_resolution_high 1.5\n", 1.5},
		{"loop_\n_refine.pdbx_refine_id\n_refine.ls_d_res_high\n'X-RAY DIFFRACTION' .\n'NEUTRON DIFFRACTION' 2.2\n", 2.2},
		{"_reflns.d_resolution_high abc\n", 0},
		{"", 0},
	} {
		m := readCIFString(t, "data_x\n"+c.head+atoms)
		if m.Resolution != c.want {
			t.Errorf("%q: resolution %v, want %v", c.head, m.Resolution, c.want)
		}
	}
	// Single-atom file with _atom_site as key-value pairs; auth_* fall back to label_*.
	m := readCIFString(t, "data_x\n_atom_site.type_symbol Fe\n_atom_site.auth_atom_id FE1\n_atom_site.label_asym_id Q\n"+
		"_atom_site.label_seq_id 7\n_atom_site.Cartn_x 1\n_atom_site.Cartn_y 2\n_atom_site.Cartn_z 3\n")
	if a := m.Atoms[0]; len(m.Atoms) != 1 || a.Element != "FE" || a.Name != "FE1" || a.Chain != "Q" || a.ResSeq != 7 ||
		a.Occupancy != 1 || a.B != 0 || a.Serial != 0 {
		t.Errorf("key-value _atom_site: %+v", m.Atoms)
	}
}

func TestCIFErrors(t *testing.T) {
	hdr := "data_x\nloop_\n_atom_site.type_symbol\n_atom_site.label_atom_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n"
	cases := []struct {
		name, text, field, value string
		line                     int
	}{
		{"missing Cartn_y", "data_x\nloop_\n_atom_site.type_symbol\n_atom_site.label_atom_id\n_atom_site.Cartn_x\n_atom_site.Cartn_z\nC CA 1 3\n",
			"_atom_site.Cartn_y", "", 2},
		{"missing type_symbol", "data_x\nloop_\n_atom_site.label_atom_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nCA 1 2 3\n",
			"_atom_site.type_symbol", "", 2},
		{"missing atom id", "data_x\n\nloop_\n_atom_site.type_symbol\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nC 1 2 3\n",
			"_atom_site.label_atom_id (or auth_atom_id)", "", 3},
		{"bad x", hdr + "C CA 1 2 3\nC CB 1,5 2 3\n", "_atom_site.cartn_x", "1,5", 9},
		{"null z", hdr + "C CA 1 2 ?\n", "_atom_site.cartn_z", "?", 8},
		{"unterminated quote", hdr + "C 'CA 1 2 3\n", "quoted string", "'CA 1 2 3", 8},
		{"unterminated text field", hdr + "C\n;CA\n1 2 3\n", "text field", ";CA", 9},
		{"loop count", hdr + "C CA 1 2 3 N\n", "loop_ _atom_site.type_symbol", "", 2},
		{"no atoms", "data_x\n_cell.length_a 10\n", "", "", 0},
		{"empty loop", hdr, "", "", 2},
		{"not cif", "ATOM      1  N   GLY A   1\n", "data block header", "ATOM", 1},
		{"empty", " \n# only a comment\n", "", "", 0},
		{"tag without value", "data_x\n_cell.length_a\n_cell.length_b 3\n", "_cell.length_a", "", 2},
		{"value without tag", "data_x\n_cell.length_a 1 2\n", "value", "2", 2},
		{"duplicate tag", "data_x\n_cell.length_a 1\n_cell.length_a 2\n", "_cell.length_a", "", 3},
	}
	for _, c := range cases {
		_, err := ReadCIF(strings.NewReader(c.text), "bad.cif")
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v, want a *ParseError", c.name, err)
			continue
		}
		if pe.File != "bad.cif" || pe.Line != c.line || pe.Field != c.field || pe.Value != c.value {
			t.Errorf("%s: got line %d field %q value %q, want line %d field %q value %q (%v)",
				c.name, pe.Line, pe.Field, pe.Value, c.line, c.field, c.value, err)
		}
	}
}

func TestReadFileSniffAndGzip(t *testing.T) {
	dir := t.TempDir()
	pdb := "REMARK   2 RESOLUTION.    2.00 ANGSTROMS.\n" +
		pdbAtom("ATOM", 1, " CA ", ' ', "GLY", 'A', 1, ' ', 1, 2, 3, 1, 10, "C") + "\n"
	cif := "# leading comment\n\ndata_x\n_atom_site.type_symbol C\n_atom_site.label_atom_id CA\n" +
		"_atom_site.label_comp_id GLY\n_atom_site.Cartn_x 1\n_atom_site.Cartn_y 2\n_atom_site.Cartn_z 3\n_reflns.d_resolution_high 2.0\n"
	write := func(name, s string, gz bool) string {
		p := filepath.Join(dir, name)
		var buf bytes.Buffer
		if gz {
			w := gzip.NewWriter(&buf)
			w.Write([]byte(s))
			w.Close()
		} else {
			buf.WriteString(s)
		}
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Names deliberately disagree with content: the content decides.
	for _, p := range []string{
		write("a.cif", pdb, false), write("b.pdb", cif, false),
		write("c.pdb.gz", pdb, true), write("d.dat", cif, true),
	} {
		m, err := ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if len(m.Atoms) != 1 || m.Atoms[0].Pos != [3]float64{1, 2, 3} || m.Resolution != 2 || m.Source != p {
			t.Errorf("%s: %+v", p, m)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.pdb")); err == nil || !strings.Contains(err.Error(), "missing.pdb") {
		t.Errorf("missing file: %v", err)
	}
	bad := write("bad.gz", "", false)
	os.WriteFile(bad, []byte{0x1f, 0x8b, 0, 1, 2}, 0o644)
	if _, err := ReadFile(bad); err == nil || !strings.Contains(err.Error(), "bad.gz") {
		t.Errorf("corrupt gzip: %v", err)
	}
}

func TestSelections(t *testing.T) {
	lines := []string{
		pdbAtom("ATOM", 1, " N  ", ' ', "ALA", 'A', 1, ' ', 0, 0, 0, 1, 10, "N"),
		pdbAtom("ATOM", 2, " CA ", ' ', "ALA", 'A', 1, ' ', 1, 0, 0, 1, 10, "C"),
		pdbAtom("ATOM", 3, " H  ", ' ', "ALA", 'A', 1, ' ', 2, 0, 0, 1, 10, "H"),
		pdbAtom("HETATM", 4, " CA ", ' ', "MSE", 'A', 2, ' ', 3, 0, 0, 1, 10, "C"),
		pdbAtom("HETATM", 5, "SE  ", ' ', "MSE", 'A', 2, ' ', 4, 0, 0, 1, 10, "SE"),
		pdbAtom("HETATM", 6, "CA  ", ' ', "CA", 'A', 101, ' ', 5, 0, 0, 1, 10, "CA"),
		pdbAtom("HETATM", 7, " O  ", ' ', "HOH", 'A', 201, ' ', 6, -1, 0, 1, 10, "O"),
		pdbAtom("HETATM", 8, " D1 ", ' ', "DOD", 'A', 202, ' ', 7, 0, 9, 1, 10, "D"),
		pdbAtom("HETATM", 9, " CA ", ' ', "LIG", 'A', 301, ' ', 8, 0, 0, 1, 10, "C"),
		pdbAtom("ATOM", 10, " P  ", ' ', "DA", 'B', 1, ' ', 9, 0, 0, 1, 10, "P"),
	}
	m := readPDBString(t, strings.Join(lines, "\n"))
	serials := func(mm *Model) string {
		var s []int
		for _, a := range mm.Atoms {
			s = append(s, a.Serial)
		}
		return fmt.Sprint(s)
	}
	for _, c := range []struct {
		name string
		got  *Model
		want string
	}{
		{"heavy", m.HeavyAtoms(), "[1 2 4 5 6 7 9 10]"},
		{"hydrogens", m.Select(Hydrogen), "[3 8]"},
		{"calpha", m.CAlphas(), "[2 4]"},
		{"protein", m.ProteinAtoms(), "[1 2 3 4 5]"},
		{"water", m.Select(Water), "[7 8]"},
		{"no water", m.WithoutWaters(), "[1 2 3 4 5 6 9 10]"},
		{"hetatm", m.Select(HetAtm), "[4 5 6 7 8 9]"},
		{"no hetatm", m.Select(Not(HetAtm)), "[1 2 3 10]"},
		{"heavy non-water het", m.Select(And(Heavy, HetAtm, Not(Water))), "[4 5 6 9]"},
		{"water or P", m.Select(Or(Water, func(a *Atom) bool { return a.Element == "P" })), "[7 8 10]"},
		{"all", m.Select(All), "[1 2 3 4 5 6 7 8 9 10]"},
	} {
		if s := serials(c.got); s != c.want {
			t.Errorf("%s: %s, want %s", c.name, s, c.want)
		}
		if c.got.Source != m.Source {
			t.Errorf("%s: Source not carried over", c.name)
		}
	}
	b := m.Bounds()
	if b.Min != [3]float64{0, -1, 0} || b.Max != [3]float64{9, 0, 9} {
		t.Errorf("bounds %+v", b)
	}
	if p := m.Positions(); len(p) != 10 || p[6] != [3]float64{6, -1, 0} {
		t.Errorf("positions %v", p)
	}
	if err := m.CheckElements(); err != nil {
		t.Errorf("CheckElements: %v", err)
	}
	m.Atoms[8].Element = UnknownElement
	if err := m.CheckElements(); err == nil || !strings.Contains(err.Error(), "serial 9") || !strings.Contains(err.Error(), "snippet.pdb") {
		t.Errorf("CheckElements with X: %v", err)
	}
	if c := m.ElementCounts(); c["C"] != 2 || c["D"] != 1 || c["X"] != 1 {
		t.Errorf("element counts %v", c)
	}
}

func TestAtomicNumber(t *testing.T) {
	for _, c := range []struct {
		e string
		z int
	}{
		{"H", 1}, {"D", 1}, {"C", 6}, {"N", 7}, {"O", 8}, {"P", 15}, {"S", 16}, {"SE", 34}, {"Se", 34},
		{"fe", 26}, {" FE ", 26}, {"ZN", 30}, {"MG", 12}, {"CA", 20}, {"NA", 11}, {"K", 19}, {"CL", 17},
		{"MN", 25}, {"CO", 27}, {"NI", 28}, {"CU", 29}, {"CD", 48}, {"HG", 80}, {"I", 53}, {"BR", 35},
		{"MO", 42}, {"W", 74}, {"PT", 78}, {"AU", 79}, {"U", 92}, {"OG", 118}, {"F", 9}, {"B", 5},
		{"X", 0}, {"", 0}, {"Q", 0}, {"XYZ", 0}, {"C1", 0},
	} {
		if z := AtomicNumber(c.e); z != c.z {
			t.Errorf("AtomicNumber(%q) = %d, want %d", c.e, z, c.z)
		}
	}
	// The table is the periodic table in order: spot-check its length and ends.
	if len(elementSymbols) != 119 || elementSymbols[1] != "H" || elementSymbols[118] != "OG" || elementSymbols[26] != "FE" {
		t.Errorf("element table broken: %d entries", len(elementSymbols))
	}
}

func TestParseErrorMessage(t *testing.T) {
	e := &ParseError{File: "f.pdb", Line: 12, Field: "x (columns 31-38)", Value: "abc", Msg: "not a finite number"}
	if got, want := e.Error(), `f.pdb:12: x (columns 31-38) = "abc": not a finite number`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	e = &ParseError{File: "f.cif", Msg: "no atoms"}
	if got := e.Error(); got != "f.cif: no atoms" {
		t.Errorf("got %s", got)
	}
}
