package eval_test

import (
	"fmt"

	"github.com/neuralem/neuralem/neuralem/eval"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/model"
)

func ExampleEvaluate() {
	atoms := []model.Atom{
		{Name: "N", ResName: "GLY", Chain: "A", ResSeq: 1, Element: "N", Pos: geom.Point{0, 0, 0}},
		{Name: "CA", ResName: "GLY", Chain: "A", ResSeq: 1, Element: "C", Pos: geom.Point{1.45, 0, 0}},
		{Name: "C", ResName: "GLY", Chain: "A", ResSeq: 1, Element: "C", Pos: geom.Point{2.0, 1.4, 0}},
	}
	nodes := []geom.Point{{1.55, 0, 0}, {0, 0.5, 0}, {8, 8, 8}}
	r, err := eval.Evaluate(nodes, atoms, eval.Options{}) // 1 Å, optimal matching
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("sensitivity %.3f, specificity %.3f, RMSD %.3f Å\n", r.Sensitivity, r.Specificity, r.RMSD)
	fmt.Printf("C-alpha within 3 Å: %.0f%% of CA covered, %.0f%% of nodes near a CA\n", 100*r.CA.Coverage, 100*r.CA.NodeFraction)
	for _, el := range eval.Keys(r.ByElement) {
		c := r.ByElement[el]
		fmt.Printf("%s: %d/%d\n", el, c.Matched, c.Atoms)
	}
	// Output:
	// sensitivity 0.667, specificity 0.667, RMSD 0.361 Å
	// C-alpha within 3 Å: 100% of CA covered, 67% of nodes near a CA
	// C: 1/2
	// N: 1/1
}

func ExampleMatch() {
	// The shortest pair (node 0 – atom 0) blocks two longer ones: greedy
	// matches one pair, the optimal matching two.
	nodes := []geom.Point{{0, 0, 0}, {1.6, 0, 0}}
	atoms := []geom.Point{{0.75, 0, 0}, {-0.9, 0, 0}}
	for _, m := range []eval.Method{eval.Greedy, eval.Optimal} {
		r, _ := eval.Match(nodes, atoms, 1.0, m)
		fmt.Println(m, r.Pairs)
	}
	// Output:
	// greedy [{0 0 0.75}]
	// optimal [{0 1 0.9} {1 0 0.8500000000000001}]
}
