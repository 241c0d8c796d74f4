// Command neuralem turns cryo-EM maps into neural cryo-EM maps (one SIREN per
// overlapping sub-region), queries and exports them, builds density graphs
// from any map, and evaluates graphs against atomic models.
//
// Usage:
//
//	neuralem <command> [flags] [arguments]
//
// Commands:
//
//	info        print a map's header and validation, a model's summary, or a neural map's fit summary
//	simulate    simulate a map from an atomic model (ChimeraX molmap semantics)
//	crop        cut a box out of a map (around a model, residues, or voxel bounds)
//	fit         fit a neural map (resumable; --shard i/n for clusters)
//	merge       merge shard files into one neural map
//	query       density and gradient per Å at points
//	export      resample a neural map onto a grid and write MRC
//	graph       build a density graph from a neural map or a classical interpolator
//	eval        compare a density graph with an atomic model
//	experiment  reproduce the paper's experiments (interp | noise | graph)
//	demo        the main job on the shipped default: fit, graph, evaluate
//
// Every command takes --help. Long work shows a progress bar on stderr;
// --json writes machine-readable results to stdout. Errors exit with status 1
// and a message naming the file, the field and the value.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands []command

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	commands = append(commands, command{name, summary, run})
}

// errUsage marks an error for which the usage has already been printed.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	sort.Slice(commands, func(i, j int) bool { return commands[i].name < commands[j].name })
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(stderr, "neuralem %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "neuralem: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "neuralem: neural cryo-EM maps and density graphs")
	fmt.Fprintln(w, "\nUsage: neuralem <command> [flags] [arguments]   (flags may follow arguments)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'neuralem <command> --help' for a command's flags.")
	fmt.Fprintln(w, "Backend: GOMLX_BACKEND (default: the pure-Go backend). Build with GOEXPERIMENT=simd.")
}

// newFlags makes a FlagSet whose usage names the command and its arguments.
func newFlags(name, argsUsage, doc string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: neuralem %s [flags] %s\n\n%s\n\nFlags:\n", name, argsUsage, doc)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before, between or after the positional
// arguments, and checks the number of positional arguments.
func parse(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) < minPos || (maxPos >= 0 && len(pos) > maxPos) {
		want := fmt.Sprintf("%d", minPos)
		if maxPos != minPos {
			if maxPos < 0 {
				want = fmt.Sprintf("at least %d", minPos)
			} else {
				want = fmt.Sprintf("%d to %d", minPos, maxPos)
			}
		}
		fmt.Fprintf(fs.Output(), "neuralem %s: want %s argument(s), got %d\n\n", fs.Name(), want, len(pos))
		fs.Usage()
		return nil, errUsage
	}
	set := setFlags(fs)
	for _, check := range validators[fs] {
		if err := check(set); err != nil {
			return nil, err
		}
	}
	return pos, nil
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parseInts parses a comma-separated list of integers with ranges (1,3,5-7).
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, b, ok := strings.Cut(f, "-"); ok && a != "" {
			lo, err1 := strconv.Atoi(strings.TrimSpace(a))
			hi, err2 := strconv.Atoi(strings.TrimSpace(b))
			if err1 != nil || err2 != nil || hi < lo || hi-lo > 1<<24 {
				return nil, fmt.Errorf("bad range %q (want FIRST-LAST with FIRST ≤ LAST)", f)
			}
			for i := lo; i <= hi; i++ {
				out = append(out, i)
			}
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("bad integer %q", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q lists no region", s)
	}
	return out, nil
}

// parseTriple parses "x,y,z" into three finite numbers.
func parseTriple(s string) ([3]float64, error) {
	var v [3]float64
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return v, fmt.Errorf("%q: want x,y,z", s)
	}
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !finite(x) {
			return v, fmt.Errorf("%q: component %d %q is not a finite number", s, i+1, strings.TrimSpace(p))
		}
		v[i] = x
	}
	return v, nil
}

// parseIndex parses "i,j,k" into three integers, naming the flag in errors.
func parseIndex(flagName, s string) ([3]int, error) {
	var v [3]int
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return v, fmt.Errorf("--%s %q: want three integers i,j,k", flagName, s)
	}
	for i, p := range parts {
		x, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return v, fmt.Errorf("--%s %q: component %d %q is not an integer", flagName, s, i+1, strings.TrimSpace(p))
		}
		v[i] = x
	}
	return v, nil
}
