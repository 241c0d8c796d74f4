package notebooks

import "testing"

// The error scanner must catch what a failing GoNB cell prints and let the
// notebooks' ordinary prose through.
func TestErrorText(t *testing.T) {
	bad := []string{
		"panic: open x.mrc: no such file or directory\n\ngoroutine 1 [running]:\nmain.main()",
		"ERROR: failed to run \"/usr/local/go/bin/go build -o /tmp/gonb_1/gonb_1\": exit status 1",
		"/tmp/gonb_1/main.go:12:3: declared and not used: nodes",
		"neuralmap: open /x.nem: error: checksum mismatch",
		"go: github.com/x/y@v1: cannot find module providing package github.com/x/y",
		"fatal error: all goroutines are asleep - deadlock!",
		"./main.go:5:2: undefined: foo",
	}
	for _, s := range bad {
		if !errorText.MatchString(s) {
			t.Errorf("not flagged: %q", s)
		}
	}
	good := []string{
		"over 37800 voxels: RMSE 0.0190, max |error| 0.1055 on the [−1, 1] scale",
		"5gob  1.15 Å: MAE neural 0.0221 (fit loss 3.9e-03), trilinear 0.0067",
		"go: added github.com/janpfeifer/gonb v0.11.5\ngo: downloading golang.org/x/sys v0.29.0",
		"region 4: loaded from /tmp/cache/emd20026_crop_w48.nem",
		"Interpolation errors are shown below.",
	}
	for _, s := range good {
		if loc := errorText.FindStringIndex(s); loc != nil {
			t.Errorf("false alarm on %q at %q", s, s[loc[0]:loc[1]])
		}
	}
}

func TestCountDrawnCharts(t *testing.T) {
	dom := `<div id="a" _echarts_instance_="ec_1"><div><canvas data-zr-dom-id="zr_0" width="800" height="480"></canvas></div></div>` +
		`<div id="b" _echarts_instance_="ec_2"><div></div></div>` +
		`<div id="c" _echarts_instance_="ec_3"><canvas width="0" height="480"></canvas></div>` +
		`<div id="d" _echarts_instance_="ec_4"><canvas height="300" width="900"></canvas></div>`
	n, blank := countDrawnCharts(dom)
	if n != 4 || blank != 2 {
		t.Errorf("countDrawnCharts = %d charts, %d blank; want 4, 2", n, blank)
	}
	if n, blank := countDrawnCharts("<html><body>no charts</body></html>"); n != 0 || blank != 0 {
		t.Errorf("empty page: %d, %d", n, blank)
	}
}

func TestConsoleError(t *testing.T) {
	bad := []string{
		`[3123:3123:1201/111149.769787:INFO:CONSOLE:14311] "Uncaught TypeError: Cannot read properties of undefined (reading '0')", source: file:///x.html (14311)`,
		`[1:1:1201/1.1:INFO:CONSOLE:9] "Error: echarts-gl not loaded", source: file:///x.html (9)`,
	}
	for _, s := range bad {
		if !consoleError.MatchString(s) {
			t.Errorf("not flagged: %s", s)
		}
	}
	good := []string{
		`[3123:3123:1201/111154.458486:INFO:CONSOLE:14924] "[.WebGL-0x20640040d000]GL Driver Message (OpenGL, Performance, GL_CLOSE_PATH_NV, High): GPU stall due to ReadPixels", source: file:///x.html (14924)`,
		`[2638:2638:1201/101605.293208:ERROR:dbus/object_proxy.cc:572] Failed to call method: org.freedesktop.DBus.NameHasOwner`,
	}
	for _, s := range good {
		if consoleError.MatchString(s) {
			t.Errorf("false alarm: %s", s)
		}
	}
}
