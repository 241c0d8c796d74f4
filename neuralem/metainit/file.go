package metainit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// File format (version 1), all integers little-endian:
//
//	offset  size  field
//	0       16    magic "NEURALEM-INIT\r\n\x1a" (PNG-style: text-mode
//	              transfers and truncation to 7 bits show up at once)
//	16      4     format version (uint32) = 1
//	20      4     flags (uint32) = 0, reserved
//	24      8     metadata length M in bytes (uint64)
//	32      8     weights length W in bytes (uint64), a multiple of 4
//	40      M     metadata, UTF-8 JSON (Meta)
//	40+M    W     weights: float32 little-endian, per layer (input sine,
//	              hidden sines, linear output) W (Out×In, row-major) then B
//	              (Out), as in a neural map file's region
//	40+M+W  32    SHA-256 of bytes [0, 40+M+W)
//
// The SHA-256 of the whole file (what sha256sum prints) identifies an
// initialisation: a neural map records it (neuralmap.InitRecord) and a
// resumed fit refuses another.
const (
	fileMagic   = "NEURALEM-INIT\r\n\x1a"
	fileVersion = 1
	headerLen   = 40
	// FileExt is the conventional extension of initialisation files.
	FileExt = ".nemi"
)

// Meta describes an initialisation: the network it is for, how it was
// made, and how well it did.
type Meta struct {
	// Preset is the neuralmap preset the initialisation was trained for.
	Preset string `json:"preset"`
	// Network: the architecture the weights belong to. A fit must use
	// exactly this network (siren.Config.SameArch).
	Width        int     `json:"width"`
	HiddenLayers int     `json:"hidden_layers"`
	Omega0       float64 `json:"omega0"`
	FirstOmega0  float64 `json:"first_omega0,omitempty"`
	// RegionEdge is the region edge in voxels the initialisation was
	// trained on.
	RegionEdge int `json:"region_edge"`
	// Method and its hyper-parameters (TrainOptions).
	Method string       `json:"method"`
	Train  TrainOptions `json:"train"`
	// OffGrid is DataOptions.OffGrid: the inner loop was also supervised
	// at this many (rounded up to whole symmetry orbits) off-grid points
	// per region with the source map's cubic B-spline. 0 (absent in files
	// made before it existed): voxel centres only.
	OffGrid int `json:"offgrid_points,omitempty"`
	// Done is the number of outer steps made (Train.OuterSteps when
	// finished; fewer in a checkpoint).
	Done int `json:"outer_steps_done"`
	// Sources are the training sources; HeldOut names the maps and models
	// kept out of training for measuring it.
	Sources []Source `json:"sources"`
	HeldOut []string `json:"held_out,omitempty"`
	// Command is the command line that made the file.
	Command string `json:"command"`
	// Created is the UTC time the file was written (RFC 3339); Elapsed the
	// meta-training wall time.
	Created string        `json:"created"`
	Elapsed time.Duration `json:"elapsed_ns"`
	// Notes is free text (e.g. the measured result).
	Notes string `json:"notes,omitempty"`
}

// Init is a learned initialisation: starting weights for every region's
// network, and what made them.
type Init struct {
	// Net holds the weights; Net.Config has the architecture (Width,
	// HiddenLayers, Omega0, FirstOmega0) and otherwise the preset's
	// training settings.
	Net  *siren.Net
	Meta Meta
	// Name says where the init came from in messages and records: the
	// file's base name, or "cpu (built in)" (not stored in the file).
	Name string
	// SHA256 is the hex SHA-256 of the file the init was read from (or
	// last written to); empty for an init that was never encoded.
	SHA256 string
}

// Config returns the architecture recorded in m as a siren.Config (the
// training fields are zero).
func (m Meta) Config() siren.Config {
	return siren.Config{Width: m.Width, HiddenLayers: m.HiddenLayers, Omega0: m.Omega0, FirstOmega0: m.FirstOmega0}
}

