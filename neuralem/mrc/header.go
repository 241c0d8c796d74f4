package mrc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// HeaderSize is the size in bytes of the fixed MRC2014 header (256 words).
const HeaderSize = 1024

// Data modes (MRC2014 word 4).
const (
	ModeInt8      = 0  // signed 8-bit integer
	ModeInt16     = 1  // signed 16-bit integer
	ModeFloat32   = 2  // 32-bit IEEE float
	ModeComplex16 = 3  // complex 16-bit integers (not supported)
	ModeComplex32 = 4  // complex 32-bit floats (not supported)
	ModeUint16    = 6  // unsigned 16-bit integer
	ModeFloat16   = 12 // 16-bit IEEE half float
)

// Header mirrors the MRC2014 header word by word (words are 4 bytes, numbered
// from 1 as in the specification,
// https://www.ccpem.ac.uk/mrc_format/mrc2014.php). Values are kept exactly as
// stored in the file; nothing is corrected on reading. Columns, rows and
// sections are the file's fastest, middle and slowest axes; MAPC/MAPR/MAPS say
// which of X, Y, Z each one is.
type Header struct {
	NX, NY, NZ int32 // words 1-3: number of columns, rows, sections (file order)
	Mode       int32 // word 4: data type (0 int8, 1 int16, 2 float32, 3/4 complex, 6 uint16, 12 float16)

	NXStart, NYStart, NZStart int32 // words 5-7: index of the first column, row, section in the unit cell

	MX, MY, MZ int32 // words 8-10: number of intervals along X, Y, Z of the unit cell (sampling)

	CellA [3]float32 // words 11-13: cell edge lengths along X, Y, Z in Å
	CellB [3]float32 // words 14-16: cell angles alpha, beta, gamma in degrees

	MapC, MapR, MapS int32 // words 17-19: axis (1=X, 2=Y, 3=Z) of columns, rows, sections

	DMin, DMax, DMean float32 // words 20-22: minimum, maximum, mean density

	ISPG   int32 // word 23: space group number (0 image stack, 1 volume, 401+ volume stacks)
	NSymBT int32 // word 24: size of the extended header in bytes

	Extra1   [8]byte  // words 25-26: EXTRA (unused by MRC2014)
	ExtType  [4]byte  // word 27: EXTTYP, extended header type ("CCP4", "MRCO", "SERI", "AGAR", "FEI1", "FEI2", "HDF5")
	NVersion int32    // word 28: NVERSION, format version (20140 = MRC2014, 20141 = update 1)
	Extra2   [84]byte // words 29-49: EXTRA (unused by MRC2014; CCP4 skew matrix lives here)

	Origin [3]float32 // words 50-52: ORIGIN, Å position of voxel (0,0,0) along X, Y, Z (MRC-style maps)

	Map    [4]byte      // word 53: the characters "MAP "
	MachST [4]byte      // word 54: machine stamp, 0x44 0x44 0 0 or 0x44 0x41 0 0 little-endian, 0x11 0x11 0 0 big-endian
	RMS    float32      // word 55: RMS deviation of the densities from DMean
	NLabl  int32        // word 56: number of labels in use
	Label  [10][80]byte // words 57-256: ten 80-character text labels

	order        binary.ByteOrder
	stampGuessed bool  // MACHST was unrecognised and the byte order was guessed
	fileSize     int64 // decompressed size of the whole file, if sizeKnown
	sizeKnown    bool
	path         string
}

// ByteOrder returns the byte order the header was decoded with (or will be
// encoded with): the one given by MACHST, or a guess if the stamp was broken
// (reported by Validate).
func (h *Header) ByteOrder() binary.ByteOrder {
	if h.order == nil {
		return binary.LittleEndian
	}
	return h.order
}

// FileSize returns the size in bytes of the (decompressed) file the header
// was read from, and whether it is known: ReadHeader does not know it for
// gzip files, Read always does.
func (h *Header) FileSize() (int64, bool) { return h.fileSize, h.sizeKnown }

