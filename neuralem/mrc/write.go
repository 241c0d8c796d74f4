package mrc

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
)

// WriteOptions controls Write. The zero value writes mode 2 (float32) with
// the label "neuralem".
type WriteOptions struct {
	// Mode is ModeFloat32 or ModeFloat16; 0 means ModeFloat32 (int8 output
	// is not offered). Other modes are refused.
	Mode int32
	// Labels are up to 10 text labels of at most 80 ASCII characters.
	// Empty means a single "neuralem" label.
	Labels []string
}

// NewHeader returns the MRC2014 header Write uses for g: NX,NY,NZ = MX,MY,MZ
// = shape, NXSTART.. = 0, axes 1,2,3, CELLA = shape·spacing, CELLB = 90°,
// ORIGIN = g.Origin (as float32), ISPG 1 (a single volume), NVERSION 20140,
// MAP "MAP ", little-endian MACHST, statistics of the data, and the labels.
func NewHeader(g *grid.Grid, opts WriteOptions) (*Header, error) {
	if err := g.Frame.Validate(); err != nil {
		return nil, fmt.Errorf("mrc: write: %w", err)
	}
	if len(g.Data) != g.Len() {
		return nil, fmt.Errorf("mrc: write: grid has %d values for shape %v (want %d)", len(g.Data), g.Shape, g.Len())
	}
	for a := 0; a < 3; a++ {
		if g.Shape[a] > math.MaxInt32 {
			return nil, fmt.Errorf("mrc: write: shape[%d] = %d does not fit an MRC header word", a, g.Shape[a])
		}
	}
	mode := opts.Mode
	if mode == 0 {
		mode = ModeFloat32
	}
	if mode != ModeFloat32 && mode != ModeFloat16 {
		return nil, fmt.Errorf("mrc: write: WriteOptions.Mode = %d: only %d (float32) and %d (float16) are written", mode, ModeFloat32, ModeFloat16)
	}
	labels := opts.Labels
	if len(labels) == 0 {
		labels = []string{"neuralem"}
	}
	if len(labels) > 10 {
		return nil, fmt.Errorf("mrc: write: %d labels, at most 10 fit", len(labels))
	}
	h := &Header{
		NX: int32(g.Shape[0]), NY: int32(g.Shape[1]), NZ: int32(g.Shape[2]),
		Mode: mode,
		MX:   int32(g.Shape[0]), MY: int32(g.Shape[1]), MZ: int32(g.Shape[2]),
		CellB: [3]float32{90, 90, 90},
		MapC:  1, MapR: 2, MapS: 3,
		ISPG:     1,
		NVersion: 20140,
		Map:      [4]byte{'M', 'A', 'P', ' '},
		MachST:   [4]byte{0x44, 0x44, 0, 0},
		NLabl:    int32(len(labels)),
		order:    binary.LittleEndian,
	}
	for a := 0; a < 3; a++ {
		h.CellA[a] = float32(float64(g.Shape[a]) * g.Spacing[a])
		h.Origin[a] = float32(g.Origin[a])
	}
	for i, l := range labels {
		if len(l) > 80 {
			return nil, fmt.Errorf("mrc: write: label %d is %d bytes long, at most 80 fit", i, len(l))
		}
		for _, c := range []byte(l) {
			if c < 0x20 || c > 0x7e {
				return nil, fmt.Errorf("mrc: write: label %d %q holds a non-printable or non-ASCII byte", i, l)
			}
		}
		copy(h.Label[i][:], l+strings.Repeat(" ", 80-len(l)))
	}
	if mode == ModeFloat16 {
		// Statistics describe the stored (rounded) values.
		vals := make([]float32, len(g.Data))
		for i, v := range g.Data {
			vals[i] = HalfToFloat32(Float32ToHalf(v))
		}
		setStats(h, vals)
	} else {
		setStats(h, g.Data)
	}
	return h, nil
}

// setStats sets DMIN, DMAX, DMEAN and RMS from the finite values of data
// (grid.ComputeStats; RMS is the population standard deviation).
func setStats(h *Header, data []float32) {
	st := grid.ComputeStats(data)
	h.DMin, h.DMax, h.DMean, h.RMS = float32(st.Min), float32(st.Max), float32(st.Mean), float32(st.Std)
}

// Encode writes the map file (header and little-endian data, no extended
// header) for g to w.
func Encode(w io.Writer, g *grid.Grid, opts WriteOptions) error {
	h, err := NewHeader(g, opts)
	if err != nil {
		return err
	}
	return encode(w, h, g)
}

func encode(w io.Writer, h *Header, g *grid.Grid) error {
	if _, err := w.Write(h.Encode()); err != nil {
		return err
	}
	const chunk = 1 << 16
	buf := make([]byte, 0, 4*chunk)
	for i := 0; i < len(g.Data); i += chunk {
		part := g.Data[i:min(i+chunk, len(g.Data))]
		buf = buf[:0]
		if h.Mode == ModeFloat16 {
			for _, v := range part {
				buf = binary.LittleEndian.AppendUint16(buf, Float32ToHalf(v))
			}
		} else {
			for _, v := range part {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// Write writes g to path as an MRC2014 map (see NewHeader for the header),
// gzip-compressed if path ends in ".gz". The file is written atomically
// (internal/atomicfile: a temporary in the same directory, synced, renamed),
// so readers never see a partial file and a failed write leaves the old
// file untouched.
func Write(path string, g *grid.Grid, opts WriteOptions) error {
	h, err := NewHeader(g, opts)
	if err != nil {
		return fmt.Errorf("%w (file %s)", err, path)
	}
	err = atomicfile.Write(path, func(f io.Writer) error {
		bw := bufio.NewWriterSize(f, 1<<20)
		var w io.Writer = bw
		var zw *gzip.Writer
		if strings.HasSuffix(path, ".gz") {
			zw = gzip.NewWriter(bw)
			w = zw
		}
		if err := encode(w, h, g); err != nil {
			return err
		}
		if zw != nil {
			if err := zw.Close(); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("mrc: %w", err)
	}
	return nil
}
