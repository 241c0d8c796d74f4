package mrc

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
)

func sharedPath(t testing.TB, rel string) string { return shared.Path(t, rel) }

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestFixtures reads the mrcfile-written fixtures (gen_fixtures.py) for every
// mode and both byte orders and checks the known values, byte order, shape,
// voxel size, origin and positions.
func TestFixtures(t *testing.T) {
	f := map[int32]func(n int) float32{
		ModeInt8:    func(n int) float32 { return float32(n - 30) },
		ModeInt16:   func(n int) float32 { return float32(n*300 - 9000) },
		ModeFloat32: func(n int) float32 { return float32(n)*0.25 - 7.5 },
		ModeUint16:  func(n int) float32 { return float32(n*1000 + 5) },
		ModeFloat16: func(n int) float32 { return float32(n)*0.125 - 3 },
	}
	for _, mode := range []int32{0, 1, 2, 6, 12} {
		for _, order := range []string{"le", "be"} {
			name := fmt.Sprintf("testdata/mode%d_%s.mrc", mode, order)
			t.Run(name, func(t *testing.T) {
				m, err := Read(name)
				if err != nil {
					t.Fatal(err)
				}
				wantOrder := binary.ByteOrder(binary.LittleEndian)
				if order == "be" {
					wantOrder = binary.BigEndian
				}
				if m.Header.ByteOrder() != wantOrder || m.Header.Mode != mode {
					t.Fatalf("byte order %v mode %d, want %v %d", m.Header.ByteOrder(), m.Header.Mode, wantOrder, mode)
				}
				if m.Shape != [3]int{5, 4, 3} {
					t.Fatalf("shape %v", m.Shape)
				}
				for n, v := range m.Data {
					if v != f[mode](n) {
						t.Fatalf("voxel %d = %g, want %g", n, v, f[mode](n))
					}
				}
				if ps := m.Validate(); len(ps) != 0 {
					t.Errorf("Validate: %v", ps)
				}
				g, err := m.Grid()
				if err != nil {
					t.Fatal(err)
				}
				want := grid.Frame{Shape: [3]int{5, 4, 3}, Spacing: geom.Vec3{1.5, 2, 2.5}, Origin: geom.Point{10, -20, 30.5}}
				if g.Frame != want {
					t.Errorf("frame %+v, want %+v", g.Frame, want)
				}
				p := m.Position(geom.Index{4, 3, 2})
				if p != (geom.Point{16, -14, 35.5}) {
					t.Errorf("position of (4,3,2) = %v", p)
				}
			})
		}
	}
}

// TestPermutedNstartOrigin: MAPC,MAPR,MAPS = 2,3,1 with NSTART and ORIGIN
// both set and anisotropic voxels.
func TestPermutedNstartOrigin(t *testing.T) {
	m, err := Read("testdata/perm231_nstart_origin.mrc")
	if err != nil {
		t.Fatal(err)
	}
	// columns along Y (5), rows along Z (4), sections along X (3)
	if m.Shape != [3]int{3, 5, 4} || m.Start != [3]int{3, 7, -2} {
		t.Fatalf("shape %v start %v", m.Shape, m.Start)
	}
	for x := 0; x < 3; x++ {
		for y := 0; y < 5; y++ {
			for z := 0; z < 4; z++ {
				n := y + 5*z + 20*x // file index: c=y, r=z, s=x
				want := float32(n)*0.5 - 3
				if got := m.Data[x+3*(y+5*z)]; got != want {
					t.Fatalf("(%d,%d,%d) = %g, want %g", x, y, z, got, want)
				}
			}
		}
	}
	g, err := m.Grid()
	if err != nil {
		t.Fatal(err)
	}
	// origin + start·voxel: (1 + 3·1.5, 2 + 7·1.2, −3 − 2·1.25)
	wantO := geom.Point{5.5, 10.4, -5.5}
	for a := 0; a < 3; a++ {
		if !near(g.Origin[a], wantO[a], 1e-12) || !near(g.Spacing[a], []float64{1.5, 1.2, 1.25}[a], 1e-12) {
			t.Fatalf("frame %+v, want origin %v spacing 1.5,1.2,1.25", g.Frame, wantO)
		}
	}
	p := m.Position(geom.Index{2, 4, 3})
	q := g.PointOf(geom.Index{2, 4, 3})
	if p.Dist(q) > 1e-12 || p.Dist(geom.Point{8.5, 15.2, -1.75}) > 1e-12 {
		t.Errorf("position %v, grid %v, want (8.5, 15.2, -1.75)", p, q)
	}
}

