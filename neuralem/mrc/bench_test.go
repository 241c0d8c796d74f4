package mrc

import (
	"io"
	"path/filepath"
	"testing"
)

// BenchmarkReadEMD0093Gz reads the 220³ float32 EMD-0093 map from its
// 3.4 MB gzip file; MB/s count the 42.6 MB of decompressed map data.
func BenchmarkReadEMD0093Gz(b *testing.B) {
	path := sharedPath(b, "maps/emd0093_hcn4_masked4A.mrc.gz")
	b.SetBytes(42593024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadEMD0093Raw reads the same map written uncompressed to a temp
// directory (42.6 MB; the page cache holds it after the first run).
func BenchmarkReadEMD0093Raw(b *testing.B) {
	g, _, err := ReadGrid(sharedPath(b, "maps/emd0093_hcn4_masked4A.mrc.gz"))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "emd0093.mrc")
	if err := Write(path, g, WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(HeaderSize + 4*len(g.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadPermuted3EK3 reads the axis-permuted (2,1,3) gzip X-ray map
// (4.5 MB decompressed), which also exercises the permutation.
func BenchmarkReadPermuted3EK3(b *testing.B) {
	path := sharedPath(b, "maps/xray_3ek3_2fofc_C2221_axes213.map.gz")
	b.SetBytes(4528064)
	for b.Loop() {
		if _, err := Read(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeEMD0093 encodes the 220³ grid (mode 2) to io.Discard.
func BenchmarkEncodeEMD0093(b *testing.B) {
	g, _, err := ReadGrid(sharedPath(b, "maps/emd0093_hcn4_masked4A.mrc.gz"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(HeaderSize + 4*len(g.Data)))
	for b.Loop() {
		if err := Encode(io.Discard, g, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
