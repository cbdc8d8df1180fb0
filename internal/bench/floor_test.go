package bench

import (
	"strings"
	"testing"
)

// A small floor measurement: every byte written reaches the reader, and
// the thread's CPU time and the wall time are there and plausible.
func TestWriteFloor(t *testing.T) {
	r, err := WriteFloor(300, 3000)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	if r.FrameBytes != 300 || r.Writes != 3000 {
		t.Errorf("result: %+v", r)
	}
	if r.CPU() <= 0 || r.Wall <= 0 || r.CPUPerWrite() <= 0 || r.WallPerWrite() <= 0 {
		t.Errorf("nothing measured: %+v", r)
	}
	if r.CPUPerWrite().Milliseconds() >= 1 {
		t.Errorf("%v of CPU per 300-byte write", r.CPUPerWrite())
	}
	if !strings.Contains(r.String(), "per 300-byte write (3000 writes)") {
		t.Errorf("String: %s", r)
	}
	if _, err := WriteFloor(0, 10); err == nil {
		t.Error("a 0-byte frame measured")
	}
	if _, err := WriteFloor(10, 0); err == nil {
		t.Error("0 writes measured")
	}
}

// `bench floor` prints a row per run and the median.
func TestFloorCommand(t *testing.T) {
	app, progress := benchApp(t)
	out := runBench(t, app, progress, "floor", "--frame-bytes", "120", "--writes", "2000", "--runs", "3")
	for _, want := range []string{"a 120-byte frame", "2000 timed writes per run", "| 1 | ", "| 3 | ", "floor (median of 3 runs): **", "CPU per 120-byte write**"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(progress.String(), "run 3 of 3") {
		t.Errorf("progress:\n%s", progress.String())
	}
}
