package eval

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/spatial"
)

// DefaultRadius is Table 1's matching radius in Å.
const DefaultRadius = 1.0

// DefaultCARadius is the C-alpha matching radius of §3.2 / Figure 6 in Å.
const DefaultCARadius = 3.0

// Options controls Evaluate.
type Options struct {
	// Radius for the all-atom exclusive matching in Å (0 → DefaultRadius).
	Radius float64
	// CARadius for the C-alpha metrics in Å (0 → DefaultCARadius).
	CARadius float64
	// Method for the exclusive matchings (default Optimal).
	Method Method
	// Atoms selects the atoms scored (nil → every atom of the model, as in
	// Table 1: "all atomic locations contained in the PDB-deposited
	// structure file"). The C-alpha metrics always use model.CAlpha.
	Atoms model.Selector
	// Chains, if not empty, scores only the atoms of these chains (author
	// chain IDs), for a map whose box holds neighbouring chains: graph
	// nodes within Radius of an atom of another chain and of no scored atom
	// are that chain's density, so they are left out of the node count
	// (not counted against specificity) and reported in
	// Result.ExcludedNodes. A chain the model lacks is an error.
	Chains []string
}

// Count is a breakdown cell: selected atoms and how many were matched.
type Count struct {
	Atoms, Matched int
}

// Sensitivity returns Matched / Atoms (NaN if no atoms).
func (c Count) Sensitivity() float64 { return frac(c.Matched, c.Atoms) }

// ResidueCount is one residue's atoms and matched atoms.
type ResidueCount struct {
	Chain   string
	ResSeq  int
	ICode   string
	ResName string
	Count
}

// CAResult holds the C-alpha metrics (see the package doc).
type CAResult struct {
	Radius float64 // Å
	CAs    int     // protein C-alpha atoms in the model
	// Non-exclusive, as in the paper's Figure 6.
	Covered       int     // C-alphas with any node within Radius
	Coverage      float64 // Covered / CAs (Fig. 6 middle)
	NodesNear     int     // nodes with any C-alpha within Radius
	NodeFraction  float64 // NodesNear / nodes (Fig. 6 right)
	ClosestRMSD   float64 // RMS of closest-node distance over covered C-alphas, Å (Fig. 6 left)
	ClosestMean   float64 // mean of the same distances, Å
	ExclusivePair int     // pairs in the one-to-one node–C-alpha matching
	// Exclusive (one-to-one) versions, stricter than the paper's Figure 6.
	ExclusiveSensitivity float64 // ExclusivePair / CAs
	ExclusiveSpecificity float64 // ExclusivePair / nodes
	ExclusiveRMSD        float64 // Å
}

// Result holds the metrics of one graph against one model.
type Result struct {
	Radius       float64 // Å
	Method       Method
	Nodes, Atoms int
	Matched      int     // pairs in the exclusive matching
	Sensitivity  float64 // Matched / Atoms (Table 1)
	Specificity  float64 // Matched / Nodes (Table 1)
	RMSD         float64 // Å, over matched pairs (Table 1)
	CA           CAResult
	ByElement    map[string]Count
	ByResName    map[string]Count
	Residues     []ResidueCount // in model order
	Matching     *Matching      // the all-atom matching (atom indices into the selected atoms)
	// Selected are the indices into the model's atoms that were scored.
	Selected []int
	// Chains are the chains scored (Options.Chains; nil: all).
	Chains []string
	// ExcludedNodes is the number of graph nodes left out because they lie
	// within Radius of another chain's atoms and of no scored atom
	// (Options.Chains); Nodes counts the others.
	ExcludedNodes int
}

// FrameError is returned when a graph and a model cannot be in the same
// frame: no node lies within the matching radius of any atom. It gives
// both boxes, so a model in another frame (or a graph of another map) is
// named as such instead of scoring 0 % with an RMSD of NaN.
type FrameError struct {
	Radius           float64
	NodeBox, AtomBox geom.Box
	Nodes, Atoms     int
	BoxesDisjoint    bool
}

