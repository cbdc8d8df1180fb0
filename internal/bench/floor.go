package bench

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"time"

	"github.com/spf13/cobra"
)

// FloorResult is what WriteFloor measured: the cost of writing one frame to
// one connection with one write syscall, the least a server can spend to
// deliver a message to one recipient.
type FloorResult struct {
	FrameBytes int           // bytes per write
	Writes     int           // timed writes
	User       time.Duration // the writing thread's user CPU time, all timed writes
	System     time.Duration // its system CPU time, all timed writes
	Wall       time.Duration // elapsed time of all timed writes
}

// CPU is the writing thread's user+system CPU time for all timed writes.
func (r FloorResult) CPU() time.Duration { return r.User + r.System }

// CPUPerWrite is the floor: CPU time per write (user+system).
func (r FloorResult) CPUPerWrite() time.Duration { return r.per(r.CPU()) }

// WallPerWrite is the elapsed time per write.
func (r FloorResult) WallPerWrite() time.Duration { return r.per(r.Wall) }

func (r FloorResult) per(d time.Duration) time.Duration {
	if r.Writes <= 0 {
		return 0
	}
	return d / time.Duration(r.Writes)
}

// String is one line, e.g. "2.31 µs CPU (0.21 µs user + 2.10 µs system),
// 2.52 µs wall per 300-byte write (200000 writes)".
func (r FloorResult) String() string {
	return fmt.Sprintf("%s CPU (%s user + %s system), %s wall per %d-byte write (%d writes)",
		micros(r.CPUPerWrite()), micros(r.per(r.User)), micros(r.per(r.System)), micros(r.WallPerWrite()), r.FrameBytes, r.Writes)
}

func micros(d time.Duration) string { return fmt.Sprintf("%.2f µs", float64(d.Nanoseconds())/1000) }

// floorWarmup is how many untimed writes come first (connection and
// socket buffers warm, the reader running).
const floorWarmup = 1000

// WriteFloor measures the syscall floor of a delivery on this machine: it
// opens a TCP connection over loopback (127.0.0.1, both ends in this
// process, a goroutine reading and discarding on the receiving end) and
// writes a frame of frameBytes bytes, writes times, each with one
// net.Conn Write (one write syscall, TCP_NODELAY as Go sets it), from a
// goroutine locked to its OS thread. The CPU time is that thread's
// (getrusage RUSAGE_THREAD, Linux only), so it leaves out the reader and
// the rest of the process; on loopback it includes the kernel's work of
// delivering the bytes to the receiving socket, which runs in the writer's
// system call. floorWarmup untimed writes come first.
func WriteFloor(frameBytes, writes int) (FloorResult, error) {
	if frameBytes < 1 || writes < 1 {
		return FloorResult{}, errors.New("frame bytes and writes must be positive")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return FloorResult{}, err
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	acceptErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			acceptErr <- err
			return
		}
		accepted <- c
	}()
	reader, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return FloorResult{}, err
	}
	defer reader.Close()
	var writer net.Conn
	select {
	case writer = <-accepted:
	case err := <-acceptErr:
		return FloorResult{}, err
	}
	defer writer.Close()

	// the receiving end reads everything as fast as it comes
	type drained struct {
		n   int64
		err error
	}
	done := make(chan drained, 1)
	go func() {
		buf := make([]byte, 256<<10)
		n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{reader}, buf)
		done <- drained{n, err}
	}()

	frame := make([]byte, frameBytes)
	for i := range frame {
		frame[i] = 'a' + byte(i%26)
	}
	type measured struct {
		r   FloorResult
		err error
	}
	result := make(chan measured, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for i := 0; i < floorWarmup; i++ {
			if _, err := writer.Write(frame); err != nil {
				result <- measured{err: err}
				return
			}
		}
		user0, sys0, err := threadCPU()
		if err != nil {
			result <- measured{err: err}
			return
		}
		start := time.Now()
		for i := 0; i < writes; i++ {
			if _, err := writer.Write(frame); err != nil {
				result <- measured{err: err}
				return
			}
		}
		wall := time.Since(start)
		user1, sys1, err := threadCPU()
		result <- measured{FloorResult{FrameBytes: frameBytes, Writes: writes, User: user1 - user0, System: sys1 - sys0, Wall: wall}, err}
	}()
	m := <-result
	writer.Close() // the reader sees EOF once it has read everything
	d := <-done
	if m.err != nil {
		return FloorResult{}, m.err
	}
	if d.err != nil {
		return FloorResult{}, d.err
	}
	if want := int64(frameBytes) * int64(floorWarmup+writes); d.n != want {
		return FloorResult{}, fmt.Errorf("the reader got %d bytes, %d were written", d.n, want)
	}
	return m.r, nil
}

