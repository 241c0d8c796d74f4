package experiment_test

import (
	"context"
	"fmt"

	"github.com/neuralem/neuralem/neuralem/experiment"
)

// The B-spline density graph of EMD-2566 (3.2 Å) scored against its model,
// from the shared data directory (../shared/data or $NEURALEM_SHARED_DATA).
func ExampleRunGraph() {
	pair := experiment.DefaultPairs()[1] // EMD-2566
	r, err := experiment.RunGraph(context.Background(), experiment.GraphOptions{Pairs: []experiment.Pair{pair}}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	row := r.Rows[0]
	fmt.Printf("%s %s: %d nodes, C-alpha coverage %.1f %% within 3 Å (paper, > 1.6 Å: %.1f %%), atoms in map %.0f %%, z %.2f\n",
		row.Pair, row.Field, row.Nodes, 100*row.CACoverage, row.PaperCACoverage, 100*row.Frame.InBoxFraction, row.Frame.ZRaw)
	// Output:
	// EMD-2566 bspline: 441 nodes, C-alpha coverage 95.9 % within 3 Å (paper, > 1.6 Å: 84.5 %), atoms in map 100 %, z 2.95
}
