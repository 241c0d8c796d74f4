package densgraph

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// Validate checks that g is well formed: finite node positions and
// densities, positive sizes, edges between existing distinct nodes with a
// finite length.
func (g *Graph) Validate() error {
	for i, n := range g.Nodes {
		if !n.Pos.IsFinite() || math.IsNaN(n.Density) || math.IsInf(n.Density, 0) {
			return fmt.Errorf("densgraph: node %d: position %v density %g, want finite values", i, n.Pos, n.Density)
		}
		if n.Size < 0 {
			return fmt.Errorf("densgraph: node %d: size %d, want ≥ 0", i, n.Size)
		}
	}
	for k, e := range g.Edges {
		if e.I < 0 || e.J < 0 || e.I >= len(g.Nodes) || e.J >= len(g.Nodes) || e.I == e.J {
			return fmt.Errorf("densgraph: edge %d joins nodes %d and %d of %d", k, e.I, e.J, len(g.Nodes))
		}
		if math.IsNaN(e.Length) || math.IsInf(e.Length, 0) {
			return fmt.Errorf("densgraph: edge %d length %g, want finite", k, e.Length)
		}
	}
	return nil
}

func ff(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ---------------------------------------------------------------- mmCIF

// WriteMMCIF writes g as an mmCIF model: one HETATM pseudo-atom per node
// (atom C, element C, residue NOD, chain A, sequence number = node index +
// 1), density in B_iso_or_equiv, occupancy 1; edges as covalent
// _struct_conn rows with the length in pdbx_dist_value, so ChimeraX and Coot
// draw them as bonds. A _neuralem_node loop keeps the exact density and the
// cluster size; a _neuralem_edge loop keeps the exact lengths. Coordinates
// are written with 5 decimals (10⁻⁵ Å).
func WriteMMCIF(w io.Writer, g *Graph) error {
	if err := g.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "data_neuralem_density_graph\n#\n_struct.entry_id neuralem_density_graph\n_struct.title 'neuralem density graph: %d nodes, %d edges'\n#\n",
		len(g.Nodes), len(g.Edges))
	bw.WriteString("loop_\n")
	for _, tag := range []string{"group_PDB", "id", "type_symbol", "label_atom_id", "label_alt_id", "label_comp_id",
		"label_asym_id", "label_entity_id", "label_seq_id", "pdbx_PDB_ins_code", "Cartn_x", "Cartn_y", "Cartn_z",
		"occupancy", "B_iso_or_equiv", "auth_seq_id", "auth_comp_id", "auth_asym_id", "auth_atom_id", "pdbx_PDB_model_num"} {
		fmt.Fprintf(bw, "_atom_site.%s\n", tag)
	}
	for i, n := range g.Nodes {
		fmt.Fprintf(bw, "HETATM %d C C . NOD A 1 %d ? %.5f %.5f %.5f 1 %.6g %d NOD A C 1\n",
			i+1, i+1, n.Pos[0], n.Pos[1], n.Pos[2], n.Density, i+1)
	}
	bw.WriteString("#\nloop_\n_neuralem_node.id\n_neuralem_node.density\n_neuralem_node.size\n")
	for i, n := range g.Nodes {
		fmt.Fprintf(bw, "%d %s %d\n", i+1, ff(n.Density), n.Size)
	}
	bw.WriteString("#\n")
	if len(g.Edges) > 0 {
		bw.WriteString("loop_\n")
		for _, tag := range []string{"id", "conn_type_id",
			"ptnr1_label_asym_id", "ptnr1_label_comp_id", "ptnr1_label_seq_id", "ptnr1_label_atom_id",
			"pdbx_ptnr1_label_alt_id", "pdbx_ptnr1_PDB_ins_code", "ptnr1_auth_asym_id", "ptnr1_auth_comp_id", "ptnr1_auth_seq_id", "ptnr1_symmetry",
			"ptnr2_label_asym_id", "ptnr2_label_comp_id", "ptnr2_label_seq_id", "ptnr2_label_atom_id",
			"pdbx_ptnr2_label_alt_id", "pdbx_ptnr2_PDB_ins_code", "ptnr2_auth_asym_id", "ptnr2_auth_comp_id", "ptnr2_auth_seq_id", "ptnr2_symmetry",
			"pdbx_dist_value"} {
			fmt.Fprintf(bw, "_struct_conn.%s\n", tag)
		}
		for k, e := range g.Edges {
			fmt.Fprintf(bw, "covale%d covale A NOD %d C ? ? A NOD %d 1_555 A NOD %d C ? ? A NOD %d 1_555 %.3f\n",
				k+1, e.I+1, e.I+1, e.J+1, e.J+1, e.Length)
		}
		bw.WriteString("#\nloop_\n_neuralem_edge.conn_id\n_neuralem_edge.length\n")
		for k, e := range g.Edges {
			fmt.Fprintf(bw, "covale%d %s\n", k+1, ff(e.Length))
		}
		bw.WriteString("#\n")
	}
	return bw.Flush()
}

