package xlsxtest

import (
	"runtime"
	"runtime/metrics"
	"time"
)

const heapMetric = "/memory/classes/heap/objects:bytes"

// Measure runs fn and reports the peak growth of the heap (live and not yet collected
// objects) over the heap after a full collection just before, and fn's wall time. A
// goroutine samples the heap every 200µs; the last sample is taken as fn returns, before
// anything is collected.
func Measure(fn func()) (peak uint64, elapsed time.Duration) {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: heapMetric}}
		var top uint64
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			top = max(top, s[0].Value.Uint64())
			select {
			case <-stop:
				metrics.Read(s)
				done <- max(top, s[0].Value.Uint64())
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	fn()
	elapsed = time.Since(start)
	close(stop)
	top := <-done
	if top > base {
		peak = top - base
	}
	return peak, elapsed
}
