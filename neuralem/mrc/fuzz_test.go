package mrc

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// FuzzRead feeds arbitrary bytes (plain or gzip) to the decoder: it must
// never panic, must return an *Error for bad input, and a map it accepts
// must be self-consistent. Seeds: the hand-made fixtures, small shared
// format-test files, and a gzip-compressed valid file.
//
//	GOEXPERIMENT=simd go test ./neuralem/mrc/ -run '^$' -fuzz FuzzRead -fuzztime 3m
func FuzzRead(f *testing.F) {
	fixtures, _ := filepath.Glob("testdata/*.mrc")
	for _, p := range fixtures {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, rel := range []string{
		"maps/format_tests/xray_5i55_tiny_P21_axes213.ccp4",
		"maps/format_tests/synthetic_iota_yzx.ccp4.gz",
		"maps/format_tests/emd3197_tiny_20cube.map",
	} {
		b, err := os.ReadFile(sharedPath(f, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	v := validFile(f)
	f.Add(v)
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(v)
	zw.Close()
	f.Add(zb.Bytes())
	f.Add(v[:1024])

	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []ReadOptions{{}, {AllowNonFinite: true, AllowTrailingBytes: true}} {
			m, err := opts.Decode(data, "fuzz.mrc")
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Path != "fuzz.mrc" || e.Field == "" {
					t.Fatalf("error %v (%T) does not name file and field", err, err)
				}
				continue
			}
			if len(m.Data) != m.Shape[0]*m.Shape[1]*m.Shape[2] {
				t.Fatalf("%d values for shape %v", len(m.Data), m.Shape)
			}
			_ = m.Validate()
			_ = m.Header.Validate()
			p := m.Position(geom.Index{m.Shape[0] - 1, m.Shape[1] - 1, m.Shape[2] - 1})
			if g, err := m.Grid(); err == nil {
				if len(g.Data) != g.Len() {
					t.Fatalf("grid with %d values for shape %v", len(g.Data), g.Shape)
				}
				_ = p
			}
			_ = m.Header.Encode()
		}
	})
}
