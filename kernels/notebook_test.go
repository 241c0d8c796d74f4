// Package kernels holds the scripts that set up and start neuralem's Jupyter
// notebooks (setup.sh, notebook.sh) and the test that notebook.sh starts.
package kernels

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNotebookServerStarts runs `bash kernels/notebook.sh` on a free port,
// waits for Jupyter's "is running at" line and stops the server. It runs as
// whatever user the test runs as: as root (containers, CI) the script must
// pass --allow-root, or Jupyter refuses to start ("Running as root is not
// recommended").
func TestNotebookServerStarts(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash not found")
	}
	out, err := exec.Command("/usr/bin/python3", "-m", "jupyter", "kernelspec", "list").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "gonb") {
		msg := fmt.Sprintf("the gonb Jupyter kernel is not set up (jupyter kernelspec list: %v %s)", err, strings.TrimSpace(string(out)))
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; CI must run: bash kernels/setup.sh", msg)
		}
		t.Skipf("%s; run: bash kernels/setup.sh", msg)
	}
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a guard against a hung server, not a speed check
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "notebook.sh", "--port", fmt.Sprint(port), "--port-retries=0",
		"--NotebookApp.token=", "--NotebookApp.open_browser=False")
	cmd.Env = append(os.Environ(), "JUPYTER_RUNTIME_DIR="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stop the server and its children together
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running := make(chan string, 1)
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(pr)
		seen := false
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			seen = seen || strings.Contains(line, "is running at")
			if seen && strings.Contains(line, fmt.Sprintf(":%d/", port)) {
				running <- line
				seen = false
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	select {
	case line := <-running:
		t.Logf("server started: %s", strings.TrimSpace(line))
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/status", port))
		if err != nil {
			t.Errorf("GET /api/status: %v", err)
		} else {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /api/status: %s", resp.Status)
			}
		}
	case err := <-exited:
		t.Fatalf("notebook.sh exited before the server ran (%v):\n%s", err, log.String())
	case <-ctx.Done():
		t.Fatalf("no \"is running at\" line with port %d in 2 minutes:\n%s", port, log.String())
	}
	// Stop: SIGTERM to the process group (Jupyter shuts down), SIGKILL after 20 s.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	if strings.Contains(log.String(), "Running as root is not recommended") {
		t.Errorf("Jupyter refused root:\n%s", log.String())
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
