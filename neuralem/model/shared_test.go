package model

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/internal/shared"
)

// sharedModels returns every model file under ../shared/data/models and
// models/sim, failing if there are none.
func sharedModels(t *testing.T) []string {
	t.Helper()
	dir := shared.Path(t, "models")
	var files []string
	for _, pat := range []string{"*.pdb", "*.cif", "*.pdb.gz", "*.cif.gz", "sim/*.pdb", "sim/*.cif", "sim/*.gz"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) < 20 {
		t.Fatalf("found only %d model files under %s, expected the 20 listed in SOURCES.md", len(files), dir)
	}
	return files
}

// loaded caches the shared models (each is parsed once per test binary).
var loaded = map[string]*loadedModel{}

type loadedModel struct {
	raw, m *Model // before and after altloc resolution
	err    error
}

// load returns a shared model as ReadFile gives it and before altloc
// resolution (ReadFile is finish(readFileRaw(path))).
func load(path string) (m, raw *Model, err error) {
	l, ok := loaded[path]
	if !ok {
		l = &loadedModel{}
		l.raw, l.err = readFileRaw(path)
		if l.err == nil {
			cp := *l.raw
			cp.Atoms = slices.Clone(l.raw.Atoms)
			l.m, _ = finish(&cp, nil)
		}
		loaded[path] = l
	}
	return l.m, l.raw, l.err
}

// TestSharedModelsAgainstSources checks every shared model against the atom
// counts and resolutions written in ../shared/data/SOURCES.md (counts there
// are of every atom record of the first model, alternates included).
func TestSharedModelsAgainstSources(t *testing.T) {
	type want struct {
		raw, h, hetatm, water, protein, ca int // -1: not stated in SOURCES.md
		res                                float64
	}
	table := map[string]want{
		"emd0093_6gyn.pdb":                        {16932, 0, 916, -1, 4 * 4004, -1, 3.4},
		"emd20026_3ajo_fitted_refined_chainA.pdb": {1654, -1, 241, 229, 1413, -1, 0},
		"emd2566_3j6b_chain9.pdb":                 {-1, 1437, -1, -1, -1, -1, 0},
		"ribocut4a_ribosomexample_chainC.pdb":     {-1, -1, -1, -1, -1, 209, 0},
		"xray_3ek3.cif":                           {1751, -1, -1, 206, -1, -1, 1.70},
		"xray_5i55.cif":                           {-1, -1, -1, -1, -1, -1, 1.45},
		"7a4m.cif":                                {3177, 1509, -1, -1, -1, -1, 1.22},
		"9jmb.cif":                                {6512, -1, -1, -1, -1, -1, 2.18},
		"8tze.cif":                                {6255, -1, -1, -1, -1, -1, 2.90},
		"9mqm.cif":                                {6830, -1, -1, -1, -1, -1, 3.07},
		"7l2i.cif":                                {17432, -1, -1, -1, -1, -1, 3.7},
		"3SN6.cif":                                {10274, -1, -1, -1, -1, -1, 3.2},
		"1u19.pdb":                                {5948, -1, -1, -1, -1, -1, 2.2},
		"2src.pdb":                                {3915, -1, -1, -1, -1, -1, 1.5},
		"4opj.cif":                                {2891, -1, -1, -1, -1, -1, 1.541},
		"1d66.pdb":                                {1762, -1, -1, -1, -1, -1, 2.7},
		"5gob.pdb":                                {1385, -1, -1, -1, -1, -1, 1.15},
		"1blu.pdb":                                {712, -1, -1, -1, -1, -1, 2.1},
		"1CRN.cif":                                {327, -1, -1, -1, -1, -1, 1.5},
		"4oz7.pdb":                                {181, -1, -1, -1, -1, -1, 1.65},
	}
	files := sharedModels(t)
	seen := 0
	for _, f := range files {
		base := filepath.Base(f)
		m, raw, err := load(f)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		if err := m.CheckElements(); err != nil {
			t.Errorf("%s: %v", base, err)
		}
		w, ok := table[base]
		if !ok {
			t.Errorf("%s: not in the SOURCES.md table of this test; add it", base)
			continue
		}
		seen++
		check := func(what string, got, want int) {
			if want >= 0 && got != want {
				t.Errorf("%s: %s = %d, SOURCES.md says %d", base, what, got, want)
			}
		}
		check("atoms (alternates included)", len(raw.Atoms), w.raw)
		check("hydrogens (alternates included)", len(raw.Select(Hydrogen).Atoms), w.h)
		check("HETATM atoms", len(m.Select(HetAtm).Atoms), w.hetatm)
		check("water atoms (alternates included)", len(raw.Select(Water).Atoms), w.water)
		check("protein atoms", len(m.ProteinAtoms().Atoms), w.protein)
		check("C-alphas", len(m.CAlphas().Atoms), w.ca)
		if math.Abs(m.Resolution-w.res) > 1e-9 {
			t.Errorf("%s: resolution %v Å, SOURCES.md says %v", base, m.Resolution, w.res)
		}
	}
	if seen != len(table) {
		t.Errorf("checked %d of the %d files listed", seen, len(table))
	}
}

