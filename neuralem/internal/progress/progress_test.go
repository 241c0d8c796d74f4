package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestBarLogMode(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "fit", 4)
	b.Update(1, "loss 1e-3") // first update always prints
	b.Update(2, "")          // throttled: within Interval
	b.Done(4, "ok")
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines (first update + done), got %d: %q", len(lines), out)
	}
	if !strings.Contains(lines[0], "1/4") || !strings.Contains(lines[0], "loss 1e-3") {
		t.Errorf("first line %q lacks count or detail", lines[0])
	}
	if !strings.Contains(lines[1], "4/4") || !strings.Contains(lines[1], "[========================]") {
		t.Errorf("final line %q is not a full bar", lines[1])
	}
	b.Update(3, "") // after Done: nothing
	if buf.String() != out {
		t.Errorf("update after Done printed")
	}
}

func TestBarSilent(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "x", 0)
	b.Silent = true
	b.Update(1, "")
	b.Done(1, "")
	if buf.Len() != 0 {
		t.Errorf("silent bar printed %q", buf.String())
	}
}

func TestBarUnknownTotalThrottles(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "walk", 0)
	for i := 1; i <= 100; i++ {
		b.Update(i, "")
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Errorf("100 quick updates of an unknown total printed %d lines, want 1", n)
	}
}