type floorOptions struct {
	frameBytes int
	writes     int
	runs       int
}

func floorCommand() *cobra.Command {
	opts := floorOptions{}
	cmd := &cobra.Command{
		Use:   "floor",
		Short: "The syscall floor of a delivery: CPU time of one write syscall of a frame on loopback TCP",
		Long: "Writes a --frame-bytes frame --writes times to a loopback TCP connection, one net.Conn Write\n" +
			"(one write syscall) each, from a thread of its own, and prints that thread's CPU time per write\n" +
			"(getrusage RUSAGE_THREAD: user + system, including the kernel's delivery to the receiving socket)\n" +
			"and the wall time per write, for --runs runs and their median. It is the least CPU a server can\n" +
			"spend to deliver a frame to one recipient; `bench chat`'s CPU per delivery compares with it.",
		Example: "  cobraspace bench floor --frame-bytes 300 --writes 200000",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFloor(cmd, opts)
		},
	}
	cmd.Flags().IntVar(&opts.frameBytes, "frame-bytes", 300, "bytes per write (an SSE chat event is about 300)")
	cmd.Flags().IntVar(&opts.writes, "writes", 200_000, "timed writes per run")
	cmd.Flags().IntVar(&opts.runs, "runs", 3, "runs (the median is reported)")
	return cmd
}

func runFloor(cmd *cobra.Command, opts floorOptions) error {
	if opts.runs < 1 {
		return errors.New("runs must be positive")
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "one net.Conn Write (one write syscall) of a %d-byte frame to a loopback TCP connection, %d timed writes per run, writer locked to its thread, %s, GOMAXPROCS=%d\n\n",
		opts.frameBytes, opts.writes, runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Fprintln(out, "| run | CPU per write | user | system | wall per write | writes per CPU-second |")
	fmt.Fprintln(out, "|---:|---:|---:|---:|---:|---:|")
	var results []FloorResult
	for i := 1; i <= opts.runs; i++ {
		fmt.Fprintf(progressOut, "run %d of %d: %d writes of %d bytes\n", i, opts.runs, opts.writes, opts.frameBytes)
		r, err := WriteFloor(opts.frameBytes, opts.writes)
		if err != nil {
			return err
		}
		results = append(results, r)
		fmt.Fprintf(out, "| %d | %s | %s | %s | %s | %s |\n", i, micros(r.CPUPerWrite()), micros(r.per(r.User)), micros(r.per(r.System)),
			micros(r.WallPerWrite()), perSecond(r.CPUPerWrite()))
	}
	slices.SortFunc(results, func(a, b FloorResult) int { return cmp.Compare(a.CPUPerWrite(), b.CPUPerWrite()) })
	median := results[len(results)/2]
	fmt.Fprintf(out, "\nfloor (median of %d runs): **%s CPU per %d-byte write** (%s writes per CPU-second), %s wall\n",
		opts.runs, micros(median.CPUPerWrite()), opts.frameBytes, perSecond(median.CPUPerWrite()), micros(median.WallPerWrite()))
	return nil
}

// perSecond is how many of something costing d fit in one second.
func perSecond(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(time.Second)/float64(d))
}
