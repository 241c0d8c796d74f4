package neuralmap

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"time"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// File format (version 3), all integers little-endian:
//
//	offset  size  field
//	0       16    magic "NEURALEM-MAP\r\n\x1a\n" (PNG-style: text-mode
//	              transfers and truncation to 7 bits show up at once)
//	16      4     format version (uint32) = 3 (1 and 2 are read too:
//	              version 1 has no first_omega0, i.e. every sine layer uses
//	              omega0; versions 1 and 2 have no initialisation record, and
//	              their networks started from random weights)
//	20      4     flags (uint32) = 0, reserved
//	24      8     metadata length M in bytes (uint64)
//	32      8     weights length W in bytes (uint64), a multiple of 4
//	40      M     metadata, UTF-8 JSON (fileMeta below)
//	40+M    W     weights: float32 little-endian, per fitted region in ID
//	              order, per layer W (Out×In, row-major) then B (Out)
//	40+M+W  4     CRC-32C (Castagnoli) of bytes [0, 40+M+W)
//
// The metadata is self-describing: the map frame (shape, voxel size, origin,
// axis and data order), the normalisation and μ/σ, the resolution, the
// tiling, the blending ramp, the initial weights the networks started from
// (random, or a learned initialisation's name and SHA-256), and per region
// its voxel bounds, architecture,
// training settings, report (steps, best loss, time, stop reason) and the
// offset and count of its weights.
const (
	fileMagic   = "NEURALEM-MAP\r\n\x1a\n"
	fileVersion = 3
	// oldestVersion is the oldest format version Load reads.
	oldestVersion = 1
	headerLen     = 40
	// FileExt is the conventional extension of neural map files.
	FileExt = ".nem"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type frameMeta struct {
	Shape     [3]int     `json:"shape"`
	SpacingA  [3]float64 `json:"voxel_size_A"`
	OriginA   [3]float64 `json:"origin_A"`
	AxisOrder string     `json:"axis_order"`
	DataOrder string     `json:"data_order"`
	Note      string     `json:"note"`
}

type normMeta struct {
	Lo      float64 `json:"lo"`
	Hi      float64 `json:"hi"`
	Clamped int     `json:"clamped"`
	Count   int     `json:"count"`
	Mean01  float64 `json:"mean01"`
	Std01   float64 `json:"std01"`
	Mean    float64 `json:"mean"`
	Std     float64 `json:"std"`
	Note    string  `json:"note"`
	// Source: where the normalisation was fitted when not on this map
	// (NeuralMap.NormSource); absent when fitted on it.
	Source string `json:"source,omitempty"`
}

type netMeta struct {
	Width        int     `json:"width"`
	HiddenLayers int     `json:"hidden_layers"`
	Omega0       float64 `json:"omega0"`
	FirstOmega0  float64 `json:"first_omega0,omitempty"`
	Init         string  `json:"init"`
	LearningRate float64 `json:"learning_rate"`
	MaxSteps     int     `json:"max_steps"`
	MaxTimeNs    int64   `json:"max_time_ns"`
	Patience     int     `json:"patience"`
	LowLoss      float64 `json:"low_loss"`
	HighLoss     float64 `json:"high_loss"`
	Seed         uint64  `json:"seed"`
	// SolveOutput is siren.Config.SolveOutput (absent when false, so that
	// files fitted without it read as before).
	SolveOutput bool `json:"solve_output,omitempty"`
	// Optimizer is siren.Config.Optimizer (absent for Adam, so that files
	// fitted with Adam read as before).
	Optimizer string `json:"optimizer,omitempty"`
}

type regionMeta struct {
	ID      int           `json:"id"`
	Lo      [3]int        `json:"lo"`
	Hi      [3]int        `json:"hi"`
	Fitted  bool          `json:"fitted"`
	Net     *netMeta      `json:"net,omitempty"`
	Report  *RegionReport `json:"report,omitempty"`
	Offset  int64         `json:"weights_offset,omitempty"`
	NumVals int64         `json:"weights_count,omitempty"`
}

type fileMeta struct {
	Format        string       `json:"format"`
	Version       int          `json:"version"`
	Created       string       `json:"created"`
	Frame         frameMeta    `json:"frame"`
	Normalization normMeta     `json:"normalization"`
	Mu            float64      `json:"mu"`
	Sigma         float64      `json:"sigma"`
	Scale         string       `json:"mu_sigma_scale"`
	ResolutionA   float64      `json:"resolution_A"`
	Tiling        [2]int       `json:"tiling_size_overlap"`
	Ramp          string       `json:"blend_ramp"`
	Coords        string       `json:"net_input"`
	Output        string       `json:"net_output"`
	WeightsDType  string       `json:"weights_dtype"`
	WeightsLayout string       `json:"weights_layout"`
	Init          *InitRecord  `json:"initialisation,omitempty"`
	Regions       []regionMeta `json:"regions"`
}

// Encode writes m in the neural map file format to w.
func (m *NeuralMap) Encode(w io.Writer) error {
	b, err := m.marshal()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func (m *NeuralMap) marshal() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	meta := fileMeta{
		Format:  "neuralem neural cryo-EM map",
		Version: fileVersion,
		Created: time.Now().UTC().Format(time.RFC3339),
		Frame: frameMeta{
			Shape: m.Frame.Shape, SpacingA: m.Frame.Spacing, OriginA: m.Frame.Origin,
			AxisOrder: "XYZ", DataOrder: "X fastest",
			Note: "voxel (i,j,k) centre at origin + (i,j,k)*voxel_size, Å; axes already permuted to X,Y,Z",
		},
		Normalization: normMeta{
			Lo: m.Norm.Lo, Hi: m.Norm.Hi, Clamped: m.Norm.Clamped, Count: m.Norm.Count,
			Mean01: m.Norm.Mean01, Std01: m.Norm.Std01, Mean: m.Norm.Mean, Std: m.Norm.Std,
			Note:   "d1 = (max(d0,0) - lo)/(hi - lo), d = 2*d1 - 1 (networks' scale)",
			Source: m.NormSource,
		},
		Mu: m.Mu, Sigma: m.Sigma, Scale: "[0,1] output scale d1 = (d+1)/2",
		ResolutionA:   m.Resolution,
		Tiling:        [2]int{m.Tiling.Size, m.Tiling.Overlap},
		Ramp:          m.Ramp.String(),
		Coords:        "region voxel-centre coordinates, x_a = -1 + 2*(v_a - lo_a)/(hi_a - 1 - lo_a), v in voxels, hi exclusive",
		Output:        "normalised density d in [-1,1]",
		WeightsDType:  "float32-le",
		WeightsLayout: "per fitted region in id order, per layer (input sine, hidden sines, linear output): W[out][in] then b[out]",
		Init:          &m.Init,
	}
	var weights []float32
	for _, r := range m.Regions {
		rm := regionMeta{ID: r.Region.ID, Lo: r.Region.Lo, Hi: r.Region.Hi}
		if r.Net != nil {
			c := r.Net.Config
			rep := r.Report
			rm.Fitted = true
			rm.Net = &netMeta{
				Width: c.Width, HiddenLayers: c.HiddenLayers, Omega0: c.Omega0, FirstOmega0: c.FirstOmega0, Init: string(c.Init),
				LearningRate: c.LearningRate, MaxSteps: c.MaxSteps, MaxTimeNs: int64(c.MaxTime),
				Patience: c.Patience, LowLoss: c.LowLoss, HighLoss: c.HighLoss, Seed: c.Seed, SolveOutput: c.SolveOutput,
				Optimizer: string(fileOptimizer(c.Optimizer)),
			}
			rm.Report = &rep
			rm.Offset = int64(len(weights))
			for _, L := range r.Net.Layers {
				weights = append(weights, L.W...)
				weights = append(weights, L.B...)
			}
			rm.NumVals = int64(len(weights)) - rm.Offset
		}
		meta.Regions = append(meta.Regions, rm)
	}
	js, err := json.MarshalIndent(meta, "", " ")
	if err != nil {
		return nil, fmt.Errorf("neuralmap: encode metadata: %w", err)
	}
	buf := make([]byte, headerLen, headerLen+len(js)+4*len(weights)+4)
	copy(buf, fileMagic)
	binary.LittleEndian.PutUint32(buf[16:], fileVersion)
	binary.LittleEndian.PutUint32(buf[20:], 0)
	binary.LittleEndian.PutUint64(buf[24:], uint64(len(js)))
	binary.LittleEndian.PutUint64(buf[32:], uint64(4*len(weights)))
	buf = append(buf, js...)
	for _, w := range weights {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(w))
	}
	buf = binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf, castagnoli))
	return buf, nil
}

