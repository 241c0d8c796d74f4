package mrc

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"gonum.org/v1/gonum/spatial/r3"
)

// MaxVoxels is the largest number of voxels the reader accepts (2^31,
// grid.MaxVoxels); larger headers are refused before anything is allocated.
const MaxVoxels = grid.MaxVoxels

// Error is the error returned for a file that cannot be read: it names the
// file, the header field (with its word number when there is one) and the
// offending value.
type Error struct {
	Path  string // file name as given to the reader
	Word  int    // 1-based header word, 0 if not a header word
	Field string // field name, e.g. "MODE", "data", "file"
	Value string // the offending value
	Msg   string // what is wrong
}

func (e *Error) Error() string {
	if e.Word > 0 {
		return fmt.Sprintf("mrc: %s: word %d %s = %s: %s", e.Path, e.Word, e.Field, e.Value, e.Msg)
	}
	return fmt.Sprintf("mrc: %s: %s = %s: %s", e.Path, e.Field, e.Value, e.Msg)
}

func errf(path string, word int, field string, value any, format string, args ...any) error {
	return &Error{Path: path, Word: word, Field: field, Value: fmt.Sprint(value), Msg: fmt.Sprintf(format, args...)}
}

// Map is a map as stored in the file, with the data permuted to X, Y, Z
// order. It keeps the full header so that non-orthogonal cells and
// crystallographic start indices are not lost.
type Map struct {
	Header Header
	// Ext holds the NSYMBT bytes of the extended header (symmetry records or
	// other metadata), as stored.
	Ext []byte
	// Shape is the number of voxels along X, Y, Z (NX/NY/NZ permuted by
	// MAPC/MAPR/MAPS).
	Shape [3]int
	// Start is the unit-cell index of voxel (0,0,0) along X, Y, Z
	// (NXSTART/NYSTART/NZSTART permuted by MAPC/MAPR/MAPS).
	Start [3]int
	// Data holds the values in X-fastest order: index = i + Shape[0]·(j + Shape[1]·k).
	Data []float32
}

// ReadOptions changes what the reader accepts. The zero value is strict.
type ReadOptions struct {
	// AllowNonFinite accepts NaN and ±Inf voxels instead of returning an error.
	AllowNonFinite bool
	// AllowTrailingBytes accepts files longer than 1024 + NSYMBT + data.
	AllowTrailingBytes bool
}

// Read reads an MRC/CCP4 map (plain or gzip-compressed, detected by magic
// bytes) with strict options.
func Read(path string) (*Map, error) { return ReadOptions{}.Read(path) }

// ReadGrid reads a map and converts it to an axis-aligned grid. It fails for
// non-orthogonal cells.
func ReadGrid(path string) (*grid.Grid, *Header, error) {
	m, err := Read(path)
	if err != nil {
		return nil, nil, err
	}
	g, err := m.Grid()
	if err != nil {
		return nil, nil, err
	}
	return g, &m.Header, nil
}

// open returns a reader over the decompressed content of path and the
// decompressed size if it is known (-1 for gzip).
func open(path string) (io.Reader, int64, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("mrc: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, fmt.Errorf("mrc: %w", err)
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, nil, fmt.Errorf("mrc: %s is a directory, want an MRC/CCP4 map file", path)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, 0, nil, errf(path, 0, "gzip stream", "header", "%v", err)
		}
		return zr, -1, f.Close, nil
	}
	return br, st.Size(), f.Close, nil
}

// ReadHeader reads only the 1024-byte header (decompressing the start of a
// gzip file if needed). It fails only if the header cannot be read; use
// Validate to check its content.
func ReadHeader(path string) (*Header, error) {
	r, size, closer, err := open(path)
	if err != nil {
		return nil, err
	}
	defer closer()
	b := make([]byte, HeaderSize)
	if n, err := io.ReadFull(r, b); err != nil {
		if e := notMRC(path, b[:n]); e != nil {
			return nil, e
		}
		return nil, errf(path, 0, "file", fmt.Sprintf("%d bytes", n), "truncated: the MRC header needs %d bytes (%v)", HeaderSize, err)
	}
	if err := notMRC(path, b); err != nil {
		return nil, err
	}
	h := parseHeader(b)
	h.fileSize, h.sizeKnown = size, size >= 0
	h.path = path
	return h, nil
}

