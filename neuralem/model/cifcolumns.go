package model

import "io"

// ReadCIFColumns reads the first data block of a CIF file from r and returns
// every tag (lower case, with its leading '_') mapped to its column of
// values: a loop's column, or a one-value column for a key-value pair.
// Values are as written, without their quotes; the nulls '.' and '?' are
// returned as such. It is ReadCIF's tokenizer and block parser, so quoting,
// text fields, comments and errors (a *ParseError naming name, the line, the
// tag and the value) follow the same rules. Other file formats that are
// written as CIF (e.g. densgraph's graphs) read their tables with it.
func ReadCIFColumns(r io.Reader, name string) (map[string][]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ParseError{File: name, Msg: "read error: " + err.Error()}
	}
	blk, err := parseCIFBlock(string(data), name, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(blk.byTag))
	for tag, t := range blk.byTag {
		c := t.col(tag)
		col := make([]string, t.rows())
		for i := range col {
			col[i] = blk.str(t.vals[i*len(t.tags)+c])
		}
		out[tag] = col
	}
	return out, nil
}
