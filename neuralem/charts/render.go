package charts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
	"github.com/janpfeifer/gonb/gonbui"
)

// Chart is anything that renders as a go-echarts snippet: every go-echarts chart
// type (*charts.Line, *charts.HeatMap, *charts.Scatter3D, …) satisfies it.
type Chart interface {
	RenderSnippet() render.ChartSnippet
}

// Paths of the ECharts bundles inside the node_modules directory, and the CDN
// addresses of the same versions used when the files are absent.
const (
	EChartsFile   = "echarts/dist/echarts.min.js"
	EChartsGLFile = "echarts-gl/dist/echarts-gl.min.js"
	CDNECharts    = "https://cdn.jsdelivr.net/npm/echarts@5.6.0/dist/echarts.min.js"
	CDNEChartsGL  = "https://cdn.jsdelivr.net/npm/echarts-gl@2.0.9/dist/echarts-gl.min.js"
)

// JSDirEnv names the environment variable holding the node_modules directory
// with the ECharts bundles (set by the gonb kernelspec written by kernels/setup.sh).
const JSDirEnv = "NEURALEM_JS_DIR"

// ErrNotNotebook is returned by [Display] when the program does not run under a
// GoNB kernel.
var ErrNotNotebook = errors.New("charts: not running in a GoNB notebook (gonbui.IsNotebook is false)")