func (e *FrameError) Error() string {
	how := "overlap, but"
	if e.BoxesDisjoint {
		how = "do not overlap (even grown by the radius), and"
	}
	return fmt.Sprintf("eval: the graph and the model are not in the same frame: the graph's %d nodes span %s Å and the model's %d scored atoms %s Å; the boxes %s no node is within %g Å of any atom",
		e.Nodes, boxString(e.NodeBox), e.Atoms, boxString(e.AtomBox), how, e.Radius)
}

func boxString(b geom.Box) string {
	return fmt.Sprintf("(%.2f, %.2f, %.2f)–(%.2f, %.2f, %.2f)", b.Min[0], b.Min[1], b.Min[2], b.Max[0], b.Max[1], b.Max[2])
}

func bounds(pts []geom.Point) geom.Box {
	b := geom.Box{Min: pts[0], Max: pts[0]}
	for _, p := range pts[1:] {
		for a := 0; a < 3; a++ {
			b.Min[a] = math.Min(b.Min[a], p[a])
			b.Max[a] = math.Max(b.Max[a], p[a])
		}
	}
	return b
}

// chainAtoms splits atoms by chains: in (the chains asked for) or not. It
// fails for a chain the model lacks, naming the chains it has.
func chainAtoms(atoms []model.Atom, chains []string) (in func(*model.Atom) bool, err error) {
	want := map[string]bool{}
	for _, c := range chains {
		want[c] = true
	}
	have := map[string]bool{}
	var order []string
	for i := range atoms {
		if c := atoms[i].Chain; !have[c] {
			have[c] = true
			order = append(order, c)
		}
	}
	for _, c := range chains {
		if !have[c] {
			return nil, fmt.Errorf("eval: chain %q is not in the model (chains: %s)", c, strings.Join(order, ","))
		}
	}
	return func(a *model.Atom) bool { return want[a.Chain] }, nil
}

