package densgraph

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/neuralem/neuralem/neuralem/geom"
)

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