// Check reports, naming both, an initialisation whose network is not
// exactly cfg's architecture.
func (in *Init) Check(cfg siren.Config) error {
	if in == nil || in.Net == nil {
		return fmt.Errorf("metainit: no initialisation")
	}
	if !in.Net.Config.SameArch(cfg) {
		return fmt.Errorf("metainit: the initialisation is for the network %s (preset %q); this fit's network is %s",
			in.Net.Config.ArchString(), in.Meta.Preset, cfg.ArchString())
	}
	return nil
}

// Encode returns the file bytes of in and sets in.SHA256 to their hash.
func (in *Init) Encode() ([]byte, error) {
	if in == nil || in.Net == nil {
		return nil, fmt.Errorf("metainit: encode: no network")
	}
	if err := in.Net.Validate(); err != nil {
		return nil, fmt.Errorf("metainit: encode: %w", err)
	}
	c := in.Net.Config
	meta := in.Meta
	meta.Width, meta.HiddenLayers, meta.Omega0, meta.FirstOmega0 = c.Width, c.HiddenLayers, c.Omega0, c.FirstOmega0
	js, err := json.MarshalIndent(struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
		Meta
	}{"neuralem SIREN initialisation", fileVersion, meta}, "", " ")
	if err != nil {
		return nil, fmt.Errorf("metainit: encode metadata: %w", err)
	}
	var weights []float32
	for _, L := range in.Net.Layers {
		weights = append(weights, L.W...)
		weights = append(weights, L.B...)
	}
	buf := make([]byte, headerLen, headerLen+len(js)+4*len(weights)+sha256.Size)
	copy(buf, fileMagic)
	binary.LittleEndian.PutUint32(buf[16:], fileVersion)
	binary.LittleEndian.PutUint64(buf[24:], uint64(len(js)))
	binary.LittleEndian.PutUint64(buf[32:], uint64(4*len(weights)))
	buf = append(buf, js...)
	for _, w := range weights {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(w))
	}
	sum := sha256.Sum256(buf)
	buf = append(buf, sum[:]...)
	full := sha256.Sum256(buf)
	in.Meta = meta
	in.SHA256 = hex.EncodeToString(full[:])
	return buf, nil
}

// Save writes in to path atomically (internal/atomicfile: temporary file in
// the same directory, fsync, rename).
func (in *Init) Save(path string) error {
	b, err := in.Encode()
	if err != nil {
		return fmt.Errorf("metainit: save %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, b); err != nil {
		return fmt.Errorf("metainit: save: %w", err)
	}
	return nil
}

// Load reads an initialisation file. A foreign, truncated or corrupted
// file, an unknown version or inconsistent metadata is an error naming
// the file.
func Load(path string) (*Init, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("metainit: load %s: is a directory, want an initialisation (%s) file", path, FileExt)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("metainit: load: %w", err)
	}
	in, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("metainit: load %s: %w", path, err)
	}
	in.Name = filepath.Base(path)
	return in, nil
}

