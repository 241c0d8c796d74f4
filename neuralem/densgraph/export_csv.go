package densgraph

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/neuralem/neuralem/neuralem/geom"
)

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
