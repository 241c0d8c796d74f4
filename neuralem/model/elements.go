package model

import "strings"

// elementSymbols lists the chemical elements by atomic number (index 0 is
// unused). Symbols are upper case, as Atom.Element stores them.
var elementSymbols = [...]string{"",
	"H", "HE",
	"LI", "BE", "B", "C", "N", "O", "F", "NE",
	"NA", "MG", "AL", "SI", "P", "S", "CL", "AR",
	"K", "CA", "SC", "TI", "V", "CR", "MN", "FE", "CO", "NI", "CU", "ZN",
	"GA", "GE", "AS", "SE", "BR", "KR",
	"RB", "SR", "Y", "ZR", "NB", "MO", "TC", "RU", "RH", "PD", "AG", "CD",
	"IN", "SN", "SB", "TE", "I", "XE",
	"CS", "BA",
	"LA", "CE", "PR", "ND", "PM", "SM", "EU", "GD", "TB", "DY", "HO", "ER", "TM", "YB", "LU",
	"HF", "TA", "W", "RE", "OS", "IR", "PT", "AU", "HG",
	"TL", "PB", "BI", "PO", "AT", "RN",
	"FR", "RA",
	"AC", "TH", "PA", "U", "NP", "PU", "AM", "CM", "BK", "CF", "ES", "FM", "MD", "NO", "LR",
	"RF", "DB", "SG", "BH", "HS", "MT", "DS", "RG", "CN", "NH", "FL", "MC", "LV", "TS", "OG",
}

// atomicNumbers maps an upper-case element symbol to its atomic number.
// Deuterium ("D") is hydrogen.
var atomicNumbers = func() map[string]int {
	m := make(map[string]int, len(elementSymbols)+1)
	for z, s := range elementSymbols {
		if z > 0 {
			m[s] = z
		}
	}
	m["D"] = 1
	return m
}()

// UnknownElement is the Element of an atom whose element could not be
// determined (gemmi's "X").
const UnknownElement = "X"

// AtomicNumber returns the atomic number of an element symbol (any case,
// surrounding blanks ignored): 6 for "C", 26 for "Fe" or "FE", 1 for
// deuterium "D". Every element of the periodic table (1–118) is known, which
// covers proteins, nucleic acids, ligands, ions and metal clusters. It returns
// 0 for anything else, including UnknownElement.
func AtomicNumber(element string) int {
	e := strings.TrimSpace(element)
	if len(e) == 0 || len(e) > 2 {
		return 0
	}
	var b [2]byte
	for i := 0; i < len(e); i++ {
		b[i] = upper(e[i])
	}
	return atomicNumbers[string(b[:len(e)])]
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func isAlpha(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// findElement interprets up to two characters as an element symbol the way
// gemmi's find_element does: a leading blank or digit is skipped and the next
// letter is a one-letter symbol (" C" and "1H" are C and H); two letters must
// form a two-letter symbol ("CA" is calcium, "FE" iron) and anything else is
// unknown; a letter followed by a non-letter is a one-letter symbol ("C1").
// It returns the upper-case symbol, or UnknownElement.
func findElement(s string) string {
	var c0, c1 byte = ' ', ' '
	if len(s) > 0 {
		c0 = s[0]
	}
	if len(s) > 1 {
		c1 = s[1]
	}
	if c0 == ' ' || isDigit(c0) {
		c0, c1 = c1, ' '
	}
	if !isAlpha(c0) {
		return UnknownElement
	}
	var sym string
	if isAlpha(c1) {
		sym = string([]byte{upper(c0), upper(c1)})
	} else {
		sym = string([]byte{upper(c0)})
	}
	if _, ok := atomicNumbers[sym]; ok {
		return sym
	}
	return UnknownElement
}

// inferPDBElement infers the element of a PDB ATOM/HETATM record whose element
// columns (77–78) are blank, from the 4-column atom name field (columns
// 13–16), following gemmi: a 4-character name starting with H ("HG12",
// "HD21") is hydrogen, because Hg, Hf, Ho and Hs never have 4-character names;
// otherwise columns 13–14 are read as an element symbol, so " CA " is carbon
// and "CA  " calcium (the PDB format right-justifies one-letter symbols in
// columns 13–14).
func inferPDBElement(name4 string) string {
	if len(name4) == 4 && upper(name4[0]) == 'H' && name4[3] != ' ' {
		return "H"
	}
	return findElement(name4)
}

// normalizeElement turns an element field (PDB columns 77–78 or an mmCIF
// type_symbol, which may carry a charge as in "FE2" or "O1-") into an upper-case
// symbol, or UnknownElement.
func normalizeElement(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 2 {
		s = s[:2]
	}
	return findElement(s)
}
