package model

import (
	"strconv"
	"strings"
)

// The mmCIF reader: a CIF 1.1 tokenizer (bare words, '…' and "…" quoted
// strings that end at a matching quote followed by white space, ;-delimited
// text fields, # comments, data_/loop_/save_/global_/stop_ keywords), a
// parser that turns the first data block into tables (one per loop; the
// key-value pairs of one category form a one-row table), and the extraction
// of atoms and resolution from those tables.

type tokKind uint8

const (
	tokValue  tokKind = iota // bare word (non-null)
	tokQuoted                // quoted string or text field: never null
	tokNull                  // bare '.' or '?'
	tokTag                   // _category.item
	tokLoop                  // loop_
	tokData                  // data_xxx
	tokSave                  // save_xxx (frames are skipped over as tables)
	tokGlobal                // global_ or stop_
	tokEOF
)

type token struct {
	s    string
	line int32
	kind tokKind
}

type cifLexer struct {
	src  string
	pos  int
	line int // 1-based line of src[pos]
	file string
}

func (lx *cifLexer) errf(line int, field, value, msg string) error {
	return &ParseError{File: lx.file, Line: line, Field: field, Value: value, Msg: msg}
}

func isCIFSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// next returns the next token.
func (lx *cifLexer) next() (token, error) {
	src := lx.src
	// Skip white space and comments.
	for lx.pos < len(src) {
		c := src[lx.pos]
		if c == '\n' {
			lx.line++
			lx.pos++
		} else if c == ' ' || c == '\t' || c == '\r' {
			lx.pos++
		} else if c == '#' {
			for lx.pos < len(src) && src[lx.pos] != '\n' {
				lx.pos++
			}
		} else {
			break
		}
	}
	if lx.pos >= len(src) {
		return token{kind: tokEOF, line: int32(lx.line)}, nil
	}
	start, line := lx.pos, lx.line
	c := src[start]
	switch {
	case c == ';' && (start == 0 || src[start-1] == '\n'):
		// Text field: up to a line that starts with ';'.
		end := strings.Index(src[start+1:], "\n;")
		if end < 0 {
			return token{}, lx.errf(line, "text field", firstLine(src[start:]), "unterminated ;-delimited text field (no closing line starting with ';')")
		}
		val := src[start+1 : start+1+end]
		lx.line += strings.Count(val, "\n") + 1
		lx.pos = start + 1 + end + 2
		val = strings.TrimSuffix(val, "\r")
		return token{s: val, line: int32(line), kind: tokQuoted}, nil
	case c == '\'' || c == '"':
		// Quoted string: ends at the same quote followed by white space or EOF.
		for i := start + 1; i < len(src); i++ {
			d := src[i]
			if d == '\n' || d == '\r' {
				break
			}
			if d == c && (i+1 == len(src) || isCIFSpace(src[i+1])) {
				lx.pos = i + 1
				return token{s: src[start+1 : i], line: int32(line), kind: tokQuoted}, nil
			}
		}
		return token{}, lx.errf(line, "quoted string", firstLine(src[start:]), "unterminated quoted string")
	}
	end := start
	for end < len(src) && !isCIFSpace(src[end]) {
		end++
	}
	lx.pos = end
	w := src[start:end]
	t := token{s: w, line: int32(line), kind: tokValue}
	switch {
	case c == '_':
		t.kind = tokTag
	case w == "." || w == "?":
		t.kind = tokNull
	case hasPrefixFold(w, "data_"):
		t.kind = tokData
	case hasPrefixFold(w, "loop_") && len(w) == 5:
		t.kind = tokLoop
	case hasPrefixFold(w, "save_"):
		t.kind = tokSave
	case strings.EqualFold(w, "global_") || strings.EqualFold(w, "stop_"):
		t.kind = tokGlobal
	}
	return t, nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// firstLine returns s up to its first line break, at most 40 bytes, for error
// messages.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// cifTable is one loop (or the key-value pairs of one category): tags
// (lower case, with the leading '_') and row-major values.
type cifTable struct {
	tags []string
	vals []token
	line int // line of loop_ or of the first tag
}

func (t *cifTable) rows() int { return len(t.vals) / len(t.tags) }

// col returns the index of a tag (lower case), or -1.
func (t *cifTable) col(tag string) int {
	for i, s := range t.tags {
		if s == tag {
			return i
		}
	}
	return -1
}

// cifBlock is the parsed first data block: tag -> table holding it.
type cifBlock struct {
	byTag map[string]*cifTable
}

func category(tag string) string {
	if i := strings.IndexByte(tag, '.'); i >= 0 {
		return tag[:i]
	}
	return tag
}

// parseCIFBlock reads the first data block of src.
func parseCIFBlock(src, file string) (*cifBlock, error) {
	lx := &cifLexer{src: src, line: 1, file: file}
	blk := &cifBlock{byTag: map[string]*cifTable{}}
	pairs := map[string]*cifTable{} // category -> table of its key-value pairs
	add := func(t *cifTable, tok token) error {
		for _, tag := range t.tags {
			if prev, ok := blk.byTag[tag]; ok && prev != t {
				return lx.errf(int(tok.line), tag, "", "duplicate tag in data block")
			}
			blk.byTag[tag] = t
		}
		return nil
	}
	tok, err := lx.next()
	if err != nil {
		return nil, err
	}
	if tok.kind != tokData {
		return nil, lx.errf(int(tok.line), "data block header", firstLine(tok.s), "mmCIF must start with data_")
	}
	tok, err = lx.next()
	for err == nil {
		switch tok.kind {
		case tokEOF, tokData:
			return blk, nil // only the first block is read
		case tokTag:
			tag := strings.ToLower(tok.s)
			v, err := lx.next()
			if err != nil {
				return nil, err
			}
			if v.kind != tokValue && v.kind != tokQuoted && v.kind != tokNull {
				return nil, lx.errf(int(tok.line), tok.s, "", "tag without a value")
			}
			cat := category(tag)
			t := pairs[cat]
			if t == nil {
				t = &cifTable{line: int(tok.line)}
				pairs[cat] = t
			}
			if t.col(tag) >= 0 {
				return nil, lx.errf(int(tok.line), tok.s, "", "duplicate tag in data block")
			}
			t.tags = append(t.tags, tag)
			t.vals = append(t.vals, v)
			if err := add(t, tok); err != nil {
				return nil, err
			}
			tok, err = lx.next()
		case tokLoop:
			t := &cifTable{line: int(tok.line)}
			loopTok := tok
			for tok, err = lx.next(); err == nil && tok.kind == tokTag; tok, err = lx.next() {
				t.tags = append(t.tags, strings.ToLower(tok.s))
			}
			if err != nil {
				return nil, err
			}
			if len(t.tags) == 0 {
				return nil, lx.errf(int(loopTok.line), "loop_", "", "loop without tags")
			}
			for ; err == nil && (tok.kind == tokValue || tok.kind == tokQuoted || tok.kind == tokNull); tok, err = lx.next() {
				t.vals = append(t.vals, tok)
			}
			if err != nil {
				return nil, err
			}
			if len(t.vals)%len(t.tags) != 0 {
				return nil, lx.errf(t.line, "loop_ "+t.tags[0], "",
					"number of values "+strconv.Itoa(len(t.vals))+" is not a multiple of the number of tags "+strconv.Itoa(len(t.tags)))
			}
			if err := add(t, loopTok); err != nil {
				return nil, err
			}
		case tokSave, tokGlobal:
			tok, err = lx.next() // frame markers carry no data we need
		default:
			return nil, lx.errf(int(tok.line), "value", firstLine(tok.s), "value without a tag")
		}
	}
	return nil, err
}

// first returns the first non-null value of tag, if any.
func (b *cifBlock) first(tag string) (token, bool) {
	t := b.byTag[tag]
	if t == nil {
		return token{}, false
	}
	c := t.col(tag)
	for r := 0; r < t.rows(); r++ {
		if v := t.vals[r*len(t.tags)+c]; v.kind != tokNull {
			return v, true
		}
	}
	return token{}, false
}

// resolutionTags are tried in order; the first positive number wins.
var resolutionTags = []string{
	"_refine.ls_d_res_high",
	"_em_3d_reconstruction.resolution",
	"_reflns.d_resolution_high",
}

// parseCIF parses mmCIF data into a Model.
func parseCIF(data []byte, name string) (*Model, error) {
	src := string(data)
	blk, err := parseCIFBlock(src, name)
	if err != nil {
		return nil, err
	}
	m := &Model{Source: name}
	for _, tag := range resolutionTags {
		if v, ok := blk.first(tag); ok {
			if r, err := parseCIFNumber(v.s); err == nil && r > 0 {
				m.Resolution = r
				break
			}
		}
	}
	tab := blk.byTag["_atom_site.cartn_x"]
	if tab == nil {
		for tag, t := range blk.byTag {
			if category(tag) == "_atom_site" {
				tab = t
				break
			}
		}
	}
	if tab == nil {
		return nil, &ParseError{File: name, Msg: "no _atom_site category (no atoms)"}
	}
	if m.Atoms, err = atomsFromTable(tab, name); err != nil {
		return nil, err
	}
	if len(m.Atoms) == 0 {
		return nil, &ParseError{File: name, Line: tab.line, Msg: "_atom_site has no rows (no atoms)"}
	}
	m.Atoms = resolveAltLocs(m.Atoms)
	return m, nil
}

// parseCIFNumber parses a CIF number, allowing a standard uncertainty in
// parentheses ("1.234(5)").
func parseCIFNumber(s string) (float64, error) {
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		s = s[:i]
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x-x != 0 {
		return 0, fieldError("not a finite number")
	}
	return x, nil
}

func atomsFromTable(t *cifTable, file string) ([]Atom, error) {
	col := func(names ...string) int {
		for _, n := range names {
			if c := t.col("_atom_site." + n); c >= 0 {
				return c
			}
		}
		return -1
	}
	missing := func(field string) error {
		return &ParseError{File: file, Line: t.line, Field: "_atom_site." + field, Msg: "required column missing"}
	}
	var (
		cX, cY, cZ = col("cartn_x"), col("cartn_y"), col("cartn_z")
		cElem      = col("type_symbol")
		cName      = col("label_atom_id", "auth_atom_id")
		cGroup     = col("group_pdb")
		cID        = col("id")
		cAlt       = col("label_alt_id")
		cRes       = col("label_comp_id", "auth_comp_id")
		cChain     = col("auth_asym_id", "label_asym_id")
		cSeq       = col("auth_seq_id", "label_seq_id")
		cICode     = col("pdbx_pdb_ins_code")
		cOcc       = col("occupancy")
		cB         = col("b_iso_or_equiv")
		cModel     = col("pdbx_pdb_model_num")
	)
	switch {
	case cX < 0:
		return nil, missing("Cartn_x")
	case cY < 0:
		return nil, missing("Cartn_y")
	case cZ < 0:
		return nil, missing("Cartn_z")
	case cElem < 0:
		return nil, missing("type_symbol")
	case cName < 0:
		return nil, missing("label_atom_id (or auth_atom_id)")
	}
	nt := len(t.tags)
	nrows := t.rows()
	atoms := make([]Atom, 0, nrows)
	str := func(row []token, c int) string {
		if c < 0 || row[c].kind == tokNull {
			return ""
		}
		return row[c].s
	}
	bad := func(v token, c int, msg string) error {
		return &ParseError{File: file, Line: int(v.line), Field: t.tags[c], Value: v.s, Msg: msg}
	}
	var firstModel string
	for r := 0; r < nrows; r++ {
		row := t.vals[r*nt : (r+1)*nt]
		if cModel >= 0 && row[cModel].kind != tokNull {
			if r == 0 || firstModel == "" {
				firstModel = row[cModel].s
			} else if row[cModel].s != firstModel {
				continue
			}
		}
		a := Atom{Occupancy: 1}
		for i, c := range [3]int{cX, cY, cZ} {
			v := row[c]
			if v.kind == tokNull {
				return nil, bad(v, c, "missing coordinate")
			}
			x, err := parseCIFNumber(v.s)
			if err != nil {
				return nil, bad(v, c, err.Error())
			}
			a.Pos[i] = x
		}
		if cOcc >= 0 && row[cOcc].kind != tokNull {
			x, err := parseCIFNumber(row[cOcc].s)
			if err != nil {
				return nil, bad(row[cOcc], cOcc, err.Error())
			}
			a.Occupancy = x
		}
		if cB >= 0 && row[cB].kind != tokNull {
			x, err := parseCIFNumber(row[cB].s)
			if err != nil {
				return nil, bad(row[cB], cB, err.Error())
			}
			a.B = x
		}
		if s := str(row, cID); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, bad(row[cID], cID, "not an integer")
			}
			a.Serial = n
		}
		if s := str(row, cSeq); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, bad(row[cSeq], cSeq, "not an integer")
			}
			a.ResSeq = n
		}
		a.Name = str(row, cName)
		a.AltLoc = str(row, cAlt)
		a.ResName = str(row, cRes)
		a.Chain = str(row, cChain)
		a.ICode = str(row, cICode)
		a.HetAtm = strings.EqualFold(str(row, cGroup), "HETATM")
		a.Element = normalizeElement(str(row, cElem))
		atoms = append(atoms, a)
	}
	return atoms, nil
}