// Read reads the map at path with options o.
func (o ReadOptions) Read(path string) (*Map, error) {
	r, size, closer, err := open(path)
	if err != nil {
		return nil, err
	}
	defer closer()
	return o.decode(r, size, path)
}

// Decode decodes a whole map file held in memory (plain or gzip-compressed).
// name is used in error messages.
func (o ReadOptions) Decode(data []byte, name string) (*Map, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, errf(name, 0, "gzip stream", "header", "%v", err)
		}
		return o.decode(zr, -1, name)
	}
	return o.decode(bytes.NewReader(data), int64(len(data)), name)
}

// checkHeader returns an error for headers the reader cannot turn into a map.
func checkHeader(h *Header, path string) (nvox int64, err error) {
	switch h.Mode {
	case ModeComplex16, ModeComplex32:
		return 0, errf(path, 4, "MODE", h.Mode, "complex (Fourier-space) map; only real modes 0, 1, 2, 6, 12 are supported")
	}
	if BytesPerVoxel(h.Mode) == 0 {
		return 0, errf(path, 4, "MODE", h.Mode, "unsupported data mode; supported: 0 int8, 1 int16, 2 float32, 6 uint16, 12 float16")
	}
	dims := [3]int32{h.NX, h.NY, h.NZ}
	nvox = 1
	for i, n := range dims {
		if n <= 0 {
			return 0, errf(path, 1+i, [3]string{"NX", "NY", "NZ"}[i], n, "dimension must be > 0")
		}
		nvox *= int64(n)
		if nvox > MaxVoxels {
			return 0, errf(path, 1, "NX,NY,NZ", fmt.Sprintf("%d,%d,%d", h.NX, h.NY, h.NZ), "more than 2^31 voxels; refusing to allocate")
		}
	}
	if _, ok := h.Axes(); !ok {
		return 0, errf(path, 17, "MAPC,MAPR,MAPS", fmt.Sprintf("%d,%d,%d", h.MapC, h.MapR, h.MapS), "not a permutation of 1,2,3")
	}
	for i, m := range [3]int32{h.MX, h.MY, h.MZ} {
		if m <= 0 {
			return 0, errf(path, 8+i, [3]string{"MX", "MY", "MZ"}[i], m, "cell sampling must be > 0 (voxel size = CELLA/MX)")
		}
	}
	for i, a := range h.CellA {
		if !(a > 0) || math.IsInf(float64(a), 0) {
			return 0, errf(path, 11+i, "CELLA."+"XYZ"[i:i+1], a, "cell edge must be a finite length > 0 Å")
		}
	}
	for i, a := range h.CellB {
		if h.CellB == [3]float32{} {
			break // all zero: treated as 90° (reported by Validate)
		}
		if !(a > 0 && a < 180) {
			return 0, errf(path, 14+i, "CELLB."+[3]string{"alpha", "beta", "gamma"}[i], a, "cell angle must be in (0°, 180°)")
		}
	}
	if msg := h.cellAnglesProblem(); msg != "" {
		return 0, errf(path, 14, "CELLB", fmt.Sprintf("%g,%g,%g", h.CellB[0], h.CellB[1], h.CellB[2]), "%s", msg)
	}
	for i, v := range h.Origin {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return 0, errf(path, 50+i, "ORIGIN."+"XYZ"[i:i+1], v, "origin must be finite")
		}
	}
	if h.NSymBT < 0 {
		return 0, errf(path, 24, "NSYMBT", h.NSymBT, "extended header size must be ≥ 0")
	}
	return nvox, nil
}

