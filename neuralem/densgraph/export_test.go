package densgraph

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// randomGraph returns a graph with irregular values (negative coordinates,
// densities of mixed sign and magnitude) and its cutoff edges.
func randomGraph(t testing.TB, n int, seed uint64) *Graph {
	rng := rand.New(rand.NewPCG(seed, 7))
	g := &Graph{}
	pts := make([]geom.Point, n)
	for i := range pts {
		pts[i] = geom.Point{rng.Float64()*20 - 5, rng.Float64() * 20, rng.Float64()*20 + 100}
		g.Nodes = append(g.Nodes, Node{Pos: pts[i], Density: rng.Float64()*1.3 - 0.1, Size: 1 + rng.IntN(40)})
	}
	e, err := Edges(pts, 3.5)
	if err != nil {
		t.Fatal(err)
	}
	g.Edges = e
	return g
}

// compareGraphs checks b against a with absolute tolerances for positions
// (Å), densities and lengths (Å); sizes are compared when checkSize.
func compareGraphs(t *testing.T, name string, a, b *Graph, posTol, densTol, lenTol float64, checkSize bool) {
	t.Helper()
	if len(a.Nodes) != len(b.Nodes) || len(a.Edges) != len(b.Edges) {
		t.Fatalf("%s: %d nodes %d edges, want %d and %d", name, len(b.Nodes), len(b.Edges), len(a.Nodes), len(a.Edges))
	}
	for i := range a.Nodes {
		x, y := a.Nodes[i], b.Nodes[i]
		if x.Pos.Dist(y.Pos) > posTol*math.Sqrt(3) || math.Abs(x.Density-y.Density) > densTol || (checkSize && x.Size != y.Size) {
			t.Fatalf("%s: node %d = %+v, want %+v", name, i, y, x)
		}
	}
	for k := range a.Edges {
		x, y := a.Edges[k], b.Edges[k]
		if x.I != y.I || x.J != y.J || math.Abs(x.Length-y.Length) > lenTol {
			t.Fatalf("%s: edge %d = %+v, want %+v", name, k, y, x)
		}
	}
}

func TestRoundTrips(t *testing.T) {
	g := randomGraph(t, 150, 1)
	if len(g.Edges) < 100 {
		t.Fatalf("only %d edges", len(g.Edges))
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, g); err != nil {
		t.Fatal(err)
	}
	h, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	compareGraphs(t, "JSON", g, h, 0, 0, 0, true)

	buf.Reset()
	if err := WriteGraphML(&buf, g); err != nil {
		t.Fatal(err)
	}
	h, err = ReadGraphML(&buf)
	if err != nil {
		t.Fatal(err)
	}
	compareGraphs(t, "GraphML", g, h, 0, 0, 0, true)

	var eb bytes.Buffer
	buf.Reset()
	if err := WriteCSV(&buf, &eb, g); err != nil {
		t.Fatal(err)
	}
	h, err = ReadCSV(&buf, &eb)
	if err != nil {
		t.Fatal(err)
	}
	compareGraphs(t, "CSV", g, h, 0, 0, 0, true)

	buf.Reset()
	if err := WriteMMCIF(&buf, g); err != nil {
		t.Fatal(err)
	}
	h, err = ReadMMCIF(&buf)
	if err != nil {
		t.Fatal(err)
	}
	compareGraphs(t, "mmCIF", g, h, 0.5e-5, 0, 0, true)

	buf.Reset()
	if err := WritePDB(&buf, g); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "NEURALEM DENSITY SCALE 100\n") {
		t.Errorf("density scale for densities ≤ 1.3: %q", strings.SplitN(buf.String(), "\n", 3)[1])
	}
	h, err = ReadPDB(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// PDB: 0.001 Å coordinates, 0.01/scale density, lengths from rounded
	// positions.
	compareGraphs(t, "PDB", g, h, 0.5e-3, 0.5e-4, 2e-3, false)

	// Large densities force a smaller scale but still round-trip to 2 digits.
	big := randomGraph(t, 10, 2)
	for i := range big.Nodes {
		big.Nodes[i].Density *= 30000
	}
	buf.Reset()
	if err := WritePDB(&buf, big); err != nil {
		t.Fatal(err)
	}
	h, err = ReadPDB(&buf)
	if err != nil {
		t.Fatal(err)
	}
	compareGraphs(t, "PDB large densities", big, h, 0.5e-3, 0.5/0.01, 2e-3, false)
}

