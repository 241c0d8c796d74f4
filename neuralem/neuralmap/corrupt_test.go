package neuralmap

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"math"
	"reflect"
	"strings"
	"testing"
)

// reencode rebuilds a file with its metadata changed by mutate and a valid
// header, lengths and checksum, so only the metadata is corrupt: the case a
// checksum cannot catch (a hostile or buggy writer).
func reencode(t testing.TB, b []byte, mutate func(meta map[string]any)) []byte {
	t.Helper()
	metaLen := binary.LittleEndian.Uint64(b[24:])
	wLen := binary.LittleEndian.Uint64(b[32:])
	var meta map[string]any
	if err := json.Unmarshal(b[headerLen:headerLen+metaLen], &meta); err != nil {
		t.Fatal(err)
	}
	mutate(meta)
	js, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	return rebuild(b[:headerLen], js, b[headerLen+metaLen:headerLen+metaLen+wLen])
}

// rebuild assembles a file from a header (its magic, version and flags are
// kept), metadata and weights, with correct lengths and CRC-32C.
func rebuild(header, meta, weights []byte) []byte {
	out := append([]byte(nil), header[:headerLen]...)
	binary.LittleEndian.PutUint64(out[24:], uint64(len(meta)))
	binary.LittleEndian.PutUint64(out[32:], uint64(len(weights)))
	out = append(out, meta...)
	out = append(out, weights...)
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

func encoded(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := randomNetMap(t, 8).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func region0(meta map[string]any) map[string]any {
	return meta["regions"].([]any)[0].(map[string]any)
}

// TestDecodeRejectsCorruptMetadata: checksum-valid files whose metadata
// claims sizes the weights do not back, or absurd sizes, are errors naming
// the field and the value, before anything is allocated from them (the
// issue-13 panic: a frame of 100000³ voxels made region.Tile allocate).
func TestDecodeRejectsCorruptMetadata(t *testing.T) {
	good := encoded(t)
	if _, err := Decode(good); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		mutate func(map[string]any)
		want   []string
	}{
		{"huge frame", func(m map[string]any) { m["frame"].(map[string]any)["shape"] = []int{100000, 100000, 100000} }, []string{"frame", "100000×100000×100000", "exceeds the cap"}},
		{"2000³ frame", func(m map[string]any) { m["frame"].(map[string]any)["shape"] = []int{2000, 2000, 2000} }, []string{"2000×2000×2000", "exceeds the cap"}},
		{"frame with many regions", func(m map[string]any) { m["frame"].(map[string]any)["shape"] = []int{1000, 1000, 2000} }, []string{"regions: 8 entries", "has 3906250 regions"}},
		{"negative shape", func(m map[string]any) { m["frame"].(map[string]any)["shape"] = []int{20, -17, 14} }, []string{"shape[1] = -17"}},
		{"zero spacing", func(m map[string]any) { m["frame"].(map[string]any)["voxel_size_A"] = []float64{0, 1, 1} }, []string{"spacing[0] = 0"}},
		{"tiling overlap ≥ size", func(m map[string]any) { m["tiling_size_overlap"] = []int{4, 4} }, []string{"tiling_size_overlap = [4 4]", "Overlap"}},
		{"tiling size 0", func(m map[string]any) { m["tiling_size_overlap"] = []int{0, 0} }, []string{"tiling_size_overlap", "Size = 0"}},
		{"huge width", func(m map[string]any) { region0(m)["net"].(map[string]any)["width"] = 1 << 40 }, []string{"regions[0]", "width = 1099511627776"}},
		{"huge depth", func(m map[string]any) { region0(m)["net"].(map[string]any)["hidden_layers"] = 1e9 }, []string{"regions[0]", "hidden_layers = 1000000000"}},
		{"width without the weights", func(m map[string]any) { region0(m)["net"].(map[string]any)["width"] = 9 }, []string{"regions[0]", "width 9 with 1 hidden layers has 136 parameters"}},
		{"weights count beyond the file", func(m map[string]any) { region0(m)["weights_count"] = 1 << 50 }, []string{"weights_count 1125899906842624"}},
		{"negative offset", func(m map[string]any) { region0(m)["weights_offset"] = -8 }, []string{"weights_offset -8"}},
		{"fitted without a net", func(m map[string]any) { delete(region0(m), "net") }, []string{"fitted but no net"}},
		{"negative steps", func(m map[string]any) { region0(m)["report"].(map[string]any)["steps"] = -1 }, []string{"report: steps = -1"}},
		{"best step after the last", func(m map[string]any) { region0(m)["report"].(map[string]any)["best_step"] = 99 }, []string{"best_step = 99"}},
		{"negative best loss", func(m map[string]any) { region0(m)["report"].(map[string]any)["best_loss"] = -1 }, []string{"best_loss = -1"}},
		{"regions missing", func(m map[string]any) { m["regions"] = []any{} }, []string{"regions: 0 entries", "has 8 regions"}},
		{"NaN-like sigma", func(m map[string]any) { m["sigma"] = -1 }, []string{"σ = -1"}},
		{"unknown ramp", func(m map[string]any) { m["blend_ramp"] = "cubic" }, []string{"blend_ramp", "cubic"}},
		{"lo > hi", func(m map[string]any) { m["normalization"].(map[string]any)["lo"] = 9 }, []string{"Lo = 9"}},
	}
	for _, c := range cases {
		b := reencode(t, good, c.mutate)
		_, err := Decode(b)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", c.name, err, w)
			}
		}
	}
	// Data after the metadata object.
	metaLen := binary.LittleEndian.Uint64(good[24:])
	js := append(append([]byte(nil), good[headerLen:headerLen+metaLen]...), []byte(` {"x":1}`)...)
	if _, err := Decode(rebuild(good, js, good[headerLen+metaLen:len(good)-4])); err == nil || !strings.Contains(err.Error(), "data after the metadata") {
		t.Errorf("trailing metadata: %v", err)
	}
}