func (o ReadOptions) decode(r io.Reader, size int64, path string) (*Map, error) {
	hb := make([]byte, HeaderSize)
	if n, err := io.ReadFull(r, hb); err != nil {
		if e := notMRC(path, hb[:n]); e != nil {
			return nil, e
		}
		return nil, errf(path, 0, "file", fmt.Sprintf("%d bytes", n), "truncated: the MRC header needs %d bytes (%v)", HeaderSize, err)
	}
	if err := notMRC(path, hb); err != nil {
		return nil, err
	}
	h := parseHeader(hb)
	h.path = path
	nvox, err := checkHeader(h, path)
	if err != nil {
		return nil, err
	}
	bpv := int64(BytesPerVoxel(h.Mode))
	want := nvox * bpv
	ext := int64(h.NSymBT)
	if size >= 0 {
		h.fileSize, h.sizeKnown = size, true
		if HeaderSize+ext > size {
			return nil, errf(path, 24, "NSYMBT", h.NSymBT, "extended header runs past the end of the %d-byte file", size)
		}
		have := size - HeaderSize - ext
		if have < want {
			return nil, errf(path, 0, "data", fmt.Sprintf("%d bytes", have), "truncated: NX·NY·NZ = %d voxels of mode %d need %d bytes after the %d-byte headers", nvox, h.Mode, want, HeaderSize+ext)
		}
		if have > want && !o.AllowTrailingBytes {
			return nil, errf(path, 0, "data", fmt.Sprintf("%d bytes", have), "file is longer than the header says: NX·NY·NZ = %d voxels of mode %d need %d bytes after the %d-byte headers", nvox, h.Mode, want, HeaderSize+ext)
		}
	}
	m := &Map{Header: *h}
	if size >= 0 {
		// Sizes were checked against the file: allocate exactly.
		m.Ext = make([]byte, ext)
		raw := make([]byte, want)
		if _, err := io.ReadFull(r, m.Ext); err != nil {
			return nil, errf(path, 24, "NSYMBT", h.NSymBT, "reading the extended header: %v", err)
		}
		if n, err := io.ReadFull(r, raw); err != nil {
			return nil, errf(path, 0, "data", fmt.Sprintf("%d bytes", n), "read error: %v", err)
		}
		return o.finish(m, raw, nvox)
	}
	m.Ext, err = readUpTo(r, ext)
	if err != nil || int64(len(m.Ext)) < ext {
		return nil, errf(path, 24, "NSYMBT", h.NSymBT, "extended header truncated: only %d bytes left in the file", len(m.Ext))
	}
	raw, err := readUpTo(r, want)
	if err != nil {
		return nil, errf(path, 0, "data", fmt.Sprintf("%d bytes", len(raw)), "read error: %v", err)
	}
	if int64(len(raw)) < want {
		return nil, errf(path, 0, "data", fmt.Sprintf("%d bytes", len(raw)), "truncated: NX·NY·NZ = %d voxels of mode %d need %d bytes after the %d-byte headers", nvox, h.Mode, want, HeaderSize+ext)
	}
	{
		var one [1]byte
		n, err := io.ReadFull(r, one[:])
		extra := int64(n)
		if n > 0 {
			var k int64
			k, err = io.Copy(io.Discard, r)
			extra += k
		}
		if err != nil && err != io.EOF {
			// e.g. a gzip checksum error, reported only at the end of the stream
			return nil, errf(path, 0, "stream end", fmt.Sprintf("byte %d", HeaderSize+ext+want+extra), "%v", err)
		}
		m.Header.fileSize, m.Header.sizeKnown = HeaderSize+ext+want+extra, true
		if extra > 0 && !o.AllowTrailingBytes {
			return nil, errf(path, 0, "data", fmt.Sprintf("%d bytes", want+extra), "file is longer than the header says: NX·NY·NZ = %d voxels of mode %d need %d bytes after the %d-byte headers", nvox, h.Mode, want, HeaderSize+ext)
		}
	}
	return o.finish(m, raw, nvox)
}