// cifLoops tokenises the simple CIF that WriteMMCIF writes: loops and
// single items, quoted strings, no text fields. It returns tag → column
// values (single items as one-row columns).
func cifLoops(r io.Reader) (map[string][]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var toks []string
	for ln, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, ";") {
			return nil, fmt.Errorf("line %d: text fields are not supported", ln+1)
		}
		for i := 0; i < len(line); {
			c := line[i]
			switch {
			case c == ' ' || c == '\t' || c == '\r':
				i++
			case c == '#':
				i = len(line)
			case c == '\'' || c == '"':
				j := i + 1
				for j < len(line) && !(line[j] == c && (j+1 == len(line) || line[j+1] == ' ' || line[j+1] == '\t')) {
					j++
				}
				if j >= len(line) {
					return nil, fmt.Errorf("line %d: unterminated quoted string", ln+1)
				}
				toks = append(toks, line[i+1:j])
				i = j + 1
			default:
				j := i
				for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
					j++
				}
				toks = append(toks, line[i:j])
				i = j
			}
		}
	}
	out := map[string][]string{}
	for i := 0; i < len(toks); {
		t := toks[i]
		switch {
		case strings.HasPrefix(t, "data_"):
			i++
		case t == "loop_":
			i++
			var tags []string
			for i < len(toks) && strings.HasPrefix(toks[i], "_") {
				tags = append(tags, strings.ToLower(toks[i]))
				i++
			}
			j := i
			for j < len(toks) && !strings.HasPrefix(toks[j], "_") && toks[j] != "loop_" && !strings.HasPrefix(toks[j], "data_") {
				j++
			}
			vals := toks[i:j]
			if len(tags) == 0 || len(vals)%len(tags) != 0 {
				return nil, fmt.Errorf("loop with %d tags has %d values", len(tags), len(vals))
			}
			for c, tag := range tags {
				col := make([]string, 0, len(vals)/len(tags))
				for r := c; r < len(vals); r += len(tags) {
					col = append(col, vals[r])
				}
				out[tag] = col
			}
			i = j
		case strings.HasPrefix(t, "_"):
			if i+1 >= len(toks) {
				return nil, fmt.Errorf("item %s has no value", t)
			}
			out[strings.ToLower(t)] = []string{toks[i+1]}
			i += 2
		default:
			return nil, fmt.Errorf("unexpected token %q", t)
		}
	}
	return out, nil
}

func parseF(field, s string, row int) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("row %d: %s = %q is not a number", row+1, field, s)
	}
	return v, nil
}

func parseI(field, s string, row int) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("row %d: %s = %q is not an integer", row+1, field, s)
	}
	return v, nil
}

