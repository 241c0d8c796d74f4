package molmap_test

import (
	"fmt"
	"log"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/molmap"
)

// A carbon and an oxygen simulated at 3 Å: the paper's resolution/3 input map
// and its 0.2 Å control share the same origin.
func Example() {
	atoms := []model.Atom{
		{Serial: 1, Name: "C", ResName: "LIG", Element: "C", Pos: geom.Point{10, 20, 30}},
		{Serial: 2, Name: "O", ResName: "LIG", Element: "O", Pos: geom.Point{11.2, 20, 30}},
	}
	p := molmap.Defaults(3)
	input, err := molmap.Simulate(atoms, p)
	if err != nil {
		log.Fatal(err)
	}
	p.Spacing = 0.2
	control, err := molmap.Simulate(atoms, p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("σ = %.4f Å\n", p.Sigma())
	fmt.Printf("input:   shape %v, spacing %.1f Å, origin %v\n", input.Shape, input.Spacing[0], input.Origin)
	fmt.Printf("control: shape %v, spacing %.1f Å, origin %v\n", control.Shape, control.Spacing[0], control.Origin)

	var peak float32
	for _, v := range control.Data {
		peak = max(peak, v)
	}
	// A lone oxygen would peak at 8·(2πσ²)^(-3/2); the carbon adds to it.
	fmt.Printf("control peak %.3f per Å³ (lone O: %.3f)\n", peak, 8/math.Pow(2*math.Pi*p.Sigma()*p.Sigma(), 1.5))
	// Output:
	// σ = 0.6752 Å
	// input:   shape [21 19 19], spacing 1.0 Å, origin [1 11 21]
	// control: shape [97 91 91], spacing 0.2 Å, origin [1 11 21]
	// control peak 1.998 per Å³ (lone O: 1.650)
}