// TestIotaKnownValues: gemmi's synthetic iota map holds, at unit-cell point
// (x, y, z) of a 5×6×7 cell, the value (z mod 7) + 7·(y mod 6) + 42·(x mod 5):
// this checks the axis permutation (2,3,1) and the start indices together.
func TestIotaKnownValues(t *testing.T) {
	m, err := Read(sharedPath(t, "maps/format_tests/synthetic_iota_yzx.ccp4.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Shape != [3]int{4, 1, 2} || m.Start != [3]int{1, 20, -3} || len(m.Ext) != 80 {
		t.Fatalf("shape %v start %v ext %d", m.Shape, m.Start, len(m.Ext))
	}
	mod := func(a, n int) int { return ((a % n) + n) % n }
	var fileOrder []float32
	for x := 0; x < 4; x++ { // sections = X, rows = Z, columns = Y
		for z := 0; z < 2; z++ {
			v := m.Data[x+4*(0+1*z)]
			want := float32(mod(m.Start[2]+z, 7) + 7*mod(m.Start[1], 6) + 42*mod(m.Start[0]+x, 5))
			if v != want {
				t.Errorf("(%d,0,%d) = %g, want %g", x, z, v, want)
			}
			fileOrder = append(fileOrder, v)
		}
	}
	if fmt.Sprint(fileOrder) != "[60 61 102 103 144 145 186 187]" {
		t.Errorf("file-order values %v", fileOrder)
	}
	// header DMIN = 0 is stale (data min 60); NVERSION is 0 (pre-2014 file)
	words := map[int]bool{}
	for _, p := range m.Validate() {
		words[p.Word] = true
	}
	if !words[20] || !words[28] {
		t.Errorf("Validate should flag stale DMIN (20) and NVERSION (28): %v", m.Validate())
	}
}

// TestSharedMaps loads every shared map and checks shape, start, voxel size
// and origin against the values documented in SOURCES.md.
func TestSharedMaps(t *testing.T) {
	type want struct {
		shape  [3]int
		start  [3]int
		voxel  geom.Vec3
		origin geom.Point
		ortho  bool
		min    float64
		max    float64
	}
	cases := map[string]want{
		"maps/emd20026_apoferritin_chainA_zone.mrc.gz": {[3]int{94, 104, 112}, [3]int{}, geom.Vec3{0.65, 0.65, 0.65}, geom.Point{117.0, 65.65, 101.40}, true, -0.0605, 0.1088},
		"maps/emd2566_3j6b_chain9.mrc":                 {[3]int{35, 52, 47}, [3]int{}, geom.Vec3{1.34, 1.34, 1.34}, geom.Point{356.44, 155.44, 159.46}, true, -0.386, 0.864},
		"maps/emd0093_hcn4_masked4A.mrc.gz":            {[3]int{220, 220, 220}, [3]int{}, geom.Vec3{1.34, 1.34, 1.34}, geom.Point{}, true, -1.787, 3.571},
		"maps/ribocut4a_unknown_emdb.mrc":              {[3]int{74, 74, 74}, [3]int{}, geom.Vec3{0.94, 0.94, 0.94}, geom.Point{}, true, -19664, 35971},
		// 2,1,3: NX=100 columns run along Y; nstart (−1,−50,−18) is in column, row, section order
		"maps/xray_3ek3_2fofc_C2221_axes213.map.gz":         {[3]int{92, 100, 123}, [3]int{-50, -1, -18}, geom.Vec3{0.564, 0.5815, 0.5711}, geom.Point{}, true, -0.965, 7.998},
		"maps/format_tests/emd3001_microED_P21_axes312.map": {[3]int{43, 25, 73}, [3]int{-21, -12, 0}, geom.Vec3{0.448, 0.3925, 0.4587}, geom.Point{}, false, -0.368, 0.722},
		"maps/format_tests/emd3197_tiny_20cube.map":         {[3]int{20, 20, 20}, [3]int{-2, 0, 0}, geom.Vec3{11.4, 11.4, 11.4}, geom.Point{}, true, -4.134, 5.577},
		"maps/format_tests/xray_5i55_tiny_P21_axes213.ccp4": {[3]int{6, 8, 10}, [3]int{-8, 50, 40}, geom.Vec3{0.491, 0.4375, 0.495}, geom.Point{}, false, -0.531, 2.399},
		"maps/format_tests/synthetic_iota_yzx.ccp4.gz":      {[3]int{4, 1, 2}, [3]int{1, 20, -3}, geom.Vec3{30, 22, 20}, geom.Point{}, true, 60, 187},
	}
	if len(cases) != len(sharedMaps) {
		t.Fatalf("%d cases for %d shared maps", len(cases), len(sharedMaps))
	}
	for _, rel := range sharedMaps {
		w := cases[rel]
		t.Run(filepath.Base(rel), func(t *testing.T) {
			path := sharedPath(t, rel)
			h, err := ReadHeader(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if *h != m.Header && h.sizeKnown {
				t.Errorf("ReadHeader and Read disagree")
			}
			if m.Shape != w.shape || m.Start != w.start {
				t.Errorf("shape %v start %v, want %v %v", m.Shape, m.Start, w.shape, w.start)
			}
			vs := m.Header.VoxelSize()
			for a := 0; a < 3; a++ {
				if !near(vs[a], w.voxel[a], 6e-4) || !near(float64(m.Header.Origin[a]), w.origin[a], 6e-3) {
					t.Errorf("voxel %v origin %v, want %v %v", vs, m.Header.Origin, w.voxel, w.origin)
				}
			}
			st := grid.ComputeStats(m.Data)
			mn, mx := st.Min, st.Max
			tol := 1e-3 * math.Max(math.Abs(w.min), math.Abs(w.max))
			if !near(mn, w.min, tol) || !near(mx, w.max, tol) {
				t.Errorf("data range [%g, %g], want [%g, %g]", mn, mx, w.min, w.max)
			}
			if m.Header.Orthogonal() != w.ortho {
				t.Errorf("orthogonal = %v", m.Header.Orthogonal())
			}
			g, err := m.Grid()
			if w.ortho {
				if err != nil {
					t.Fatal(err)
				}
				// Grid positions agree with Map.Position.
				for _, ix := range []geom.Index{{0, 0, 0}, {w.shape[0] - 1, w.shape[1] - 1, w.shape[2] - 1}, {1, 0, w.shape[2] - 1}} {
					if d := g.PointOf(ix).Dist(m.Position(ix)); d > 1e-9 {
						t.Errorf("grid and map positions differ by %g Å at %v", d, ix)
					}
				}
			} else {
				var e *Error
				if err == nil || !errors.As(err, &e) || e.Field != "CELLB" || !strings.Contains(err.Error(), filepath.Base(rel)) {
					t.Errorf("non-orthogonal cell: Grid() error %v, want an *Error on CELLB naming the file", err)
				}
			}
			for _, p := range m.Validate() {
				t.Logf("Validate: %v", p)
			}
		})
	}
}

// TestRibocutNegativeZeroOrigin: the origin words hold −0.0; positions must
// equal idx·voxel (no sign surprises), and the origin compares equal to 0.
func TestRibocutNegativeZeroOrigin(t *testing.T) {
	g, h, err := ReadGrid(sharedPath(t, "maps/ribocut4a_unknown_emdb.mrc"))
	if err != nil {
		t.Fatal(err)
	}
	if !math.Signbit(float64(h.Origin[0])) {
		t.Errorf("expected the file to store -0.0 in word 50, got %v", h.Origin)
	}
	if g.Origin != (geom.Point{}) {
		t.Errorf("origin %v, want 0", g.Origin)
	}
	if p := g.PointOf(geom.Index{1, 2, 3}); !near(p[0], 0.94, 1e-5) || !near(p[2], 2.82, 1e-5) {
		t.Errorf("position %v", p)
	}
}

// TestGzipByMagic: compression is recognised by content, not by name.
func TestGzipByMagic(t *testing.T) {
	src := sharedPath(t, "maps/format_tests/synthetic_iota_yzx.ccp4.gz")
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	noExt := filepath.Join(dir, "iota_compressed.map")
	if err := os.WriteFile(noExt, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := Read(src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Read(noExt)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a.Data) != fmt.Sprint(b.Data) {
		t.Errorf("gzip without .gz name read differently")
	}
	plain, _ := os.ReadFile("testdata/mode2_le.mrc")
	gzName := filepath.Join(dir, "plain_named.mrc.gz")
	os.WriteFile(gzName, plain, 0o644)
	if _, err := Read(gzName); err != nil {
		t.Errorf("plain file named .gz: %v", err)
	}
	if h, err := ReadHeader(noExt); err != nil || h.NX != 1 || h.sizeKnown {
		t.Errorf("ReadHeader on gzip: %v %+v", err, h)
	}
}

// validFile returns a valid little-endian mode-2 file of shape (4,3,2).
func validFile(t testing.TB) []byte {
	g := grid.New(grid.Frame{Shape: [3]int{4, 3, 2}, Spacing: geom.Vec3{1, 1, 1}})
	for i := range g.Data {
		g.Data[i] = float32(i)
	}
	var b bytes.Buffer
	if err := Encode(&b, g, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func setWord(b []byte, word int, v uint32)   { binary.LittleEndian.PutUint32(b[4*(word-1):], v) }
func setFloat(b []byte, word int, v float32) { setWord(b, word, math.Float32bits(v)) }

// TestBadInput: each malformed file gives an *Error naming the file, the
// field and the value, and never panics.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		field  string
		value  string
	}{
		{"empty", func(b []byte) []byte { return nil }, "file", "0 bytes"},
		{"short header", func(b []byte) []byte { return b[:500] }, "file", "500 bytes"},
		{"truncated data", func(b []byte) []byte { return b[:len(b)-3] }, "data", "93 bytes"},
		{"trailing bytes", func(b []byte) []byte { return append(b, 1, 2, 3, 4) }, "data", "100 bytes"},
		{"NaN voxel", func(b []byte) []byte { setFloat(b[1024:], 6, float32(math.NaN())); return b }, "data", "NaN"},
		{"Inf voxel", func(b []byte) []byte { setFloat(b[1024:], 24, float32(math.Inf(-1))); return b }, "data", "-Inf"},
		{"mode 3 complex", func(b []byte) []byte { setWord(b, 4, 3); return b }, "MODE", "3"},
		{"mode 4 complex", func(b []byte) []byte { setWord(b, 4, 4); return b }, "MODE", "4"},
		{"mode 7", func(b []byte) []byte { setWord(b, 4, 7); return b }, "MODE", "7"},
		{"zero cell", func(b []byte) []byte { setFloat(b, 12, 0); return b }, "CELLA.Y", "0"},
		{"negative cell", func(b []byte) []byte { setFloat(b, 13, -5); return b }, "CELLA.Z", "-5"},
		{"NaN cell", func(b []byte) []byte { setFloat(b, 11, float32(math.NaN())); return b }, "CELLA.X", "NaN"},
		{"bad angle", func(b []byte) []byte { setFloat(b, 15, 180); return b }, "CELLB.beta", "180"},
		{"impossible angles", func(b []byte) []byte { setFloat(b, 14, 10); setFloat(b, 15, 10); setFloat(b, 16, 170); return b }, "CELLB", "10,10,170"},
		{"zero sampling", func(b []byte) []byte { setWord(b, 9, 0); return b }, "MY", "0"},
		{"axes 1,1,3", func(b []byte) []byte { setWord(b, 18, 1); return b }, "MAPC,MAPR,MAPS", "1,1,3"},
		{"axes 0,2,3", func(b []byte) []byte { setWord(b, 17, 0); return b }, "MAPC,MAPR,MAPS", "0,2,3"},
		{"negative NX", func(b []byte) []byte { setWord(b, 1, uint32(0xffffffff)); return b }, "NX", "-1"},
		{"2^31+ voxels", func(b []byte) []byte { setWord(b, 1, 2000); setWord(b, 2, 2000); setWord(b, 3, 1000); return b }, "NX,NY,NZ", "2000,2000,1000"},
		{"bigger than file", func(b []byte) []byte { setWord(b, 3, 100000); return b }, "data", "96 bytes"},
		{"nsymbt past end", func(b []byte) []byte { setWord(b, 24, 4000); return b }, "NSYMBT", "4000"},
		{"negative nsymbt", func(b []byte) []byte { setWord(b, 24, uint32(0xfffffff0)); return b }, "NSYMBT", "-16"},
		{"NaN origin", func(b []byte) []byte { setFloat(b, 51, float32(math.Inf(1))); return b }, "ORIGIN.Y", "+Inf"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.mutate(validFile(t))
			for _, gz := range []bool{false, true} {
				data := b
				if gz {
					var zb bytes.Buffer
					zw := gzip.NewWriter(&zb)
					zw.Write(b)
					zw.Close()
					data = zb.Bytes()
				}
				name := fmt.Sprintf("bad_%s_gz%v.mrc", strings.ReplaceAll(tc.name, " ", "_"), gz)
				_, err := ReadOptions{}.Decode(data, name)
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("gz=%v: got %v, want *Error", gz, err)
				}
				if e.Path != name || e.Field != tc.field || e.Value != tc.value || !strings.Contains(err.Error(), name) {
					t.Errorf("gz=%v: error %q: path %q field %q value %q, want field %q value %q", gz, err, e.Path, e.Field, e.Value, tc.field, tc.value)
				}
			}
		})
	}
	// Also through a real file path.
	path := filepath.Join(t.TempDir(), "trunc.mrc")
	os.WriteFile(path, validFile(t)[:1030], 0o644)
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("truncated file: %v", err)
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing.mrc")); err == nil || !strings.Contains(err.Error(), "missing.mrc") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadHeader(path[:len(path)-4] + "_none.mrc"); err == nil {
		t.Errorf("ReadHeader of a missing file succeeded")
	}
	// A truncated gzip stream.
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(validFile(t))
	zw.Close()
	if _, err := (ReadOptions{}).Decode(zb.Bytes()[:zb.Len()-20], "cut.gz"); err == nil {
		t.Errorf("truncated gzip accepted")
	}
	// A gzip stream whose CRC (checked only at the end) is wrong.
	bad := append([]byte(nil), zb.Bytes()...)
	bad[len(bad)-8] ^= 0xff
	if _, err := (ReadOptions{}).Decode(bad, "crc.gz"); err == nil || !strings.Contains(err.Error(), "crc.gz") {
		t.Errorf("gzip with a bad CRC: %v", err)
	}
}

