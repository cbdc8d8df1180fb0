package bench

import (
	"syscall"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD (the calling thread only), which
// the syscall package does not name.
const rusageThread = 1

// threadCPU is the calling thread's user and system CPU time so far.
func threadCPU() (user, system time.Duration, err error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, 0, err
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), nil
}