// Labels returns the first NLabl labels with trailing blanks and NULs removed.
func (h *Header) Labels() []string {
	n := int(h.NLabl)
	if n < 0 {
		n = 0
	}
	if n > 10 {
		n = 10
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, strings.TrimRight(string(h.Label[i][:]), " \x00"))
	}
	return out
}

// Axes returns, for the file's columns, rows and sections, the index (0=X,
// 1=Y, 2=Z) of the axis each one runs along, and whether MAPC/MAPR/MAPS are a
// permutation of 1, 2, 3.
func (h *Header) Axes() (axes [3]int, ok bool) {
	m := [3]int32{h.MapC, h.MapR, h.MapS}
	var seen [3]bool
	for d, v := range m {
		if v < 1 || v > 3 || seen[v-1] {
			return [3]int{0, 1, 2}, false
		}
		seen[v-1] = true
		axes[d] = int(v - 1)
	}
	return axes, true
}

// BytesPerVoxel returns the size of one stored value for the header's mode,
// or 0 for a mode this package cannot read.
func BytesPerVoxel(mode int32) int {
	switch mode {
	case ModeInt8:
		return 1
	case ModeInt16, ModeUint16, ModeFloat16:
		return 2
	case ModeFloat32:
		return 4
	}
	return 0
}

// parseHeader decodes the 1024-byte header b. It never fails: problems with
// the content are left to Validate and to the reader's checks.
func parseHeader(b []byte) *Header {
	h := &Header{}
	copy(h.MachST[:], b[212:216])
	switch {
	case b[212] == 0x44 && (b[213] == 0x41 || b[213] == 0x44):
		h.order = binary.LittleEndian
	case b[212] == 0x11 && b[213] == 0x11:
		h.order = binary.BigEndian
	case b[212] == 0x44:
		h.order = binary.LittleEndian // second byte nonstandard; first byte decides, as in gemmi
	case b[212] == 0x11:
		h.order = binary.BigEndian
	default:
		h.order = guessOrder(b)
		h.stampGuessed = true
	}
	o := h.order
	w := func(i int) int32 { return int32(o.Uint32(b[4*(i-1):])) } // word i (1-based)
	f := func(i int) float32 { return math.Float32frombits(o.Uint32(b[4*(i-1):])) }
	h.NX, h.NY, h.NZ = w(1), w(2), w(3)
	h.Mode = w(4)
	h.NXStart, h.NYStart, h.NZStart = w(5), w(6), w(7)
	h.MX, h.MY, h.MZ = w(8), w(9), w(10)
	h.CellA = [3]float32{f(11), f(12), f(13)}
	h.CellB = [3]float32{f(14), f(15), f(16)}
	h.MapC, h.MapR, h.MapS = w(17), w(18), w(19)
	h.DMin, h.DMax, h.DMean = f(20), f(21), f(22)
	h.ISPG = w(23)
	h.NSymBT = w(24)
	copy(h.Extra1[:], b[96:104])
	copy(h.ExtType[:], b[104:108])
	h.NVersion = w(28)
	copy(h.Extra2[:], b[112:196])
	h.Origin = [3]float32{f(50), f(51), f(52)}
	copy(h.Map[:], b[208:212])
	h.RMS = f(55)
	h.NLabl = w(56)
	for i := range h.Label {
		copy(h.Label[i][:], b[224+80*i:224+80*(i+1)])
	}
	return h
}

// plausibleOrder reports whether MODE and NX/NY/NZ (the first 16 bytes of
// b) look like an MRC header's in byte order o.
func plausibleOrder(b []byte, o binary.ByteOrder) bool {
	if len(b) < 16 {
		return false
	}
	mode := int32(o.Uint32(b[12:]))
	if BytesPerVoxel(mode) == 0 && mode != ModeComplex16 && mode != ModeComplex32 {
		return false
	}
	for i := 0; i < 3; i++ {
		n := int32(o.Uint32(b[4*i:]))
		if n <= 0 || n > 1<<24 {
			return false
		}
	}
	return true
}

