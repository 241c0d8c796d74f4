package model

import (
	"bufio"
	"fmt"
	"io"
	"math"

	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
)

// WritePDB writes m as PDB ATOM/HETATM records (wwPDB v3.3 fixed columns),
// with a REMARK 2 resolution line when m.Resolution > 0 and an END record.
// Atom names of one to three characters are written from column 14, as the
// PDB does for elements with one-letter symbols. Serial numbers restart at 1.
// A coordinate that does not fit the 8.3 format (|x| ≥ 10⁴ Å after rounding)
// or a field too long for its columns is an error naming the atom.
func WritePDB(w io.Writer, m *Model) error {
	bw := bufio.NewWriter(w)
	if m.Resolution > 0 {
		fmt.Fprintf(bw, "REMARK   2 RESOLUTION. %7.2f ANGSTROMS.\n", m.Resolution)
	}
	for i, a := range m.Atoms {
		rec := "ATOM  "
		if a.HetAtm {
			rec = "HETATM"
		}
		for k, x := range a.Pos {
			if math.IsNaN(x) || x <= -1000 || x >= 10000 {
				return fmt.Errorf("model: atom %d (%s %s %d): coordinate %c = %g does not fit PDB columns", i+1, a.Name, a.ResName, a.ResSeq, "xyz"[k], x)
			}
		}
		if len(a.Name) > 4 || len(a.ResName) > 3 || len(a.Chain) > 2 || len(a.Element) > 2 || len(a.AltLoc) > 1 || len(a.ICode) > 1 || a.ResSeq < -999 || a.ResSeq > 9999 {
			return fmt.Errorf("model: atom %d (%q %q chain %q %d): a field is too long for PDB columns", i+1, a.Name, a.ResName, a.Chain, a.ResSeq)
		}
		name := a.Name
		if len(name) < 4 && len(a.Element) < 2 {
			name = " " + name
		}
		chain := a.Chain
		if len(chain) < 2 {
			chain = " " + chain // column 21 blank, chain in column 22
		}
		serial := (i + 1) % 100000
		fmt.Fprintf(bw, "%-6s%5d %-4s%1s%3s%2s%4d%1s   %8.3f%8.3f%8.3f%6.2f%6.2f          %2s\n",
			rec, serial, name, a.AltLoc, a.ResName, chain, a.ResSeq, a.ICode,
			a.Pos[0], a.Pos[1], a.Pos[2], a.Occupancy, a.B, a.Element)
	}
	fmt.Fprintln(bw, "END")
	return bw.Flush()
}

// WritePDBFile writes m to path atomically (internal/atomicfile: a
// temporary file in the same directory, synced, renamed into place).
func WritePDBFile(path string, m *Model) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { return WritePDB(w, m) }); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}