// TestNonFiniteOption: the NaN count and first index are reported; the
// option accepts them.
func TestNonFiniteOption(t *testing.T) {
	b := validFile(t)
	setFloat(b[1024:], 7, float32(math.NaN()))   // voxel 6 = (2,1,0)
	setFloat(b[1024:], 24, float32(math.Inf(1))) // voxel 23 = (3,2,1)
	_, err := ReadOptions{}.Decode(b, "nan.mrc")
	if err == nil || !strings.Contains(err.Error(), "2 non-finite voxel(s), first at X,Y,Z index [2 1 0]") {
		t.Errorf("error %v", err)
	}
	m, err := ReadOptions{AllowNonFinite: true}.Decode(b, "nan.mrc")
	if err != nil || !math.IsNaN(float64(m.Data[6])) || !math.IsInf(float64(m.Data[23]), 1) {
		t.Errorf("AllowNonFinite: %v", err)
	}
	b = append(validFile(t), 0, 0)
	if _, err := (ReadOptions{AllowTrailingBytes: true}).Decode(b, "long.mrc"); err != nil {
		t.Errorf("AllowTrailingBytes: %v", err)
	}
}

// TestValidate checks that each broken rule gives a Problem on its word and
// that a freshly written file has none.
func TestValidate(t *testing.T) {
	m, err := ReadOptions{}.Decode(validFile(t), "ok.mrc")
	if err != nil {
		t.Fatal(err)
	}
	if ps := m.Validate(); len(ps) != 0 {
		t.Fatalf("valid file: %v", ps)
	}
	cases := []struct {
		name   string
		mutate func([]byte)
		word   int
	}{
		{"MAP word", func(b []byte) { copy(b[208:], "XXXX") }, 53},
		{"stamp", func(b []byte) { copy(b[212:], []byte{0, 0, 0, 0}) }, 54},
		{"nversion", func(b []byte) { setWord(b, 28, 0) }, 28},
		{"nlabl", func(b []byte) { setWord(b, 56, 11) }, 56},
		{"stale dmin", func(b []byte) { setFloat(b, 20, -5) }, 20},
		{"stale dmax", func(b []byte) { setFloat(b, 21, 99) }, 21},
		{"stale dmean", func(b []byte) { setFloat(b, 22, 3) }, 22},
		{"dmean outside", func(b []byte) { setFloat(b, 22, 1e6) }, 22},
		{"stale rms", func(b []byte) { setFloat(b, 55, 1) }, 55},
		{"zero angles", func(b []byte) { setFloat(b, 14, 0); setFloat(b, 15, 0); setFloat(b, 16, 0) }, 14},
		{"exttyp missing", func(b []byte) { setWord(b, 24, 80) }, 27},
		{"ispg", func(b []byte) { setWord(b, 23, 999) }, 23},
		{"absurd voxel", func(b []byte) { setFloat(b, 11, 1e9) }, 11},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := validFile(t)
			tc.mutate(b)
			opts := ReadOptions{}
			if tc.name == "exttyp missing" {
				// 80 bytes of extended header now eat into the data: pad the file.
				b = append(b[:1024], append(make([]byte, 80), b[1024:]...)...)
			}
			m, err := opts.Decode(b, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range m.Validate() {
				if p.Word == tc.word {
					found = true
					if p.Field == "" || p.Value == "" || p.Rule == "" {
						t.Errorf("incomplete problem %+v", p)
					}
				}
			}
			if !found {
				t.Errorf("no problem on word %d: %v", tc.word, m.Validate())
			}
		})
	}
	// Undetermined statistics are not stale.
	b := validFile(t)
	setFloat(b, 20, 1)
	setFloat(b, 21, 0)
	setFloat(b, 22, -1)
	setFloat(b, 55, -1)
	m, _ = ReadOptions{}.Decode(b, "undetermined.mrc")
	if ps := m.Validate(); len(ps) != 0 {
		t.Errorf("undetermined stats flagged: %v", ps)
	}
	// A header built in memory has no file size to check against.
	if ps := (&Header{NX: 1, NY: 1, NZ: 1, Mode: 2, MX: 1, MY: 1, MZ: 1, CellA: [3]float32{1, 1, 1},
		CellB: [3]float32{90, 90, 90}, MapC: 1, MapR: 2, MapS: 3, NVersion: 20140, NSymBT: 4000,
		ExtType: [4]byte{'C', 'C', 'P', '4'}, Map: [4]byte{'M', 'A', 'P', ' '}, MachST: [4]byte{0x44, 0x44}}).Validate(); len(ps) != 0 {
		t.Errorf("in-memory header: %v", ps)
	}
	// NSYMBT inconsistent with the file size, seen from the header alone.
	path := filepath.Join(t.TempDir(), "long.mrc")
	os.WriteFile(path, append(validFile(t), make([]byte, 8)...), 0o644)
	h, err := ReadHeader(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := h.Validate()
	if len(ps) != 1 || ps[0].Word != 24 {
		t.Errorf("size mismatch: %v", ps)
	}
}