// TestRegionReportRoundTrip: every field of every region's training report
// survives Save/Load (fit --json and info report them from the file).
func TestRegionReportRoundTrip(t *testing.T) {
	m := randomNetMap(t, 8)
	m.Regions[3].Report.StopReason = "natural fit point"
	m.Regions[5].Report.BestStep = 0
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Regions {
		if !reflect.DeepEqual(back.Regions[i].Report, m.Regions[i].Report) {
			t.Errorf("region %d report %+v, saved %+v", i, back.Regions[i].Report, m.Regions[i].Report)
		}
	}
	// Every field of RegionReport is set to a distinct non-zero value in
	// some region, so a field dropped from the encoding shows up above.
	rt := reflect.TypeOf(RegionReport{})
	for f := 0; f < rt.NumField(); f++ {
		set := false
		for _, r := range m.Regions {
			if !reflect.ValueOf(r.Report).Field(f).IsZero() {
				set = true
			}
		}
		if !set {
			t.Errorf("RegionReport.%s is zero in every region: the round trip does not test it", rt.Field(f).Name)
		}
	}
}

// checkDecoded asserts what a map Decode accepted must satisfy.
func checkDecoded(t *testing.T, m *NeuralMap) {
	if err := m.Validate(); err != nil {
		t.Fatalf("Decode accepted a map that does not validate: %v", err)
	}
	if m.Frame.Len() > math.MaxInt32 {
		t.Fatalf("Decode accepted frame %v", m.Frame.Shape)
	}
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		t.Fatalf("an accepted map does not encode: %v", err)
	}
}

// FuzzDecode feeds arbitrary bytes to Decode: it must never panic, and a
// map it accepts must validate and encode again. Most mutations break the
// checksum, so FuzzDecodeMetadata below fuzzes behind it.
//
//	GOEXPERIMENT=simd nice go test ./neuralem/neuralmap/ -run '^$' -fuzz '^FuzzDecode$' -fuzztime 3m -parallel 1
func FuzzDecode(f *testing.F) {
	good := encoded(f)
	f.Add(good)
	f.Add(good[:100])
	f.Add([]byte(fileMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		checkDecoded(t, m)
	})
}

// FuzzDecodeMetadata fuzzes the metadata JSON and the weights of a valid
// file and re-checksums the result, so every mutation reaches the metadata
// validation (a checksum protects against corruption, not against a wrong
// writer).
//
//	GOEXPERIMENT=simd nice go test ./neuralem/neuralmap/ -run '^$' -fuzz '^FuzzDecodeMetadata$' -fuzztime 3m -parallel 1
func FuzzDecodeMetadata(f *testing.F) {
	good := encoded(f)
	metaLen := binary.LittleEndian.Uint64(good[24:])
	meta := good[headerLen : headerLen+metaLen]
	weights := good[headerLen+metaLen : len(good)-4]
	f.Add(meta, weights)
	var compact bytes.Buffer
	json.Compact(&compact, meta)
	f.Add(compact.Bytes(), weights)
	f.Add([]byte(strings.Replace(compact.String(), `"shape":[20,17,14]`, `"shape":[100000,100000,100000]`, 1)), weights)
	f.Add([]byte(strings.Replace(compact.String(), `"width":8`, `"width":1099511627776`, 1)), weights)
	f.Fuzz(func(t *testing.T, meta, weights []byte) {
		if len(weights)%4 != 0 {
			weights = weights[:len(weights)/4*4]
		}
		m, err := Decode(rebuild(good, meta, weights))
		if err != nil {
			return
		}
		checkDecoded(t, m)
	})
}