// gemmiRef is one file's entry in the output of testdata/gemmi_ref.py.
type gemmiRef struct {
	Raw        int            `json:"raw"`
	Atoms      int            `json:"atoms"`
	GemmiNoAlt int            `json:"gemmi_remove_alt"`
	Elements   map[string]int `json:"elements"`
	Hydrogens  int            `json:"hydrogens"`
	CA         int            `json:"ca"`
	Protein    int            `json:"protein"`
	Water      int            `json:"water"`
	HetAtm     int            `json:"hetatm"`
	First      gemmiAtom      `json:"first"`
	Last       gemmiAtom      `json:"last"`
	Resolution float64        `json:"resolution"`
	ResSource  string         `json:"resolution_source"`
}

type gemmiAtom struct {
	Chain   string     `json:"chain"`
	ResName string     `json:"resname"`
	Seq     int        `json:"seq"`
	Name    string     `json:"name"`
	Pos     [3]float64 `json:"pos"`
	Occ     float64    `json:"occ"`
	B       float64    `json:"b"`
}

// gemmiPython returns /usr/bin/python3 after checking that it imports
// gemmi. Without them the test skips, unless $CI is set, where it fails.
func gemmiPython(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	missing := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("gemmi reference unavailable in CI: %s (apt-get install python3-gemmi)", why)
		}
		t.Skipf("gemmi reference unavailable: %s (apt-get install python3-gemmi); skipping", why)
	}
	if _, err := os.Stat(py); err != nil {
		missing(py + " not found")
	}
	if err := exec.Command(py, "-c", "import gemmi").Run(); err != nil {
		missing("python module gemmi: " + err.Error())
	}
	return py
}

