//go:build !linux

package bench

import (
	"errors"
	"time"
)

// threadCPU needs getrusage(RUSAGE_THREAD), which is Linux's.
func threadCPU() (user, system time.Duration, err error) {
	return 0, 0, errors.New("bench floor measures a thread's CPU time, on Linux only")
}