func TestFileRoundTripsAndErrors(t *testing.T) {
	g := randomGraph(t, 30, 3)
	dir := t.TempDir()
	for _, name := range []string{"g.cif", "g.pdb", "g.json", "g.graphml", "g.csv"} {
		p := filepath.Join(dir, name)
		if err := WriteFile(p, g); err != nil {
			t.Fatal(err)
		}
		h, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Nodes) != len(g.Nodes) || len(h.Edges) != len(g.Edges) {
			t.Errorf("%s: %d nodes %d edges", name, len(h.Nodes), len(h.Edges))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "g_edges.csv")); err != nil {
		t.Error(err)
	}
	if err := WriteFile(filepath.Join(dir, "g.xyz"), g); err == nil {
		t.Error("unknown extension accepted")
	}
	// Reader errors name the file, the field and the value.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("id,x,y,z,density,size\n0,1,2,abc,0.5,3\n"), 0o644)
	os.WriteFile(EdgesCSVPath(bad), []byte("source,target,length\n"), 0o644)
	_, err := ReadFile(bad)
	if err == nil || !strings.Contains(err.Error(), "bad.csv") || !strings.Contains(err.Error(), `z = "abc"`) {
		t.Errorf("bad CSV error = %v", err)
	}
	badPDB := filepath.Join(dir, "bad.pdb")
	os.WriteFile(badPDB, []byte("HETATM    1  C   NOD A   1       1.000   2.000   x.000  1.00 50.00           C\n"), 0o644)
	if _, err := ReadFile(badPDB); err == nil || !strings.Contains(err.Error(), "bad.pdb") || !strings.Contains(err.Error(), "x.000") {
		t.Errorf("bad PDB error = %v", err)
	}
	// An edge to a missing node is refused by writers.
	g.Edges = append(g.Edges, Edge{I: 0, J: 99, Length: 1})
	if err := WriteJSON(&bytes.Buffer{}, g); err == nil {
		t.Error("edge to a missing node accepted")
	}
}

