package model

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
)

// ParseError reports bad input: the file, the 1-based line number (0 when
// the problem is not tied to a line), the field and its offending value.
type ParseError struct {
	File  string // file name as given to the reader ("" for none)
	Line  int    // 1-based line number, 0 if not applicable
	Field string // e.g. "x (columns 31-38)" or "_atom_site.Cartn_x"
	Value string // offending value, quoted in the message
	Msg   string // what is wrong
}

func (e *ParseError) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		fmt.Fprintf(&b, "%s: ", e.File)
	case e.Line > 0: // a reader without a file name
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		if e.Value != "" || e.Msg == "" {
			fmt.Fprintf(&b, " = %q", e.Value)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ReadFile reads a PDB or mmCIF file, deciding the format from the content
// (not the name): a file whose first non-blank, non-comment line starts with
// "data_" is mmCIF, anything else PDB. Gzip-compressed files (any name) are
// decompressed transparently. Only the first model is kept, and alternate
// locations are resolved (see Model.Atoms).
func ReadFile(path string) (*Model, error) { return finish(readFileRaw(path)) }

// readFileRaw is ReadFile without altloc resolution.
func readFileRaw(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &ParseError{File: path, Msg: "is a directory, want a PDB or mmCIF file"}
	}
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &ParseError{File: path, Msg: "bad gzip stream: " + err.Error()}
		}
		defer zr.Close()
		r = zr
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ParseError{File: path, Msg: "read error: " + err.Error()}
	}
	if isCIF(data) {
		return parseCIF(data, path)
	}
	return parsePDB(data, path)
}

// finish resolves alternate locations of a freshly parsed model.
func finish(m *Model, err error) (*Model, error) {
	if err != nil {
		return nil, err
	}
	m.Atoms = resolveAltLocs(m.Atoms)
	return m, nil
}

// isCIF reports whether the first non-blank line that is not a comment
// starts with "data_" (case-insensitive).
func isCIF(data []byte) bool {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimLeft(line, " \t\r\ufeff")
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		return len(line) >= 5 && strings.EqualFold(string(line[:5]), "data_")
	}
	return false
}

// ReadPDB reads a PDB-format model from r. name labels the source in errors
// and in Model.Source.
//
// ATOM and HETATM records are read by their fixed columns: serial (7–11,
// decimal or hybrid-36; "*****" as VMD writes past 99999 reads as 0), name (13–16), altLoc (17), resName (18–20), chain
// (21–22, as gemmi), resSeq (23–26, decimal or hybrid-36), iCode (27), x, y, z
// (31–54, required), occupancy (55–60, default 1), tempFactor (61–66,
// default 0) and element (77–78). When the element columns hold no letter the
// element is inferred from the name as gemmi 0.5 does: a 4-character name
// starting with H is hydrogen, otherwise columns 13–14 are the symbol (" CA "
// is carbon, "CA  " calcium), UnknownElement if they are not one. Only the
// first model is read (up to ENDMDL or a second MODEL); reading stops at END.
// The resolution comes from "REMARK   2 RESOLUTION." or, failing that, from
// "REMARK   3 ... RESOLUTION RANGE HIGH (ANGSTROMS)". Numbers that do not
// parse are errors, not zeros.
func ReadPDB(r io.Reader, name string) (*Model, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ParseError{File: name, Msg: "read error: " + err.Error()}
	}
	return finish(parsePDB(data, name))
}

// ReadCIF reads an mmCIF model from r. name labels the source in errors and
// in Model.Source.
//
// Only the first data block is read. The _atom_site loop may have its
// columns in any order; Cartn_x, Cartn_y, Cartn_z, type_symbol and
// label_atom_id (or auth_atom_id) are required. The chain is auth_asym_id
// (else label_asym_id), the residue number auth_seq_id (else label_seq_id),
// the residue name label_comp_id (else auth_comp_id), the altloc
// label_alt_id, the insertion code pdbx_PDB_ins_code; id, occupancy (default
// 1), B_iso_or_equiv and group_PDB (HETATM) are optional. Rows whose
// pdbx_PDB_model_num differs from the first row's are skipped. Unquoted "."
// and "?" are null. The resolution is the first positive number among
// _refine.ls_d_res_high, _em_3d_reconstruction.resolution and
// _reflns.d_resolution_high (in that order of preference).
//
// Two conventions differ from gemmi 0.5, which the tests compare against:
// atom names come from label_atom_id (gemmi prefers auth_atom_id; the two
// agree in wwPDB files) and a null B_iso_or_equiv reads as 0 (gemmi: 50).
func ReadCIF(r io.Reader, name string) (*Model, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ParseError{File: name, Msg: "read error: " + err.Error()}
	}
	return finish(parseCIF(data, name))
}

// altKey identifies an atom site for altloc resolution.
type altKey struct {
	chain  string
	resSeq int
	icode  string
	name   string
}

// resolveAltLocs keeps, among atoms with a non-blank altloc that share chain,
// residue number, insertion code and atom name, only the one with the highest
// occupancy (the first one on ties). Atoms without altloc are all kept. File
// order is preserved.
func resolveAltLocs(atoms []Atom) []Atom {
	best := map[altKey]int{} // key -> index of the best atom so far
	for i := range atoms {
		a := &atoms[i]
		if a.AltLoc == "" {
			continue
		}
		k := altKey{a.Chain, a.ResSeq, a.ICode, a.Name}
		if j, ok := best[k]; !ok || a.Occupancy > atoms[j].Occupancy {
			best[k] = i
		}
	}
	if len(best) == 0 {
		return atoms
	}
	out := atoms[:0]
	for i := range atoms {
		a := atoms[i]
		if a.AltLoc != "" && best[altKey{a.Chain, a.ResSeq, a.ICode, a.Name}] != i {
			continue
		}
		out = append(out, a)
	}
	return out
}