// runGemmi runs testdata/gemmi_ref.py with /usr/bin/python3 (see
// gemmiPython).
func runGemmi(t *testing.T, files []string) map[string]json.RawMessage {
	t.Helper()
	py := gemmiPython(t)
	cmd := exec.Command(py, append([]string{"testdata/gemmi_ref.py"}, files...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gemmi_ref.py: %v\n%s", err, stderr.String())
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("gemmi_ref.py output: %v", err)
	}
	return res
}

// TestAgainstGemmi compares every shared model with gemmi 0.5
// (gemmi.read_structure, first model): atom counts with and without
// alternates, counts per element, H, C-alpha, protein, water and HETATM
// counts, the atoms with the lowest and highest serial (identity, position to 1e-9 Å, occupancy
// and B to float32 precision) and the resolution.
func TestAgainstGemmi(t *testing.T) {
	files := sharedModels(t)
	res := runGemmi(t, files)
	var ver string
	json.Unmarshal(res["gemmi_version"], &ver)
	t.Logf("gemmi %s", ver)
	for _, f := range files {
		base := filepath.Base(f)
		var g gemmiRef
		if err := json.Unmarshal(res[f], &g); err != nil {
			t.Fatalf("%s: reference: %v", base, err)
		}
		m, raw, err := load(f)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		eq := func(what string, got, want int) {
			if got != want {
				t.Errorf("%s: %s = %d, gemmi %d", base, what, got, want)
			}
		}
		eq("atoms (alternates included)", len(raw.Atoms), g.Raw)
		eq("atoms", len(m.Atoms), g.Atoms)
		eq("hydrogens", len(m.Select(Hydrogen).Atoms), g.Hydrogens)
		eq("C-alphas", len(m.CAlphas().Atoms), g.CA)
		eq("protein atoms", len(m.ProteinAtoms().Atoms), g.Protein)
		eq("water atoms", len(m.Select(Water).Atoms), g.Water)
		eq("HETATM atoms", len(m.Select(HetAtm).Atoms), g.HetAtm)
		counts := m.ElementCounts()
		for e, n := range g.Elements {
			eq("element "+e, counts[e], n)
		}
		for e, n := range counts {
			if _, ok := g.Elements[e]; !ok {
				t.Errorf("%s: element %s: %d atoms, gemmi none", base, e, n)
			}
		}
		if len(m.Atoms) > 0 {
			lo, hi := 0, 0
			for i, a := range m.Atoms {
				if a.Serial < m.Atoms[lo].Serial {
					lo = i
				}
				if a.Serial > m.Atoms[hi].Serial {
					hi = i
				}
			}
			cmpAtom(t, base+" atom with the lowest serial", m.Atoms[lo], g.First)
			cmpAtom(t, base+" atom with the highest serial", m.Atoms[hi], g.Last)
		}
		if math.Abs(m.Resolution-g.Resolution) > 1e-6 {
			t.Errorf("%s: resolution %v, gemmi (%s) %v", base, m.Resolution, g.ResSource, g.Resolution)
		}
		if g.GemmiNoAlt != g.Atoms {
			t.Logf("%s: gemmi remove_alternative_conformations keeps %d atoms, highest-occupancy rule %d (reader %d)",
				base, g.GemmiNoAlt, g.Atoms, len(m.Atoms))
		}
	}
}

func cmpAtom(t *testing.T, what string, a Atom, g gemmiAtom) {
	t.Helper()
	if a.Chain != g.Chain || a.ResName != g.ResName || a.ResSeq != g.Seq || a.Name != g.Name {
		t.Errorf("%s: %s %s %d %s, gemmi %s %s %d %s", what, a.Chain, a.ResName, a.ResSeq, a.Name,
			g.Chain, g.ResName, g.Seq, g.Name)
	}
	for k := 0; k < 3; k++ {
		if math.Abs(a.Pos[k]-g.Pos[k]) > 1e-9 {
			t.Errorf("%s: position %v, gemmi %v", what, a.Pos, g.Pos)
			break
		}
	}
	// gemmi stores occupancy and B as float32.
	if math.Abs(a.Occupancy-g.Occ) > 1e-6 || math.Abs(a.B-g.B) > 1e-5*math.Max(1, math.Abs(g.B)) {
		t.Errorf("%s: occupancy %v B %v, gemmi %v %v", what, a.Occupancy, a.B, g.Occ, g.B)
	}
}

// TestAtomsAgainstGemmi compares atom by atom (matched by serial number),
// alternates included, the first model of the smaller shared files and of
// hand-made snippets (blank PDB element columns, mmCIF quoting, text fields,
// nulls and several models) with gemmi: chain, residue name and number,
// insertion code, atom name, altloc, element, position (1e-9 Å), occupancy
// and B (float32 in gemmi) and the HETATM flag.
func TestAtomsAgainstGemmi(t *testing.T) {
	var files []string
	for _, rel := range []string{"models/sim/4oz7.pdb", "models/sim/1blu.pdb", "models/sim/5gob.pdb",
		"models/emd2566_3j6b_chain9.pdb", "models/xray_5i55.cif", "models/xray_3ek3.cif",
		"models/sim/1CRN.cif", "models/sim/4opj.cif", "models/sim/7a4m.cif"} {
		files = append(files, shared.Path(t, rel))
	}
	dir := t.TempDir()
	var names strings.Builder
	for i, n := range []string{" CA ", "CA  ", " C  ", "1HB ", "HB12", "HG12", "HE21", "HG  ", " HG ", "FE1 ",
		"FE  ", "ZN  ", " OXT", "D   ", "D1  ", " SE ", "SE  ", "MG  ", "CL  ", "C1' ", "HO5'", "NA  ",
		" NA ", "O1P ", "1CA ", "cA  ", " ca ", "C1  ", "N1  ", " MG ", "  C ", "DA  ", "2MG ", "*C1 ",
		"XX  ", "HB  ", "OXT ", "DG12", "SG  ", "OG1 ", "HE  ", "HE1 ", "HH  ", "NZ  "} {
		names.WriteString(pdbAtom("HETATM", i+1, n, ' ', "LIG", 'A', i+1, ' ', float64(i), 2, 3, 1, 20, "") + "\n")
	}
	snippets := map[string]string{"names.pdb": names.String(), "snippet.cif": cifSnippet}
	for name, text := range snippets {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	res := runGemmi(t, append([]string{"--atoms"}, files...))
	for _, f := range files {
		base := filepath.Base(f)
		var rows [][]any
		if err := json.Unmarshal(res[f], &rows); err != nil {
			t.Fatalf("%s: reference: %v", base, err)
		}
		raw, err := readFileRaw(f)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		if len(raw.Atoms) != len(rows) {
			t.Errorf("%s: %d atoms, gemmi %d", base, len(raw.Atoms), len(rows))
			continue
		}
		bySerial := map[int]*Atom{}
		for i := range raw.Atoms {
			a := &raw.Atoms[i]
			if bySerial[a.Serial] != nil {
				t.Fatalf("%s: serial %d twice; cannot match atoms by serial", base, a.Serial)
			}
			bySerial[a.Serial] = a
		}
		bad := 0
		for _, r := range rows {
			g := Atom{Serial: int(r[0].(float64)), Chain: r[1].(string), ResName: r[2].(string), ResSeq: int(r[3].(float64)),
				ICode: r[4].(string), Name: r[5].(string), AltLoc: r[6].(string), Element: r[7].(string),
				Pos: [3]float64{r[8].(float64), r[9].(float64), r[10].(float64)}, Occupancy: r[11].(float64),
				B: r[12].(float64), HetAtm: r[13].(bool)}
			a := bySerial[g.Serial]
			if a == nil {
				t.Errorf("%s: gemmi has serial %d, the reader not", base, g.Serial)
				bad++
			} else {
				same := a.Chain == g.Chain && a.ResName == g.ResName && a.ResSeq == g.ResSeq && a.ICode == g.ICode &&
					a.Name == g.Name && a.AltLoc == g.AltLoc && a.Element == g.Element && a.HetAtm == g.HetAtm &&
					math.Abs(a.Occupancy-g.Occupancy) <= 1e-6 && math.Abs(a.B-g.B) <= 1e-5*math.Max(1, math.Abs(g.B))
				for k := 0; k < 3; k++ {
					same = same && math.Abs(a.Pos[k]-g.Pos[k]) <= 1e-9
				}
				if !same {
					t.Errorf("%s: serial %d:\n reader %+v\n gemmi  %+v", base, g.Serial, *a, g)
					bad++
				}
			}
			if bad > 10 {
				t.Errorf("%s: stopping after 10 differences", base)
				break
			}
		}
	}
}
