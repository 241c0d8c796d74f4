package model_test

import (
	"fmt"
	"strings"

	"github.com/neuralem/neuralem/neuralem/model"
)

// A PDB fragment: an alanine with hydrogens and two alternate C-betas, a
// calcium ion whose atom name is also "CA", and a water.
const examplePDB = `REMARK   2 RESOLUTION.    2.80 ANGSTROMS.
ATOM      1  N   ALA A  10      11.104   6.134  -6.504  1.00 20.00           N
ATOM      2  CA  ALA A  10      11.639   6.071  -5.147  1.00 20.00           C
ATOM      3  C   ALA A  10      13.140   5.798  -5.151  1.00 20.00           C
ATOM      4  O   ALA A  10      13.562   4.664  -5.383  1.00 20.00           O
ATOM      5  CB AALA A  10      11.354   7.384  -4.418  0.30 20.00           C
ATOM      6  CB BALA A  10      11.400   7.300  -4.500  0.70 20.00           C
ATOM      7  H   ALA A  10      10.500   5.400  -6.800  1.00 20.00           H
HETATM    8 CA    CA A 101      15.000   2.000   1.000  1.00 30.00          CA
HETATM    9  O   HOH A 201      16.000   3.000   2.000  1.00 40.00           O
END
`

func Example() {
	m, err := model.ReadPDB(strings.NewReader(examplePDB), "example.pdb")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d atoms, resolution %.1f Å\n", len(m.Atoms), m.Resolution)
	fmt.Println("kept C-beta (highest occupancy):", m.Atoms[4].AltLoc, m.Atoms[4].Occupancy)

	heavy := m.Select(model.And(model.Heavy, model.Not(model.Water)))
	for _, a := range heavy.Atoms {
		fmt.Printf("%-4s %-3s %-2s Z=%2d  %v\n", a.Name, a.ResName, a.Element, model.AtomicNumber(a.Element), a.Pos)
	}
	fmt.Println("C-alphas:", len(m.CAlphas().Atoms))

	// Bad input is an error naming the file, line, field and value.
	_, err = model.ReadPDB(strings.NewReader(strings.Replace(examplePDB, "11.639", "11.6?9", 1)), "bad.pdb")
	fmt.Println(err)
	// Output:
	// 8 atoms, resolution 2.8 Å
	// kept C-beta (highest occupancy): B 0.7
	// N    ALA N  Z= 7  [11.104 6.134 -6.504]
	// CA   ALA C  Z= 6  [11.639 6.071 -5.147]
	// C    ALA C  Z= 6  [13.14 5.798 -5.151]
	// O    ALA O  Z= 8  [13.562 4.664 -5.383]
	// CB   ALA C  Z= 6  [11.4 7.3 -4.5]
	// CA   CA  CA Z=20  [15 2 1]
	// C-alphas: 1
	// bad.pdb:3: x (columns 31-38) = "11.6?9": not a finite number
}