// finish decodes raw data into m, permutes it to X, Y, Z and checks for
// non-finite values.
func (o ReadOptions) finish(m *Map, raw []byte, nvox int64) (*Map, error) {
	h := &m.Header
	path := h.path
	vals := make([]float32, nvox)
	decodeValues(vals, raw, h.Mode, h.ByteOrder())

	axes, _ := h.Axes()
	n := [3]int{int(h.NX), int(h.NY), int(h.NZ)}
	start := [3]int{int(h.NXStart), int(h.NYStart), int(h.NZStart)}
	for d := 0; d < 3; d++ {
		m.Shape[axes[d]] = n[d]
		m.Start[axes[d]] = start[d]
	}
	if axes == [3]int{0, 1, 2} {
		m.Data = vals
	} else {
		m.Data = permute(vals, n, axes, m.Shape)
	}
	if !o.AllowNonFinite {
		count, first := 0, -1
		for i, v := range m.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				if first < 0 {
					first = i
				}
				count++
			}
		}
		if count > 0 {
			sx, sy := m.Shape[0], m.Shape[1]
			idx := geom.Index{first % sx, (first / sx) % sy, first / (sx * sy)}
			return nil, errf(path, 0, "data", fmt.Sprint(m.Data[first]), "%d non-finite voxel(s), first at X,Y,Z index %v: a density map must hold finite values ('neuralem info' reads such maps and counts them)", count, idx)
		}
	}
	return m, nil
}

