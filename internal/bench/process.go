package bench

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// gcSignalEnv, set by the bench in the environment of the servers it
// starts, makes such a server run a full garbage collection and hand freed
// memory back to the OS on SIGUSR1, so the bench reads the resident memory
// of what is live rather than of garbage awaiting the next collection. It
// is no endpoint: only the server's own user (or root) can signal it, and
// without the variable SIGUSR1 is ignored, as Go programs do by default.
const gcSignalEnv = "COBRA_BENCH_GC_ON_SIGUSR1"

// collectOnSignal installs that handler when gcSignalEnv is "1".
func collectOnSignal() {
	if os.Getenv(gcSignalEnv) != "1" {
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	go func() {
		for range ch {
			debug.FreeOSMemory()
		}
	}()
}

// serverProcess is a Cobra Space server (or edge) run as a child process,
// so that its CPU time and memory can be read apart from the load
// generator's.
type serverProcess struct {
	cmd    *exec.Cmd
	URL    string
	exited chan struct{} // closed once the process has exited
	output *tailBuffer   // the end of its stdout and stderr
}

// startServerProcess runs `<this binary> serve --dir dataDir` on a free
// loopback port, with env added to its environment, and waits for
// /api/health.
func startServerProcess(dataDir string, env ...string) (*serverProcess, error) {
	return startServerBinary("", dataDir, env...)
}

// startServerBinary is startServerProcess of the binary exe ("": this
// one), e.g. an older build to compare with.
func startServerBinary(exe, dataDir string, env ...string) (*serverProcess, error) {
	return startServe(exe, dataDir, nil, env...)
}

// startServe runs `<exe> serve --dir dataDir --http <free port> extra...`
// and waits for /api/health.
func startServe(exe, dataDir string, extra []string, env ...string) (*serverProcess, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--dir", dataDir, "--http", addr}, extra...)
	return startChild(exe, args, "http://"+addr, env...)
}

// startChild runs exe ("": this binary) with args, a command serving HTTP
// at baseURL, with env added to its environment, and waits until
// baseURL's /api/health answers 200. A child that exits or does not
// answer within 30 s is an error (with the end of its output).
func startChild(exe string, args []string, baseURL string, env ...string) (*serverProcess, error) {
	if exe == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		exe = self
	}
	cmd := exec.Command(exe, args...)
	output := &tailBuffer{}
	cmd.Stdout, cmd.Stderr = output, output
	cmd.Env = append(os.Environ(), env...) // e.g. a limit of internal/limits for this server only
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &serverProcess{cmd: cmd, URL: baseURL, exited: make(chan struct{}), output: output}
	go func() {
		_ = cmd.Wait() // a stopped server exits with a signal's status
		close(p.exited)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return nil, fmt.Errorf("%s exited while starting:\n%s", args[0], output)
		default:
		}
		res, err := http.Get(p.URL + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(50 * time.Millisecond) // polling a starting process, with a deadline
	}
	p.Stop()
	return nil, fmt.Errorf("%s on %s did not become healthy:\n%s", args[0], baseURL, output)
}

// Stop ends the process (SIGTERM, SIGKILL after 10 s) and waits for it.
func (p *serverProcess) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// tailBuffer keeps the last tailBytes written to it: a child's output,
// for the error when it fails to start.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 8 << 10

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - tailBytes; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// CPUTime is the user+system CPU time the server has used so far.
func (p *serverProcess) CPUTime() (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// fields after the ")" that ends the command name; utime, stime are 14th, 15th
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond, nil
}

// RSS is the server's resident memory in bytes.
func (p *serverProcess) RSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

// settledRSS is the server's resident memory once it has collected its
// garbage: it is signalled (see gcSignalEnv) twice, with a settle after
// each (the second collection frees what finalizers released in the first).
// A server started without gcSignalEnv ignores the signals: its figure
// then includes garbage.
func (p *serverProcess) settledRSS(ctx context.Context) (int64, error) {
	for range 2 {
		if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
			return 0, err
		}
		settle(ctx)
	}
	return p.RSS()
}

// settleTime is how long settle waits (tests shorten it).
var settleTime = 2 * time.Second

// settle waits a moment for the server to go idle (GC, flushes), bounded.
func settle(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(settleTime):
	}
}

// freeLoopbackAddr is a loopback address with a port free right now.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
