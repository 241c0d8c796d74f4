package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Flags that were set, and checks run after parsing.
//
// A flag's value is never compared with its default to decide whether the
// user gave it: parse records the flags that were set (flag.Visit), and the
// checks registered with onParsed validate every value that was set, so a
// bad value is an error naming the flag, never a silent fall-back.

// validators holds the checks to run once a FlagSet has been parsed.
var validators = map[*flag.FlagSet][]func(set map[string]bool) error{}

// onParsed registers a check run by parse after fs is parsed, with the set
// of flags given on the command line.
func onParsed(fs *flag.FlagSet, check func(set map[string]bool) error) {
	validators[fs] = append(validators[fs], check)
}

// chainsFlags holds each FlagSet's --chains, defined once: demo has both
// graph's (the mask) and eval's (the scoring), which share it.
var chainsFlags = map[*flag.FlagSet]*string{}

// chainsFlag returns fs's --chains, defining it with usage on first use and
// adding usage to its text on a second.
func chainsFlag(fs *flag.FlagSet, usage string) *string {
	if c := chainsFlags[fs]; c != nil {
		f := fs.Lookup("chains")
		f.Usage += "; " + usage
		return c
	}
	c := fs.String("chains", "", usage)
	chainsFlags[fs] = c
	return c
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// finite reports whether x is neither NaN nor ±Inf.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// check returns an error naming a flag and its value unless ok.
func check(ok bool, flagName string, value any, want string) error {
	if ok {
		return nil
	}
	return fmt.Errorf("--%s %v: want %s", flagName, value, want)
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// File kinds, as sniffed from the content (not the name).
const (
	kindNone      = ""               // does not exist
	kindDir       = "directory"      //
	kindNeural    = "neural map"     // .nem
	kindInit      = "initialisation" // .nemi ('neuralem meta-train')
	kindMRC       = "MRC map"        // MRC/CCP4, maybe gzipped
	kindGraph     = "density graph"  // a file 'neuralem graph' writes
	kindModel     = "atomic model"   // PDB or mmCIF that is not a density graph
	kindOtherFile = "file of another kind"
)

// sniff tells what a file holds from its first bytes (decompressing gzip).
func sniff(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return kindNone
	}
	if st.IsDir() {
		return kindDir
	}
	f, err := os.Open(path)
	if err != nil {
		return kindOtherFile
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if bytes.HasPrefix(head, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return kindOtherFile
		}
		h := make([]byte, 4096)
		m, _ := io.ReadFull(zr, h) // a truncated stream gives what it has
		head = h[:m]
	}
	return sniffBytes(head)
}

func sniffBytes(b []byte) string {
	s := string(b)
	switch {
	case strings.HasPrefix(s, "NEURALEM-MAP"):
		return kindNeural
	case strings.HasPrefix(s, "NEURALEM-INIT"):
		return kindInit
	case len(b) >= 212 && string(b[208:212]) == "MAP ":
		return kindMRC
	case strings.Contains(s, "data_neuralem_density_graph"), strings.Contains(s, "NEURALEM DENSITY GRAPH"),
		strings.Contains(s, `"neuralem density graph"`),
		strings.Contains(s, "<graphml") && strings.Contains(s, `attr.name="density"`),
		strings.HasPrefix(s, "id,x,y,z,density,size"), strings.HasPrefix(s, "source,target,length"):
		return kindGraph
	case looksLikeModel(s):
		return kindModel
	case len(b) >= 16 && plausibleMRC(b):
		return kindMRC
	}
	return kindOtherFile
}

// looksLikeModel reports PDB records or an mmCIF data block at the start of
// a file.
func looksLikeModel(s string) bool {
	for _, line := range strings.SplitN(s, "\n", 40) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(strings.ToLower(line), "data_") {
			return true
		}
		for _, rec := range []string{"ATOM  ", "HETATM", "HEADER", "REMARK", "CRYST1", "MODEL ", "TITLE ", "COMPND", "EXPDTA", "SEQRES"} {
			if strings.HasPrefix(line+" ", rec) {
				return true
			}
		}
		return false
	}
	return false
}

// plausibleMRC reports whether MODE and the dimensions look like an MRC
// header's in either byte order (old CCP4 files have no "MAP " stamp).
func plausibleMRC(b []byte) bool {
	for _, o := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		mode := int32(o.Uint32(b[12:]))
		ok := mode == 0 || mode == 1 || mode == 2 || mode == 6 || mode == 12
		for i := 0; i < 3 && ok; i++ {
			n := int32(o.Uint32(b[4*i:]))
			ok = n > 0 && n <= 1<<24
		}
		if ok {
			return true
		}
	}
	return false
}

// checkOutput refuses an output path that would destroy something: a
// directory, one of the command's inputs (the same file, also through
// links: os.SameFile), or an existing file that is not of the kind the
// command writes (unless force). Missing inputs are ignored (their own
// reader reports them).
func checkOutput(flagName, out, kind string, force bool, inputs ...string) error {
	if out == "" {
		return fmt.Errorf("%s: want a file name", flagName)
	}
	if strings.HasSuffix(out, string(os.PathSeparator)) {
		return fmt.Errorf("%s %s: ends in %q, want a file name", flagName, out, string(os.PathSeparator))
	}
	st, err := os.Stat(out)
	if err != nil {
		return nil // does not exist yet (or cannot be seen: the write will say why)
	}
	if st.IsDir() {
		return fmt.Errorf("%s %s is a directory, want a file name (e.g. %s)", flagName, out, filepath.Join(out, "out"+extFor(kind)))
	}
	for _, in := range inputs {
		if in == "" {
			continue
		}
		if ist, err := os.Stat(in); err == nil && os.SameFile(st, ist) {
			return fmt.Errorf("%s %s is the input %s (the same file): refusing to overwrite an input; choose another output", flagName, out, in)
		}
	}
	if got := sniff(out); got != kind && !force {
		return fmt.Errorf("%s %s exists and is %s, not %s as this command writes: refusing to overwrite it (--force to overwrite)", flagName, out, article(got), article(kind))
	}
	return nil
}

func extFor(kind string) string {
	switch kind {
	case kindNeural:
		return ".nem"
	case kindInit:
		return ".nemi"
	case kindMRC:
		return ".mrc"
	case kindModel:
		return ".pdb"
	}
	return ""
}

// article prefixes a kind with "a" or "an".
func article(kind string) string {
	if kind != "" && strings.ContainsRune("aeiouAEIOU", rune(kind[0])) || strings.HasPrefix(kind, "MRC") {
		return "an " + kind
	}
	return "a " + kind
}