// ReadMMCIF reads a graph written by WriteMMCIF. Nodes come from
// _atom_site (positions) and _neuralem_node (exact density and size; if
// absent, density from B_iso_or_equiv and size 0); edges from _struct_conn
// (lengths from _neuralem_edge if present, else pdbx_dist_value).
func ReadMMCIF(r io.Reader) (*Graph, error) {
	c, err := cifLoops(r)
	if err != nil {
		return nil, fmt.Errorf("densgraph: mmCIF: %w", err)
	}
	ids := c["_atom_site.label_seq_id"]
	xs, ys, zs, bs := c["_atom_site.cartn_x"], c["_atom_site.cartn_y"], c["_atom_site.cartn_z"], c["_atom_site.b_iso_or_equiv"]
	if ids == nil || xs == nil || ys == nil || zs == nil || bs == nil {
		return nil, fmt.Errorf("densgraph: mmCIF: _atom_site lacks label_seq_id, Cartn_x/y/z or B_iso_or_equiv")
	}
	g := &Graph{Nodes: make([]Node, len(ids))}
	for i := range ids {
		seq, err := parseI("_atom_site.label_seq_id", ids[i], i)
		if err != nil {
			return nil, fmt.Errorf("densgraph: mmCIF: %w", err)
		}
		if seq != i+1 {
			return nil, fmt.Errorf("densgraph: mmCIF: row %d: _atom_site.label_seq_id = %d, want %d (nodes in order)", i+1, seq, i+1)
		}
		var p geom.Point
		for a, col := range [][]string{xs, ys, zs} {
			if p[a], err = parseF("_atom_site.Cartn_"+string(rune('x'+a)), col[i], i); err != nil {
				return nil, fmt.Errorf("densgraph: mmCIF: %w", err)
			}
		}
		d, err := parseF("_atom_site.B_iso_or_equiv", bs[i], i)
		if err != nil {
			return nil, fmt.Errorf("densgraph: mmCIF: %w", err)
		}
		g.Nodes[i] = Node{Pos: p, Density: d}
	}
	if nd := c["_neuralem_node.density"]; nd != nil {
		ns := c["_neuralem_node.size"]
		if len(nd) != len(g.Nodes) || len(ns) != len(g.Nodes) {
			return nil, fmt.Errorf("densgraph: mmCIF: _neuralem_node has %d rows for %d atoms", len(nd), len(g.Nodes))
		}
		for i := range nd {
			if g.Nodes[i].Density, err = parseF("_neuralem_node.density", nd[i], i); err != nil {
				return nil, fmt.Errorf("densgraph: mmCIF: %w", err)
			}
			if g.Nodes[i].Size, err = parseI("_neuralem_node.size", ns[i], i); err != nil {
				return nil, fmt.Errorf("densgraph: mmCIF: %w", err)
			}
		}
	}
	p1, p2, dv := c["_struct_conn.ptnr1_label_seq_id"], c["_struct_conn.ptnr2_label_seq_id"], c["_struct_conn.pdbx_dist_value"]
	exact := c["_neuralem_edge.length"]
	if exact != nil && len(exact) != len(p1) {
		return nil, fmt.Errorf("densgraph: mmCIF: _neuralem_edge has %d rows for %d _struct_conn rows", len(exact), len(p1))
	}
	for k := range p1 {
		a, err := parseI("_struct_conn.ptnr1_label_seq_id", p1[k], k)
		if err != nil {
			return nil, fmt.Errorf("densgraph: mmCIF: %w", err)
		}
		b, err := parseI("_struct_conn.ptnr2_label_seq_id", p2[k], k)
		if err != nil {
			return nil, fmt.Errorf("densgraph: mmCIF: %w", err)
		}
		src := dv
		field := "_struct_conn.pdbx_dist_value"
		if exact != nil {
			src, field = exact, "_neuralem_edge.length"
		}
		l, err := parseF(field, src[k], k)
		if err != nil {
			return nil, fmt.Errorf("densgraph: mmCIF: %w", err)
		}
		g.Edges = append(g.Edges, Edge{I: a - 1, J: b - 1, Length: l})
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("densgraph: mmCIF: %w", err)
	}
	return g, nil
}

// ---------------------------------------------------------------- PDB

const pdbChains = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// pdbScale picks a power of ten so that density·scale fits the 6.2f
// B-factor column with as many digits as possible.
func pdbScale(g *Graph) float64 {
	mx := 0.0
	for _, n := range g.Nodes {
		mx = math.Max(mx, math.Max(n.Density, -10*n.Density)) // negatives have one column less
	}
	if mx == 0 {
		return 1
	}
	e := math.Floor(math.Log10(999.99 / mx))
	return math.Pow(10, e)
}