// TestBrokenStamp: a big-endian file with a zeroed machine stamp is still
// read (byte order guessed) and Validate says so.
func TestBrokenStamp(t *testing.T) {
	b, err := os.ReadFile("testdata/mode2_be.mrc")
	if err != nil {
		t.Fatal(err)
	}
	copy(b[212:216], []byte{0, 0, 0, 0})
	m, err := ReadOptions{}.Decode(b, "nostamp.mrc")
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.ByteOrder() != binary.BigEndian || m.Data[59] != 59*0.25-7.5 {
		t.Fatalf("order %v, last value %g", m.Header.ByteOrder(), m.Data[59])
	}
	ps := m.Validate()
	if len(ps) != 1 || ps[0].Word != 54 || !strings.Contains(ps[0].Rule, "big-endian") {
		t.Errorf("Validate: %v", ps)
	}
}

// TestWriteRead: our writer and reader agree, headers are filled in as
// MRC2014 asks, and the write is atomic (no temp files left behind).
func TestWriteRead(t *testing.T) {
	g := testGrid()
	dir := t.TempDir()
	for _, name := range []string{"a.mrc", "a.mrc.gz"} {
		path := filepath.Join(dir, name)
		if err := Write(path, g, WriteOptions{Labels: []string{"first", "second"}}); err != nil {
			t.Fatal(err)
		}
		m, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		h := m.Header
		if h.NVersion != 20140 || string(h.Map[:]) != "MAP " || h.MachST != [4]byte{0x44, 0x44, 0, 0} ||
			h.MapC != 1 || h.MapR != 2 || h.MapS != 3 || h.NXStart != 0 || h.MX != 7 || h.Mode != 2 {
			t.Errorf("header %+v", h)
		}
		if fmt.Sprint(h.Labels()) != "[first second]" {
			t.Errorf("labels %q", h.Labels())
		}
		if ps := m.Validate(); len(ps) != 0 {
			t.Errorf("Validate: %v", ps)
		}
		for i := range g.Data {
			if g.Data[i] != m.Data[i] {
				t.Fatalf("value %d", i)
			}
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "a.mrc.gz"))
	if raw[0] != 0x1f || raw[1] != 0x8b {
		t.Errorf(".gz output is not gzip")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("directory holds %d entries, want 2 (temp files left?)", len(ents))
	}
	// Refusals.
	bad := []struct {
		g    *grid.Grid
		opts WriteOptions
	}{
		{g, WriteOptions{Mode: 1}},
		{g, WriteOptions{Labels: make([]string, 11)}},
		{g, WriteOptions{Labels: []string{strings.Repeat("x", 81)}}},
		{g, WriteOptions{Labels: []string{"tab\there"}}},
		{&grid.Grid{Frame: g.Frame, Data: g.Data[:3]}, WriteOptions{}},
		{&grid.Grid{Frame: grid.Frame{Shape: [3]int{1, 1, 1}}, Data: []float32{1}}, WriteOptions{}},
	}
	for i, b := range bad {
		if err := Write(filepath.Join(dir, "bad.mrc"), b.g, b.opts); err == nil {
			t.Errorf("case %d: write accepted", i)
		}
	}
	if err := Write(filepath.Join(dir, "no", "such", "dir.mrc"), g, WriteOptions{}); err == nil {
		t.Errorf("write into a missing directory succeeded")
	}
}

