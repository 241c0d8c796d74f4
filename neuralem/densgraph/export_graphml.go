package densgraph

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

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
