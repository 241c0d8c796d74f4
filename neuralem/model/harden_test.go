package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCIFLexerErrorAfterItem: an unterminated quote right after a
// key–value item is the lexer's error with its line number (a shadowed err
// used to lose it and report "value without a tag" with no line).
func TestCIFLexerErrorAfterItem(t *testing.T) {
	src := "data_x\n_cell.length_a 10\n'unterminated\n"
	_, err := ReadCIF(strings.NewReader(src), "q.cif")
	if err == nil || strings.Contains(err.Error(), "value without a tag") || !strings.Contains(err.Error(), "q.cif:3") {
		t.Errorf("error %v, want the lexer's error on line 3", err)
	}
}

// TestUnknownElementText: an unknown element is reported as the text the
// file holds, not as "X".
func TestUnknownElementText(t *testing.T) {
	pdb := "ATOM      1  CA  ALA A   1      11.104  13.207   2.100  1.00 20.00          Qq\n" +
		"ATOM      2 1XYZ ALA A   1      11.104  13.207   2.100  1.00 20.00            \n"
	m, err := ReadPDB(strings.NewReader(pdb), "e.pdb")
	if err != nil {
		t.Fatal(err)
	}
	if a := m.Atoms[0]; a.Element != UnknownElement || a.ElementText != "Qq" || a.ElementRead() != "Qq" {
		t.Errorf("atom 1: Element %q, text %q", a.Element, a.ElementText)
	}
	if a := m.Atoms[1]; a.Element != UnknownElement || !strings.Contains(a.ElementRead(), `atom name "1XYZ"`) {
		t.Errorf("atom 2: Element %q, text %q", a.Element, a.ElementText)
	}
	if err := m.CheckElements(); err == nil || !strings.Contains(err.Error(), `unknown element "Qq"`) {
		t.Errorf("CheckElements: %v", err)
	}
	cif := "data_x\nloop_\n_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n_atom_site.label_atom_id\n_atom_site.label_comp_id\n_atom_site.auth_asym_id\n_atom_site.auth_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nATOM 1 Zz CA ALA A 1 1 2 3\n"
	m, err = ReadCIF(strings.NewReader(cif), "e.cif")
	if err != nil {
		t.Fatal(err)
	}
	if a := m.Atoms[0]; a.ElementRead() != "Zz" {
		t.Errorf("mmCIF atom: Element %q, text %q", a.Element, a.ElementText)
	}
	if m.Atoms[0].ElementText != "Zz" || (&Atom{Element: "C"}).ElementRead() != "C" {
		t.Error("ElementRead of a known element")
	}
}

func TestReadDirectory(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	// WritePDBFile is atomic: no temporary is left, the file is complete.
	p := filepath.Join(dir, "m.pdb")
	m := &Model{Atoms: []Atom{{Name: "CA", ResName: "ALA", Chain: "A", ResSeq: 1, Element: "C"}}}
	if err := WritePDBFile(p, m); err != nil {
		t.Fatal(err)
	}
	es, _ := os.ReadDir(dir)
	if len(es) != 1 {
		t.Errorf("directory holds %d entries after WritePDBFile", len(es))
	}
	if err := WritePDBFile(dir, m); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("writing over a directory: %v", err)
	}
}