// TestHeaderStatsFiniteValues: the header statistics of a grid holding a
// NaN and an Inf describe its finite values (a NaN DMEAN would make the
// written file fail its own header check), computed here directly.
func TestHeaderStatsFiniteValues(t *testing.T) {
	g := testGrid()
	g.Data = append([]float32(nil), g.Data...)
	g.Data[3], g.Data[10] = float32(math.NaN()), float32(math.Inf(-1))
	h, err := NewHeader(g, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mn, mx, sum, n := math.Inf(1), math.Inf(-1), 0.0, 0.0
	for i, v := range g.Data {
		if i != 3 && i != 10 {
			mn, mx, sum, n = math.Min(mn, float64(v)), math.Max(mx, float64(v)), sum+float64(v), n+1
		}
	}
	mean, ss := sum/n, 0.0
	for i, v := range g.Data {
		if i != 3 && i != 10 {
			ss += (float64(v) - mean) * (float64(v) - mean)
		}
	}
	want := [4]float32{float32(mn), float32(mx), float32(mean), float32(math.Sqrt(ss / n))}
	if got := [4]float32{h.DMin, h.DMax, h.DMean, h.RMS}; got != want {
		t.Errorf("DMIN, DMAX, DMEAN, RMS = %v, want %v", got, want)
	}
	if ps := h.Validate(); len(ps) != 0 {
		t.Errorf("Validate: %v", ps)
	}
}

// TestHalf checks the float16 conversions against known bit patterns and by
// exhaustive round trip over all 65536 half values.
func TestHalf(t *testing.T) {
	known := []struct {
		f float32
		h uint16
	}{
		{0, 0x0000}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {0.5, 0x3800},
		{float32(math.Ldexp(1, -24)), 0x0001}, {float32(math.Ldexp(1, -14)), 0x0400},
		{float32(math.Ldexp(1023, -24)), 0x03ff}, {float32(math.Inf(1)), 0x7c00},
		{0.1, 0x2e66}, {65520, 0x7c00}, // 65520 rounds (to even) up to Inf
		{1 + 1.0/2048, 0x3c00},                // tie → even (down)
		{1 + 3.0/2048, 0x3c02},                // tie → even (up)
		{float32(math.Ldexp(1, -25)), 0x0000}, // tie → even zero
		{float32(math.Ldexp(3, -26)), 0x0001},
	}
	for _, k := range known {
		if got := Float32ToHalf(k.f); got != k.h {
			t.Errorf("Float32ToHalf(%g) = %#04x, want %#04x", k.f, got, k.h)
		}
	}
	for h := 0; h < 1<<16; h++ {
		f := HalfToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			if !math.IsNaN(float64(HalfToFloat32(Float32ToHalf(f)))) {
				t.Fatalf("NaN %#04x lost", h)
			}
			continue
		}
		if back := Float32ToHalf(f); back != uint16(h) {
			t.Fatalf("round trip %#04x → %g → %#04x", h, f, back)
		}
	}
}