// Decode parses an initialisation file held in memory (see Load).
func Decode(b []byte) (*Init, error) {
	if len(b) < len(fileMagic) || !bytes.Equal(b[:len(fileMagic)], []byte(fileMagic)) {
		n := min(len(b), len(fileMagic))
		return nil, fmt.Errorf("not a neuralem initialisation file: magic %q, want %q", b[:n], fileMagic)
	}
	if len(b) < headerLen {
		return nil, fmt.Errorf("truncated: %d bytes, shorter than the %d-byte header", len(b), headerLen)
	}
	if v := binary.LittleEndian.Uint32(b[16:]); v != fileVersion {
		return nil, fmt.Errorf("format version %d not supported (this build reads version %d)", v, fileVersion)
	}
	if flags := binary.LittleEndian.Uint32(b[20:]); flags != 0 {
		return nil, fmt.Errorf("header flags 0x%x unknown (want 0)", flags)
	}
	metaLen := binary.LittleEndian.Uint64(b[24:])
	wLen := binary.LittleEndian.Uint64(b[32:])
	if metaLen > 1<<32 || wLen > 1<<36 || wLen%4 != 0 {
		return nil, fmt.Errorf("header: metadata length %d, weights length %d bytes: corrupt", metaLen, wLen)
	}
	want := uint64(headerLen) + metaLen + wLen + sha256.Size
	if uint64(len(b)) != want {
		if uint64(len(b)) < want {
			return nil, fmt.Errorf("truncated: %d bytes, the header says %d", len(b), want)
		}
		return nil, fmt.Errorf("%d bytes of trailing data after the %d the header says", uint64(len(b))-want, want)
	}
	body := b[:len(b)-sha256.Size]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], b[len(body):]) {
		return nil, fmt.Errorf("checksum mismatch: stored SHA-256 %x, computed %x (file corrupted)", b[len(body):], got)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
		Meta
	}
	dec := json.NewDecoder(bytes.NewReader(body[headerLen : headerLen+metaLen]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&head); err != nil {
		return nil, fmt.Errorf("metadata JSON: %w", err)
	}
	if head.Version != fileVersion {
		return nil, fmt.Errorf("metadata version %d does not match header version %d", head.Version, fileVersion)
	}
	if err := head.Meta.checkSizes(len(body[headerLen+metaLen:]) / 4); err != nil {
		return nil, err
	}
	cfg, err := siren.Preset("paper")
	if err != nil {
		return nil, err
	}
	cfg.Width, cfg.HiddenLayers, cfg.Omega0, cfg.FirstOmega0 = head.Width, head.HiddenLayers, head.Omega0, head.FirstOmega0
	cfg.Seed = 0 // learned weights are not drawn from a seed
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("metadata network: %w", err)
	}
	wb := body[headerLen+metaLen:]
	net := &siren.Net{Config: cfg, Layers: make([]siren.Layer, cfg.NumLayers())}
	off := 0
	for l := range net.Layers {
		out, in := cfg.Width, cfg.Width
		if l == 0 {
			in = 3
		}
		if l == len(net.Layers)-1 {
			out = 1
		}
		n := out*in + out // checkSizes bounded the total by the weights present
		L := siren.Layer{Out: out, In: in, W: make([]float32, out*in), B: make([]float32, out)}
		for i := range L.W {
			L.W[i] = math.Float32frombits(binary.LittleEndian.Uint32(wb[4*(off+i):]))
		}
		for i := range L.B {
			L.B[i] = math.Float32frombits(binary.LittleEndian.Uint32(wb[4*(off+out*in+i):]))
		}
		net.Layers[l] = L
		off += n
	}
	if 4*off != len(wb) {
		return nil, fmt.Errorf("%d weights stored, the network (%s) needs %d", len(wb)/4, cfg.ArchString(), off)
	}
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	sum := sha256.Sum256(b)
	return &Init{Net: net, Meta: head.Meta, SHA256: hex.EncodeToString(sum[:])}, nil
}

// checkSizes validates the metadata's sizes and counts before anything is
// allocated from them, naming the field and the value: the network's width
// and depth (whose parameter count must be the nWeights weights present),
// the region edge, and the outer steps done against the run's length.
func (m *Meta) checkSizes(nWeights int) error {
	const maxWidth, maxLayers = 1 << 16, 1 << 10
	switch {
	case m.Width <= 0 || m.Width > maxWidth:
		return fmt.Errorf("metadata field width = %d, want 1 to %d", m.Width, maxWidth)
	case m.HiddenLayers < 0 || m.HiddenLayers > maxLayers:
		return fmt.Errorf("metadata field hidden_layers = %d, want 0 to %d", m.HiddenLayers, maxLayers)
	case m.RegionEdge <= 0 || m.RegionEdge > 1<<12:
		return fmt.Errorf("metadata field region_edge = %d, want 1 to %d voxels", m.RegionEdge, 1<<12)
	case m.Train.OuterSteps < 0 || m.Done < 0 || m.Done > m.Train.OuterSteps:
		return fmt.Errorf("metadata field outer_steps_done = %d, want 0 to train.outer_steps = %d", m.Done, m.Train.OuterSteps)
	}
	w := int64(m.Width)
	if n := 4*w + int64(m.HiddenLayers)*(w*w+w) + w + 1; n != int64(nWeights) {
		return fmt.Errorf("metadata fields width = %d, hidden_layers = %d: that network has %d parameters, the file holds %d weights", m.Width, m.HiddenLayers, n, nWeights)
	}
	return nil
}
