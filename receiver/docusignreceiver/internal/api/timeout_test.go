// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testTimeout = 200 * time.Millisecond

// safety bounds each call below: a call that never returns fails with this deadline, not a hang.
const safety = 10 * time.Second

// serveInParts sends the headers and a first part at once, then each further part after waiting for
// its gate (nil: at once). The handler gives up when the client does.
func serveInParts(t *testing.T, parts [][]byte, gates ...chan struct{}) string {
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		for i, p := range parts {
			if i < len(gates) && gates[i] != nil {
				select {
				case <-gates[i]:
				case <-r.Context().Done():
					return
				}
			}
			_, _ = w.Write(p)
			w.(http.Flusher).Flush()
		}
	})
}

func requireTimedOut(t *testing.T, err error) {
	t.Helper()
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, err.Error(), "timed out after 200ms")
	assert.False(t, errors.Is(err, context.Canceled), "not the caller's cancellation: %v", err)
	assert.False(t, errors.Is(err, context.DeadlineExceeded), "not the caller's deadline: %v", err)
}

// Defect 4: a Stream parked between Peek and ReadAll, longer than the timeout, still reads in full.
func TestParkedStreamDoesNotTimeOut(t *testing.T) {
	top := []byte(`{"endCursor":"c2","data":[` + strings.Repeat(" ", 74))
	rest := append(bytes.Repeat([]byte(`{"eventId":"e"},`), 4096), []byte(`{}]}`)...)
	tests := []struct {
		name    string
		client  *http.Client
		opts    []Option
		wantErr bool
	}{
		{"http.Client.Timeout counts the parked time", &http.Client{Timeout: testTimeout}, nil, true},
		{"WithTimeout", &http.Client{}, []Option{WithTimeout(testTimeout)}, false},
		{"WithTimeout replaces http.Client.Timeout", &http.Client{Timeout: testTimeout}, []Option{WithTimeout(testTimeout)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serveInParts(t, [][]byte{top, rest})
			ctx, cancel := context.WithTimeout(context.Background(), safety)
			defer cancel()
			s, err := New(tt.client, tt.opts...).Open(ctx, "monitor stream", url)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, len(s.Peek(func(b []byte) bool { return len(b) >= 100 })), 100)
			time.Sleep(3 * testTimeout) // the consumer is slow
			resp, err := s.ReadAll(nil)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, string(top)+string(rest), string(resp.Body))
			resp.Release()
		})
	}
}

// Defect 4: a body that stalls while we read it fails with the timeout, not a hang.
func TestStalledBodyTimesOut(t *testing.T) {
	never := make(chan struct{})
	url := serveInParts(t, [][]byte{[]byte(`{"endCursor":"c2","data":[`), []byte(`]}`)}, nil, never)
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	s, err := New(http.DefaultClient, WithTimeout(testTimeout)).Open(ctx, "monitor stream", url)
	require.NoError(t, err)
	_, err = s.ReadAll(nil)
	requireTimedOut(t, err)
}

// Defect 4: the budget adds up over reads: time spent in Peek counts against ReadAll.
func TestTimeoutBudgetAddsUpAcrossReads(t *testing.T) {
	second, third := make(chan struct{}), make(chan struct{})
	url := serveInParts(t, [][]byte{[]byte("a"), []byte("b"), []byte("c")}, nil, second, third)
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	s, err := New(http.DefaultClient, WithTimeout(testTimeout)).Open(ctx, "monitor stream", url)
	require.NoError(t, err)
	time.AfterFunc(testTimeout*3/4, func() { close(second) })
	s.Peek(func(b []byte) bool { return len(b) >= 2 }) // waits ¾ of the budget
	time.Sleep(2 * testTimeout)                        // parked: not counted
	time.AfterFunc(testTimeout*3/4, func() { close(third) })
	_, err = s.ReadAll(nil) // would wait another ¾: over budget
	requireTimedOut(t, err)
}

// Defect 4: a server that never answers fails with the timeout.
func TestNoResponseHeadersTimesOut(t *testing.T) {
	url := serve(t, func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	_, err := New(http.DefaultClient, WithTimeout(testTimeout)).Open(ctx, "monitor stream", url)
	requireTimedOut(t, err)
}

// The caller's own cancellation still reads as such, while waiting for headers and while reading.
func TestCallerCancellationIsNotATimeout(t *testing.T) {
	never := make(chan struct{})
	headersOnly := serveInParts(t, [][]byte{[]byte("{"), []byte("}")}, nil, never)
	silent := serve(t, func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := New(http.DefaultClient, WithTimeout(safety))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Open(ctx, "monitor stream", silent)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	s, err := c.Open(ctx, "monitor stream", headersOnly)
	require.NoError(t, err)
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = s.ReadAll(nil)
	require.ErrorIs(t, err, context.Canceled)
}