// readUpTo reads at most n bytes, allocating as data arrive (so a header
// claiming a huge size cannot make a short stream allocate it).
func readUpTo(r io.Reader, n int64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if br, ok := r.(*bytes.Reader); ok && int64(br.Len()) >= n {
		b := make([]byte, n)
		_, err := io.ReadFull(br, b)
		return b, err
	}
	const chunk = 1 << 22
	c := n
	if c > chunk {
		c = chunk
	}
	buf := make([]byte, 0, c)
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			nc := int64(cap(buf)) * 2
			if nc > n {
				nc = n
			}
			nb := make([]byte, len(buf), nc)
			copy(nb, buf)
			buf = nb
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// decodeValues converts raw stored values of the given mode to float32.
func decodeValues(dst []float32, raw []byte, mode int32, o binary.ByteOrder) {
	switch mode {
	case ModeInt8:
		for i := range dst {
			dst[i] = float32(int8(raw[i]))
		}
	case ModeInt16:
		raw = raw[:2*len(dst)]
		if o == binary.LittleEndian {
			for i := range dst {
				dst[i] = float32(int16(binary.LittleEndian.Uint16(raw[2*i:])))
			}
		} else {
			for i := range dst {
				dst[i] = float32(int16(binary.BigEndian.Uint16(raw[2*i:])))
			}
		}
	case ModeUint16:
		raw = raw[:2*len(dst)]
		if o == binary.LittleEndian {
			for i := range dst {
				dst[i] = float32(binary.LittleEndian.Uint16(raw[2*i:]))
			}
		} else {
			for i := range dst {
				dst[i] = float32(binary.BigEndian.Uint16(raw[2*i:]))
			}
		}
	case ModeFloat16:
		raw = raw[:2*len(dst)]
		if o == binary.LittleEndian {
			for i := range dst {
				dst[i] = HalfToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
			}
		} else {
			for i := range dst {
				dst[i] = HalfToFloat32(binary.BigEndian.Uint16(raw[2*i:]))
			}
		}
	case ModeFloat32:
		raw = raw[:4*len(dst)]
		if o == binary.LittleEndian {
			for i := range dst {
				dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		} else {
			for i := range dst {
				dst[i] = math.Float32frombits(binary.BigEndian.Uint32(raw[4*i:]))
			}
		}
	default:
		panic(fmt.Sprintf("mrc: decodeValues called with unsupported mode %d", mode))
	}
}

// permute reorders file-order values (columns fastest) of dims n into X, Y, Z
// order; axes[d] is the X/Y/Z axis of file dimension d.
func permute(src []float32, n [3]int, axes [3]int, shape [3]int) []float32 {
	stride := [3]int{1, shape[0], shape[0] * shape[1]}
	s0, s1, s2 := stride[axes[0]], stride[axes[1]], stride[axes[2]]
	dst := make([]float32, len(src))
	p := 0
	for s := 0; s < n[2]; s++ {
		for r := 0; r < n[1]; r++ {
			base := s*s2 + r*s1
			row := src[p : p+n[0]]
			for c, v := range row {
				dst[base+c*s0] = v
			}
			p += n[0]
		}
	}
	return dst
}

// cellAngles returns alpha, beta, gamma in degrees, treating an all-zero
// CELLB as 90, 90, 90.
func (h *Header) cellAngles() [3]float64 {
	if h.CellB == [3]float32{} {
		return [3]float64{90, 90, 90}
	}
	return [3]float64{float64(h.CellB[0]), float64(h.CellB[1]), float64(h.CellB[2])}
}

// Orthogonal reports whether all three cell angles are 90° (or unset).
func (h *Header) Orthogonal() bool {
	a := h.cellAngles()
	return a[0] == 90 && a[1] == 90 && a[2] == 90
}

// VoxelSize returns the voxel size in Å along the cell axes a, b, c (X, Y, Z
// for orthogonal cells): CELLA / (MX, MY, MZ).
func (h *Header) VoxelSize() geom.Vec3 {
	return geom.Vec3{
		float64(h.CellA[0]) / float64(h.MX),
		float64(h.CellA[1]) / float64(h.MY),
		float64(h.CellA[2]) / float64(h.MZ),
	}
}

// FracToCart returns the matrix that turns fractional cell coordinates into
// Cartesian Å, in the PDB/gemmi convention (a along x, b in the xy plane):
//
//	[ a   b·cosγ   c·cosβ                     ]
//	[ 0   b·sinγ  −c·sinβ·cosα*               ]
//	[ 0   0        c·sinβ·sinα*               ]
//
// with cosα* = (cosβ·cosγ − cosα)/(sinβ·sinγ). Exact 90° angles give exact
// zeros, so orthogonal cells get a diagonal matrix.
func (h *Header) FracToCart() [3][3]float64 {
	ang := h.cellAngles()
	cs := func(deg float64) (float64, float64) {
		if deg == 90 {
			return 0, 1
		}
		r := deg * math.Pi / 180
		return math.Cos(r), math.Sin(r)
	}
	ca, _ := cs(ang[0])
	cb, sb := cs(ang[1])
	cg, sg := cs(ang[2])
	a, b, c := float64(h.CellA[0]), float64(h.CellA[1]), float64(h.CellA[2])
	cosAlphaStarSinBeta := (cb*cg - ca) / sg
	sinAlphaStarSinBeta := math.Sqrt(math.Max(0, sb*sb-cosAlphaStarSinBeta*cosAlphaStarSinBeta))
	return [3][3]float64{
		{a, b * cg, c * cb},
		{0, b * sg, -c * cosAlphaStarSinBeta},
		{0, 0, c * sinAlphaStarSinBeta},
	}
}

// Position returns the Cartesian Å position of the centre of voxel idx (X, Y,
// Z index into Data):
//
//	ORIGIN + FracToCart · ((Start + idx) / (MX, MY, MZ))
//
// For orthogonal cells this is ORIGIN + (Start + idx)·VoxelSize per axis.
// Both NXSTART.. (in voxels) and ORIGIN (in Å) are applied when both are set.
// For comparison, gemmi 0.5.7's grids place voxels from NXSTART.. only and
// leave words 50-52 to the caller (header_float(50..52)); Chimera-written
// cryo-EM maps use ORIGIN with zero start, crystallographic maps use start
// with zero ORIGIN, and for those both conventions agree.
func (m *Map) Position(idx geom.Index) geom.Point {
	h := &m.Header
	f := [3]float64{
		float64(m.Start[0]+idx[0]) / float64(h.MX),
		float64(m.Start[1]+idx[1]) / float64(h.MY),
		float64(m.Start[2]+idx[2]) / float64(h.MZ),
	}
	d := h.cellMatrix().MulVec(r3.Vec{X: f[0], Y: f[1], Z: f[2]})
	return geom.Point{float64(h.Origin[0]) + d.X, float64(h.Origin[1]) + d.Y, float64(h.Origin[2]) + d.Z}
}

// cellMatrix returns FracToCart as a gonum 3×3 matrix.
func (h *Header) cellMatrix() *r3.Mat {
	M := h.FracToCart()
	return r3.NewMat([]float64{M[0][0], M[0][1], M[0][2], M[1][0], M[1][1], M[1][2], M[2][0], M[2][1], M[2][2]})
}

// minCellVolume is the smallest cell volume, as a fraction of a·b·c (the
// volume of the orthogonal cell with the same edges), that the angles may
// give: below it they describe no cell (e.g. α = β = 10°, γ = 170°, for
// which FracToCart would silently flatten the cell).
const minCellVolume = 1e-6

// CellVolume returns the unit cell's volume in Å³: the determinant of
// FracToCart, a·b·c·√(1 − cos²α − cos²β − cos²γ + 2·cosα·cosβ·cosγ).
func (h *Header) CellVolume() float64 { return h.cellMatrix().Det() }

// cellAnglesProblem says why the cell angles form no cell, or "" if they do
// (edges and angles are assumed individually valid).
func (h *Header) cellAnglesProblem() string {
	abc := float64(h.CellA[0]) * float64(h.CellA[1]) * float64(h.CellA[2])
	if v := h.CellVolume(); !(v > minCellVolume*abc) {
		return fmt.Sprintf("cell angles form no cell: volume %.3g Å³ ≤ %g·a·b·c", v, minCellVolume)
	}
	return ""
}

// Frame returns the axis-aligned frame of the map (voxel size, and the Å
// position of voxel (0,0,0) = ORIGIN + Start·VoxelSize). It fails for
// non-orthogonal cells, whose voxels do not lie on an axis-aligned grid.
func (m *Map) Frame() (grid.Frame, error) {
	h := &m.Header
	if !h.Orthogonal() {
		return grid.Frame{}, errf(h.path, 14, "CELLB", fmt.Sprintf("%g,%g,%g", h.CellB[0], h.CellB[1], h.CellB[2]),
			"non-orthogonal cell: voxels are not on an axis-aligned grid, and neuralem needs one; resample the map onto an orthogonal grid first (e.g. ChimeraX 'volume resample' onto an orthogonal map)")
	}
	vs := h.VoxelSize()
	f := grid.Frame{Shape: m.Shape, Spacing: vs}
	for a := 0; a < 3; a++ {
		f.Origin[a] = float64(h.Origin[a]) + float64(m.Start[a])*vs[a]
	}
	if err := f.Validate(); err != nil {
		return grid.Frame{}, &Error{Path: h.path, Field: "frame", Value: fmt.Sprintf("%+v", f), Msg: err.Error()}
	}
	return f, nil
}

// Grid converts the map to an axis-aligned grid sharing m's data. It fails
// for non-orthogonal cells.
func (m *Map) Grid() (*grid.Grid, error) {
	f, err := m.Frame()
	if err != nil {
		return nil, err
	}
	return &grid.Grid{Frame: f, Data: m.Data}, nil
}

// Validate returns the header's problems plus data-dependent ones: DMIN,
// DMAX, DMEAN and RMS that do not match the data (unless flagged as
// undetermined: DMAX < DMIN, DMEAN < min(DMIN, DMAX), RMS < 0).
func (m *Map) Validate() []Problem {
	ps := m.Header.Validate()
	h := &m.Header
	st := grid.ComputeStats(m.Data)
	if st.Count == 0 || st.NaN+st.Inf > 0 {
		return ps // non-finite data: the header statistics cannot be checked
	}
	mn, mx, mean, rms := st.Min, st.Max, st.Mean, st.Std
	scale := math.Max(math.Abs(mn), math.Abs(mx))
	tol := 1e-5*scale + 1e-30
	stale := func(word int, field string, got float32, want float64) {
		if math.Abs(float64(got)-want) > tol {
			ps = append(ps, Problem{Word: word, Field: field, Value: fmt.Sprint(got),
				Rule: fmt.Sprintf("stale: the data give %.7g", want)})
		}
	}
	if !(h.DMax < h.DMin) {
		stale(20, "DMIN", h.DMin, mn)
		stale(21, "DMAX", h.DMax, mx)
		if !(h.DMean < min(h.DMin, h.DMax)) {
			stale(22, "DMEAN", h.DMean, mean)
		}
	}
	if h.RMS >= 0 && math.Abs(float64(h.RMS)-rms) > 1e-4*math.Max(rms, 1e-30)+tol {
		ps = append(ps, Problem{Word: 55, Field: "RMS", Value: fmt.Sprint(h.RMS),
			Rule: fmt.Sprintf("stale: the data give %.7g", rms)})
	}
	return ps
}