func frac(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// Evaluate scores node positions (Å) against atoms with the metrics in the
// package doc.
func Evaluate(nodes []geom.Point, atoms []model.Atom, opts Options) (*Result, error) {
	r := opts.Radius
	if r == 0 {
		r = DefaultRadius
	}
	rca := opts.CARadius
	if rca == 0 {
		rca = DefaultCARadius
	}
	if !(r > 0) || math.IsInf(r, 0) {
		return nil, fmt.Errorf("eval: Radius = %g Å, want > 0", opts.Radius)
	}
	if !(rca > 0) || math.IsInf(rca, 0) {
		return nil, fmt.Errorf("eval: CARadius = %g Å, want > 0", opts.CARadius)
	}
	sel := opts.Atoms
	if sel == nil {
		sel = model.All
	}
	inChain := func(*model.Atom) bool { return true }
	if len(opts.Chains) > 0 {
		var err error
		if inChain, err = chainAtoms(atoms, opts.Chains); err != nil {
			return nil, err
		}
	}
	res := &Result{Radius: r, Method: opts.Method, Chains: opts.Chains,
		ByElement: map[string]Count{}, ByResName: map[string]Count{}}
	var pos, others []geom.Point
	for i := range atoms {
		if !inChain(&atoms[i]) {
			others = append(others, atoms[i].Pos)
			continue
		}
		if sel(&atoms[i]) {
			res.Selected = append(res.Selected, i)
			pos = append(pos, atoms[i].Pos)
		}
	}
	res.Atoms = len(pos)
	if len(pos) == 0 {
		return nil, fmt.Errorf("eval: no atoms selected (of %d in the model)", len(atoms))
	}
	if len(others) > 0 {
		// Nodes that are another chain's density.
		scored := spatial.NewIndex(pos, r)
		other := spatial.NewIndex(others, r)
		kept := make([]geom.Point, 0, len(nodes))
		for _, p := range nodes {
			if j, _ := other.Nearest(p, r); j >= 0 {
				if k, _ := scored.Nearest(p, r); k < 0 {
					res.ExcludedNodes++
					continue
				}
			}
			kept = append(kept, p)
		}
		nodes = kept
	}
	res.Nodes = len(nodes)
	m, err := Match(nodes, pos, r, opts.Method)
	if err != nil {
		return nil, err
	}
	if len(nodes) > 0 && len(m.Pairs) == 0 {
		fe := &FrameError{Radius: r, NodeBox: bounds(nodes), AtomBox: bounds(pos), Nodes: len(nodes), Atoms: len(pos)}
		for a := 0; a < 3; a++ {
			if fe.NodeBox.Max[a] < fe.AtomBox.Min[a]-r || fe.NodeBox.Min[a] > fe.AtomBox.Max[a]+r {
				fe.BoxesDisjoint = true
			}
		}
		return nil, fe
	}
	res.Matching = m
	res.Matched = len(m.Pairs)
	res.Sensitivity = frac(res.Matched, res.Atoms)
	res.Specificity = frac(res.Matched, res.Nodes)
	res.RMSD = m.RMSD()

	type rkey struct {
		chain string
		seq   int
		icode string
		name  string
	}
	resIdx := map[rkey]int{}
	for k, ai := range res.Selected {
		a := &atoms[ai]
		hit := 0
		if m.AtomNode[k] >= 0 {
			hit = 1
		}
		e := res.ByElement[a.Element]
		e.Atoms++
		e.Matched += hit
		res.ByElement[a.Element] = e
		rn := res.ByResName[a.ResName]
		rn.Atoms++
		rn.Matched += hit
		res.ByResName[a.ResName] = rn
		key := rkey{a.Chain, a.ResSeq, a.ICode, a.ResName}
		ri, ok := resIdx[key]
		if !ok {
			ri = len(res.Residues)
			resIdx[key] = ri
			res.Residues = append(res.Residues, ResidueCount{Chain: a.Chain, ResSeq: a.ResSeq, ICode: a.ICode, ResName: a.ResName})
		}
		res.Residues[ri].Atoms++
		res.Residues[ri].Matched += hit
	}

	// C-alpha metrics.
	var ca []geom.Point
	for i := range atoms {
		if atoms[i].IsCAlpha() && inChain(&atoms[i]) {
			ca = append(ca, atoms[i].Pos)
		}
	}
	c := &res.CA
	c.Radius = rca
	c.CAs = len(ca)
	nodeIx := spatial.NewIndex(nodes, rca)
	var sum2, sum float64
	for _, p := range ca {
		if j, d := nodeIx.Nearest(p, rca); j >= 0 {
			c.Covered++
			sum2 += d * d
			sum += d
		}
	}
	c.Coverage = frac(c.Covered, c.CAs)
	c.ClosestRMSD, c.ClosestMean = math.NaN(), math.NaN()
	if c.Covered > 0 {
		c.ClosestRMSD = math.Sqrt(sum2 / float64(c.Covered))
		c.ClosestMean = sum / float64(c.Covered)
	}
	if len(ca) > 0 {
		caIx := spatial.NewIndex(ca, rca)
		for _, p := range nodes {
			if j, _ := caIx.Nearest(p, rca); j >= 0 {
				c.NodesNear++
			}
		}
	}
	c.NodeFraction = frac(c.NodesNear, len(nodes))
	cm, err := Match(nodes, ca, rca, opts.Method)
	if err != nil {
		return nil, err
	}
	c.ExclusivePair = len(cm.Pairs)
	c.ExclusiveSensitivity = frac(c.ExclusivePair, c.CAs)
	c.ExclusiveSpecificity = frac(c.ExclusivePair, len(nodes))
	c.ExclusiveRMSD = cm.RMSD()
	return res, nil
}

// Graph is what EvaluateGraph needs of a density graph: its node positions
// in Å. *densgraph.Graph satisfies it (eval does not import densgraph).
type Graph interface {
	Positions() []geom.Point
}

// EvaluateGraph scores a density graph (e.g. a *densgraph.Graph) against a
// model.
func EvaluateGraph(g Graph, m *model.Model, opts Options) (*Result, error) {
	res, err := Evaluate(g.Positions(), m.Atoms, opts)
	if err != nil && m.Source != "" {
		return nil, fmt.Errorf("%s: %w", m.Source, err)
	}
	return res, err
}

// Keys returns the keys of a breakdown map in sorted order.
func Keys(m map[string]Count) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}
