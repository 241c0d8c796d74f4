package densgraph

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/neuralem/neuralem/neuralem/geom"
)

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