// python returns the Debian interpreter if it can import the modules.
// Without them the test fails when CI is set and skips otherwise.
func python(t *testing.T, modules ...string) string {
	t.Helper()
	const py = "/usr/bin/python3"
	args := []string{"-c", "import " + strings.Join(modules, ", ")}
	if out, err := exec.Command(py, args...).CombinedOutput(); err != nil {
		msg := "reference tools missing (apt-get install python3-sklearn python3-networkx python3-gemmi): " + strings.TrimSpace(string(out)) + " " + err.Error()
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return py
}

func TestPythonReadsExports(t *testing.T) {
	py := python(t, "gemmi", "networkx")
	f := testField()
	g, _, err := Build(f, Options{Seeds: SeedOptions{Threshold: Absolute(0.3)}, Edges: EdgeOptions{Cutoff: 6}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Edges) < 3 {
		t.Fatalf("only %d edges", len(g.Edges))
	}
	dir := t.TempDir()
	for _, n := range []string{"g.cif", "g.json", "g.graphml", "g.pdb"} {
		if err := WriteFile(filepath.Join(dir, n), g); err != nil {
			t.Fatal(err)
		}
	}
	script := `
import sys, json, gemmi, networkx as nx
d = sys.argv[1]
st = gemmi.read_structure(d + "/g.cif")
atoms = [a for r in st[0][0] for a in r]
print("cif_atoms", len(atoms))
for a in atoms:
    print("cif_atom", a.pos.x, a.pos.y, a.pos.z, a.b_iso)
print("cif_conns", len(st.connections))
for c in st.connections:
    print("cif_conn", c.partner1.res_id.seqid.num, c.partner2.res_id.seqid.num)
pdb = gemmi.read_structure(d + "/g.pdb")
print("pdb_atoms", sum(1 for r in pdb[0][0] for a in r))
g = nx.node_link_graph(json.load(open(d + "/g.json")))
print("json", g.number_of_nodes(), g.number_of_edges())
for n, a in sorted(g.nodes(data=True)):
    print("json_node", n, a["x"], a["y"], a["z"], a["density"], a["size"])
for u, v, a in g.edges(data=True):
    print("json_edge", min(u, v), max(u, v), a["length"])
h = nx.read_graphml(d + "/g.graphml")
print("graphml", h.number_of_nodes(), h.number_of_edges())
for n, a in h.nodes(data=True):
    print("graphml_node", n[1:], a["x"], a["y"], a["z"], a["density"], a["size"])
`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var cifAtoms, cifConns int
	edgeSet := map[[2]int]float64{}
	for _, e := range g.Edges {
		edgeSet[[2]int{e.I, e.J}] = e.Length
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fs := strings.Fields(line)
		num := func(i int) float64 {
			var v float64
			if _, err := fmtSscan(fs[i], &v); err != nil {
				t.Fatalf("python output %q: %v", line, err)
			}
			return v
		}
		switch fs[0] {
		case "cif_atoms":
			if int(num(1)) != len(g.Nodes) {
				t.Errorf("gemmi read %s atoms, want %d", fs[1], len(g.Nodes))
			}
		case "cif_atom":
			n := g.Nodes[cifAtoms]
			p := geom.Point{num(1), num(2), num(3)}
			if p.Dist(n.Pos) > 1e-4 || math.Abs(num(4)-n.Density) > 1e-4 {
				t.Errorf("gemmi atom %d at %v B %g, node %+v", cifAtoms, p, num(4), n)
			}
			cifAtoms++
		case "cif_conns":
			if int(num(1)) != len(g.Edges) {
				t.Errorf("gemmi read %s connections, want %d", fs[1], len(g.Edges))
			}
		case "cif_conn":
			a, b := int(num(1))-1, int(num(2))-1
			if _, ok := edgeSet[[2]int{a, b}]; !ok {
				t.Errorf("gemmi connection %d–%d is not an edge", a, b)
			}
			cifConns++
		case "pdb_atoms":
			if int(num(1)) != len(g.Nodes) {
				t.Errorf("gemmi read %s PDB atoms, want %d", fs[1], len(g.Nodes))
			}
		case "json", "graphml":
			if int(num(1)) != len(g.Nodes) || int(num(2)) != len(g.Edges) {
				t.Errorf("networkx %s: %s nodes %s edges, want %d and %d", fs[0], fs[1], fs[2], len(g.Nodes), len(g.Edges))
			}
		case "json_node", "graphml_node":
			i := int(num(1))
			n := g.Nodes[i]
			if (geom.Point{num(2), num(3), num(4)}) != n.Pos || num(5) != n.Density || int(num(6)) != n.Size {
				t.Errorf("networkx %s %d: %v, want %+v", fs[0], i, fs[2:], n)
			}
		case "json_edge":
			l, ok := edgeSet[[2]int{int(num(1)), int(num(2))}]
			if !ok || l != num(3) {
				t.Errorf("networkx edge %v not in the graph", fs[1:])
			}
		}
	}
	if cifAtoms != len(g.Nodes) || cifConns != len(g.Edges) {
		t.Errorf("gemmi listed %d atoms, %d connections", cifAtoms, cifConns)
	}
}

func fmtSscan(s string, v *float64) (int, error) { return fmt.Sscan(s, v) }
