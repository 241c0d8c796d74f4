package charts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// withJSDir points JSDir at dir for the test (and clears the bundle cache).
func withJSDir(t *testing.T, dir string) {
	t.Helper()
	t.Setenv(JSDirEnv, dir)
	jsCache.mu.Lock()
	jsCache.cache = map[string]string{}
	jsCache.mu.Unlock()
}

// fakeBundles writes tiny stand-in bundles shaped like the real UMD headers.
func fakeBundles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(EChartsFile, `!function(t,e){"function"==typeof define&&define.amd?define(["exports"],e):e(t.echarts={})}(this,function(t){var s="</script>";});
//# sourceMappingURL=echarts.min.js.map`)
	write(EChartsGLFile, `!function(e,t){e["echarts-gl"]=t(e.echarts)}(self,function(e){return {}});`)
	return dir
}

var scriptRe = regexp.MustCompile(`(?s)<script[^>]*>(.*?)</script>`)

func TestHTMLInlinesWrappedBundles(t *testing.T) {
	withJSDir(t, fakeBundles(t))
	line, err := LossCurves(LossChart{Title: "fit"}, []LossCurve{{Name: "r", Steps: []int{1, 2}, Loss: []float64{1, 0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := HTML(line)
	if err != nil {
		t.Fatal(err)
	}
	scripts := scriptRe.FindAllStringSubmatch(h, -1)
	if len(scripts) != 2 {
		t.Fatalf("%d <script> elements, want 2 (echarts bundle, chart):\n%s", len(scripts), h)
	}
	bundle := scripts[0][1]
	// Guarded, then wrapped so that define/exports/module are undefined inside.
	if !strings.Contains(bundle, `if (typeof window["echarts"] === "undefined") {`) {
		t.Errorf("bundle not guarded by window.echarts:\n%s", bundle)
	}
	if !strings.Contains(bundle, "(function(define, exports, module){\n!function(t,e)") ||
		!strings.Contains(bundle, "\n}).call(window);") {
		t.Errorf("bundle not wrapped RequireJS-safe:\n%s", bundle)
	}
	// The trailing sourceMappingURL comment must not swallow the wrapper's end.
	if !strings.Contains(bundle, "echarts.min.js.map\n}).call(window);") {
		t.Errorf("wrapper end not on its own line:\n%s", bundle)
	}
	// "</script>" inside the bundle is escaped, so the element ends where it should.
	if !strings.Contains(bundle, `var s="<\/script>"`) {
		t.Errorf("</script> in the bundle not escaped:\n%s", bundle)
	}
	if strings.Contains(h, `window["echarts-gl"] === "undefined"`) || strings.Contains(h, "var gl = true") {
		t.Error("2-D chart includes or waits for echarts-gl")
	}
	if strings.Contains(h, "cdn.jsdelivr.net") || strings.Contains(h, "go-echarts-assets") {
		t.Error("offline snippet references a CDN")
	}
	chart := scripts[1][1]
	m := elementID.FindStringSubmatch(h)
	if m == nil || !strings.Contains(chart, `document.getElementById("`+m[1]+`")`) {
		t.Errorf("chart script does not find its element %v:\n%s", m, chart)
	}
	if !strings.Contains(chart, "function draw()") || !strings.Contains(chart, "setOption(") || !strings.Contains(chart, `"type":"log"`) {
		t.Errorf("chart script lacks the drawing code:\n%s", chart)
	}
	// Redrawing must not redeclare globals: the go-echarts "let" lives inside draw().
	if i, j := strings.Index(chart, "function draw()"), strings.Index(chart, "let goecharts_"); j < i {
		t.Errorf("go-echarts declarations outside the wrapper function")
	}
	checkJSSyntax(t, h)
}

func lookPath(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}

// checkJSSyntax compiles every script of h with node (syntax only), if node is
// installed (Debian nodejs; required under CI).
func checkJSSyntax(t *testing.T, h string) {
	t.Helper()
	if lookPath("node") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI: node not found (apt-get install nodejs): cannot check the generated JavaScript")
		}
		t.Log("node not found: generated JavaScript not syntax-checked")
		return
	}
	for i, s := range scriptRe.FindAllStringSubmatch(h, -1) {
		p := filepath.Join(t.TempDir(), "s.js")
		if err := os.WriteFile(p, []byte(s[1]), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("node", "--check", p).CombinedOutput(); err != nil {
			t.Errorf("script %d is not valid JavaScript: %v\n%s", i, err, out)
		}
	}
}

func TestHTML3DIncludesGL(t *testing.T) {
	withJSDir(t, fakeBundles(t))
	sc, err := GraphVsModel3D(Graph3D{Nodes: [][3]float64{{0, 0, 0}}, Atoms: [][3]float64{{1, 1, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := HTML(sc)
	if err != nil {
		t.Fatal(err)
	}
	iE, iG := strings.Index(h, `window["echarts"]`), strings.Index(h, `window["echarts-gl"] === "undefined"`)
	if iE < 0 || iG < 0 || iG < iE {
		t.Fatalf("want echarts then echarts-gl inlined (at %d, %d)", iE, iG)
	}
	if !strings.Contains(h, "var gl = true") {
		t.Error("3-D chart does not wait for echarts-gl")
	}
}

func TestHTMLFallsBackToCDN(t *testing.T) {
	withJSDir(t, filepath.Join(t.TempDir(), "missing"))
	t.Setenv("GONB_DIR", "")
	t.Chdir(t.TempDir()) // no kernels/js/node_modules to fall back to
	sc, err := GraphVsModel3D(Graph3D{Nodes: [][3]float64{{0, 0, 0}}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := HTML(sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`class="neuralem-cdn-note"`, "not found on disk", "NEURALEM_JS_DIR", // the visible note and why
		`"` + CDNECharts + `", "` + CDNEChartsGL + `"`, // both bundles, in order
		"window.define = undefined",                    // RequireJS hidden while loading
	} {
		if !strings.Contains(h, want) {
			t.Errorf("CDN fallback lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, "(function(define, exports, module)") {
		t.Error("fallback also claims to inline the bundle")
	}
	checkJSSyntax(t, h)
}

func TestJSDirSearch(t *testing.T) {
	root := t.TempDir()
	nm := filepath.Join(root, "kernels", "js", "node_modules")
	if err := os.MkdirAll(filepath.Join(nm, filepath.Dir(EChartsFile)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nm, EChartsFile), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(JSDirEnv, "")
	// From a directory with no kernels/js above it, $GONB_DIR (the notebook's
	// directory) is searched next.
	t.Setenv("GONB_DIR", sub)
	t.Chdir(t.TempDir())
	if got, err := JSDir(); err != nil || got != nm {
		t.Errorf("via $GONB_DIR: JSDir() = %q, %v; want %q", got, err, nm)
	}
	t.Setenv("GONB_DIR", "")
	if _, err := JSDir(); err == nil || !strings.Contains(err.Error(), "run kernels/setup.sh") {
		t.Errorf("nowhere to find it: err = %v", err)
	}
	t.Chdir(sub)
	if got, err := JSDir(); err != nil || got != nm {
		t.Errorf("from %s: JSDir() = %q, %v; want %q", sub, got, err, nm)
	}
	// A stale $NEURALEM_JS_DIR (a kernelspec registered from another clone)
	// falls back to the search, and is named when that fails too.
	t.Setenv(JSDirEnv, filepath.Join(root, "nope"))
	if got, err := JSDir(); err != nil || got != nm {
		t.Errorf("stale $%s from %s: JSDir() = %q, %v; want the fallback %q", JSDirEnv, sub, got, err, nm)
	}
	t.Chdir(t.TempDir())
	if _, err := JSDir(); err == nil || !strings.Contains(err.Error(), "NEURALEM_JS_DIR") || !strings.Contains(err.Error(), "nope") {
		t.Errorf("stale $%s and nothing to fall back to: err = %v", JSDirEnv, err)
	}
}

func TestWritePage(t *testing.T) {
	withJSDir(t, fakeBundles(t))
	line, _ := LossCurves(LossChart{Title: "fit"}, []LossCurve{{Name: "r", Steps: []int{1}, Loss: []float64{1}}})
	sc, _ := GraphVsModel3D(Graph3D{Nodes: [][3]float64{{0, 0, 0}}})
	p := filepath.Join(t.TempDir(), "page.html")
	if err := WritePage(p, line, sc); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	h := string(b)
	if n := strings.Count(h, "(function(define, exports, module)"); n != 2 {
		t.Errorf("%d inlined bundles, want 2 (echarts and echarts-gl once each)", n)
	}
	if n := strings.Count(h, "function draw()"); n != 2 {
		t.Errorf("%d chart scripts, want 2", n)
	}
	if !strings.HasPrefix(h, "<!DOCTYPE html>") || !strings.HasSuffix(h, "</html>\n") {
		t.Error("not a complete page")
	}
	if err := WritePage(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("no charts: err = %v", err)
	}
	if err := WritePage(filepath.Join(t.TempDir(), "no", "dir", "x.html"), line); err == nil {
		t.Error("unwritable path: no error")
	}
}

func TestDisplayInlinesOncePerProgram(t *testing.T) {
	withJSDir(t, fakeBundles(t))
	var shown []string
	oldNB, oldDisp, oldSync := isNotebook, displayHTML, syncOutput
	defer func() { isNotebook, displayHTML, syncOutput = oldNB, oldDisp, oldSync }()
	displayHTML = func(h string) { shown = append(shown, h) }
	syncs := 0
	syncOutput = func() { syncs++ }
	defer func() {
		if syncs != len(shown) {
			t.Errorf("Display synced %d times for %d charts shown; each must wait for GoNB", syncs, len(shown))
		}
	}()

	isNotebook = func() bool { return false }
	line, _ := LossCurves(LossChart{Title: "fit"}, []LossCurve{{Name: "r", Steps: []int{1}, Loss: []float64{1}}})
	if err := Display(line); !errors.Is(err, ErrNotNotebook) {
		t.Fatalf("outside a notebook: err = %v", err)
	}

	isNotebook = func() bool { return true }
	session.mu.Lock()
	session.echarts, session.gl = false, false
	session.mu.Unlock()
	sc, _ := GraphVsModel3D(Graph3D{Nodes: [][3]float64{{0, 0, 0}}})
	for _, c := range []Chart{line, line, sc} {
		if err := Display(c); err != nil {
			t.Fatal(err)
		}
	}
	if len(shown) != 3 {
		t.Fatalf("%d outputs, want 3", len(shown))
	}
	has := func(h, global string) bool { return strings.Contains(h, `window["`+global+`"] === "undefined"`) }
	if !has(shown[0], "echarts") || has(shown[0], "echarts-gl") {
		t.Error("first chart: want echarts inlined, not echarts-gl")
	}
	if has(shown[1], "echarts") {
		t.Error("second chart re-inlines echarts")
	}
	if has(shown[2], "echarts") || !has(shown[2], "echarts-gl") {
		t.Error("3-D chart: want only echarts-gl inlined")
	}
	if err := Display(nil); err == nil {
		t.Error("nil chart: no error")
	}
}

// fakeClock is a manual clock for the live chart's throttle.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestLiveLossThrottles(t *testing.T) {
	withJSDir(t, fakeBundles(t))
	clock := &fakeClock{t: time.Unix(0, 0)}
	var ids, htmls []string
	l := NewLiveLoss("fit")
	l.now = clock.now
	l.active = func() bool { return true }
	l.update = func(id, h string) { ids = append(ids, id); htmls = append(htmls, h) }

	// 2 regions × 10 steps, 100 ms apart: 1 s of updates at ≤ 2 redraws/s
	// gives the first redraw plus one at 500 ms and one at 1000 ms… at most 3.
	for s := range 10 {
		for _, r := range []string{"r0", "r1"} {
			if err := l.Update(r, s, 1/float64(s+1)); err != nil {
				t.Fatal(err)
			}
		}
		clock.t = clock.t.Add(100 * time.Millisecond)
	}
	if n := l.Redraws(); n != 2 {
		t.Errorf("%d redraws in 1 s of updates, want 2 (t=0 and t=500ms)", n)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := l.Redraws(); n != 3 {
		t.Errorf("after Flush: %d redraws, want 3", n)
	}
	if err := l.Flush(); err != nil || l.Redraws() != 3 {
		t.Errorf("Flush with nothing new redrew (%d, %v)", l.Redraws(), err)
	}
	for _, id := range ids {
		if id != ids[0] || !strings.HasPrefix(id, "neuralem_loss_") {
			t.Fatalf("display ids %v: want one transient id", ids)
		}
	}
	last := htmls[len(htmls)-1]
	if !strings.Contains(last, `"name":"r1"`) || !strings.Contains(last, "[9,0.1]") {
		t.Errorf("last redraw lacks the last point of r1")
	}
	if err := l.Update("r0", 10, 0); err == nil || !strings.Contains(err.Error(), `region "r0" step 10: loss = 0`) {
		t.Errorf("zero loss: err = %v", err)
	}
	cs := l.Curves()
	if len(cs) != 2 || len(cs[0].Loss) != 10 || cs[1].Name != "r1" {
		t.Errorf("Curves() = %v", cs)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if final := htmls[len(htmls)-1]; !strings.Contains(final, "(function(define, exports, module)") {
		t.Error("Close: final output not self-contained (echarts not inlined)")
	}
	if err := NewLiveLoss("empty").Close(); err == nil {
		t.Error("Close without points: no error")
	}
}

func TestDecimate(t *testing.T) {
	c := LossCurve{Steps: make([]int, 10), Loss: make([]float64, 10)}
	for i := range 10 {
		c.Steps[i], c.Loss[i] = i, float64(i+1)
	}
	d := decimate(c, 4)
	want := []int{0, 3, 6, 9}
	if len(d.Steps) != 4 {
		t.Fatalf("steps %v", d.Steps)
	}
	for i, w := range want {
		if d.Steps[i] != w || d.Loss[i] != float64(w+1) {
			t.Errorf("point %d = (%d, %v), want (%d, %d)", i, d.Steps[i], d.Loss[i], w, w+1)
		}
	}
	if d := decimate(c, 20); len(d.Steps) != 10 {
		t.Error("short curve decimated")
	}
}

// TestChromiumRendersOffline writes a page with every builder's chart and the
// real ECharts bundles, adds RequireJS to it as in a Jupyter page, screenshots it with headless Chromium (no network
// needed: nothing is fetched), and checks that each chart's area is drawn: it
// must hold coloured (non-grey) pixels, which only ECharts drawing the series
// produces; a chart that failed to draw leaves its area white. It skips without
// chromium, RequireJS or the bundles, except under CI (env CI set), where it fails.
// consoleError matches an uncaught JavaScript error or an error logged to
// the console, as headless Chromium prints them with --enable-logging.
var consoleError = regexp.MustCompile(`CONSOLE.*(Uncaught|Error)`)

func TestChromiumRendersOffline(t *testing.T) {
	const chromium = "/usr/bin/chromium"
	need := func(what string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: %s", what)
		}
		t.Skip(what)
	}
	if _, err := os.Stat(chromium); err != nil {
		need("no /usr/bin/chromium (apt-get install chromium)")
	}
	if _, err := JSDir(); err != nil {
		need(err.Error())
	}
	if _, err := jsCache.read(EChartsGLFile); err != nil {
		need(err.Error())
	}
	must := func(c Chart, err error) Chart {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	shape := [3]int{8, 8, 8}
	orig, neural := make([]float32, 512), make([]float32, 512)
	for i := range orig {
		x, y, z := i%8, (i/8)%8, i/64
		orig[i] = float32(x*y + z)
		neural[i] = orig[i] + float32(x-y)/4
	}
	nodes := [][3]float64{{0, 0, 0}, {1, 2, 3}, {2, 1, 0}, {3, 3, 1}}
	atoms := [][3]float64{{0.5, 0.5, 0.5}, {2, 2, 2}}
	cases := []struct {
		name   string
		c      Chart
		height int // px, as set by the builder
	}{
		{"loss curves", must(LossCurves(LossChart{Title: "fit"}, []LossCurve{
			{Name: "r0", Steps: []int{0, 10, 20, 30}, Loss: []float64{1, 0.1, 0.03, 0.01}},
			{Name: "r1", Steps: []int{0, 10, 20, 30}, Loss: []float64{2, 0.5, 0.1, 0.05}},
		})), 460},
		{"3-D graph vs model", must(GraphVsModel3D(Graph3D{Nodes: nodes, Edges: [][2]int{{0, 1}, {1, 2}}, Atoms: atoms,
			Trace: [][][3]float64{{{0, 0, 1}, {1, 1, 1}, {2, 2, 1}}}})), 700},
		{"map slices", must(MapSlices(shape, orig, neural, AxisZ, 3)), 420},
		{"interpolation error", must(InterpolationError("RMSE", []ErrorSeries{
			{Name: "trilinear", Resolution: []float64{2, 3, 4}, Error: []float64{0.1, 0.05, 0.02}},
			{Name: "neural", Resolution: []float64{2, 3, 4}, Error: []float64{0.02, 0.01, 0.005}},
		}, true, Ref{Value: 0.01, Label: "paper"})), 460},
		{"graph view", must(GraphView(GraphPlot{Nodes: nodes, Edges: [][2]int{{0, 1}, {1, 2}, {2, 3}}, Atoms: atoms, Drop: AxisZ})), 720},
		{"walk paths", must(WalkPaths([][][3]float64{{{0, 0, 0}, {0.5, 0.5, 0}, {1, 1, 0}}, {{2, 2, 0}}, {{3, 0, 0}, {2, 1, 0}}}, atoms, AxisZ)), 720},
		{"distance histogram", must(DistanceHistogram([]float64{0.1, 0.3, 0.35, 0.6, 0.7, 1.2}, 0.25, 1)), 400},
		{"Figure 6", must(CAMetrics([]CAPoint{{Series: "neural", Label: "a", Resolution: 1.5, RMSD: 0.4, Coverage: 95, NodeFraction: 60},
			{Series: "bspline", Label: "a", Resolution: 1.5, RMSD: 0.5, Coverage: 90, NodeFraction: 55}},
			[3][]Ref{{{Value: 1.13, Label: "paper"}}, nil, nil})), 420},
		{"sweep heatmap", must(SweepHeatmap(Sweep{Title: "sweep", XName: "width", YName: "lr", Metric: "RMSE",
			X: []float64{64, 128}, Y: []float64{1e-4, 5e-4}, Values: [][]float64{{0.3, 0.2}, {0.1, math.NaN()}}})), 470},
	}
	var all []Chart
	total := 0
	for _, c := range cases {
		all = append(all, c.c)
		total += c.height
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "page.html")
	if err := WritePage(page, all...); err != nil {
		t.Fatal(err)
	}
	// Jupyter pages load RequireJS, which captures UMD bundles evaluated with
	// define visible ("Mismatched anonymous define()", no window.echarts): load
	// it first, as the notebook does, so the page proves the wrapping works.
	const requireJS = "/usr/share/javascript/requirejs/require.min.js"
	if _, err := os.Stat(requireJS); err != nil {
		need("no " + requireJS + " (apt-get install libjs-requirejs)")
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html = bytes.Replace(html, []byte("<head>\n"), []byte("<head>\n<script src=\"file://"+requireJS+"\"></script>\n"), 1)
	if err := os.WriteFile(page, html, 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a guard against a hung browser, not a speed check
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--enable-unsafe-swiftshader", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--disable-quic", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--screenshot="+shot, fmt.Sprintf("--window-size=1000,%d", total+40), "--virtual-time-budget=1500",
		"--hide-scrollbars", "--enable-logging=stderr", "--v=0", "file://"+page)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	// A chart whose option ECharts cannot draw throws in the page (and then
	// draws little or nothing): the console must be clean.
	for _, line := range strings.Split(string(out), "\n") {
		if consoleError.MatchString(line) {
			t.Errorf("JavaScript error in the page: %s", strings.TrimSpace(line))
		}
	}
	f, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	if k := os.Getenv("NEURALEM_KEEP_SHOT"); k != "" {
		_ = os.WriteFile(k, f, 0o644)
	}
	img, err := png.Decode(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	// Charts are stacked from the body's 8 px margin, each as tall as set.
	top := 8
	for _, c := range cases {
		area := image.Rect(0, top, img.Bounds().Max.X, top+c.height).Intersect(img.Bounds())
		top += c.height
		drawn, coloured := 0, 0
		for y := area.Min.Y; y < area.Max.Y; y++ {
			for x := area.Min.X; x < area.Max.X; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				r, g, b = r>>8, g>>8, b>>8
				if r < 0xf0 || g < 0xf0 || b < 0xf0 {
					drawn++
				}
				if max(r, g, b)-min(r, g, b) > 48 {
					coloured++
				}
			}
		}
		// Series markers, lines and cells are coloured; axes, grids and text are
		// grey. The smallest chart here (3-D scatter: six dots and two legend
		// icons) has a few hundred coloured pixels; a blank area has none.
		if coloured < 100 {
			t.Errorf("%s: %d coloured, %d non-white pixels of %d: not drawn", c.name, coloured, drawn, area.Dx()*area.Dy())
		} else {
			t.Logf("%s: %d coloured, %d non-white pixels of %d", c.name, coloured, drawn, area.Dx()*area.Dy())
		}
	}
	if t.Failed() {
		keep := filepath.Join(os.TempDir(), "neuralem_charts_failed.png")
		_ = os.WriteFile(keep, f, 0o644)
		t.Logf("screenshot kept at %s", keep)
	}
}

func TestLiveLossOutsideNotebookOnlyRecords(t *testing.T) {
	l := NewLiveLoss("fit")
	l.active = func() bool { return false }
	calls := 0
	l.update = func(id, h string) { calls++ }
	for s := range 5 {
		if err := l.Update("r", s, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if calls != 0 || l.Redraws() != 0 {
		t.Errorf("outside a notebook: %d updates, %d redraws; want none", calls, l.Redraws())
	}
	if n := len(l.Curves()[0].Loss); n != 5 {
		t.Errorf("%d points recorded, want 5", n)
	}
}

func TestEscapeScript(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"a</b>":                     "a</b>",
		`x="</script>"`:             `x="<\/script>"`,
		`"</SCRIPT " + "</Script>"`: `"<\/SCRIPT " + "<\/Script>"`,
		"</scrip":                   "</scrip",
		"</script":                  `<\/script`,
	} {
		if got := escapeScript(in); got != want {
			t.Errorf("escapeScript(%q) = %q, want %q", in, got, want)
		}
	}
}