// WritePDB writes g as PDB HETATM records (atom C, residue NOD; chain A, B,
// … with residue numbers 1–9999 within each chain) and CONECT records for
// the edges. The B-factor column carries density × scale, where the scale
// (a power of ten, so that the values fit the column) is stated in a
// "REMARK   3 NEURALEM DENSITY SCALE" line. Precision is that of the PDB
// format: 0.001 Å and 0.01 in the scaled density; cluster sizes and exact
// edge lengths are not stored (lengths are recomputed from positions on
// reading). More than 99999 nodes is an error (use mmCIF).
func WritePDB(w io.Writer, g *Graph) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if len(g.Nodes) > 99999 {
		return fmt.Errorf("densgraph: PDB: %d nodes exceed the format's 99999 atom serials; write mmCIF", len(g.Nodes))
	}
	for i, n := range g.Nodes {
		for a := 0; a < 3; a++ {
			if n.Pos[a] <= -999.9995 || n.Pos[a] >= 9999.9995 {
				return fmt.Errorf("densgraph: PDB: node %d coordinate %g Å does not fit the 8.3f column; write mmCIF", i, n.Pos[a])
			}
		}
	}
	scale := pdbScale(g)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "REMARK   1 NEURALEM DENSITY GRAPH %d NODES %d EDGES\n", len(g.Nodes), len(g.Edges))
	fmt.Fprintf(bw, "REMARK   3 NEURALEM DENSITY SCALE %s\n", ff(scale))
	for i, n := range g.Nodes {
		chain := pdbChains[i/9999]
		fmt.Fprintf(bw, "HETATM%5d  C   NOD %c%4d    %8.3f%8.3f%8.3f%6.2f%6.2f           C\n",
			i+1, chain, i%9999+1, n.Pos[0], n.Pos[1], n.Pos[2], 1.0, n.Density*scale)
	}
	adj := make([][]int, len(g.Nodes))
	for _, e := range g.Edges {
		adj[e.I] = append(adj[e.I], e.J)
		adj[e.J] = append(adj[e.J], e.I)
	}
	for i, nb := range adj {
		for s := 0; s < len(nb); s += 4 {
			fmt.Fprintf(bw, "CONECT%5d", i+1)
			for _, j := range nb[s:min(s+4, len(nb))] {
				fmt.Fprintf(bw, "%5d", j+1)
			}
			bw.WriteString("\n")
		}
	}
	bw.WriteString("END\n")
	return bw.Flush()
}

// ReadPDB reads a graph written by WritePDB: HETATM records in serial
// order 1..n, the density scale REMARK and CONECT records. Sizes are 0 and
// edge lengths are recomputed from the positions.
func ReadPDB(r io.Reader) (*Graph, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	g := &Graph{}
	scale := 1.0
	seen := map[[2]int]bool{}
	var bonds [][2]int
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "REMARK   3 NEURALEM DENSITY SCALE"):
			s := strings.TrimSpace(line[len("REMARK   3 NEURALEM DENSITY SCALE"):])
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !(v > 0) {
				return nil, fmt.Errorf("densgraph: PDB line %d: density scale %q, want a number > 0", ln, s)
			}
			scale = v
		case strings.HasPrefix(line, "HETATM") || strings.HasPrefix(line, "ATOM  "):
			if len(line) < 66 {
				return nil, fmt.Errorf("densgraph: PDB line %d: atom record has %d columns, want ≥ 66", ln, len(line))
			}
			serial, err := strconv.Atoi(strings.TrimSpace(line[6:11]))
			if err != nil || serial != len(g.Nodes)+1 {
				return nil, fmt.Errorf("densgraph: PDB line %d: serial %q, want %d", ln, line[6:11], len(g.Nodes)+1)
			}
			var p geom.Point
			for a := 0; a < 3; a++ {
				s := strings.TrimSpace(line[30+8*a : 38+8*a])
				if p[a], err = strconv.ParseFloat(s, 64); err != nil {
					return nil, fmt.Errorf("densgraph: PDB line %d: coordinate %c = %q is not a number", ln, 'x'+a, s)
				}
			}
			s := strings.TrimSpace(line[60:66])
			b, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("densgraph: PDB line %d: B-factor %q is not a number", ln, s)
			}
			g.Nodes = append(g.Nodes, Node{Pos: p, Density: b})
		case strings.HasPrefix(line, "CONECT"):
			var ser []int
			for c := 6; c+5 <= len(line); c += 5 {
				f := strings.TrimSpace(line[c : c+5])
				if f == "" {
					continue
				}
				v, err := strconv.Atoi(f)
				if err != nil {
					return nil, fmt.Errorf("densgraph: PDB line %d: CONECT serial %q is not an integer", ln, f)
				}
				ser = append(ser, v)
			}
			if len(ser) == 0 {
				return nil, fmt.Errorf("densgraph: PDB line %d: empty CONECT record", ln)
			}
			for _, o := range ser[1:] {
				k := [2]int{min(ser[0], o) - 1, max(ser[0], o) - 1}
				if !seen[k] {
					seen[k] = true
					bonds = append(bonds, k)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("densgraph: PDB: %w", err)
	}
	for i := range g.Nodes {
		g.Nodes[i].Density /= scale
	}
	for _, b := range bonds {
		if b[0] < 0 || b[1] >= len(g.Nodes) {
			return nil, fmt.Errorf("densgraph: PDB: CONECT %d–%d refers to an atom that does not exist (%d atoms)", b[0]+1, b[1]+1, len(g.Nodes))
		}
		g.Edges = append(g.Edges, Edge{I: b[0], J: b[1], Length: g.Nodes[b[0]].Pos.Dist(g.Nodes[b[1]].Pos)})
	}
	sortEdges(g.Edges)
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("densgraph: PDB: %w", err)
	}
	return g, nil
}

