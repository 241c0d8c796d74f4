package metainit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/siren"
)

func testInit(t *testing.T) *Init {
	t.Helper()
	cfg, err := siren.Preset("cpu")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Width, cfg.HiddenLayers, cfg.FirstOmega0 = 8, 1, 20
	net, err := siren.NewNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultTrainOptions()
	return &Init{Net: net, Meta: Meta{Preset: "test", RegionEdge: 6, Method: "reptile", Train: o, Done: o.OuterSteps,
		Sources: []Source{{Name: "a", Model: "a.pdb", Resolution: 2, Spacing: 0.5, Regions: 3}}, HeldOut: []string{"b"},
		Command: "neuralem meta-train -o x.nemi", Created: "2026-12-01T00:00:00Z", Elapsed: 1234}}
}

// A saved init reads back with the same weights, architecture and metadata,
// and its SHA256 is the SHA-256 of the file's bytes (what sha256sum prints).
func TestFileRoundTrip(t *testing.T) {
	in := testInit(t)
	path := filepath.Join(t.TempDir(), "x"+FileExt)
	if err := in.Save(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if want := hex.EncodeToString(sum[:]); in.SHA256 != want {
		t.Errorf("Save set SHA256 %s, the file's is %s", in.SHA256, want)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA256 != in.SHA256 || got.Name != "x"+FileExt {
		t.Errorf("loaded SHA256 %s name %q, want %s and %q", got.SHA256, got.Name, in.SHA256, "x"+FileExt)
	}
	if !got.Net.Config.SameArch(in.Net.Config) {
		t.Errorf("architecture %s, want %s", got.Net.Config.ArchString(), in.Net.Config.ArchString())
	}
	for l, L := range in.Net.Layers {
		G := got.Net.Layers[l]
		for i := range L.W {
			if G.W[i] != L.W[i] {
				t.Fatalf("layer %d W[%d] = %g, want %g", l, i, G.W[i], L.W[i])
			}
		}
		for i := range L.B {
			if G.B[i] != L.B[i] {
				t.Fatalf("layer %d B[%d] = %g, want %g", l, i, G.B[i], L.B[i])
			}
		}
	}
	m := got.Meta
	if m.Preset != "test" || m.RegionEdge != 6 || m.Train != in.Meta.Train || m.Done != in.Meta.Done || len(m.Sources) != 1 ||
		m.Sources[0] != in.Meta.Sources[0] || m.Command != in.Meta.Command || m.Elapsed != 1234 || m.Width != 8 || m.FirstOmega0 != 20 {
		t.Errorf("metadata %+v, want %+v", m, in.Meta)
	}
	// Encoding is deterministic: the same init gives the same bytes.
	again, err := got.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(b) {
		t.Error("re-encoding a loaded init changed its bytes")
	}
}

// Damaged and foreign files are errors that say what is wrong.
func TestDecodeErrors(t *testing.T) {
	in := testInit(t)
	b, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	mod := func(f func(c []byte) []byte) []byte { return f(append([]byte(nil), b...)) }
	resum := func(c []byte) []byte { // recompute the checksum after an edit
		s := sha256.Sum256(c[:len(c)-32])
		copy(c[len(c)-32:], s[:])
		return c
	}
	// edit replaces metadata text, fixing the header's metadata length and
	// the checksum, so that only the edited field is wrong.
	edit := func(from, to string) []byte {
		if !strings.Contains(string(b), from) {
			t.Fatalf("no %q in the metadata", from)
		}
		c := []byte(strings.Replace(string(b), from, to, 1))
		binary.LittleEndian.PutUint64(c[24:], binary.LittleEndian.Uint64(b[24:])+uint64(len(to)-len(from)))
		return resum(c)
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a neuralem initialisation file"},
		{"neural map", []byte("NEURALEM-MAP\r\n\x1a\n rest of a map file"), "not a neuralem initialisation file"},
		{"header only", b[:30], "truncated"},
		{"truncated", b[:len(b)-1], "truncated"},
		{"trailing", append(append([]byte(nil), b...), 0), "trailing data"},
		{"bit flip", mod(func(c []byte) []byte { c[len(c)-40] ^= 1; return c }), "checksum mismatch"},
		{"version", mod(func(c []byte) []byte { binary.LittleEndian.PutUint32(c[16:], 9); return c }), "format version 9"},
		{"flags", mod(func(c []byte) []byte { binary.LittleEndian.PutUint32(c[20:], 1); return resum(c) }), "flags"},
		{"width", mod(func(c []byte) []byte {
			s := strings.Replace(string(c), `"width": 8`, `"width": 9`, 1)
			return resum([]byte(s))
		}), "width = 9, hidden_layers = 1: that network has 136 parameters, the file holds 113 weights"},
		{"hostile width", edit(`"width": 8`, `"width": 1099511627776`), "width = 1099511627776, want 1 to 65536"},
		{"negative depth", edit(`"hidden_layers": 1`, `"hidden_layers": -1`), "hidden_layers = -1"},
		{"huge depth", edit(`"hidden_layers": 1`, `"hidden_layers": 4000000000`), "hidden_layers = 4000000000"},
		{"region edge", edit(`"region_edge": 6`, `"region_edge": 0`), "region_edge = 0"},
		{"steps done", edit(`"outer_steps_done": 6000`, `"outer_steps_done": 6001`), "outer_steps_done = 6001, want 0 to train.outer_steps = 6000"},
		{"unknown field", mod(func(c []byte) []byte {
			s := strings.Replace(string(c), `"preset": "test"`, `"presex": "test"`, 1)
			return resum([]byte(s))
		}), "unknown field"},
	}
	for _, c := range cases {
		_, err := Decode(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.nemi")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory: %v, want an error saying so", err)
	}
}

// An init is refused for another network, naming both.
func TestCheckArch(t *testing.T) {
	in := testInit(t)
	cfg := in.Net.Config
	if err := in.Check(cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Width = 16
	err := in.Check(cfg)
	if err == nil || !strings.Contains(err.Error(), "Width 8") || !strings.Contains(err.Error(), "Width 16") {
		t.Errorf("Check for another width: %v, want an error naming Width 8 and Width 16", err)
	}
}
