package model

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
)

// PDB fixed columns (0-based half-open byte ranges) of ATOM/HETATM records.
var (
	colSerial  = pdbField{6, 11, "serial (columns 7-11)"}
	colName    = pdbField{12, 16, "atom name (columns 13-16)"}
	colResName = pdbField{17, 20, "residue name (columns 18-20)"}
	colChain   = pdbField{20, 22, "chain ID (columns 21-22)"}
	colResSeq  = pdbField{22, 26, "residue number (columns 23-26)"}
	colX       = pdbField{30, 38, "x (columns 31-38)"}
	colY       = pdbField{38, 46, "y (columns 39-46)"}
	colZ       = pdbField{46, 54, "z (columns 47-54)"}
	colOcc     = pdbField{54, 60, "occupancy (columns 55-60)"}
	colB       = pdbField{60, 66, "tempFactor (columns 61-66)"}
	colElement = pdbField{76, 78, "element (columns 77-78)"}
)

type pdbField struct {
	lo, hi int
	name   string
}

// get returns the field's bytes of line, cut short (or empty) where the line
// is short.
func (f pdbField) get(line []byte) []byte {
	if len(line) <= f.lo {
		return nil
	}
	return line[f.lo:min(f.hi, len(line))]
}

func trimBlank(b []byte) []byte { return bytes.Trim(b, " \t") }

// parsePDB parses PDB-format data. Only the first model (up to the first
// ENDMDL, or the second MODEL record) is kept; reading stops at END.
func parsePDB(data []byte, name string) (*Model, error) {
	m := &Model{Source: name}
	var remark3Res float64
	lineNo := 0
	modelDone := false // the first model has ended
	sawModel := false
	in := interner{}
	m.Atoms = make([]Atom, 0, bytes.Count(data, []byte("\nATOM"))+bytes.Count(data, []byte("\nHETATM"))+1)
	perr := func(f pdbField, v []byte, msg string) error {
		return &ParseError{File: name, Line: lineNo, Field: f.name, Value: string(v), Msg: msg}
	}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		lineNo++
		line = bytes.TrimRight(line, "\r")
		if len(line) < 3 {
			continue
		}
		var rec [6]byte
		for i := range rec {
			rec[i] = ' '
			if i < len(line) {
				rec[i] = upper(line[i])
			}
		}
		switch string(rec[:]) {
		case "ATOM  ", "HETATM":
			if modelDone {
				continue
			}
			a, err := parseAtomRecord(line, rec[0] == 'H', in, perr)
			if err != nil {
				return nil, err
			}
			m.Atoms = append(m.Atoms, a)
		case "MODEL ":
			if sawModel && len(m.Atoms) > 0 {
				modelDone = true // a second MODEL without ENDMDL before it
			}
			sawModel = true
		case "ENDMDL":
			if len(m.Atoms) > 0 {
				modelDone = true
			}
		case "END   ":
			data = nil
		case "REMARK":
			num := strings.TrimSpace(string(pdbField{6, 10, ""}.get(line)))
			switch num {
			case "2":
				if r, ok := remark2Resolution(line); ok {
					m.Resolution = r
				}
			case "3":
				if r, ok := remark3Resolution(line); ok && remark3Res == 0 {
					remark3Res = r
				}
			}
		}
	}
	if m.Resolution == 0 {
		m.Resolution = remark3Res
	}
	if len(m.Atoms) == 0 {
		return nil, &ParseError{File: name, Msg: "no ATOM or HETATM records (not a PDB file?)"}
	}
	if cap(m.Atoms) > 2*len(m.Atoms)+64 { // later models were counted in the estimate
		m.Atoms = slices.Clone(m.Atoms)
	}
	return m, nil
}

