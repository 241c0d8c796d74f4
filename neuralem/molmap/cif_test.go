package molmap

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/model"
)

// readCIFAtoms is a minimal, test-only reader of the _atom_site loop of a
// PDBx/mmCIF file in ../shared/data (first model; altloc "." or "A"). It
// keeps these tests independent of package model's reader.
func readCIFAtoms(tb testing.TB, rel string) []model.Atom {
	tb.Helper()
	path := shared.Path(tb, rel)
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cols []string
	inLoop, inAtoms := false, false
	col := map[string]int{}
	var atoms []model.Atom
	firstModel := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "loop_":
			if inAtoms && len(atoms) > 0 {
				return atoms
			}
			inLoop, inAtoms, cols = true, false, nil
			continue
		case strings.HasPrefix(line, "_atom_site.") && inLoop:
			inAtoms = true
			col[strings.TrimPrefix(line, "_atom_site.")] = len(cols)
			cols = append(cols, line)
			continue
		case strings.HasPrefix(line, "_") || line == "" || strings.HasPrefix(line, "#"):
			if inAtoms && len(atoms) > 0 {
				return atoms
			}
			inLoop = false
			continue
		}
		if !inAtoms {
			continue
		}
		tok := splitCIF(line)
		if len(tok) != len(cols) {
			tb.Fatalf("%s: atom_site row has %d fields, want %d: %q", path, len(tok), len(cols), line)
		}
		get := func(name string) string {
			i, ok := col[name]
			if !ok {
				tb.Fatalf("%s: no _atom_site.%s", path, name)
			}
			return tok[i]
		}
		if m := get("pdbx_PDB_model_num"); firstModel == "" {
			firstModel = m
		} else if m != firstModel {
			continue
		}
		if alt := get("label_alt_id"); alt != "." && alt != "A" {
			continue
		}
		num := func(name string) float64 {
			v, err := strconv.ParseFloat(get(name), 64)
			if err != nil {
				tb.Fatalf("%s: _atom_site.%s: %v", path, name, err)
			}
			return v
		}
		serial, _ := strconv.Atoi(get("id"))
		seq, _ := strconv.Atoi(get("auth_seq_id"))
		atoms = append(atoms, model.Atom{
			Serial:  serial,
			Name:    get("auth_atom_id"),
			ResName: get("auth_comp_id"),
			Chain:   get("auth_asym_id"),
			ResSeq:  seq,
			Pos:     geom.Point{num("Cartn_x"), num("Cartn_y"), num("Cartn_z")},
			Element: strings.ToUpper(get("type_symbol")),
			HetAtm:  get("group_PDB") == "HETATM",
		})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(atoms) == 0 {
		tb.Fatalf("%s: no atoms read", path)
	}
	return atoms
}

// splitCIF splits a CIF data line into tokens, honouring ' and " quotes.
func splitCIF(line string) []string {
	var out []string
	for i := 0; i < len(line); {
		c := line[i]
		if c == ' ' || c == '\t' {
			i++
			continue
		}
		if c == '\'' || c == '"' {
			j := i + 1
			for j < len(line) && !(line[j] == c && (j+1 == len(line) || line[j+1] == ' ' || line[j+1] == '\t')) {
				j++
			}
			out = append(out, line[i+1:min(j, len(line))])
			i = j + 1
			continue
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		out = append(out, line[i:j])
		i = j
	}
	return out
}
