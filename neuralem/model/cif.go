package model

import (
	"math"
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

// token is pointer-free (its text is src[off:end]) so that the large token
// slices of atom_site loops cost the garbage collector nothing.
type token struct {
	off, end int32
	line     int32
	kind     tokKind
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
		vend := start + 1 + end
		if strings.HasSuffix(val, "\r") {
			vend--
		}
		return token{off: int32(start + 1), end: int32(vend), line: int32(line), kind: tokQuoted}, nil
	case c == '\'' || c == '"':
		// Quoted string: ends at the same quote followed by white space or EOF.
		for i := start + 1; i < len(src); i++ {
			d := src[i]
			if d == '\n' || d == '\r' {
				break
			}
			if d == c && (i+1 == len(src) || isCIFSpace(src[i+1])) {
				lx.pos = i + 1
				return token{off: int32(start + 1), end: int32(i), line: int32(line), kind: tokQuoted}, nil
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
	t := token{off: int32(start), end: int32(end), line: int32(line), kind: tokValue}
	switch {
	case c == '_':
		t.kind = tokTag
	case w == "." || w == "?":
		t.kind = tokNull
	case len(w) < 5 || !strings.ContainsRune("dDlLsSgG", rune(c)):
		// Not a reserved word: the common case, decided without EqualFold.
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
	src   string
	byTag map[string]*cifTable
}

func (b *cifBlock) str(t token) string { return b.src[t.off:t.end] }

func (lx *cifLexer) str(t token) string { return lx.src[t.off:t.end] }

func category(tag string) string {
	if i := strings.IndexByte(tag, '.'); i >= 0 {
		return tag[:i]
	}
	return tag
}

// parseCIFBlock reads the first data block of src.
//
// onLoop, if not nil, is called with the tags of each loop; when it returns a
// row function, the loop's rows are passed to it one at a time (the slice is
// reused) instead of being stored in the table, which then has no values.
func parseCIFBlock(src, file string, onLoop func(tags []string, line int) (func(row []token) error, error)) (*cifBlock, error) {
	lx := &cifLexer{src: src, line: 1, file: file}
	if len(src) > math.MaxInt32 {
		return nil, &ParseError{File: file, Msg: "file larger than 2 GiB"}
	}
	blk := &cifBlock{src: src, byTag: map[string]*cifTable{}}
	pairs := map[string]*cifTable{} // category -> table of its key-value pairs
	add := func(t *cifTable, tok token) error {
		for _, tag := range t.tags {
			if _, dup := blk.byTag[tag]; dup {
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
	if tok.kind == tokEOF {
		return nil, &ParseError{File: file, Msg: "empty input: no data block (no atoms)"}
	}
	if tok.kind != tokData {
		return nil, lx.errf(int(tok.line), "data block header", firstLine(lx.str(tok)), "mmCIF must start with data_")
	}
	tok, err = lx.next()
	for err == nil {
		switch tok.kind {
		case tokEOF, tokData:
			return blk, nil // only the first block is read
		case tokTag:
			tag := strings.ToLower(lx.str(tok))
			var v token
			if v, err = lx.next(); err != nil {
				return nil, err
			}
			if v.kind != tokValue && v.kind != tokQuoted && v.kind != tokNull {
				return nil, lx.errf(int(tok.line), lx.str(tok), "", "tag without a value")
			}
			cat := category(tag)
			t := pairs[cat]
			if t == nil {
				t = &cifTable{line: int(tok.line)}
				pairs[cat] = t
			}
			if _, dup := blk.byTag[tag]; dup {
				return nil, lx.errf(int(tok.line), lx.str(tok), "", "duplicate tag in data block")
			}
			t.tags = append(t.tags, tag)
			t.vals = append(t.vals, v)
			blk.byTag[tag] = t
			tok, err = lx.next()
		case tokLoop:
			t := &cifTable{line: int(tok.line)}
			loopTok := tok
			for tok, err = lx.next(); err == nil && tok.kind == tokTag; tok, err = lx.next() {
				t.tags = append(t.tags, strings.ToLower(lx.str(tok)))
			}
			if err != nil {
				return nil, err
			}
			if len(t.tags) == 0 {
				return nil, lx.errf(int(loopTok.line), "loop_", "", "loop without tags")
			}
			var rowFn func([]token) error
			if onLoop != nil {
				if rowFn, err = onLoop(t.tags, t.line); err != nil {
					return nil, err
				}
			}
			nvals := 0
			var row []token
			if rowFn != nil {
				row = make([]token, 0, len(t.tags))
			}
			for ; err == nil && (tok.kind == tokValue || tok.kind == tokQuoted || tok.kind == tokNull); tok, err = lx.next() {
				nvals++
				if rowFn == nil {
					t.vals = append(t.vals, tok)
					continue
				}
				row = append(row, tok)
				if len(row) == len(t.tags) {
					if err := rowFn(row); err != nil {
						return nil, err
					}
					row = row[:0]
				}
			}
			if err != nil {
				return nil, err
			}
			if nvals%len(t.tags) != 0 {
				return nil, lx.errf(t.line, "loop_ "+t.tags[0], "",
					"number of values "+strconv.Itoa(nvals)+" is not a multiple of the number of tags "+strconv.Itoa(len(t.tags)))
			}
			if err := add(t, loopTok); err != nil {
				return nil, err
			}
		case tokSave, tokGlobal:
			tok, err = lx.next() // frame markers carry no data we need
		default:
			return nil, lx.errf(int(tok.line), "value", firstLine(lx.str(tok)), "value without a tag")
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

// parseCIF parses mmCIF data into a Model (alternates not yet resolved).
// The _atom_site loop is streamed into atoms as it is tokenized.
func parseCIF(data []byte, name string) (*Model, error) {
	src := string(data)
	var (
		ab       *atomBuilder
		atomLine int
	)
	discard := func([]token) error { return nil }
	onLoop := func(tags []string, line int) (func([]token) error, error) {
		cat := category(tags[0])
		if cat != "_atom_site" || ab != nil {
			for _, tag := range resolutionTags {
				if category(tag) == cat {
					return nil, nil // keep the values
				}
			}
			return discard, nil // not needed: tokenize, check, drop
		}
		var err error
		if ab, err = newAtomBuilder(tags, line, src, name); err != nil {
			return nil, err
		}
		atomLine = line
		return ab.row, nil
	}
	blk, err := parseCIFBlock(src, name, onLoop)
	if err != nil {
		return nil, err
	}
	m := &Model{Source: name}
	for _, tag := range resolutionTags {
		if v, ok := blk.first(tag); ok {
			if r, err := parseCIFNumber(blk.str(v)); err == nil && r > 0 {
				m.Resolution = r
				break
			}
		}
	}
	if ab == nil {
		// A single atom may be written as key-value pairs.
		var tab *cifTable
		for tag, t := range blk.byTag {
			if category(tag) == "_atom_site" {
				tab = t
				break
			}
		}
		if tab == nil {
			return nil, &ParseError{File: name, Msg: "no _atom_site category (no atoms)"}
		}
		if ab, err = newAtomBuilder(tab.tags, tab.line, src, name); err != nil {
			return nil, err
		}
		atomLine = tab.line
		for r := 0; r < tab.rows(); r++ {
			if err := ab.row(tab.vals[r*len(tab.tags) : (r+1)*len(tab.tags)]); err != nil {
				return nil, err
			}
		}
	}
	if len(ab.atoms) == 0 {
		return nil, &ParseError{File: name, Line: atomLine, Msg: "_atom_site has no rows (no atoms)"}
	}
	m.Atoms = ab.atoms
	return m, nil
}

// atomBuilder turns _atom_site rows into atoms.
type atomBuilder struct {
	tags      []string
	src, file string
	intern    interner

	cX, cY, cZ, cElem, cName, cGroup, cID, cAlt, cRes, cChain, cSeq, cICode, cOcc, cB, cModel int

	firstModel string
	haveModel  bool
	atoms      []Atom
}

func newAtomBuilder(tags []string, line int, src, file string) (*atomBuilder, error) {
	col := func(names ...string) int {
		for _, n := range names {
			for i, t := range tags {
				if t == "_atom_site."+n {
					return i
				}
			}
		}
		return -1
	}
	b := &atomBuilder{
		tags: tags, src: src, file: file, intern: interner{},
		cX: col("cartn_x"), cY: col("cartn_y"), cZ: col("cartn_z"),
		cElem:  col("type_symbol"),
		cName:  col("label_atom_id", "auth_atom_id"),
		cGroup: col("group_pdb"),
		cID:    col("id"),
		cAlt:   col("label_alt_id"),
		cRes:   col("label_comp_id", "auth_comp_id"),
		cChain: col("auth_asym_id", "label_asym_id"),
		cSeq:   col("auth_seq_id", "label_seq_id"),
		cICode: col("pdbx_pdb_ins_code"),
		cOcc:   col("occupancy"),
		cB:     col("b_iso_or_equiv"),
		cModel: col("pdbx_pdb_model_num"),
	}
	missing := func(field string) error {
		return &ParseError{File: file, Line: line, Field: "_atom_site." + field, Msg: "required column missing"}
	}
	switch {
	case b.cX < 0:
		return nil, missing("Cartn_x")
	case b.cY < 0:
		return nil, missing("Cartn_y")
	case b.cZ < 0:
		return nil, missing("Cartn_z")
	case b.cElem < 0:
		return nil, missing("type_symbol")
	case b.cName < 0:
		return nil, missing("label_atom_id (or auth_atom_id)")
	}
	return b, nil
}

// str returns the text of column c of row, "" for null or absent columns.
func (b *atomBuilder) str(row []token, c int) string {
	if c < 0 || row[c].kind == tokNull {
		return ""
	}
	return b.src[row[c].off:row[c].end]
}

func (b *atomBuilder) bad(v token, c int, msg string) error {
	return &ParseError{File: b.file, Line: int(v.line), Field: b.tags[c], Value: b.src[v.off:v.end], Msg: msg}
}

func (b *atomBuilder) num(row []token, c int, def float64, required bool) (float64, error) {
	if c < 0 {
		return def, nil
	}
	v := row[c]
	if v.kind == tokNull {
		if required {
			return 0, b.bad(v, c, "missing number")
		}
		return def, nil
	}
	x, err := parseCIFNumber(b.src[v.off:v.end])
	if err != nil {
		return 0, b.bad(v, c, err.Error())
	}
	return x, nil
}

func (b *atomBuilder) integer(row []token, c int) (int, error) {
	s := b.str(row, c)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, b.bad(row[c], c, "not an integer")
	}
	return n, nil
}

// row adds the atom of one _atom_site row, skipping rows of models other than
// the first.
func (b *atomBuilder) row(row []token) error {
	if b.cModel >= 0 && row[b.cModel].kind != tokNull {
		s := b.str(row, b.cModel)
		if !b.haveModel {
			b.firstModel, b.haveModel = strings.Clone(s), true
		} else if s != b.firstModel {
			return nil
		}
	}
	if b.atoms == nil {
		// Size the slice from the first row's length and the bytes left.
		n := len(row)
		rowLen := int(row[n-1].end-row[0].off) + 1
		b.atoms = make([]Atom, 0, min((len(b.src)-int(row[0].off))/rowLen+1, 1<<20))
	}
	a := Atom{}
	var err error
	for i, c := range [3]int{b.cX, b.cY, b.cZ} {
		if a.Pos[i], err = b.num(row, c, 0, true); err != nil {
			return err
		}
	}
	if a.Occupancy, err = b.num(row, b.cOcc, 1, false); err != nil {
		return err
	}
	if a.B, err = b.num(row, b.cB, 0, false); err != nil {
		return err
	}
	if a.Serial, err = b.integer(row, b.cID); err != nil {
		return err
	}
	if a.ResSeq, err = b.integer(row, b.cSeq); err != nil {
		return err
	}
	a.Name = b.intern.get(b.str(row, b.cName))
	a.AltLoc = b.intern.get(b.str(row, b.cAlt))
	a.ResName = b.intern.get(b.str(row, b.cRes))
	a.Chain = b.intern.get(b.str(row, b.cChain))
	a.ICode = b.intern.get(b.str(row, b.cICode))
	a.HetAtm = strings.EqualFold(b.str(row, b.cGroup), "HETATM")
	a.Element = b.intern.get(normalizeElement(b.str(row, b.cElem)))
	if a.Element == UnknownElement {
		a.ElementText = b.intern.get(b.str(row, b.cElem))
	}
	b.atoms = append(b.atoms, a)
	return nil
}

// interner shares the few distinct atom, residue and chain names of a file,
// so atoms do not pin the file's text or allocate a string per field.
type interner map[string]string

func (in interner) get(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := in[s]; ok {
		return v
	}
	v := strings.Clone(s)
	in[v] = v
	return v
}

// getBytes is get for a byte slice (the map lookup does not allocate).
func (in interner) getBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if v, ok := in[string(b)]; ok {
		return v
	}
	v := string(b)
	in[v] = v
	return v
}