// JSDir returns the node_modules directory holding [EChartsFile]: the value of
// $NEURALEM_JS_DIR if it holds the file, otherwise the first
// kernels/js/node_modules found in the working directory, in $GONB_DIR, or in
// one of their parents. The error
// says where it looked.
func JSDir() (string, error) {
	// A kernelspec registered from another clone of the repository can
	// point $NEURALEM_JS_DIR at a directory that is gone: then look near
	// the working directory before giving up.
	var stale string
	if d := os.Getenv(JSDirEnv); d != "" {
		if fileExists(filepath.Join(d, EChartsFile)) {
			return d, nil
		}
		stale = fmt.Sprintf("$%s=%q has no %s; ", JSDirEnv, d, EChartsFile)
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if g := os.Getenv("GONB_DIR"); g != "" {
		starts = append(starts, g)
	}
	for _, s := range starts {
		for dir := s; ; {
			cand := filepath.Join(dir, "kernels", "js", "node_modules")
			if fileExists(filepath.Join(cand, EChartsFile)) {
				return cand, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if stale != "" {
		return "", fmt.Errorf("charts: %sno kernels/js/node_modules above %q either (run kernels/setup.sh)", stale, strings.Join(starts, `", "`))
	}
	return "", fmt.Errorf("charts: no %s: $%s is unset and no kernels/js/node_modules above %q (run kernels/setup.sh)",
		EChartsFile, JSDirEnv, strings.Join(starts, `", "`))
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// bundles holds the ECharts JavaScript read from disk, cached by file path.
type bundles struct {
	mu    sync.Mutex
	cache map[string]string
}

var jsCache = bundles{cache: map[string]string{}}

// read returns the content of file (relative to the JS directory), or an error
// saying why it is unavailable.
func (b *bundles) read(file string) (string, error) {
	dir, err := JSDir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, file)
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.cache[p]; ok {
		return s, nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("charts: reading ECharts bundle: %w", err)
	}
	if len(data) == 0 {
		return "", fmt.Errorf("charts: ECharts bundle %s is empty", p)
	}
	s := string(data)
	b.cache[p] = s
	return s, nil
}

// escapeScript makes text safe inside an HTML <script> element: "</script" (any
// case) would end the element early. "<\/" means the same as "</" in JavaScript
// strings, regular expressions and JSON strings, the only places it can occur.
func escapeScript(s string) string {
	var b strings.Builder
	done := 0
	for i := 0; ; {
		j := strings.Index(s[i:], "</")
		if j < 0 {
			break
		}
		i += j
		if i+8 <= len(s) && strings.EqualFold(s[i+2:i+8], "script") {
			if b.Len() == 0 {
				b.Grow(len(s) + 16)
			}
			b.WriteString(s[done:i])
			b.WriteString(`<\/`)
			done = i + 2
		}
		i += 2
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// wrapBundle returns a <script> element that evaluates a UMD bundle with define,
// exports and module hidden (so RequireJS or CommonJS cannot capture it and it
// attaches itself to window), unless global is already defined.
func wrapBundle(js, global string) string {
	var b strings.Builder
	b.Grow(len(js) + 256)
	fmt.Fprintf(&b, "<script type=\"text/javascript\">\nif (typeof window[%q] === \"undefined\") {\n", global)
	b.WriteString("(function(define, exports, module){\n")
	b.WriteString(escapeScript(js))
	// A bundle may end with a //# sourceMappingURL comment: start a new line.
	b.WriteString("\n}).call(window);\n}\n</script>\n")
	return b.String()
}

// cdnLoader returns a visible note and a <script> loading the given URLs in
// order from the network, with window.define hidden while each loads.
func cdnLoader(urls []string, reason error) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="neuralem-cdn-note" style="color:#a03000;font:12px sans-serif;margin:4px 0">`+
		`neuralem/charts: ECharts JavaScript not found on disk (%s); loading it from the CDN `+
		`(cdn.jsdelivr.net): without network this chart stays blank.</div>`+"\n",
		htmlEscape(reason.Error()))
	b.WriteString("<script type=\"text/javascript\">\n(function(){\n  var urls = [")
	for i, u := range urls {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(u))
	}
	b.WriteString(`];
  var loading = window.__neuralemCDN = window.__neuralemCDN || {};
  function next(i) {
    if (i >= urls.length) return;
    var u = urls[i];
    if (loading[u] || (u.indexOf("echarts-gl") < 0 ? window.echarts : window["echarts-gl"])) { next(i + 1); return; }
    loading[u] = true;
    var saved = window.define;
    window.define = undefined;
    var s = document.createElement("script");
    s.src = u;
    s.onload = s.onerror = function() { window.define = saved; next(i + 1); };
    document.head.appendChild(s);
  }
  next(0);
})();
</script>
`)
	return b.String()
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// jsMode says which bundles a rendering must inline.
type jsMode struct {
	echarts, gl bool // inline these bundles
}

// scripts returns the HTML loading ECharts (and echarts-gl if gl) according to
// mode: inlined from disk when available, else the CDN loader with a note.
func scripts(mode jsMode, gl bool) string {
	var b strings.Builder
	var urls []string
	var reason error
	if mode.echarts {
		js, err := jsCache.read(EChartsFile)
		if err != nil {
			urls, reason = append(urls, CDNECharts), err
		} else {
			b.WriteString(wrapBundle(js, "echarts"))
		}
	}
	if gl && mode.gl {
		js, err := jsCache.read(EChartsGLFile)
		if err != nil {
			if reason == nil {
				reason = err
			}
			urls = append(urls, CDNEChartsGL)
		} else {
			b.WriteString(wrapBundle(js, "echarts-gl"))
		}
	}
	if len(urls) > 0 {
		b.WriteString(cdnLoader(urls, reason))
	}
	return b.String()
}

var elementID = regexp.MustCompile(`id="([^"]+)"`)

// scriptBody returns the content of the single <script> element s.
func scriptBody(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "<script") || !strings.HasSuffix(s, "</script>") {
		return "", false
	}
	open := strings.IndexByte(s, '>')
	close := len(s) - len("</script>")
	if open < 0 || open >= close {
		return "", false
	}
	return s[open+1 : close], true
}

// snippet renders c into its element, its drawing script (wrapped so it waits
// for ECharts and declares no globals) and whether it needs echarts-gl.
func snippet(c Chart) (element, script string, gl bool, err error) {
	if c == nil {
		return "", "", false, errors.New("charts: nil chart")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("charts: go-echarts failed to render %T: %v", c, r)
		}
	}()
	sn := c.RenderSnippet()
	m := elementID.FindStringSubmatch(sn.Element)
	if m == nil {
		return "", "", false, fmt.Errorf("charts: go-echarts element of %T has no id: %q", c, sn.Element)
	}
	body, ok := scriptBody(sn.Script)
	if !ok {
		return "", "", false, fmt.Errorf("charts: go-echarts script of %T is not one <script> element", c)
	}
	gl = needsGL(c, sn.Option)
	id := m[1]
	var b strings.Builder
	b.WriteString("<script type=\"text/javascript\">\n(function(){\n")
	fmt.Fprintf(&b, "  var el = document.getElementById(%q);\n  var gl = %t, tries = 0;\n", id, gl)
	b.WriteString("  function draw() {\n")
	b.WriteString(escapeScript(body))
	b.WriteString(`
  }
  (function wait() {
    if (window.echarts && (!gl || window["echarts-gl"])) { draw(); return; }
    if (++tries > 400) {
      if (el) el.innerHTML = '<p style="color:#a03000;font:12px sans-serif">neuralem/charts: ECharts' +
        (gl ? ' GL' : '') + ' JavaScript did not load; the chart cannot be drawn.</p>';
      return;
    }
    setTimeout(wait, 50);
  })();
})();
</script>
`)
	return sn.Element, b.String(), gl, nil
}

