package docker

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// A Dockerfile linter for the rules the project cares about, used because
// hadolint cannot be installed here (no Debian package, no binary downloads).
// When hadolint is on PATH, TestDockerfilesLint runs it as well.

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	Line int    // 1-based line of the instruction's first line
	Cmd  string // upper-case keyword: FROM, RUN, …
	Args string // the rest, continuation backslashes removed
}

// parseDockerfile splits a Dockerfile into instructions. Comment lines
// (including those inside a continued instruction) and blank lines are
// dropped; parser directives are comments too.
func parseDockerfile(text string) []instruction {
	var out []instruction
	var cur *instruction
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimRight(raw, " \t\r")
		trim := strings.TrimSpace(line)
		if trim == "" || strings.HasPrefix(trim, "#") {
			continue
		}
		cont := strings.HasSuffix(line, "\\")
		if cont {
			line = strings.TrimSuffix(line, "\\")
		}
		if cur == nil {
			kw, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
			cur = &instruction{Line: i + 1, Cmd: strings.ToUpper(kw), Args: strings.TrimSpace(rest)}
		} else {
			cur.Args += " " + strings.TrimSpace(line)
		}
		if !cont {
			out = append(out, *cur)
			cur = nil
		}
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

var (
	argRef      = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)
	versionTag  = regexp.MustCompile(`\d+\.\d+`)
	latestWord  = regexp.MustCompile(`(?i)([:@=]|\s)latest\b`)
	pipeToShell = regexp.MustCompile(`\|\s*(sudo\s+)?(ba|z|da)?sh\b`)
	jsonForm    = regexp.MustCompile(`^\[\s*".*"\s*\]$`)
	flagRef     = regexp.MustCompile(`^--(\w+)(=(\S+))?$`)
)