// ---------------------------------------------------------------- node-link JSON

type nlNode struct {
	ID      int     `json:"id"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
	Z       float64 `json:"z"`
	Density float64 `json:"density"`
	Size    int     `json:"size"`
}

type nlLink struct {
	Source int     `json:"source"`
	Target int     `json:"target"`
	Length float64 `json:"length"`
}

type nodeLink struct {
	Directed   bool              `json:"directed"`
	Multigraph bool              `json:"multigraph"`
	Graph      map[string]string `json:"graph"`
	Nodes      []nlNode          `json:"nodes"`
	Links      []nlLink          `json:"links"`
}

// WriteJSON writes g in NetworkX node-link format (networkx.node_link_graph
// reads it): undirected, node ids 0..n-1 with attributes x, y, z (Å),
// density and size; links with source, target and length (Å). Values are
// written exactly.
func WriteJSON(w io.Writer, g *Graph) error {
	if err := g.Validate(); err != nil {
		return err
	}
	nl := nodeLink{Graph: map[string]string{"name": "neuralem density graph", "units": "angstrom"},
		Nodes: make([]nlNode, len(g.Nodes)), Links: make([]nlLink, len(g.Edges))}
	for i, n := range g.Nodes {
		nl.Nodes[i] = nlNode{ID: i, X: n.Pos[0], Y: n.Pos[1], Z: n.Pos[2], Density: n.Density, Size: n.Size}
	}
	for k, e := range g.Edges {
		nl.Links[k] = nlLink{Source: e.I, Target: e.J, Length: e.Length}
	}
	enc := json.NewEncoder(w)
	return enc.Encode(nl)
}

// ReadJSON reads node-link JSON as written by WriteJSON (node ids must be
// 0..n-1 in order).
func ReadJSON(r io.Reader) (*Graph, error) {
	var nl nodeLink
	if err := json.NewDecoder(r).Decode(&nl); err != nil {
		return nil, fmt.Errorf("densgraph: node-link JSON: %w", err)
	}
	g := &Graph{Nodes: make([]Node, len(nl.Nodes)), Edges: make([]Edge, len(nl.Links))}
	for i, n := range nl.Nodes {
		if n.ID != i {
			return nil, fmt.Errorf("densgraph: node-link JSON: nodes[%d].id = %d, want %d", i, n.ID, i)
		}
		g.Nodes[i] = Node{Pos: geom.Point{n.X, n.Y, n.Z}, Density: n.Density, Size: n.Size}
	}
	for k, l := range nl.Links {
		g.Edges[k] = Edge{I: l.Source, J: l.Target, Length: l.Length}
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("densgraph: node-link JSON: %w", err)
	}
	return g, nil
}

// ---------------------------------------------------------------- GraphML

type gmlKey struct {
	ID       string `xml:"id,attr"`
	For      string `xml:"for,attr"`
	AttrName string `xml:"attr.name,attr"`
	AttrType string `xml:"attr.type,attr"`
}

type gmlData struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

type gmlNode struct {
	ID   string    `xml:"id,attr"`
	Data []gmlData `xml:"data"`
}

type gmlEdge struct {
	Source string    `xml:"source,attr"`
	Target string    `xml:"target,attr"`
	Data   []gmlData `xml:"data"`
}

type gmlGraph struct {
	ID          string    `xml:"id,attr"`
	EdgeDefault string    `xml:"edgedefault,attr"`
	Nodes       []gmlNode `xml:"node"`
	Edges       []gmlEdge `xml:"edge"`
}

type graphML struct {
	XMLName xml.Name `xml:"graphml"`
	Xmlns   string   `xml:"xmlns,attr"`
	Keys    []gmlKey `xml:"key"`
	Graph   gmlGraph `xml:"graph"`
}

// WriteGraphML writes g as undirected GraphML (networkx.read_graphml, Gephi
// and Cytoscape read it): nodes "n0".."n{n-1}" with double attributes x, y,
// z (Å) and density and an int attribute size; edges with a double length
// (Å). Values are written exactly.
func WriteGraphML(w io.Writer, g *Graph) error {
	if err := g.Validate(); err != nil {
		return err
	}
	doc := graphML{Xmlns: "http://graphml.graphdrawing.org/xmlns",
		Keys: []gmlKey{
			{"x", "node", "x", "double"}, {"y", "node", "y", "double"}, {"z", "node", "z", "double"},
			{"density", "node", "density", "double"}, {"size", "node", "size", "int"},
			{"length", "edge", "length", "double"},
		},
		Graph: gmlGraph{ID: "G", EdgeDefault: "undirected", Nodes: make([]gmlNode, len(g.Nodes)), Edges: make([]gmlEdge, len(g.Edges))}}
	for i, n := range g.Nodes {
		doc.Graph.Nodes[i] = gmlNode{ID: "n" + strconv.Itoa(i), Data: []gmlData{
			{"x", ff(n.Pos[0])}, {"y", ff(n.Pos[1])}, {"z", ff(n.Pos[2])}, {"density", ff(n.Density)}, {"size", strconv.Itoa(n.Size)}}}
	}
	for k, e := range g.Edges {
		doc.Graph.Edges[k] = gmlEdge{Source: "n" + strconv.Itoa(e.I), Target: "n" + strconv.Itoa(e.J),
			Data: []gmlData{{"length", ff(e.Length)}}}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ReadGraphML reads GraphML as written by WriteGraphML (node ids "n0".. in
// order; attributes found by attr.name).
func ReadGraphML(r io.Reader) (*Graph, error) {
	var doc graphML
	if err := xml.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("densgraph: GraphML: %w", err)
	}
	name := map[string]string{}
	for _, k := range doc.Keys {
		name[k.ID] = k.AttrName
	}
	g := &Graph{Nodes: make([]Node, len(doc.Graph.Nodes))}
	index := map[string]int{}
	for i, n := range doc.Graph.Nodes {
		index[n.ID] = i
		for _, d := range n.Data {
			attr := name[d.Key]
			var err error
			switch attr {
			case "x", "y", "z":
				g.Nodes[i].Pos[attr[0]-'x'], err = strconv.ParseFloat(strings.TrimSpace(d.Value), 64)
			case "density":
				g.Nodes[i].Density, err = strconv.ParseFloat(strings.TrimSpace(d.Value), 64)
			case "size":
				g.Nodes[i].Size, err = strconv.Atoi(strings.TrimSpace(d.Value))
			}
			if err != nil {
				return nil, fmt.Errorf("densgraph: GraphML: node %q: %s = %q is not a number", n.ID, attr, d.Value)
			}
		}
	}
	for k, e := range doc.Graph.Edges {
		i, ok1 := index[e.Source]
		j, ok2 := index[e.Target]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("densgraph: GraphML: edge %d joins unknown nodes %q, %q", k, e.Source, e.Target)
		}
		ed := Edge{I: i, J: j}
		for _, d := range e.Data {
			if name[d.Key] == "length" {
				v, err := strconv.ParseFloat(strings.TrimSpace(d.Value), 64)
				if err != nil {
					return nil, fmt.Errorf("densgraph: GraphML: edge %d: length = %q is not a number", k, d.Value)
				}
				ed.Length = v
			}
		}
		g.Edges = append(g.Edges, ed)
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("densgraph: GraphML: %w", err)
	}
	return g, nil
}

// ---------------------------------------------------------------- CSV

// WriteCSV writes the nodes (header id,x,y,z,density,size; Å) and the edges
// (header source,target,length; Å) as two CSV tables. Values are exact.
func WriteCSV(nodes, edges io.Writer, g *Graph) error {
	if err := g.Validate(); err != nil {
		return err
	}
	cw := csv.NewWriter(nodes)
	cw.Write([]string{"id", "x", "y", "z", "density", "size"})
	for i, n := range g.Nodes {
		cw.Write([]string{strconv.Itoa(i), ff(n.Pos[0]), ff(n.Pos[1]), ff(n.Pos[2]), ff(n.Density), strconv.Itoa(n.Size)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	ew := csv.NewWriter(edges)
	ew.Write([]string{"source", "target", "length"})
	for _, e := range g.Edges {
		ew.Write([]string{strconv.Itoa(e.I), strconv.Itoa(e.J), ff(e.Length)})
	}
	ew.Flush()
	return ew.Error()
}

// ReadCSV reads the two tables written by WriteCSV.
func ReadCSV(nodes, edges io.Reader) (*Graph, error) {
	nr := csv.NewReader(nodes)
	rows, err := nr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("densgraph: nodes CSV: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "id,x,y,z,density,size" {
		return nil, fmt.Errorf("densgraph: nodes CSV: header %v, want id,x,y,z,density,size", first(rows))
	}
	g := &Graph{}
	hdr := rows[0]
	for r, row := range rows[1:] {
		var v [6]float64
		for c := range v {
			if v[c], err = strconv.ParseFloat(row[c], 64); err != nil {
				return nil, fmt.Errorf("densgraph: nodes CSV: row %d: %s = %q is not a number", r+1, hdr[c], row[c])
			}
		}
		if int(v[0]) != r || v[5] != math.Trunc(v[5]) {
			return nil, fmt.Errorf("densgraph: nodes CSV: row %d: id = %q, size = %q, want id %d and an integer size", r+1, row[0], row[5], r)
		}
		g.Nodes = append(g.Nodes, Node{Pos: geom.Point{v[1], v[2], v[3]}, Density: v[4], Size: int(v[5])})
	}
	er := csv.NewReader(edges)
	rows, err = er.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("densgraph: edges CSV: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "source,target,length" {
		return nil, fmt.Errorf("densgraph: edges CSV: header %v, want source,target,length", first(rows))
	}
	for r, row := range rows[1:] {
		i, err1 := strconv.Atoi(row[0])
		j, err2 := strconv.Atoi(row[1])
		l, err3 := strconv.ParseFloat(row[2], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("densgraph: edges CSV: row %d: source,target,length = %q,%q,%q, want integers and a number", r+1, row[0], row[1], row[2])
		}
		g.Edges = append(g.Edges, Edge{I: i, J: j, Length: l})
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("densgraph: CSV: %w", err)
	}
	return g, nil
}

func first(rows [][]string) []string {
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}

// ---------------------------------------------------------------- files

// WriteFile writes g to path in the format named by its extension: .cif
// (mmCIF), .pdb, .json (node-link), .graphml, or .csv (nodes to path, edges
// to the same name with "_edges" before the extension).
func WriteFile(path string, g *Graph) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".csv" {
		ep := EdgesCSVPath(path)
		nf, err := os.Create(path)
		if err != nil {
			return err
		}
		ef, err := os.Create(ep)
		if err != nil {
			nf.Close()
			return err
		}
		err = WriteCSV(nf, ef, g)
		if e := nf.Close(); err == nil {
			err = e
		}
		if e := ef.Close(); err == nil {
			err = e
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	var wr func(io.Writer, *Graph) error
	switch ext {
	case ".cif", ".mmcif":
		wr = WriteMMCIF
	case ".pdb", ".ent":
		wr = WritePDB
	case ".json":
		wr = WriteJSON
	case ".graphml":
		wr = WriteGraphML
	default:
		return fmt.Errorf("densgraph: %s: extension %q, want .cif, .pdb, .json, .graphml or .csv", path, ext)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = wr(f, g)
	if e := f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// EdgesCSVPath returns the edges table path that WriteFile uses beside a
// nodes CSV path: "graph.csv" → "graph_edges.csv".
func EdgesCSVPath(nodesPath string) string {
	ext := filepath.Ext(nodesPath)
	return strings.TrimSuffix(nodesPath, ext) + "_edges" + ext
}

// ReadFile reads a graph written by WriteFile, choosing the reader by the
// extension. Errors name the file.
func ReadFile(path string) (*Graph, error) {
	ext := strings.ToLower(filepath.Ext(path))
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var g *Graph
	switch ext {
	case ".csv":
		ef, err2 := os.Open(EdgesCSVPath(path))
		if err2 != nil {
			return nil, err2
		}
		defer ef.Close()
		g, err = ReadCSV(f, ef)
	case ".cif", ".mmcif":
		g, err = ReadMMCIF(f)
	case ".pdb", ".ent":
		g, err = ReadPDB(f)
	case ".json":
		g, err = ReadJSON(f)
	case ".graphml":
		g, err = ReadGraphML(f)
	default:
		return nil, fmt.Errorf("densgraph: %s: extension %q, want .cif, .pdb, .json, .graphml or .csv", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}