// needsGL reports whether c is a 3-D (echarts-gl) chart.
func needsGL(c Chart, option string) bool {
	if a, ok := c.(interface{ GetAssets() opts.Assets }); ok {
		for _, v := range a.GetAssets().JSAssets.Values {
			if strings.HasSuffix(v, "echarts-gl.min.js") {
				return true
			}
		}
	}
	for _, t := range []string{"scatter3D", "bar3D", "line3D", "surface", "grid3D"} {
		if strings.Contains(option, `"`+t+`"`) {
			return true
		}
	}
	return false
}

// HTML returns a self-contained HTML snippet drawing c offline: the ECharts
// JavaScript is inlined (guarded, so it is evaluated only if window.echarts is
// not defined yet) followed by the chart's element and script. Without the
// bundles on disk (see [JSDir]) the snippet loads them from the CDN and shows a
// note saying so.
func HTML(c Chart) (string, error) {
	el, sc, gl, err := snippet(c)
	if err != nil {
		return "", err
	}
	return scripts(jsMode{echarts: true, gl: true}, gl) + el + "\n" + sc, nil
}

// WritePage writes a standalone HTML page showing the charts one below the other,
// with the ECharts JavaScript inlined once (see [HTML]).
func WritePage(path string, cs ...Chart) error {
	if len(cs) == 0 {
		return fmt.Errorf("charts: WritePage %s: no charts", path)
	}
	var body strings.Builder
	anyGL := false
	for i, c := range cs {
		el, sc, gl, err := snippet(c)
		if err != nil {
			return fmt.Errorf("charts: WritePage %s: chart %d: %w", path, i, err)
		}
		anyGL = anyGL || gl
		body.WriteString(el + "\n" + sc)
	}
	var page strings.Builder
	page.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>neuralem charts</title>\n</head>\n<body>\n")
	page.WriteString(scripts(jsMode{echarts: true, gl: true}, anyGL))
	page.WriteString(body.String())
	page.WriteString("</body>\n</html>\n")
	if err := os.WriteFile(path, []byte(page.String()), 0o644); err != nil {
		return fmt.Errorf("charts: WritePage: %w", err)
	}
	return nil
}

// Notebook output hooks, replaced in tests.
var (
	isNotebook  = func() bool { return gonbui.IsNotebook }
	displayHTML = gonbui.DisplayHTML
	updateHTML  = gonbui.UpdateHTML
	syncOutput  = gonbui.Sync
)

// session remembers which bundles this program already sent to the notebook.
var session struct {
	mu          sync.Mutex
	echarts, gl bool
}

// sessionHTML renders c for the notebook, inlining each bundle only the first
// time this program sends it; force inlines both again.
func sessionHTML(c Chart, force bool) (string, error) {
	el, sc, gl, err := snippet(c)
	if err != nil {
		return "", err
	}
	session.mu.Lock()
	defer session.mu.Unlock()
	mode := jsMode{echarts: force || !session.echarts, gl: force || !session.gl}
	js := scripts(mode, gl)
	if mode.echarts {
		session.echarts = true
	}
	if gl && mode.gl {
		session.gl = true
	}
	return js + el + "\n" + sc, nil
}

// Display shows c as the output of the running GoNB notebook cell
// (gonbui.DisplayHTML). The ECharts JavaScript is inlined in the first chart the
// cell's program displays and reused by later ones. It returns [ErrNotNotebook]
// outside a notebook.
func Display(c Chart) error {
	if !isNotebook() {
		return ErrNotNotebook
	}
	h, err := sessionHTML(c, false)
	if err != nil {
		return err
	}
	displayHTML(h)
	// Wait until GoNB has the output: a chart displayed as the cell's last
	// act is otherwise lost when the cell's program exits first.
	syncOutput()
	return nil
}
