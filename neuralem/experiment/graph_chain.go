package experiment

import (
	"fmt"

	"github.com/neuralem/neuralem/neuralem/eval"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/spatial"
)

// chainScore is a graph scored against one chain of the model.
type chainScore struct {
	chain string
	nodes int
	res   *eval.Result
}

// nodeChainRadius bounds the search for a node's nearest heavy atom (Å);
// a node farther than this from every atom goes to no chain.
const nodeChainRadius = 20.0

// scoreByChain scores the nodes against each chain of m separately, in the
// order the chains first appear: every node goes to the chain of its
// nearest heavy atom of m (within nodeChainRadius Å; farther nodes to none),
// and is scored only against that chain's atoms. So a chain's specificity
// counts the nodes that sit in its part of the map, and the chains' node
// counts add up to the graph's (less the far nodes). It returns nil when m
// has fewer than two chains.
func scoreByChain(nodes []geom.Point, m *model.Model, eo eval.Options) ([]chainScore, error) {
	heavy := m.HeavyAtoms()
	chains := distinct(heavy.Atoms, func(a *model.Atom) string { return a.Chain })
	if len(chains) < 2 {
		return nil, nil
	}
	idx := spatial.NewIndex(heavy.Positions(), 4)
	byChain := map[string][]geom.Point{}
	for _, p := range nodes {
		if i, _ := idx.Nearest(p, nodeChainRadius); i >= 0 {
			c := heavy.Atoms[i].Chain
			byChain[c] = append(byChain[c], p)
		}
	}
	out := make([]chainScore, 0, len(chains))
	for _, c := range chains {
		sub := m.Select(func(a *model.Atom) bool { return a.Chain == c })
		res, err := eval.Evaluate(byChain[c], sub.Atoms, eo)
		if err != nil {
			return nil, fmt.Errorf("chain %s: %w", c, err)
		}
		out = append(out, chainScore{chain: c, nodes: len(byChain[c]), res: res})
	}
	return out, nil
}

// setMetrics copies the scores of ev into row.
func (row *GraphRow) setMetrics(ev *eval.Result) {
	row.Atoms, row.CAs = ev.Atoms, ev.CA.CAs
	row.Sensitivity, row.Specificity, row.RMSD = ev.Sensitivity, ev.Specificity, ev.RMSD
	row.CACoverage, row.CANodeFraction, row.CARMSD = ev.CA.Coverage, ev.CA.NodeFraction, ev.CA.ClosestRMSD
	row.CAExclSensitivity, row.CAExclSpecificity, row.CAExclRMSD = ev.CA.ExclusiveSensitivity, ev.CA.ExclusiveSpecificity, ev.CA.ExclusiveRMSD
}

// chainRows returns, for a model of several chains, one copy of row per
// chain scored against that chain alone (see scoreByChain); nil for one
// chain.
func chainRows(row *GraphRow, nodes []geom.Point, m *model.Model, eo eval.Options) ([]GraphRow, error) {
	scores, err := scoreByChain(nodes, m, eo)
	if err != nil || scores == nil {
		return nil, err
	}
	out := make([]GraphRow, len(scores))
	for i, s := range scores {
		r := *row
		r.Chain, r.ChainNodes = s.chain, s.nodes
		r.setMetrics(s.res)
		out[i] = r
	}
	return out, nil
}