// TestNotAnMRCFile: a model, a text file or a directory given as a map is
// named for what it is, not by the MODE its bytes would mean.
func TestNotAnMRCFile(t *testing.T) {
	dir := t.TempDir()
	pdb := filepath.Join(dir, "model.pdb")
	text := "REMARK   2 RESOLUTION.    1.75 ANGSTROMS.\n" + strings.Repeat("ATOM      1  CA  ALA A   1      11.104  13.207   2.100  1.00 20.00           C\n", 20)
	os.WriteFile(pdb, []byte(text), 0o644)
	short := filepath.Join(dir, "short.mrc")
	os.WriteFile(short, []byte("this is not a map, it is far too short"), 0o644)
	for _, p := range []string{pdb, short} {
		_, err := Read(p)
		if err == nil || !strings.Contains(err.Error(), "not an MRC/CCP4 map") || !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "MODE =") {
			t.Errorf("%s: %v", p, err)
		}
		if _, err := ReadHeader(p); err == nil || !strings.Contains(err.Error(), "not an MRC/CCP4 map") {
			t.Errorf("ReadHeader %s: %v", p, err)
		}
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	// A real map whose MODE is wrong still names MODE (its MAP word is there).
	b := validFile(t)
	setWord(b, 4, 7)
	if _, err := (ReadOptions{}).Decode(b, "m.mrc"); err == nil || !strings.Contains(err.Error(), "MODE") {
		t.Errorf("mode 7: %v", err)
	}
}
