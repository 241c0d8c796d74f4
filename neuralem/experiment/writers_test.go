package experiment

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"testing"
)

// writtenTables holds what a result's three writers wrote.
type writtenTables struct {
	csv      [][]string
	json     []byte
	markdown string
}

// writeAll runs the CSV, JSON and markdown writers of a result, parses the
// CSV and decodes the JSON into doc.
func writeAll(t *testing.T, r interface {
	WriteCSV(io.Writer) error
	WriteJSON(io.Writer) error
	WriteMarkdown(io.Writer) error
}, doc any) writtenTables {
	t.Helper()
	var out writtenTables
	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out.csv = recs
	b.Reset()
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	out.json = append([]byte(nil), b.Bytes()...)
	if err := json.Unmarshal(out.json, doc); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.json)
	}
	b.Reset()
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out.markdown = b.String()
	return out
}