// lintDockerfile returns the problems found in a Dockerfile, each naming the
// file, the line and the rule. repo is the build context (the repository
// root) against which COPY sources are checked; ignore is the content of the
// Dockerfile's .dockerignore ("" if none).
func lintDockerfile(name, text, repo, ignore string) []string {
	var probs []string
	bad := func(in instruction, format string, a ...any) {
		probs = append(probs, fmt.Sprintf("%s:%d: %s: %s", name, in.Line, in.Cmd, fmt.Sprintf(format, a...)))
	}
	ins := parseDockerfile(text)
	args := map[string]string{} // ARG defaults in scope
	stages := map[string]bool{}
	var pipefail bool
	// Per final stage.
	var user string
	var userSeen, health, entry bool
	for _, in := range ins {
		if latestWord.MatchString(in.Args) {
			bad(in, "uses 'latest': pin a version")
		}
		switch in.Cmd {
		case "ARG":
			k, v, _ := strings.Cut(in.Args, "=")
			args[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		case "FROM":
			user, userSeen, health, entry, pipefail = "", false, false, false, false
			f := strings.Fields(in.Args)
			var image string
			for _, w := range f {
				if !strings.HasPrefix(w, "--") {
					image = w
					break
				}
			}
			if len(f) >= 3 && strings.EqualFold(f[len(f)-2], "AS") {
				stages[f[len(f)-1]] = true
			}
			resolved := argRef.ReplaceAllStringFunc(image, func(ref string) string {
				return args[argRef.FindStringSubmatch(ref)[1]]
			})
			if resolved == "" || strings.Contains(resolved, "$") {
				bad(in, "image %q does not resolve to a name (ARG without default?)", image)
				continue
			}
			if stages[resolved] {
				continue
			}
			repoName, digest, hasDigest := strings.Cut(resolved, "@")
			if hasDigest {
				if !strings.HasPrefix(digest, "sha256:") {
					bad(in, "image %q: digest must be sha256", resolved)
				}
				continue
			}
			tag := ""
			if i := strings.LastIndex(repoName, ":"); i > strings.LastIndex(repoName, "/") {
				tag = repoName[i+1:]
			}
			switch {
			case tag == "":
				bad(in, "image %q has no tag: pin a version", resolved)
			case !versionTag.MatchString(tag):
				bad(in, "image %q: tag %q is not a pinned version (want e.g. 1.26.8-bookworm)", resolved, tag)
			}
		case "SHELL":
			pipefail = strings.Contains(in.Args, "pipefail")
		case "RUN":
			r := in.Args
			if strings.Contains(r, "apt-get install") || strings.Contains(r, "apt install") {
				if !strings.Contains(r, "--no-install-recommends") {
					bad(in, "apt-get install without --no-install-recommends")
				}
				if !regexp.MustCompile(`apt-get install[^&;|]*\s(-y|--yes|-qq?y)\b`).MatchString(r) {
					bad(in, "apt-get install without -y")
				}
				if !strings.Contains(r, "apt-get update") {
					bad(in, "apt-get install without apt-get update in the same RUN (stale cache layer)")
				}
				if !strings.Contains(r, "rm -rf /var/lib/apt/lists/*") {
					bad(in, "apt-get install without 'rm -rf /var/lib/apt/lists/*' in the same RUN")
				}
			} else if strings.Contains(r, "apt-get update") {
				bad(in, "apt-get update without install in the same RUN")
			}
			if regexp.MustCompile(`apt-get (dist-)?upgrade`).MatchString(r) {
				bad(in, "apt-get upgrade: pin the base image instead")
			}
			if regexp.MustCompile(`(^|[;&|]\s*)sudo\s`).MatchString(r) {
				bad(in, "sudo in RUN: use USER")
			}
			if regexp.MustCompile(`(^|&&|;)\s*cd\s`).MatchString(r) {
				bad(in, "cd in RUN: use WORKDIR")
			}
			if pipeToShell.MatchString(r) {
				bad(in, "pipes a download into a shell")
			}
			if strings.Contains(r, " | ") && !pipefail {
				bad(in, "pipe in RUN without SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]")
			}
		case "ADD":
			bad(in, "use COPY (ADD fetches URLs and unpacks archives implicitly)")
		case "COPY":
			var from string
			var srcs []string
			for _, w := range strings.Fields(in.Args) {
				if m := flagRef.FindStringSubmatch(w); m != nil {
					if m[1] == "from" {
						from = m[3]
					}
					continue
				}
				srcs = append(srcs, w)
			}
			if len(srcs) < 2 {
				bad(in, "want source(s) and a destination")
				continue
			}
			srcs = srcs[:len(srcs)-1]
			if from != "" {
				if !stages[from] {
					bad(in, "--from=%s is not an earlier stage", from)
				}
				continue
			}
			for _, s := range srcs {
				matches, _ := filepath.Glob(filepath.Join(repo, s))
				if len(matches) == 0 {
					bad(in, "source %q does not exist in the build context", s)
				}
				if ignore != "" && dockerIgnored(ignore, strings.TrimSuffix(s, "/")) {
					bad(in, "source %q is excluded by the .dockerignore", s)
				}
			}
		case "WORKDIR":
			if !strings.HasPrefix(in.Args, "/") && !strings.HasPrefix(in.Args, "$") {
				bad(in, "relative WORKDIR %q", in.Args)
			}
		case "USER":
			user, userSeen = strings.Fields(in.Args)[0], true
		case "HEALTHCHECK":
			health = true
			if strings.TrimSpace(in.Args) == "NONE" {
				bad(in, "HEALTHCHECK NONE")
			}
		case "ENTRYPOINT", "CMD":
			if in.Cmd == "ENTRYPOINT" {
				entry = true
			}
			if !jsonForm.MatchString(strings.TrimSpace(in.Args)) {
				bad(in, "use the JSON (exec) form so signals reach the program")
			}
		case "MAINTAINER":
			bad(in, "deprecated: use LABEL")
		}
	}
	end := instruction{Line: len(strings.Split(text, "\n")), Cmd: "final stage"}
	u, _, _ := strings.Cut(user, ":")
	if !userSeen || u == "root" || u == "0" {
		bad(end, "runs as root: add USER with a non-root user")
	}
	if !health {
		bad(end, "no HEALTHCHECK")
	}
	if !entry {
		bad(end, "no ENTRYPOINT")
	}
	return probs
}

// dockerIgnored reports whether path (relative to the context, no leading
// "./") is excluded by the .dockerignore patterns: the last matching pattern
// wins, "!" re-includes, a pattern matches the path or any directory above it.
func dockerIgnored(ignore, path string) bool {
	excluded := false
	for _, line := range strings.Split(ignore, "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimSuffix(strings.TrimPrefix(p, "!"), "/")
		if ignoreMatch(p, path) {
			excluded = !neg
		}
	}
	return excluded
}

func ignoreMatch(pattern, path string) bool {
	segs := strings.Split(path, "/")
	for n := 1; n <= len(segs); n++ {
		prefix := strings.Join(segs[:n], "/")
		if ok, _ := filepath.Match(pattern, prefix); ok {
			return true
		}
		if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
			for i := range n {
				if ok, _ := filepath.Match(rest, strings.Join(segs[i:n], "/")); ok {
					return true
				}
			}
		}
	}
	return false
}

// readIgnore returns the BuildKit per-Dockerfile ignore file (Dockerfile.dockerignore).
func readIgnore(dockerfile string) string {
	b, err := os.ReadFile(dockerfile + ".dockerignore")
	if err != nil {
		return ""
	}
	return string(b)
}
