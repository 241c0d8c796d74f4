package densgraph

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
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

// WriteFile writes g to path in the format named by its extension: .cif
// (mmCIF), .pdb, .json (node-link), .graphml, or .csv (nodes to path, edges
// to the same name with "_edges" before the extension). Files are written
// atomically (internal/atomicfile): a failed write leaves the previous file
// untouched, and the two CSV tables land both or neither.
func WriteFile(path string, g *Graph) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".csv" {
		var edges bytes.Buffer
		var grp atomicfile.Group
		if err := grp.Stage(path, func(w io.Writer) error { return WriteCSV(w, &edges, g) }); err != nil {
			return fmt.Errorf("densgraph: %w", err)
		}
		if err := grp.Stage(EdgesCSVPath(path), func(w io.Writer) error { _, err := w.Write(edges.Bytes()); return err }); err != nil {
			return fmt.Errorf("densgraph: %w", err)
		}
		if err := grp.Commit(); err != nil {
			return fmt.Errorf("densgraph: %w", err)
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
	if err := atomicfile.Write(path, func(w io.Writer) error { return wr(w, g) }); err != nil {
		return fmt.Errorf("densgraph: %w", err)
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
