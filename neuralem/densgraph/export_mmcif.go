package densgraph

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/model"
)

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
	c, err := model.ReadCIFColumns(r, "")
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