// Save writes m to path atomically (internal/atomicfile): to a temporary
// file in the same directory, synced, then renamed over path, so a reader
// (or a fit resumed after a crash) sees either the old file or the new one,
// never a mix.
func (m *NeuralMap) Save(path string) error {
	b, err := m.marshal()
	if err != nil {
		return fmt.Errorf("neuralmap: save %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, b); err != nil {
		return fmt.Errorf("neuralmap: save: %w", err)
	}
	return nil
}

// Load reads a neural map file written by Save. Truncated files, foreign
// files, checksum mismatches, unknown versions and inconsistent metadata are
// errors naming the file.
func Load(path string) (*NeuralMap, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("neuralmap: load %s: is a directory, want a neural map (.nem) file", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: load: %w", err)
	}
	m, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: load %s: %w", path, err)
	}
	m.Source = path
	return m, nil
}

// Decode parses a neural map file held in memory (see Load).
func Decode(b []byte) (*NeuralMap, error) {
	if len(b) < len(fileMagic) || !bytes.Equal(b[:len(fileMagic)], []byte(fileMagic)) {
		n := min(len(b), len(fileMagic))
		return nil, fmt.Errorf("not a neuralem neural map file: magic %q, want %q", b[:n], fileMagic)
	}
	if len(b) < headerLen {
		return nil, fmt.Errorf("truncated: %d bytes, shorter than the %d-byte header", len(b), headerLen)
	}
	version := binary.LittleEndian.Uint32(b[16:])
	if version < oldestVersion || version > fileVersion {
		return nil, fmt.Errorf("format version %d not supported (this build reads versions %d–%d)", version, oldestVersion, fileVersion)
	}
	if flags := binary.LittleEndian.Uint32(b[20:]); flags != 0 {
		return nil, fmt.Errorf("header flags 0x%x unknown (want 0)", flags)
	}
	metaLen := binary.LittleEndian.Uint64(b[24:])
	wLen := binary.LittleEndian.Uint64(b[32:])
	if metaLen > 1<<40 || wLen > 1<<40 || wLen%4 != 0 {
		return nil, fmt.Errorf("header: metadata length %d, weights length %d bytes: corrupt", metaLen, wLen)
	}
	want := uint64(headerLen) + metaLen + wLen + 4
	if uint64(len(b)) != want {
		if uint64(len(b)) < want {
			return nil, fmt.Errorf("truncated: %d bytes, the header says %d", len(b), want)
		}
		return nil, fmt.Errorf("%d bytes of trailing data after the %d the header says", uint64(len(b))-want, want)
	}
	body := b[:len(b)-4]
	stored := binary.LittleEndian.Uint32(b[len(b)-4:])
	if got := crc32.Checksum(body, castagnoli); got != stored {
		return nil, fmt.Errorf("checksum mismatch: stored CRC-32C 0x%08x, computed 0x%08x (file corrupted)", stored, got)
	}
	var meta fileMeta
	dec := json.NewDecoder(bytes.NewReader(body[headerLen : headerLen+metaLen]))
	if err := dec.Decode(&meta); err != nil {
		return nil, fmt.Errorf("metadata JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("metadata JSON: data after the metadata object (offset %d)", dec.InputOffset())
	}
	if meta.Version != int(version) {
		return nil, fmt.Errorf("metadata version %d does not match header version %d", meta.Version, version)
	}
	if err := meta.checkSizes(wLen / 4); err != nil {
		return nil, err
	}
	wb := body[headerLen+metaLen:]
	weights := make([]float32, len(wb)/4)
	for i := range weights {
		weights[i] = math.Float32frombits(binary.LittleEndian.Uint32(wb[4*i:]))
	}
	ramp, err := ParseRamp(meta.Ramp)
	if err != nil {
		return nil, fmt.Errorf("metadata field blend_ramp: %w", err)
	}
	if meta.Frame.AxisOrder != "XYZ" {
		return nil, fmt.Errorf("metadata field frame.axis_order = %q, want \"XYZ\"", meta.Frame.AxisOrder)
	}
	nm := meta.Normalization
	m := &NeuralMap{
		Frame: grid.Frame{Shape: meta.Frame.Shape, Spacing: geom.Vec3(meta.Frame.SpacingA), Origin: geom.Point(meta.Frame.OriginA)},
		Norm: grid.Normalization{Lo: nm.Lo, Hi: nm.Hi, Clamped: nm.Clamped, Count: nm.Count,
			Mean01: nm.Mean01, Std01: nm.Std01, Mean: nm.Mean, Std: nm.Std},
		NormSource: nm.Source,
		Mu:         meta.Mu, Sigma: meta.Sigma, Resolution: meta.ResolutionA,
		Tiling: region.Options{Size: meta.Tiling[0], Overlap: meta.Tiling[1]},
		Ramp:   ramp,
	}
	if m.Init, err = meta.initRecord(version); err != nil {
		return nil, err
	}
	var next int64
	for i, rm := range meta.Regions {
		rf := RegionFit{Region: region.Region{ID: rm.ID, Lo: rm.Lo, Hi: rm.Hi}}
		if rm.Fitted {
			if rm.Net == nil || rm.Report == nil {
				return nil, fmt.Errorf("metadata regions[%d] (id %d): fitted but no net or report", i, rm.ID)
			}
			if rm.Offset != next || rm.NumVals < 0 || rm.Offset+rm.NumVals > int64(len(weights)) {
				return nil, fmt.Errorf("metadata regions[%d] (id %d): weights_offset %d, weights_count %d do not follow the previous region (%d) within %d weights",
					i, rm.ID, rm.Offset, rm.NumVals, next, len(weights))
			}
			nc := rm.Net
			cfg := siren.Config{
				Width: nc.Width, HiddenLayers: nc.HiddenLayers, Omega0: nc.Omega0, FirstOmega0: nc.FirstOmega0, Init: siren.InitScheme(nc.Init),
				LearningRate: nc.LearningRate, MaxSteps: nc.MaxSteps, MaxTime: time.Duration(nc.MaxTimeNs),
				Patience: nc.Patience, LowLoss: nc.LowLoss, HighLoss: nc.HighLoss, Seed: nc.Seed, SolveOutput: nc.SolveOutput,
				Optimizer: siren.Optimizer(nc.Optimizer),
			}
			net, err := netFromWeights(cfg, weights[rm.Offset:rm.Offset+rm.NumVals])
			if err != nil {
				return nil, fmt.Errorf("metadata regions[%d] (id %d): %w", i, rm.ID, err)
			}
			rf.Net, rf.Report = net, *rm.Report
			next = rm.Offset + rm.NumVals
		}
		m.Regions = append(m.Regions, rf)
	}
	if next != int64(len(weights)) {
		return nil, fmt.Errorf("%d weights stored, regions use %d", len(weights), next)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return m, nil
}

// checkSizes validates every size the metadata gives (the frame, the
// tiling and its region count, each fitted region's weight count against
// its architecture and against the nWeights weights present) before
// anything is allocated from them, so a corrupt or hostile file is an error
// naming the field and the value, never an allocation of its claims.
func (meta *fileMeta) checkSizes(nWeights uint64) error {
	fr := grid.Frame{Shape: meta.Frame.Shape, Spacing: geom.Vec3(meta.Frame.SpacingA), Origin: geom.Point(meta.Frame.OriginA)}
	if err := fr.Validate(); err != nil {
		return fmt.Errorf("metadata field frame (shape %v, voxel_size_A %v, origin_A %v): %w", meta.Frame.Shape, meta.Frame.SpacingA, meta.Frame.OriginA, err)
	}
	tiling := region.Options{Size: meta.Tiling[0], Overlap: meta.Tiling[1]}
	_, nRegions, err := region.Count(fr.Shape, tiling)
	if err != nil {
		return fmt.Errorf("metadata field tiling_size_overlap = %v: %w", meta.Tiling, err)
	}
	if nRegions != int64(len(meta.Regions)) {
		return fmt.Errorf("metadata field regions: %d entries, the tiling %v of shape %v has %d regions", len(meta.Regions), meta.Tiling, fr.Shape, nRegions)
	}
	for i, rm := range meta.Regions {
		if !rm.Fitted {
			continue
		}
		if rm.Net == nil || rm.Report == nil {
			return fmt.Errorf("metadata regions[%d] (id %d): fitted but no net or report", i, rm.ID)
		}
		n, err := paramCount(rm.Net.Width, rm.Net.HiddenLayers)
		if err != nil {
			return fmt.Errorf("metadata regions[%d] (id %d) net: %w", i, rm.ID, err)
		}
		if rm.NumVals != n || rm.Offset < 0 || uint64(rm.Offset)+uint64(max(rm.NumVals, 0)) > nWeights {
			return fmt.Errorf("metadata regions[%d] (id %d): weights_offset %d, weights_count %d; width %d with %d hidden layers has %d parameters and the file holds %d weights",
				i, rm.ID, rm.Offset, rm.NumVals, rm.Net.Width, rm.Net.HiddenLayers, n, nWeights)
		}
		if err := rm.Report.validate(); err != nil {
			return fmt.Errorf("metadata regions[%d] (id %d) report: %w", i, rm.ID, err)
		}
	}
	return nil
}

// paramCount returns the number of weights and biases of a SIREN of this
// width and depth (3 → w, hidden w → w, w → 1), or an error for sizes that
// are not positive or would overflow.
func paramCount(width, hidden int) (int64, error) {
	const limit = 1 << 40
	if width <= 0 || width > 1<<20 {
		return 0, fmt.Errorf("width = %d, want 1 to %d", width, 1<<20)
	}
	if hidden < 0 || hidden > 1<<20 {
		return 0, fmt.Errorf("hidden_layers = %d, want 0 to %d", hidden, 1<<20)
	}
	w := int64(width)
	n := 4*w + int64(hidden)*(w*w+w) + w + 1
	if n > limit {
		return 0, fmt.Errorf("width %d with %d hidden layers has %d parameters, more than any file holds", width, hidden, n)
	}
	return n, nil
}

// validate reports a training report no fit can produce.
func (r *RegionReport) validate() error {
	switch {
	case r.Steps < 0:
		return fmt.Errorf("steps = %d, want ≥ 0", r.Steps)
	case r.BestStep < 0 || r.BestStep > r.Steps:
		return fmt.Errorf("best_step = %d, want 0 to steps = %d", r.BestStep, r.Steps)
	case !(r.BestLoss >= 0) || math.IsInf(r.BestLoss, 0):
		return fmt.Errorf("best_loss = %g, want a finite value ≥ 0", r.BestLoss)
	case r.TrainTime < 0:
		return fmt.Errorf("train_time_ns = %d, want ≥ 0", int64(r.TrainTime))
	}
	return nil
}

// initRecord returns the initialisation record of a file of this format
// version: random before version 3 (no record: every fit started from
// random weights), else the recorded one, checked.
func (meta *fileMeta) initRecord(version uint32) (InitRecord, error) {
	switch {
	case version < 3:
		return InitRecord{Kind: metainit.KindRandom}, nil
	case meta.Init == nil:
		return InitRecord{}, fmt.Errorf("metadata field initialisation is missing (format version %d records it)", version)
	}
	r := *meta.Init
	switch r.Kind {
	case metainit.KindRandom:
		if r.Name != "" || r.SHA256 != "" {
			return InitRecord{}, fmt.Errorf("metadata field initialisation: kind %q with name %q, sha256 %q; a random initialisation has neither", r.Kind, r.Name, r.SHA256)
		}
	case metainit.KindLearned:
		if !isHex64(r.SHA256) {
			return InitRecord{}, fmt.Errorf("metadata field initialisation.sha256 = %q, want 64 hex digits", r.SHA256)
		}
	default:
		return InitRecord{}, fmt.Errorf("metadata field initialisation.kind = %q, want %q or %q", r.Kind, metainit.KindRandom, metainit.KindLearned)
	}
	return r, nil
}

// isHex64 reports whether s is 64 lower-case hex digits (a SHA-256).
func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// netFromWeights rebuilds a network of cfg from its flat weights.
func netFromWeights(cfg siren.Config, w []float32) (*siren.Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if n, err := paramCount(cfg.Width, cfg.HiddenLayers); err != nil {
		return nil, err
	} else if n != int64(len(w)) {
		return nil, fmt.Errorf("%d weights, the architecture (width %d, %d hidden layers) needs %d", len(w), cfg.Width, cfg.HiddenLayers, n)
	}
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
		n := out*in + out
		if off+n > len(w) {
			return nil, fmt.Errorf("%d weights, the architecture (width %d, %d hidden layers) needs more", len(w), cfg.Width, cfg.HiddenLayers)
		}
		net.Layers[l] = siren.Layer{Out: out, In: in,
			W: append([]float32(nil), w[off:off+out*in]...),
			B: append([]float32(nil), w[off+out*in:off+n]...)}
		off += n
	}
	if off != len(w) {
		return nil, fmt.Errorf("%d weights, the architecture (width %d, %d hidden layers) needs %d", len(w), cfg.Width, cfg.HiddenLayers, off)
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	return net, nil
}

// fileOptimizer is the optimizer as a .nem file records it: "" for Adam
// (the field is then left out, as in files written before it existed).
func fileOptimizer(opt siren.Optimizer) siren.Optimizer {
	if opt == siren.OptimizerAdam {
		return ""
	}
	return opt
}
