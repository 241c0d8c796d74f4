package molmap

import (
	"fmt"
	"strings"
)

// elementSymbols lists the element symbols in order of atomic number (index 0
// is unused), plus D (deuterium) mapped to 1 below.
//
// This private table stands in for model.AtomicNumber, which was not in the
// repository when this package was written.
var elementSymbols = strings.Fields(`-
H He
Li Be B C N O F Ne
Na Mg Al Si P S Cl Ar
K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr
Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe
Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn
Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og`)

var atomicNumbers = func() map[string]int {
	m := make(map[string]int, len(elementSymbols)+1)
	for z, s := range elementSymbols[1:] {
		m[strings.ToUpper(s)] = z + 1
	}
	m["D"] = 1
	return m
}()

// atomicNumber returns the atomic number of an element symbol (any case).
func atomicNumber(element string) (int, error) {
	e := strings.ToUpper(strings.TrimSpace(element))
	if e == "" {
		return 0, fmt.Errorf("empty element symbol")
	}
	z, ok := atomicNumbers[e]
	if !ok {
		return 0, fmt.Errorf("unknown element symbol")
	}
	return z, nil
}