// notMRC returns an error when b, the first bytes of a file (up to the
// 1024-byte header), cannot be an MRC/CCP4 header: no "MAP " stamp in word
// 53 and implausible MODE and dimensions in both byte orders. Such a file is
// another kind of file (a model, a text file), and saying so is more useful
// than naming the MODE its bytes would mean.
func notMRC(path string, b []byte) error {
	if len(b) >= 212 && string(b[208:212]) == "MAP " {
		return nil
	}
	if len(b) < 16 || plausibleOrder(b, binary.LittleEndian) || plausibleOrder(b, binary.BigEndian) {
		return nil
	}
	start := b[:min(len(b), 24)]
	value := fmt.Sprintf("% x (binary)", start[:min(len(start), 8)])
	if printable(start) {
		value = fmt.Sprintf("%q (text)", start)
	}
	return &Error{Path: path, Field: "first bytes", Value: value,
		Msg: "not an MRC/CCP4 map: word 53 is not \"MAP \" and MODE, NX, NY, NZ are implausible in either byte order"}
}

func printable(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// guessOrder picks the byte order under which MODE and the dimensions look
// plausible (the fallback for a broken machine stamp, as mrcfile does).
func guessOrder(b []byte) binary.ByteOrder {
	plausible := func(o binary.ByteOrder) bool { return plausibleOrder(b, o) }
	if !plausible(binary.LittleEndian) && plausible(binary.BigEndian) {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// Encode returns the 1024-byte header in the byte order given by MACHST
// (little-endian if the stamp is not a standard one). Fields are written as
// they are; Encode does not fill in MAP, MACHST or statistics.
func (h *Header) Encode() []byte {
	var o binary.ByteOrder = binary.LittleEndian
	if h.MachST[0] == 0x11 {
		o = binary.BigEndian
	}
	b := make([]byte, HeaderSize)
	pw := func(i int, v int32) { o.PutUint32(b[4*(i-1):], uint32(v)) }
	pf := func(i int, v float32) { o.PutUint32(b[4*(i-1):], math.Float32bits(v)) }
	pw(1, h.NX)
	pw(2, h.NY)
	pw(3, h.NZ)
	pw(4, h.Mode)
	pw(5, h.NXStart)
	pw(6, h.NYStart)
	pw(7, h.NZStart)
	pw(8, h.MX)
	pw(9, h.MY)
	pw(10, h.MZ)
	for i := 0; i < 3; i++ {
		pf(11+i, h.CellA[i])
		pf(14+i, h.CellB[i])
		pf(50+i, h.Origin[i])
	}
	pw(17, h.MapC)
	pw(18, h.MapR)
	pw(19, h.MapS)
	pf(20, h.DMin)
	pf(21, h.DMax)
	pf(22, h.DMean)
	pw(23, h.ISPG)
	pw(24, h.NSymBT)
	copy(b[96:104], h.Extra1[:])
	copy(b[104:108], h.ExtType[:])
	pw(28, h.NVersion)
	copy(b[112:196], h.Extra2[:])
	copy(b[208:212], h.Map[:])
	copy(b[212:216], h.MachST[:])
	pf(55, h.RMS)
	pw(56, h.NLabl)
	for i := range h.Label {
		copy(b[224+80*i:], h.Label[i][:])
	}
	return b
}

// Problem is one violation of the MRC2014 specification found by Validate.
type Problem struct {
	Word  int    // 1-based header word number (0 if the problem concerns the data)
	Field string // spec name of the field, e.g. "MAPC/MAPR/MAPS"
	Value string // the value found
	Rule  string // what the specification asks for
}

func (p Problem) String() string {
	if p.Word > 0 {
		return fmt.Sprintf("word %d %s = %s: %s", p.Word, p.Field, p.Value, p.Rule)
	}
	return fmt.Sprintf("%s = %s: %s", p.Field, p.Value, p.Rule)
}

// Validate checks the header against the MRC2014 rules and returns one
// Problem per rule broken (nil if none). It checks the MAP word, the machine
// stamp, the mode, the dimensions, the sampling and cell, the axis
// permutation, the density statistics' consistency (DMin ≤ DMean ≤ DMax unless
// flagged as undetermined), NSYMBT against the file size (when the header was
// read from a file whose size is known), NVERSION and NLABL. Data-dependent
// checks (stale statistics) are in (*Map).Validate.
func (h *Header) Validate() []Problem {
	var ps []Problem
	add := func(word int, field, value, rule string) {
		ps = append(ps, Problem{Word: word, Field: field, Value: value, Rule: rule})
	}
	if string(h.Map[:]) != "MAP " {
		add(53, "MAP", fmt.Sprintf("%q", string(h.Map[:])), `must be "MAP "`)
	}
	st := h.MachST
	stOK := (st[0] == 0x44 && (st[1] == 0x44 || st[1] == 0x41)) || (st[0] == 0x11 && st[1] == 0x11)
	if !stOK {
		guess := "little-endian"
		if h.ByteOrder() == binary.BigEndian {
			guess = "big-endian"
		}
		how := "from its first byte"
		if h.stampGuessed {
			how = "from the plausibility of MODE and NX/NY/NZ"
		}
		add(54, "MACHST", fmt.Sprintf("% x", st[:]), "must be 44 44 00 00 or 44 41 00 00 (little-endian) or 11 11 00 00 (big-endian); byte order guessed as "+guess+" "+how)
	}
	switch h.Mode {
	case ModeInt8, ModeInt16, ModeFloat32, ModeUint16, ModeFloat16:
	case ModeComplex16, ModeComplex32:
		add(4, "MODE", fmt.Sprint(h.Mode), "complex (Fourier-space) modes 3/4 are valid MRC2014 but not a real-space density map; this reader refuses them")
	default:
		add(4, "MODE", fmt.Sprint(h.Mode), "must be one of 0, 1, 2, 3, 4, 6, 12")
	}
	for i, n := range [3]int32{h.NX, h.NY, h.NZ} {
		if n <= 0 {
			add(1+i, [3]string{"NX", "NY", "NZ"}[i], fmt.Sprint(n), "must be > 0")
		}
	}
	for i, n := range [3]int32{h.MX, h.MY, h.MZ} {
		if n <= 0 {
			add(8+i, [3]string{"MX", "MY", "MZ"}[i], fmt.Sprint(n), "must be > 0 (voxel size = CELLA/MX)")
		}
	}
	for i, a := range h.CellA {
		if !(a > 0) || math.IsInf(float64(a), 0) {
			add(11+i, "CELLA."+"XYZ"[i:i+1], fmt.Sprint(a), "cell edge must be a finite length > 0 Å")
		}
	}
	if h.CellB == [3]float32{} {
		add(14, "CELLB", "0 0 0", "cell angles must be set (90 90 90 for EM maps); this reader assumes 90°")
	} else {
		for i, a := range h.CellB {
			if !(a > 0 && a < 180) {
				add(14+i, "CELLB."+[3]string{"alpha", "beta", "gamma"}[i], fmt.Sprint(a), "cell angle must be in (0°, 180°)")
			}
		}
	}
	cellOK := true
	for _, a := range h.CellB {
		cellOK = cellOK && (h.CellB == [3]float32{} || (a > 0 && a < 180))
	}
	for _, a := range h.CellA {
		cellOK = cellOK && a > 0 && !math.IsInf(float64(a), 0)
	}
	if cellOK {
		if msg := h.cellAnglesProblem(); msg != "" {
			add(14, "CELLB", fmt.Sprintf("%g,%g,%g", h.CellB[0], h.CellB[1], h.CellB[2]), msg)
		}
	}
	if _, ok := h.Axes(); !ok {
		add(17, "MAPC/MAPR/MAPS", fmt.Sprintf("%d,%d,%d", h.MapC, h.MapR, h.MapS), "must be a permutation of 1,2,3")
	}
	undetermined := h.DMax < h.DMin // MRC2014: DMAX < DMIN means not well determined
	// DMEAN < min(DMIN, DMAX) flags an undetermined mean, so only a mean above
	// DMAX contradicts determined statistics.
	if !undetermined && h.DMean > h.DMax {
		add(22, "DMEAN", fmt.Sprint(h.DMean), fmt.Sprintf("must lie within [DMIN, DMAX] = [%g, %g] (or below both to flag it undetermined)", h.DMin, h.DMax))
	}
	for i, v := range [3]float32{h.DMin, h.DMax, h.DMean} {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			add(20+i, [3]string{"DMIN", "DMAX", "DMEAN"}[i], fmt.Sprint(v), "must be finite")
		}
	}
	if math.IsNaN(float64(h.RMS)) || math.IsInf(float64(h.RMS), 0) {
		add(55, "RMS", fmt.Sprint(h.RMS), "must be finite (negative flags undetermined)")
	}
	if !(h.ISPG >= 0 && h.ISPG <= 230) && !(h.ISPG >= 400 && h.ISPG <= 630) {
		add(23, "ISPG", fmt.Sprint(h.ISPG), "must be 0 (images), 1-230 (space group), 401-630 (volume stack) or 400")
	}
	for i, n := range [3]int32{h.MX, h.MY, h.MZ} {
		if a := float64(h.CellA[i]); n > 0 && a > 0 && !(a/float64(n) < 1e4) {
			add(11+i, "CELLA."+"XYZ"[i:i+1], fmt.Sprint(h.CellA[i]), fmt.Sprintf("voxel size CELLA/M = %g Å is absurd", a/float64(n)))
		}
	}
	if h.NSymBT < 0 {
		add(24, "NSYMBT", fmt.Sprint(h.NSymBT), "must be ≥ 0")
	}
	if h.sizeKnown && h.NSymBT >= 0 {
		bpv := BytesPerVoxel(h.Mode)
		n := int64(h.NX) * int64(h.NY) * int64(h.NZ)
		if int64(HeaderSize)+int64(h.NSymBT) > h.fileSize {
			add(24, "NSYMBT", fmt.Sprint(h.NSymBT), fmt.Sprintf("extended header runs past the end of the %d-byte file", h.fileSize))
		} else if bpv > 0 && h.NX > 0 && h.NY > 0 && h.NZ > 0 {
			want := int64(HeaderSize) + int64(h.NSymBT) + n*int64(bpv)
			if want != h.fileSize {
				add(24, "NSYMBT", fmt.Sprint(h.NSymBT), fmt.Sprintf("1024 + NSYMBT + NX·NY·NZ·%d = %d bytes, but the file holds %d", bpv, want, h.fileSize))
			}
		}
	}
	if h.NVersion != 20140 && h.NVersion != 20141 {
		add(28, "NVERSION", fmt.Sprint(h.NVersion), "MRC2014 files must have 20140 or 20141")
	}
	if h.NLabl < 0 || h.NLabl > 10 {
		add(56, "NLABL", fmt.Sprint(h.NLabl), "must be in 0..10")
	}
	for i, v := range h.Origin {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			add(50+i, "ORIGIN."+"XYZ"[i:i+1], fmt.Sprint(v), "must be finite")
		}
	}
	if h.NSymBT > 0 && h.ExtType == [4]byte{} && h.NVersion >= 20140 {
		add(27, "EXTTYP", fmt.Sprintf("%q", string(h.ExtType[:])), "MRC2014 files with an extended header must name its type")
	}
	if i := bytes.IndexByte(h.ExtType[:], 0); i > 0 && i < 4 {
		add(27, "EXTTYP", fmt.Sprintf("%q", string(h.ExtType[:])), "must be four ASCII characters")
	}
	return ps
}
