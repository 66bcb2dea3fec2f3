// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package source // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// PanicError is a panic recovered in one of a source's goroutines. The collector process must
// outlive any bug a hostile response can reach: the source restarts from its checkpoint instead.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error (recovered panic): %v", e.Value)
}

// recoverTo turns a panic of the calling goroutine into *err; use it as `defer recoverTo(&err)`.
func recoverTo(err *error) {
	if p := recover(); p != nil {
		*err = &PanicError{Value: p, Stack: debug.Stack()}
	}
}

// Safely runs fn, returning a panic as a *PanicError.
func Safely(fn func() error) (err error) {
	defer recoverTo(&err)
	return fn()
}

// Go runs fn on a new goroutine counted by wg; a panic in it is handed to onPanic.
func Go(wg *sync.WaitGroup, onPanic func(error), fn func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := Safely(func() error { fn(); return nil }); err != nil {
			onPanic(err)
		}
	}()
}
