package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

func init() {
	register("query", "density and gradient per Å at points", runQuery)
}

type queryResult struct {
	Point    [3]float64 `json:"point_A"`
	Density  float64    `json:"density"`
	Gradient [3]float64 `json:"gradient_per_A"`
}

func parseUnits(s string) (neuralmap.Units, error) {
	switch s {
	case "01", "[0,1]":
		return neuralmap.Units01, nil
	case "signed", "[-1,1]":
		return neuralmap.UnitsSigned, nil
	case "original":
		return neuralmap.UnitsOriginal, nil
	}
	return 0, fmt.Errorf("--units %q: want 01, signed or original", s)
}

func runQuery(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("query", "MAP --at x,y,z [--at ...] | --points FILE",
		"Samples density and its gradient per Å at points given in Å (the map's frame).\nMAP is a neural map (.nem) or a density map (MRC/CCP4, interpolated with --interp).\nPoints outside the map are an error naming them; nothing is clamped.", stderr)
	var at multiFlag
	fs.Var(&at, "at", "a point x,y,z in Å (repeatable)")
	points := fs.String("points", "", "file with one point x,y,z per line ('-' for stdin; # comments)")
	units := fs.String("units", "01", "density scale: 01 (paper's [0,1]), signed ([-1,1]) or original (input map units)")
	interp := fs.String("interp", "bspline", "interpolator for a density map: trilinear or bspline (refused for a neural map)")
	levelFrom := addLevelFlag(fs)
	asJSON := fs.Bool("json", false, "write JSON to stdout (default: CSV)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	var pts []geom.Point
	for _, s := range at {
		v, err := parseTriple(s)
		if err != nil {
			return fmt.Errorf("--at %w", err)
		}
		pts = append(pts, v)
	}
	if *points != "" {
		more, err := readPoints(*points)
		if err != nil {
			return err
		}
		pts = append(pts, more...)
	}
	if len(pts) == 0 {
		return fmt.Errorf("no points: give --at x,y,z or --points FILE")
	}
	u, err := parseUnits(*units)
	if err != nil {
		return err
	}
	lf, err := loadField(pos[0], *interp, setFlags(fs)["interp"], *levelFrom)
	if err != nil {
		return err
	}
	field := lf.Field
	if lf.Map != nil {
		field = lf.Map.Field(u)
	} else if u != neuralmap.Units01 {
		return fmt.Errorf("--units %s is only for neural maps; a density map is sampled on [0,1]", *units)
	}
	val := make([]float64, len(pts))
	grad := make([]geom.Vec3, len(pts))
	if err := field.Sample(pts, val, grad); err != nil {
		return err
	}
	res := make([]queryResult, len(pts))
	for i := range pts {
		res[i] = queryResult{pts[i], val[i], grad[i]}
	}
	if *asJSON {
		return writeJSON(stdout, res)
	}
	fmt.Fprintln(stdout, "x,y,z,density,dx,dy,dz")
	for _, r := range res {
		fmt.Fprintf(stdout, "%g,%g,%g,%.8g,%.8g,%.8g,%.8g\n", r.Point[0], r.Point[1], r.Point[2], r.Density, r.Gradient[0], r.Gradient[1], r.Gradient[2])
	}
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func readPoints(path string) ([]geom.Point, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var pts []geom.Point
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "x") {
			continue
		}
		s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }), ",")
		v, err := parseTriple(s)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		pts = append(pts, v)
	}
	return pts, sc.Err()
}
