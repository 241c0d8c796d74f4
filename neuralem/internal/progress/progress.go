// Package progress prints progress of long runs (fits, walks, experiments) to
// a terminal or a log. On a terminal it redraws one line as a bar; in a log
// (a file, CI) it prints a plain line at most every Interval, so logs stay
// short but show that work is moving.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Interval is the minimum time between two printed updates in a log.
var Interval = 5 * time.Second

// Bar reports the progress of one task of Total units.
type Bar struct {
	mu     sync.Mutex
	w      io.Writer
	label  string
	total  int
	tty    bool
	start  time.Time
	last   time.Time
	done   bool
	Silent bool // print nothing (for --json or --quiet)
}

// New starts a bar writing to w (os.Stderr if nil). total ≤ 0 means unknown.
func New(w io.Writer, label string, total int) *Bar {
	if w == nil {
		w = os.Stderr
	}
	return &Bar{w: w, label: label, total: total, tty: isTerminal(w), start: time.Now()}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

// Update reports that n units are done, with an optional detail text.
func (b *Bar) Update(n int, detail string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Silent || b.done {
		return
	}
	now := time.Now()
	every := Interval
	if b.tty {
		every = 100 * time.Millisecond
	}
	if !b.last.IsZero() && now.Sub(b.last) < every && (b.total <= 0 || n < b.total) {
		return
	}
	b.last = now
	b.print(n, detail, false)
}

// Done prints the final state and ends the line.
func (b *Bar) Done(n int, detail string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Silent || b.done {
		return
	}
	b.done = true
	b.print(n, detail, true)
}

func (b *Bar) print(n int, detail string, final bool) {
	el := time.Since(b.start).Round(100 * time.Millisecond)
	var s string
	if b.total > 0 {
		frac := float64(n) / float64(b.total)
		if frac > 1 {
			frac = 1
		}
		const width = 24
		fill := int(frac * width)
		eta := ""
		if n > 0 && n < b.total {
			rem := time.Duration(float64(time.Since(b.start)) * (1/frac - 1)).Round(time.Second)
			eta = fmt.Sprintf(" eta %v", rem)
		}
		s = fmt.Sprintf("%s [%s%s] %d/%d %v%s", b.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), n, b.total, el, eta)
	} else {
		s = fmt.Sprintf("%s %d %v", b.label, n, el)
	}
	if detail != "" {
		s += "  " + detail
	}
	if b.tty {
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(b.w, "\r\033[K%s%s", s, end)
	} else {
		fmt.Fprintln(b.w, s)
	}
}