func parseAtomRecord(line []byte, het bool, in interner, perr func(pdbField, []byte, string) error) (Atom, error) {
	a := Atom{HetAtm: het, Occupancy: 1}
	if len(line) < colZ.hi {
		return a, perr(colZ, colZ.get(line), "ATOM/HETATM record too short: coordinates need columns 31-54")
	}
	var err error
	if v := trimBlank(colSerial.get(line)); len(v) > 0 && !allStars(v) { // VMD writes ***** past 99999
		if a.Serial, err = parseHybrid36(v, 5); err != nil {
			return a, perr(colSerial, v, err.Error())
		}
	}
	a.Name = in.getBytes(trimBlank(colName.get(line)))
	if len(line) > 16 && line[16] != ' ' {
		a.AltLoc = in.getBytes(line[16:17])
	}
	a.ResName = in.getBytes(trimBlank(colResName.get(line)))
	a.Chain = in.getBytes(trimBlank(colChain.get(line)))
	if v := trimBlank(colResSeq.get(line)); len(v) > 0 {
		if a.ResSeq, err = parseHybrid36(v, 4); err != nil {
			return a, perr(colResSeq, v, err.Error())
		}
	}
	if len(line) > 26 && line[26] != ' ' {
		a.ICode = in.getBytes(line[26:27])
	}
	for i, f := range [3]pdbField{colX, colY, colZ} {
		v := trimBlank(f.get(line))
		if a.Pos[i], err = parseFloatField(v, true); err != nil {
			return a, perr(f, v, err.Error())
		}
	}
	if v := trimBlank(colOcc.get(line)); len(v) > 0 {
		if a.Occupancy, err = parseFloatField(v, false); err != nil {
			return a, perr(colOcc, v, err.Error())
		}
	}
	if v := trimBlank(colB.get(line)); len(v) > 0 {
		if a.B, err = parseFloatField(v, false); err != nil {
			return a, perr(colB, v, err.Error())
		}
	}
	if e := colElement.get(line); len(e) > 0 && (isAlpha(e[0]) || (len(e) > 1 && isAlpha(e[1]))) {
		a.Element = in.get(normalizeElement(string(e)))
		if a.Element == UnknownElement {
			a.ElementText = in.get(string(trimBlank(e)))
		}
	} else {
		var name4 [4]byte
		copy(name4[:], "    ")
		copy(name4[:], colName.get(line))
		a.Element = in.get(inferPDBElement(string(name4[:])))
		if a.Element == UnknownElement {
			a.ElementText = in.get("none; atom name " + strconv.Quote(string(name4[:])))
		}
	}
	return a, nil
}

type fieldError string

func (e fieldError) Error() string { return string(e) }

// parseFloatField parses a decimal number; required fields may not be blank.
// NaN and infinities are refused.
func parseFloatField(v []byte, required bool) (float64, error) {
	if len(v) == 0 {
		if required {
			return 0, fieldError("missing number")
		}
		return 0, nil
	}
	x, err := strconv.ParseFloat(string(v), 64)
	if err != nil || x-x != 0 { // x-x != 0 catches NaN and ±Inf
		return 0, fieldError("not a finite number")
	}
	return x, nil
}

// parseHybrid36 parses a decimal or hybrid-36 integer of the given field
// width (5 for serials, 4 for residue numbers). Hybrid-36 continues past the
// largest decimal (99999 or 9999) with upper-case then lower-case base-36
// numbers: "A0000" is 100000 for width 5.
func parseHybrid36(v []byte, width int) (int, error) {
	c := v[0]
	if c == '-' || c == '+' || isDigit(c) {
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return 0, fieldError("not an integer")
		}
		return n, nil
	}
	if len(v) != width {
		return 0, fieldError("not an integer or a hybrid-36 number")
	}
	upperCase := c >= 'A' && c <= 'Z'
	n := 0
	for _, d := range v {
		var x int
		switch {
		case isDigit(d):
			x = int(d - '0')
		case upperCase && d >= 'A' && d <= 'Z':
			x = int(d-'A') + 10
		case !upperCase && d >= 'a' && d <= 'z':
			x = int(d-'a') + 10
		default:
			return 0, fieldError("not an integer or a hybrid-36 number")
		}
		n = n*36 + x
	}
	// 10*36^(width-1) is the value of "A000…"; decimals cover 10^width values.
	p := 1
	for i := 0; i < width-1; i++ {
		p *= 36
	}
	dec := 1
	for i := 0; i < width; i++ {
		dec *= 10
	}
	n = n - 10*p + dec
	if !upperCase {
		n += 26 * p // after the upper-case range
	}
	return n, nil
}

// remark2Resolution parses "REMARK   2 RESOLUTION.    3.40 ANGSTROMS.".
func remark2Resolution(line []byte) (float64, bool) {
	s := string(line)
	i := strings.Index(s, "RESOLUTION.")
	if i < 0 || !strings.Contains(s, "ANGSTROM") {
		return 0, false
	}
	f := strings.Fields(s[i+len("RESOLUTION."):])
	if len(f) == 0 {
		return 0, false
	}
	r, err := strconv.ParseFloat(f[0], 64)
	if err != nil || !(r > 0) || r-r != 0 {
		return 0, false
	}
	return r, true
}

// remark3Resolution parses "REMARK   3   RESOLUTION RANGE HIGH (ANGSTROMS) : 2.10".
func remark3Resolution(line []byte) (float64, bool) {
	s := string(line)
	key, val, ok := strings.Cut(s[min(10, len(s)):], ":")
	if !ok || strings.Join(strings.Fields(key), " ") != "RESOLUTION RANGE HIGH (ANGSTROMS)" {
		return 0, false
	}
	r, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil || !(r > 0) || r-r != 0 {
		return 0, false
	}
	return r, true
}

func allStars(v []byte) bool {
	for _, c := range v {
		if c != '*' {
			return false
		}
	}
	return true
}
