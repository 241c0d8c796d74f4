package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// fixtures are the files the table's rows work on, made once in a
// temporary directory from the shipped default (a 27×35×40 crop of
// EMD-20026 and its model).
type fixtures struct {
	dir   string
	paths map[string]string // {name} → path, substituted in the rows' arguments
}

func (f *fixtures) p(name string) string { return f.paths[name] }

// args substitutes {name} by the fixture's path.
func (f *fixtures) args(a []string) []string {
	out := make([]string, len(a))
	for i, s := range a {
		for k, v := range f.paths {
			s = strings.ReplaceAll(s, "{"+k+"}", v)
		}
		out[i] = s
	}
	return out
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := cli(t, args...)
	if code != 0 {
		t.Fatalf("neuralem %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	return out
}

func gunzip(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// rewriteNEM rewrites a neural map file's metadata with mutate and writes a
// file with a valid header, lengths and CRC-32C: only the metadata lies
// (the format is documented in neuralmap/file.go).
func rewriteNEM(t *testing.T, src, dst string, mutate func(map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	const header = 40
	metaLen := binary.LittleEndian.Uint64(b[24:])
	wLen := binary.LittleEndian.Uint64(b[32:])
	var meta map[string]any
	if err := json.Unmarshal(b[header:header+metaLen], &meta); err != nil {
		t.Fatal(err)
	}
	mutate(meta)
	js, _ := json.Marshal(meta)
	out := append([]byte(nil), b[:header]...)
	binary.LittleEndian.PutUint64(out[24:], uint64(len(js)))
	out = append(out, js...)
	out = append(out, b[header+metaLen:header+metaLen+wLen]...)
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, crc32.MakeTable(crc32.Castagnoli)))
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeModel writes the default model with each ATOM/HETATM line changed
// by edit.
func writeModel(t *testing.T, src, dst string, edit func(line string) string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "ATOM") || strings.HasPrefix(l, "HETATM") {
			lines[i] = edit(l)
		}
	}
	if err := os.WriteFile(dst, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeGrid writes a map made from the default one by change.
func writeGrid(t *testing.T, src, dst string, change func(g *grid.Grid)) {
	t.Helper()
	g, _, err := mrc.ReadGrid(src)
	if err != nil {
		t.Fatal(err)
	}
	change(g)
	if err := mrc.Write(dst, g, mrc.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func newFixtures(t *testing.T) *fixtures {
	mapGz, modelPath := defaultPaths(t)
	dir := t.TempDir()
	f := &fixtures{dir: dir, paths: map[string]string{"dir": dir}}
	add := func(name, file string) string { p := filepath.Join(dir, file); f.paths[name] = p; return p }
	gunzip(t, mapGz, add("map", "t.mrc"))
	b, _ := os.ReadFile(modelPath)
	os.WriteFile(add("model", "m.pdb"), b, 0o644)
	os.Symlink(f.p("map"), add("maplink", "link.mrc"))
	tiny := []string{"--region-size", "24", "--width", "16", "--hidden-layers", "1", "--max-steps", "3", "--init", "random"}
	mustCLI(t, append([]string{"fit", f.p("map"), "-o", add("nem", "e.nem")}, tiny...)...)
	os.Symlink(f.p("nem"), add("nemlink", "elink.nem"))
	mustCLI(t, append([]string{"fit", f.p("map"), "-o", add("shard1", "s1.nem"), "--shard", "1/2", "--resolution", "2"}, tiny...)...)
	mustCLI(t, append([]string{"fit", f.p("map"), "-o", add("shard2", "s2.nem"), "--shard", "2/2", "--resolution", "3"}, tiny...)...)
	// Initialisations for tiny's network (random weights stand in for
	// learned ones): finished, and an unfinished checkpoint.
	writeInit(t, add("tinyinit", "tiny.nemi"), 3, 0, "")
	writeInit(t, add("halfinit", "half.nemi"), 1, 500, strings.Repeat("ab", 32))
	learned := append(tiny[:len(tiny)-2:len(tiny)-2], "--init", f.p("tinyinit"))
	mustCLI(t, append([]string{"fit", f.p("map"), "-o", add("ishard2", "is2.nem"), "--shard", "2/2", "--resolution", "2"}, learned...)...)
	rewriteNEM(t, f.p("nem"), add("huge", "huge.nem"), func(m map[string]any) {
		m["frame"].(map[string]any)["shape"] = []int{100000, 100000, 100000}
	})
	rewriteNEM(t, f.p("nem"), add("big", "big.nem"), func(m map[string]any) {
		m["frame"].(map[string]any)["shape"] = []int{2000, 2000, 2000}
	})
	mustCLI(t, "graph", f.p("map"), "-o", add("graph", "g"), "--resolution", "1.75")
	f.paths["graphcif"] = f.p("graph") + ".cif"
	mustCLI(t, "crop", f.p("map"), "--model", f.p("model"), "--residues", "A:20-30", "-o", add("crop", "c.mrc"))
	writeModel(t, modelPath, add("badel", "badel.pdb"), func(l string) string {
		if strings.Contains(l, " NH1 ARG A   9") {
			return l[:76] + "Qq"
		}
		return l
	})
	writeModel(t, modelPath, add("far", "far.pdb"), func(l string) string {
		x, _ := strconv.ParseFloat(strings.TrimSpace(l[30:38]), 64)
		return l[:30] + fmt.Sprintf("%8.3f", x+500) + l[38:]
	})
	// Residues ≥ 60 of the model become chain B: a map whose box holds
	// two chains.
	writeModel(t, modelPath, add("twochains", "ab.pdb"), func(l string) string {
		if seq, _ := strconv.Atoi(strings.TrimSpace(l[22:26])); seq >= 60 {
			return l[:21] + "B" + l[22:]
		}
		return l
	})
	writeGrid(t, f.p("map"), add("const", "const.mrc"), func(g *grid.Grid) {
		for i := range g.Data {
			g.Data[i] = 0.7
		}
	})
	writeGrid(t, f.p("map"), add("farmap", "far.mrc"), func(g *grid.Grid) { g.Origin[0] += 20000 })
	// A NaN voxel: written by patching the data (mrc.Write refuses nothing).
	writeGrid(t, f.p("map"), add("nanmap", "nan.mrc"), func(g *grid.Grid) { g.Data[100] = float32(math.NaN()) })
	// A non-orthogonal cell: CELLB β = 80° (word 15).
	nonorth, _ := os.ReadFile(f.p("map"))
	binary.LittleEndian.PutUint32(nonorth[4*14:], math.Float32bits(80))
	os.WriteFile(add("skew", "skew.mrc"), nonorth, 0o644)
	os.WriteFile(add("badcif", "bad.cif"), []byte("data_x\n_cell.length_a 10\n'unterminated\n"), 0o644)
	os.Mkdir(add("adir", "adir"), 0o755)
	os.WriteFile(add("textmap", "bad.mrc"), []byte("this is not a map, it is far too short"), 0o644)
	return f
}

// writeInit writes an initialisation for the table's tiny network (the
// cpu preset's ω0, width 16, one hidden layer, 24-voxel regions) with done
// of 3 outer steps made.
func writeInit(t *testing.T, path string, done, offGrid int, from string) {
	t.Helper()
	cfg, err := siren.Preset("cpu")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Width, cfg.HiddenLayers, cfg.Seed = 16, 1, 99
	net, err := siren.NewNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := metainit.DefaultTrainOptions()
	o.OuterSteps, o.From = 3, from
	in := &metainit.Init{Net: net, Meta: metainit.Meta{Preset: "cpu", RegionEdge: 24, Method: "reptile", Train: o, Done: done, OffGrid: offGrid,
		Command: "written by table_test.go", Created: "2026-01-01T00:00:00Z"}}
	if err := in.Save(path); err != nil {
		t.Fatal(err)
	}
}

func sha(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "missing: " + err.Error()
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// unchanged returns a setup/check pair asserting that path is not modified
// by the row's command.
func unchanged(name string) (func(*testing.T, *fixtures), func(*testing.T, *fixtures, string, string)) {
	var before string
	return func(t *testing.T, f *fixtures) { before = sha(t, f.p(name)) },
		func(t *testing.T, f *fixtures, _, _ string) {
			if after := sha(t, f.p(name)); after != before {
				t.Errorf("%s changed", f.p(name))
			}
		}
}

// noEntries asserts that the fixture directory holds no file matching glob.
func noEntries(glob string) func(*testing.T, *fixtures, string, string) {
	return func(t *testing.T, f *fixtures, _, _ string) {
		if m, _ := filepath.Glob(filepath.Join(f.dir, glob)); len(m) > 0 {
			t.Errorf("left behind: %v", m)
		}
	}
}

// TestCLITable is the hardening table (issue 13: every case and every
// message, plus the earlier error cases): a command, its exit code, words
// its stderr (or, for exit 0, its output) must contain and must not
// contain, and optional set-up and checks. The table only grows.
func TestCLITable(t *testing.T) {
	f := newFixtures(t)
	keepNem, checkNem := unchanged("nem")
	keepModel, checkModel := unchanged("model")
	keepMap, checkMap := unchanged("map")
	var deadPID int
	var lock *atomicfile.Locked
	type row struct {
		name  string
		args  []string
		code  int
		want  []string
		not   []string
		setup func(*testing.T, *fixtures)
		check func(t *testing.T, f *fixtures, stdout, stderr string)
	}
	rows := []row{
		// Earlier error cases (TestCLIErrors).
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, want: []string{`unknown command "frobnicate"`}},
		{name: "info without a file", args: []string{"info"}, code: 2, want: []string{"want at least 1 argument"}},
		{name: "info of a missing file", args: []string{"info", "{dir}/missing.mrc"}, code: 1, want: []string{"missing.mrc"}},
		{name: "info of a text file named .mrc", args: []string{"info", "{textmap}"}, code: 1, want: []string{"bad.mrc", "not an MRC/CCP4 map"}},
		{name: "fit without -o", args: []string{"fit", "{map}"}, code: 1, want: []string{"-o OUT.nem is required"}},
		{name: "unknown preset", args: []string{"fit", "{map}", "-o", "{dir}/x.nem", "--preset", "gpu-huge"}, code: 1, want: []string{`--preset`, `unknown preset "gpu-huge"`}},
		{name: "bad shard", args: []string{"fit", "{map}", "-o", "{dir}/x.nem", "--shard", "3/2"}, code: 1, want: []string{"--shard", "3/2"}},
		{name: "graph cutoff < 0", args: []string{"graph", "{map}", "-o", "{dir}/gx", "--cutoff", "-2"}, code: 1, want: []string{"--cutoff -2"}},
		{name: "query outside the map", args: []string{"query", "{map}", "--at", "0,0,0"}, code: 1, want: []string{"outside"}},
		{name: "query bad point", args: []string{"query", "{map}", "--at", "1,2"}, code: 1, want: []string{"want x,y,z"}},
		{name: "eval with one argument", args: []string{"eval", "{model}"}, code: 2, want: []string{"want 2 argument"}},
		{name: "workers < 0", args: []string{"fit", "{map}", "--dry-run", "--workers", "-1"}, code: 1, want: []string{"--workers -1"}},
		{name: "stack 0", args: []string{"fit", "{map}", "--dry-run", "--stack", "0"}, code: 1, want: []string{"--stack 0"}},
		{name: "experiment unknown model", args: []string{"experiment", "interp", "-o", "{dir}/e", "--models", "1CRN,nosuch"}, code: 1, want: []string{`--models: unknown name "nosuch"`, "1CRN"}},
		{name: "experiment unknown pair", args: []string{"experiment", "graph", "-o", "{dir}/e", "--pairs", "EMD-0"}, code: 1, want: []string{`--pairs: unknown name "EMD-0"`, "EMD-2566"}},
		{name: "unknown experiment", args: []string{"experiment", "sweep", "-o", "{dir}/e"}, code: 1, want: []string{`unknown experiment "sweep"`}},

		// Every command's flags are defined without a clash (demo holds
		// fit's, graph's and eval's flags; graph's and eval's --chains
		// are one flag there).
		{name: "help demo", args: []string{"demo", "--help"}, code: 0, want: []string{"-chains", "score only these chains", "-mask-model"}},
		{name: "help experiment", args: []string{"experiment", "--help"}, code: 0, want: []string{"-preset"}},
		{name: "help fit", args: []string{"fit", "--help"}, code: 0, want: []string{"-level-from", "OUT.nem.lock"}},
		{name: "help crop", args: []string{"crop", "--help"}, code: 0, want: []string{"parent map's normalisation"}},
		{name: "help merge", args: []string{"merge", "--help"}, code: 0, want: []string{"both files"}},
		{name: "help simulate", args: []string{"simulate", "--help"}, code: 0},
		{name: "help query", args: []string{"query", "--help"}, code: 0},
		{name: "help info", args: []string{"info", "--help"}, code: 0},
		{name: "help eval", args: []string{"eval", "--help"}, code: 0, want: []string{"-chains"}},

		// 1. A checksum-valid .nem claiming a huge frame: an error, no panic.
		{name: "1 info huge .nem", args: []string{"info", "{huge}"}, code: 1, want: []string{"huge.nem", "frame", "100000×100000×100000", "exceeds the cap"}},
		{name: "1 query huge .nem", args: []string{"query", "{huge}", "--at", "140,90,150"}, code: 1, want: []string{"huge.nem", "exceeds the cap"}},
		{name: "1 export huge .nem", args: []string{"export", "{huge}", "-o", "{dir}/h.mrc"}, code: 1, want: []string{"huge.nem", "exceeds the cap"}},
		{name: "1 info 2000³ .nem", args: []string{"info", "{big}"}, code: 1, want: []string{"big.nem", "2000×2000×2000", "exceeds the cap"}},
		{name: "1 query 2000³ .nem", args: []string{"query", "{big}", "--at", "140,90,150"}, code: 1, want: []string{"2000×2000×2000"}},
		{name: "1 export 2000³ .nem", args: []string{"export", "{big}", "-o", "{dir}/h.mrc"}, code: 1, want: []string{"2000×2000×2000"}},
		// 2. export needs a voxel cap, with the size in the message.
		{name: "2 export --spacing 1e-4", args: []string{"export", "{nem}", "-o", "{dir}/s.mrc", "--spacing", "1e-4"}, code: 1,
			want: []string{"--spacing 0.0001", "voxels", "GB as float32", "over the cap of 2147483648 voxels"}, check: noEntries("s.mrc*")},
		{name: "2 export --spacing 0.001", args: []string{"export", "{nem}", "-o", "{dir}/s.mrc", "--spacing", "0.001"}, code: 1,
			want: []string{"--spacing 0.001", "16900×22101×25350", "9.47e+12 voxels", "over the cap"}},
		{name: "2 export --spacing -1", args: []string{"export", "{nem}", "-o", "{dir}/s.mrc", "--spacing", "-1"}, code: 1, want: []string{"--spacing -1: want a voxel size > 0"}},
		// 3. Output = input, through links too; foreign files need --force.
		{name: "3 export onto its input", args: []string{"export", "{nem}", "-o", "{nem}"}, code: 1, want: []string{"is the input", "refusing to overwrite an input"}, setup: keepNem, check: checkNem},
		{name: "3 export onto its input through a link", args: []string{"export", "{nemlink}", "-o", "{nem}"}, code: 1, want: []string{"is the input", "elink.nem"}, setup: keepNem, check: checkNem},
		{name: "3 simulate onto its input", args: []string{"simulate", "{model}", "-o", "{model}", "--resolution", "2"}, code: 1, want: []string{"is the input"}, setup: keepModel, check: checkModel},
		{name: "3 crop onto its input", args: []string{"crop", "{map}", "-o", "{map}", "--lo", "0,0,0", "--hi", "4,4,4"}, code: 1, want: []string{"is the input"}, setup: keepMap, check: checkMap},
		{name: "3 crop onto its input through a link", args: []string{"crop", "{maplink}", "-o", "{map}", "--lo", "0,0,0", "--hi", "4,4,4"}, code: 1, want: []string{"is the input"}, setup: keepMap, check: checkMap},
		{name: "3 fit onto its input", args: []string{"fit", "{map}", "-o", "{map}"}, code: 1, want: []string{"is the input"}, setup: keepMap, check: checkMap},
		{name: "3 merge onto a shard", args: []string{"merge", "{shard1}", "{shard2}", "-o", "{shard1}"}, code: 1, want: []string{"is the input"}},
		{name: "3 graph over a model", args: []string{"graph", "{map}", "-o", "{dir}/m", "--resolution", "1.75"}, code: 1,
			want: []string{"m.pdb exists and is an atomic model", "--force"}, setup: keepModel, check: checkModel},
		{name: "3 export over a model", args: []string{"export", "{nem}", "-o", "{model}"}, code: 1, want: []string{"is an atomic model, not an MRC map", "--force"}, setup: keepModel, check: checkModel},
		{name: "3 fit over a map", args: []string{"fit", "{const}", "-o", "{crop}"}, code: 1, want: []string{"c.mrc exists and is an MRC map, not a neural map"}},
		{name: "3 simulate over a neural map", args: []string{"simulate", "{model}", "-o", "{nem}"}, code: 1, want: []string{"is a neural map, not an MRC map"}, setup: keepNem, check: checkNem},
		{name: "3 export over a model with --force", args: []string{"export", "{nem}", "-o", "{dir}/forced.pdb", "--force"}, code: 0, want: []string{"wrote"},
			setup: func(t *testing.T, f *fixtures) {
				os.WriteFile(filepath.Join(f.dir, "forced.pdb"), []byte("ATOM      1  CA  ALA A   1\n"), 0o644)
			}},
		// 4. Multi-file outputs land all or none; every write is atomic.
		{name: "4 graph: a failing format leaves the previous files", args: []string{"graph", "{farmap}", "-o", "{dir}/g4", "--resolution", "1.75", "--formats", "cif,json,pdb"}, code: 1,
			want: []string{"g4.pdb", "does not fit"},
			setup: func(t *testing.T, f *fixtures) {
				mustCLI(t, "graph", f.p("map"), "-o", filepath.Join(f.dir, "g4"), "--resolution", "1.75", "--formats", "cif,json,pdb")
				f.paths["g4sum"] = sha(t, filepath.Join(f.dir, "g4.cif")) + sha(t, filepath.Join(f.dir, "g4.json")) + sha(t, filepath.Join(f.dir, "g4.pdb"))
			},
			check: func(t *testing.T, f *fixtures, _, _ string) {
				if got := sha(t, filepath.Join(f.dir, "g4.cif")) + sha(t, filepath.Join(f.dir, "g4.json")) + sha(t, filepath.Join(f.dir, "g4.pdb")); got != f.paths["g4sum"] {
					t.Error("a failed graph changed the previous good files")
				}
				noEntries(".g4*")(t, f, "", "")
			}},
		{name: "4 graph writes every file", args: []string{"graph", "{map}", "-o", "{dir}/g4b", "--resolution", "1.75"}, code: 0,
			want: []string{"g4b.cif", "g4b.pdb", "g4b.json", "g4b.graphml", "g4b_nodes.csv", "g4b_nodes_edges.csv"}, check: noEntries(".g4b*")},
		// 5. Stale temporaries of the output are removed on the next run.
		{name: "5 fit removes a killed writer's temporaries", args: []string{"fit", "{map}", "-o", "{dir}/k.nem", "--regions", "0", "--max-steps", "1"}, code: 0,
			setup: func(t *testing.T, f *fixtures) {
				cmd := exec.Command("true")
				cmd.Run()
				deadPID = cmd.Process.Pid
				os.WriteFile(filepath.Join(f.dir, fmt.Sprintf(".k.nem.tmp-%d-0000abcd", deadPID)), []byte("partial"), 0o644)
				old := filepath.Join(f.dir, ".k.nem.tmp-1234567") // an older build's name, an hour old
				os.WriteFile(old, []byte("partial"), 0o644)
				os.Chtimes(old, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour))
			},
			check: noEntries(".k.nem.tmp-*")},
		// The solved output layer: an override, recorded in the map, shown by info.
		{name: "fit --solve-output dry run", args: []string{"fit", "{map}", "--dry-run", "--estimate-steps", "0", "--init", "random", "--solve-output"}, code: 0,
			want: []string{"--solve-output false → true", "Adam lr 0.001 on the sine layers, output layer solved by least squares at every step"}},
		{name: "fit --solve-output dry run estimates from the solved median", args: []string{"fit", "{map}", "--dry-run", "--estimate-steps", "3", "--init", "random", "--solve-output"}, code: 0,
			want: []string{"assumes 45 steps per region", "from random weights with the output layer solved"}, not: []string{"may not hold"}},
		{name: "fit --solve-output, then info", args: []string{"fit", "{map}", "-o", "{dir}/so.nem", "--regions", "0", "--max-steps", "3", "--init", "random", "--solve-output"}, code: 0,
			check: func(t *testing.T, f *fixtures, _, _ string) {
				code, stdout, stderr := cli(t, "info", filepath.Join(f.dir, "so.nem"))
				if want := "Adam lr 0.001 on the sine layers, output layer solved by least squares at every step"; code != 0 || !strings.Contains(stdout, want) {
					t.Errorf("info so.nem: exit %d, output lacks %q:\n%s%s", code, want, stdout, stderr)
				}
			}},
		// K-FAC: an override that also solves the output layer, recorded in the map, shown by info.
		{name: "fit --optimizer kfac dry run", args: []string{"fit", "{map}", "--dry-run", "--estimate-steps", "3", "--init", "random", "--optimizer", "kfac"}, code: 0,
			want: []string{"--optimizer auto → kfac, --solve-output false → true", "K-FAC on the sine layers, output layer solved by least squares at every step",
				"assumes 12 steps per region", "from random weights with K-FAC"}, not: []string{"may not hold", "lr 0.001"}},
		{name: "fit --json names the network and optimizer (the learned start: K-FAC)", args: []string{"fit", "{map}", "-o", "{dir}/net.nem", "--regions", "0", "--max-steps", "2", "--json"}, code: 0,
			want: []string{`"network": "Width 64, HiddenLayers 2, Omega0 30, K-FAC on the sine layers, output layer solved by least squares at every step"`}},
		{name: "fit --init random --json: Adam", args: []string{"fit", "{map}", "-o", "{dir}/netr.nem", "--regions", "0", "--max-steps", "2", "--init", "random", "--json"}, code: 0,
			want: []string{`"network": "Width 64, HiddenLayers 2, Omega0 30, Adam lr 0.001"`}},
		{name: "fit --optimizer sgd", args: []string{"fit", "{map}", "--dry-run", "--optimizer", "sgd"}, code: 1,
			want: []string{`--optimizer "sgd": want "adam" or "kfac"`}},
		{name: "fit --optimizer kfac --solve-output=false", args: []string{"fit", "{map}", "--dry-run", "--optimizer", "kfac", "--solve-output=false"}, code: 1,
			want: []string{`--solve-output false: want true with --optimizer "kfac"`}},
		{name: "fit --optimizer kfac, then info", args: []string{"fit", "{map}", "-o", "{dir}/kf.nem", "--regions", "0", "--max-steps", "3", "--init", "random", "--optimizer", "kfac"}, code: 0,
			check: func(t *testing.T, f *fixtures, _, _ string) {
				code, stdout, stderr := cli(t, "info", filepath.Join(f.dir, "kf.nem"))
				if want := "K-FAC on the sine layers, output layer solved by least squares at every step"; code != 0 || !strings.Contains(stdout, want) {
					t.Errorf("info kf.nem: exit %d, output lacks %q:\n%s%s", code, want, stdout, stderr)
				}
			}},
		// 6. A second writer fails at once naming the holder's PID.
		{name: "6 fit while another fit holds the output", args: []string{"fit", "{map}", "-o", "{dir}/l.nem"}, code: 1,
			want: []string{"l.nem is being written by process " + strconv.Itoa(os.Getpid()), "l.nem.lock"},
			setup: func(t *testing.T, f *fixtures) {
				var err error
				if lock, err = atomicfile.Lock(filepath.Join(f.dir, "l.nem")); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "6 dry-run under the lock too", args: []string{"fit", "{map}", "-o", "{dir}/l.nem", "--dry-run", "--estimate-steps", "0"}, code: 1,
			want: []string{"being written by process"}, check: func(*testing.T, *fixtures, string, string) { lock.Release() }},
		{name: "6 merge while the output is locked", args: []string{"merge", "{shard1}", "{shard2}", "-o", "{dir}/l2.nem"}, code: 1,
			want:  []string{"being written by process"},
			setup: func(t *testing.T, f *fixtures) { lock, _ = atomicfile.Lock(filepath.Join(f.dir, "l2.nem")) },
			check: func(*testing.T, *fixtures, string, string) { lock.Release() }},
		// 7. merge names the field, both values and both files.
		{name: "7 merge of different resolutions", args: []string{"merge", "{shard1}", "{shard2}", "-o", "{dir}/mm.nem"}, code: 1,
			want: []string{"resolution (Å) differs", "s1.nem has 2", "s2.nem has 3"}, not: []string{"map 1", "map 2"}, check: noEntries("mm.nem*")},
		// 8. fit: every value is validated; a line says what was overridden.
		{name: "8 --width -3", args: []string{"fit", "{map}", "--dry-run", "--width", "-3"}, code: 1, want: []string{"--width -3: want"}},
		{name: "8 --hidden-layers -1", args: []string{"fit", "{map}", "--dry-run", "--hidden-layers", "-1"}, code: 1, want: []string{"--hidden-layers -1: want"}},
		{name: "8 --lr nan", args: []string{"fit", "{map}", "--dry-run", "--lr", "nan"}, code: 1, want: []string{"--lr NaN: want"}},
		{name: "8 --lr -1", args: []string{"fit", "{map}", "--dry-run", "--lr", "-1"}, code: 1, want: []string{"--lr -1: want"}},
		{name: "8 --omega0 nan", args: []string{"fit", "{map}", "--dry-run", "--omega0", "nan"}, code: 1, want: []string{"--omega0 NaN: want"}},
		{name: "8 --omega0 -30", args: []string{"fit", "{map}", "--dry-run", "--omega0", "-30"}, code: 1, want: []string{"--omega0 -30: want"}},
		{name: "8 --first-omega0 nan", args: []string{"fit", "{map}", "--dry-run", "--first-omega0", "nan"}, code: 1, want: []string{"--first-omega0 NaN: want"}},
		{name: "8 --max-steps -1", args: []string{"fit", "{map}", "--dry-run", "--max-steps", "-1"}, code: 1, want: []string{"--max-steps -1: want"}},
		{name: "8 --max-time -5s", args: []string{"fit", "{map}", "--dry-run", "--max-time", "-5s"}, code: 1, want: []string{"--max-time -5s: want"}},
		{name: "8 --patience -1", args: []string{"fit", "{map}", "--dry-run", "--patience", "-1"}, code: 1, want: []string{"--patience -1: want"}},
		{name: "8 --low-loss nan", args: []string{"fit", "{map}", "--dry-run", "--low-loss", "nan"}, code: 1, want: []string{"--low-loss NaN: want"}},
		{name: "8 --high-loss -5", args: []string{"fit", "{map}", "--dry-run", "--high-loss", "-5"}, code: 1, want: []string{"--high-loss -5: want"}},
		{name: "8 --region-size -5", args: []string{"fit", "{map}", "--dry-run", "--region-size", "-5"}, code: 1, want: []string{"--region-size -5: want"}},
		{name: "8 --low-loss above --high-loss", args: []string{"fit", "{map}", "--dry-run", "--low-loss", "1e-3"}, code: 1, want: []string{"--low-loss 0.001: want --low-loss ≤ --high-loss"}},
		{name: "8 --max-steps 0 without --max-time", args: []string{"fit", "{map}", "--dry-run", "--max-steps", "0", "--max-time", "0"}, code: 1, want: []string{"--max-steps 0: want a step cap or a time cap"}},
		{name: "8 --resolution -1", args: []string{"fit", "{map}", "--dry-run", "--resolution", "-1"}, code: 1, want: []string{"--resolution -1: want"}},
		{name: "8 overrides are named", args: []string{"fit", "{map}", "--dry-run", "--estimate-steps", "0", "--lr", "0.003", "--max-steps", "0"}, code: 0,
			check: func(t *testing.T, _ *fixtures, _, stderr string) {
				if !strings.Contains(stderr, "cpu preset overridden: --lr 0.001 → 0.003, --max-steps 2000 → 0") {
					t.Errorf("stderr %q: no line naming the overridden preset values", stderr)
				}
			}},
		// 9. graph and crop values.
		{name: "9 graph --threshold nan", args: []string{"graph", "{map}", "-o", "{dir}/g9", "--threshold", "nan"}, code: 1, want: []string{"--threshold NaN: want"}},
		{name: "9 graph --contour nan", args: []string{"graph", "{map}", "-o", "{dir}/g9", "--contour", "nan"}, code: 1, want: []string{"--contour NaN: want"}},
		{name: "9 graph --contour -5", args: []string{"graph", "{map}", "-o", "{dir}/g9", "--contour", "-5"}, code: 1, want: []string{"--contour -5: want", "clipped"}},
		{name: "9 graph --threshold and --contour", args: []string{"graph", "{map}", "-o", "{dir}/g9", "--threshold", "0.4", "--contour", "0.05"}, code: 1, want: []string{"not both"}},
		{name: "9 graph --sigma nan", args: []string{"graph", "{map}", "-o", "{dir}/g9", "--sigma", "nan"}, code: 1, want: []string{"--sigma NaN: want"}},
		{name: "9 graph --seed-spacing -1", args: []string{"graph", "{map}", "-o", "{dir}/g9", "--seed-spacing", "-1"}, code: 1, want: []string{"--seed-spacing -1: want"}},
		{name: "9 graph --resolution nan", args: []string{"graph", "{map}", "-o", "{dir}/g9", "--resolution", "nan"}, code: 1, want: []string{"--resolution NaN: want"}},
		{name: "9 crop --resolution nan", args: []string{"crop", "{map}", "--model", "{model}", "--model-out", "{dir}/c9.pdb", "-o", "{dir}/c9.mrc", "--resolution", "nan"}, code: 1,
			want: []string{"--resolution NaN: want"}, check: noEntries("c9*")},
		{name: "9 crop --resolution -1", args: []string{"crop", "{map}", "--model", "{model}", "--model-out", "{dir}/c9.pdb", "-o", "{dir}/c9.mrc", "--resolution", "-1"}, code: 1,
			want: []string{"--resolution -1: want"}, check: noEntries("c9*")},
		// 10. --interp on a neural map.
		{name: "10 graph map.nem --interp trilinear", args: []string{"graph", "{nem}", "-o", "{dir}/g10", "--interp", "trilinear"}, code: 1, want: []string{"--interp trilinear", "neural map"}},
		{name: "10 query map.nem --interp trilinear", args: []string{"query", "{nem}", "--at", "145,92,152", "--interp", "trilinear"}, code: 1, want: []string{"--interp trilinear"}},
		// 11. dry-run validates as a run does.
		{name: "11 dry-run of a constant map", args: []string{"fit", "{const}", "--dry-run"}, code: 1, want: []string{"cannot normalise", "constant"}},
		{name: "11 dry-run with --regions 0,99", args: []string{"fit", "{map}", "--dry-run", "--regions", "0,99"}, code: 1, want: []string{"ID 99", "0–17"}},
		// 12. eval checks the frames.
		{name: "12 eval in another frame", args: []string{"eval", "{graphcif}", "{far}"}, code: 1,
			want: []string{"not in the same frame", "g.cif", "far.pdb", "(137.", "(637.", "do not overlap"}, not: []string{"NaN"}},
		// 13. --chains.
		{name: "13 eval --chains", args: []string{"eval", "{graphcif}", "{twochains}", "--chains", "A", "--json"}, code: 0,
			check: func(t *testing.T, _ *fixtures, stdout, _ string) {
				var v map[string]any
				if err := json.Unmarshal([]byte(stdout), &v); err != nil {
					t.Fatal(err)
				}
				if ex, _ := v["excluded_nodes"].(float64); ex < 10 || !jsonEq(v["chains"], []any{"A"}) {
					t.Errorf("excluded_nodes %v chains %v: want chain B's nodes (dozens) left out", v["excluded_nodes"], v["chains"])
				}
			}},
		{name: "13 eval --chains of a missing chain", args: []string{"eval", "{graphcif}", "{twochains}", "--chains", "C"}, code: 1, want: []string{`chain "C" is not in the model (chains: A,B)`}},
		{name: "13 graph --mask-model --chains", args: []string{"graph", "{map}", "-o", "{dir}/g13", "--resolution", "1.75", "--mask-model", "{twochains}", "--chains", "A"}, code: 0,
			want: []string{"excluded density:", "near the other chains only"}},
		{name: "13 graph --chains without --mask-model", args: []string{"graph", "{map}", "-o", "{dir}/g13", "--chains", "A"}, code: 1, want: []string{"--chains A: want it with --mask-model"}},
		// 14. A crop records its parent's normalisation; graph and fit use it.
		{name: "14 crop records the parent's level", args: []string{"info", "{crop}"}, code: 0, want: []string{"neuralem parent lo=", "neuralem parent mu01="}},
		{name: "14 graph of a crop uses the parent's level", args: []string{"graph", "{crop}", "-o", "{dir}/g14", "--resolution", "1.75", "--json"}, code: 0,
			want: []string{`"level_from": "the parent map's`, `"threshold_level": 0.409449`}},
		{name: "14 graph --level-from self", args: []string{"graph", "{crop}", "-o", "{dir}/g14s", "--resolution", "1.75", "--level-from", "self"}, code: 0, want: []string{"this map's own (--level-from self"}},
		{name: "14 fit of a crop uses the parent's normalisation", args: []string{"fit", "{crop}", "--dry-run", "--estimate-steps", "0"}, code: 0, want: []string{"normalisation: the parent map's"}},
		{name: "14 --level-from crop without a record", args: []string{"graph", "{map}", "-o", "{dir}/g14", "--level-from", "crop"}, code: 1, want: []string{"--level-from crop", "no parent-map record"}},
		{name: "14 --level-from bad", args: []string{"graph", "{map}", "-o", "{dir}/g14", "--level-from", "parent"}, code: 1, want: []string{"--level-from parent: want crop or self"}},
		// 15. export --units original says what it cannot restore.
		{name: "15 export --help", args: []string{"export", "--help"}, code: 0, want: []string{"cannot restore", "≤ 0"}},
		{name: "15 export label", args: []string{"export", "{nem}", "-o", "{dir}/x15.mrc"}, code: 0, want: []string{"cannot restore negative densities"},
			check: func(t *testing.T, f *fixtures, _, _ string) {
				_, h, err := mrc.ReadGrid(filepath.Join(f.dir, "x15.mrc"))
				if err != nil || !strings.Contains(strings.Join(h.Labels(), " "), "clipped to 0") {
					t.Errorf("labels %q (%v): want the clipping named", h.Labels(), err)
				}
			}},

		// 16. --init and meta-train (issue 11 part 1): a learned
		// initialisation is chosen, checked and recorded; it is never
		// silently replaced.
		{name: "16 --init bogus", args: []string{"fit", "{map}", "--dry-run", "--init", "bogus"}, code: 1, want: []string{"--init bogus", "want learned, random or the path of a .nemi file"}},
		{name: "16 --init missing file", args: []string{"fit", "{map}", "--dry-run", "--init", "{dir}/missing.nemi"}, code: 1, want: []string{"--init", "missing.nemi", "no such file"}},
		{name: "16 --init a map", args: []string{"fit", "{map}", "--dry-run", "--init", "{dir}/t.mrc"}, code: 1, want: []string{"not a neuralem initialisation file"}},
		{name: "16 --init random --seed", args: []string{"fit", "{map}", "--dry-run", "--estimate-steps", "0", "--init", "random", "--seed", "5"}, code: 0,
			want: []string{"initial weights random", "--seed 1 → 5"}},
		{name: "16 --seed with --init learned", args: []string{"fit", "{map}", "--dry-run", "--init", "learned", "--seed", "5"}, code: 1, want: []string{"--seed 5", "--init random"}},
		{name: "16 --seed with the learned default", args: []string{"fit", "{map}", "--dry-run", "--estimate-steps", "0", "--seed", "5", "--json"}, code: 1, want: []string{"--seed 5: want it with --init random only", "cpu (built in)"}},
		{name: "16 --seed with a learned file", args: []string{"fit", "{map}", "--dry-run", "--width", "16", "--hidden-layers", "1", "--region-size", "24", "--init", "{tinyinit}", "--seed", "5"}, code: 1,
			want: []string{"--seed 5: want it with --init random only", "tiny.nemi"}},
		{name: "16 mismatched network (the learned default)", args: []string{"fit", "{map}", "--dry-run", "--width", "32"}, code: 1,
			want: []string{"--init (default for the cpu preset: its shipped learned initialisation)", "Width 32", "pass --init random"}},
		{name: "16 mismatched network (learned)", args: []string{"fit", "{map}", "--dry-run", "--init", "learned", "--width", "32"}, code: 1, want: []string{"Width 64", "Width 32"}},
		{name: "16 mismatched region size (learned)", args: []string{"fit", "{map}", "--dry-run", "--init", "learned", "--region-size", "24"}, code: 1, want: []string{"16-voxel regions", "up to 24 voxels"}},
		{name: "16 mismatched init file", args: []string{"fit", "{map}", "--dry-run", "--init", "{tinyinit}"}, code: 1, want: []string{"--init", "tiny.nemi", "Width 16", "Width 64"}},
		{name: "16 init file for another region size", args: []string{"fit", "{map}", "--dry-run", "--width", "16", "--hidden-layers", "1", "--init", "{tinyinit}"}, code: 1,
			want: []string{"tiny.nemi was learned on 24-voxel regions", "up to 16 voxels"}},
		{name: "16 unfinished init", args: []string{"fit", "{map}", "--dry-run", "--width", "16", "--hidden-layers", "1", "--region-size", "24", "--init", "{halfinit}"}, code: 1,
			want: []string{"--init", "half.nemi has 1 of 3 outer steps", "unfinished", "run meta-train again"}},
		{name: "16 matching init file", args: []string{"fit", "{map}", "--dry-run", "--estimate-steps", "0", "--width", "16", "--hidden-layers", "1", "--region-size", "24", "--init", "{tinyinit}", "--json"}, code: 0,
			want: []string{`"kind": "learned"`, `"name": "tiny.nemi"`}},
		{name: "16 paper has no learned init", args: []string{"fit", "{map}", "--dry-run", "--preset", "paper", "--init", "learned"}, code: 1, want: []string{"--init learned", "no learned initialisation", "GPU job"}},
		{name: "16 resume from another init", args: []string{"fit", "{map}", "-o", "{nem}", "--width", "16", "--hidden-layers", "1", "--region-size", "24", "--max-steps", "3", "--init", "{tinyinit}"}, code: 1,
			want: []string{"was made differently", "initial weights random, this fit learned tiny.nemi"}, setup: keepNem, check: checkNem},
		{name: "16 merge of shards from different inits", args: []string{"merge", "{shard1}", "{ishard2}", "-o", "{dir}/mi.nem"}, code: 1,
			want: []string{"initial weights differs", "s1.nem has random", "is2.nem has learned tiny.nemi (sha256 "}, check: noEntries("mi.nem*")},
		{name: "16 info of a .nem shows its init", args: []string{"info", "{ishard2}"}, code: 0, want: []string{"initial weights: learned tiny.nemi (sha256 "}},
		{name: "16 info of a .nemi", args: []string{"info", "{tinyinit}"}, code: 0, want: []string{"SIREN initialisation for the cpu preset", "3 of 3 outer steps (finished)", "written by table_test.go"}, not: []string{"off-grid", "started from"}},
		{name: "16 info of an unfinished .nemi", args: []string{"info", "{halfinit}"}, code: 0, want: []string{"1 of 3 outer steps (UNFINISHED", "off-grid supervision: 500 points per region", "started from the initialisation with sha256 abababab"}},
		{name: "16 help fit", args: []string{"fit", "--help"}, code: 0, want: []string{"-init", "default: learned for the cpu preset", "random for paper"}},
		{name: "16 meta-train without -o", args: []string{"meta-train"}, code: 1, want: []string{"-o INIT.nemi is required"}},
		{name: "16 meta-train --preset paper", args: []string{"meta-train", "-o", "{dir}/m.nemi", "--preset", "paper"}, code: 1, want: []string{"--preset paper: want cpu", "GPU job"}},
		{name: "16 meta-train --steps 0", args: []string{"meta-train", "-o", "{dir}/m.nemi", "--steps", "0"}, code: 1, want: []string{"--steps 0: want"}},
		{name: "16 meta-train --offgrid -1", args: []string{"meta-train", "-o", "{dir}/m.nemi", "--offgrid", "-1"}, code: 1, want: []string{"--offgrid -1: want a number of off-grid points ≥ 0"}},
		{name: "16 meta-train --offgrid too many", args: []string{"meta-train", "-o", "{dir}/m.nemi", "--offgrid", "25696"}, code: 1, want: []string{"--offgrid 25696: want 0 to 25695", "16³ region"}},
		{name: "16 meta-train --meta-lr 2", args: []string{"meta-train", "-o", "{dir}/m.nemi", "--meta-lr", "2"}, code: 1, want: []string{"--meta-lr 2: want a Reptile step in (0, 1]"}},
		{name: "16 meta-train --from random", args: []string{"meta-train", "-o", "{dir}/m.nemi", "--from", "random"}, code: 1, want: []string{"--from random: leave --from out"}},
		{name: "16 meta-train --from a missing file", args: []string{"meta-train", "-o", "{dir}/m.nemi", "--from", "{dir}/missing.nemi"}, code: 1, want: []string{"--from", "missing.nemi", "no such file"}},
		{name: "16 meta-train --from another network", args: []string{"meta-train", "-o", "{dir}/m.nemi", "--from", "{tinyinit}"}, code: 1, want: []string{"--from", "tiny.nemi", "Width 16", "Width 64"}},
		{name: "16 meta-train --from an unfinished file", args: []string{"meta-train", "-o", "{dir}/m.nemi", "--from", "{halfinit}"}, code: 1, want: []string{"--from", "half.nemi has 1 of 3 outer steps"}},
		{name: "16 meta-train --from its output", args: []string{"meta-train", "-o", "{tinyinit}", "--from", "{tinyinit}"}, code: 1, want: []string{"is the input", "refusing to overwrite an input"}},
		{name: "16 meta-train over a map", args: []string{"meta-train", "-o", "{map}"}, code: 1, want: []string{"exists and is an MRC map, not an initialisation"}, setup: keepMap, check: checkMap},

		// Messages.
		{name: "msg crop --lo a,b,c", args: []string{"crop", "{map}", "-o", "{dir}/c.mrc", "--lo", "a,b,c", "--hi", "1,2,3"}, code: 1,
			want: []string{`--lo "a,b,c": component 1 "a" is not an integer`}, not: []string{"<nil>"}},
		{name: "msg crop --lo without --hi", args: []string{"crop", "{map}", "-o", "{dir}/c.mrc", "--lo", "1,2,3"}, code: 1,
			want: []string{"--lo 1,2,3: want it with --hi"}, not: []string{"<nil>"}},
		{name: "msg simulate --resolution -1", args: []string{"simulate", "{model}", "-o", "{dir}/s.mrc", "--resolution", "-1"}, code: 1,
			want: []string{"--resolution -1: want a resolution > 0", "the file gives 1.75 Å"}, not: []string{"does not give one"}},
		{name: "msg unknown element", args: []string{"simulate", "{badel}", "-o", "{dir}/s.mrc"}, code: 1, want: []string{`"Qq"`}, not: []string{`"X"`}},
		{name: "msg directory as a map (fit)", args: []string{"fit", "{adir}", "-o", "{dir}/x.nem"}, code: 1, want: []string{"is a directory"}, not: []string{"truncated"}},
		{name: "msg directory as a map (graph)", args: []string{"graph", "{adir}", "-o", "{dir}/gx"}, code: 1, want: []string{"is a directory"}},
		{name: "msg directory as a file (info)", args: []string{"info", "{adir}"}, code: 1, want: []string{"is a directory"}},
		{name: "msg PDB as a map", args: []string{"fit", "{model}", "-o", "{dir}/x.nem"}, code: 1, want: []string{"not an MRC/CCP4 map", "REMARK"}, not: []string{"MODE ="}},
		{name: "msg non-finite map names no Go API", args: []string{"fit", "{nanmap}", "-o", "{dir}/x.nem"}, code: 1, want: []string{"non-finite voxel", "neuralem info"}, not: []string{"ReadOptions", "AllowNonFinite"}},
		{name: "msg non-orthogonal map names no Go API", args: []string{"graph", "{skew}", "-o", "{dir}/gx"}, code: 1, want: []string{"non-orthogonal", "resample"}, not: []string{"(*Map)", "Position"}},
		{name: "msg export -o DIR", args: []string{"export", "{nem}", "-o", "{adir}"}, code: 1, want: []string{"is a directory, want a file name"}, not: []string{"file exists"}},
		{name: "msg graph -o dir/", args: []string{"graph", "{map}", "-o", "{adir}/", "--resolution", "1.75"}, code: 1, want: []string{"a prefix names files"}, check: noEntries("adir/.*")},
		{name: "msg graph -o DIR", args: []string{"graph", "{map}", "-o", "{adir}", "--resolution", "1.75"}, code: 1, want: []string{"is a directory"}},
		{name: "msg --formats ''", args: []string{"graph", "{map}", "-o", "{dir}/gf", "--resolution", "1.75", "--formats", ""}, code: 1, want: []string{"names no format"}, not: []string{"wrote"}},
		{name: "msg --formats unknown", args: []string{"graph", "{map}", "-o", "{dir}/gf", "--formats", "cif,svg"}, code: 1, want: []string{`unknown format "svg"`}},
		{name: "msg crop --model with --lo/--hi", args: []string{"crop", "{map}", "-o", "{dir}/c.mrc", "--model", "{model}", "--lo", "0,0,0", "--hi", "4,4,4"}, code: 1,
			want: []string{"not both"}},
		{name: "msg eval swapped", args: []string{"eval", "{model}", "{graphcif}"}, code: 1, want: []string{"swapped", "give the graph first"}},
		{name: "msg graph --help names the edges table", args: []string{"graph", "--help"}, code: 0, want: []string{"_nodes_edges.csv"}},
		{name: "msg mmCIF lexer error after an item", args: []string{"info", "{badcif}"}, code: 1, want: []string{"bad.cif:3"}, not: []string{"value without a tag"}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			if r.setup != nil {
				r.setup(t, f)
			}
			args := f.args(r.args)
			code, stdout, stderr := cli(t, args...)
			text := stderr
			if code == 0 {
				text = stdout + stderr
			}
			if code != r.code {
				t.Errorf("neuralem %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, r.code, stdout, stderr)
			}
			for _, w := range r.want {
				if !strings.Contains(text, w) {
					t.Errorf("neuralem %s: output lacks %q:\n%s", strings.Join(args, " "), w, text)
				}
			}
			for _, w := range r.not {
				if strings.Contains(text, w) {
					t.Errorf("neuralem %s: output has %q:\n%s", strings.Join(args, " "), w, text)
				}
			}
			if r.check != nil {
				r.check(t, f, stdout, stderr)
			}
		})
	}
}
