package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// panicError is a panic recovered in one of a source's goroutines. The collector process must
// outlive any bug a hostile response can reach: the source restarts from its checkpoint instead.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string {
	return fmt.Sprintf("internal error (recovered panic): %v", e.value)
}

// recoverTo turns a panic of the calling goroutine into *err; use it as `defer recoverTo(&err)`.
func recoverTo(err *error) {
	if p := recover(); p != nil {
		*err = &panicError{value: p, stack: debug.Stack()}
	}
}

// safely runs fn, returning a panic as a *panicError.
func safely(fn func() error) (err error) {
	defer recoverTo(&err)
	return fn()
}

// goSafely runs fn on a new goroutine counted by wg; a panic in it is handed to onPanic.
func goSafely(wg *sync.WaitGroup, onPanic func(error), fn func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := safely(func() error { fn(); return nil }); err != nil {
			onPanic(err)
		}
	}()
}
