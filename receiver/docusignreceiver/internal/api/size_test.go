// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"hash"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pageOf is a body of n bytes that varies, so a misplaced chunk changes its digest.
func pageOf(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%23 + i/(1<<20)%3)
	}
	return b
}

func serveBody(t *testing.T, body []byte, declareLength bool) string {
	return serve(t, func(w http.ResponseWriter, _ *http.Request) {
		if declareLength {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		_, _ = w.Write(body)
	})
}

// Defect 14: a page up to the cap is read; one byte over is ErrTooLarge, which retrying cannot help.
func TestPageCap(t *testing.T) {
	for _, declared := range []bool{false, true} {
		t.Run("Content-Length declared "+strconv.FormatBool(declared), func(t *testing.T) {
			resp, err := New(http.DefaultClient).Get(context.Background(), "monitor stream", serveBody(t, pageOf(MaxPageBytes), declared))
			require.NoError(t, err)
			assert.Len(t, resp.Body, MaxPageBytes)
			resp.Release()

			_, err = New(http.DefaultClient).Get(context.Background(), "monitor stream", serveBody(t, pageOf(MaxPageBytes+1), declared))
			require.ErrorIs(t, err, ErrTooLarge)
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Zero(t, apiErr.RetryAfter, "waiting cannot help: the same request would be as large again")
			assert.Equal(t, http.StatusOK, apiErr.StatusCode)
		})
	}
}

// digestWriter keeps a running digest of what it is given, never the bytes.
type digestWriter struct {
	h       hash.Hash
	n       int64
	failAt  int64 // fail the write that reaches this many bytes; 0 never
	largest int
}

func (d *digestWriter) Write(p []byte) (int, error) {
	if d.failAt > 0 && d.n+int64(len(p)) >= d.failAt {
		return 0, errors.New("skimmer had enough")
	}
	d.n += int64(len(p))
	d.largest = max(d.largest, len(p))
	return d.h.Write(p)
}

// Defect 14: over the cap, the whole body streams to the overflow writer for a skimmer.
func TestOverflowReceivesTheWholeBody(t *testing.T) {
	body := pageOf(MaxPageBytes + 3<<20 + 17)
	want := sha256.Sum256(body)
	for _, declared := range []bool{false, true} {
		t.Run("Content-Length declared "+strconv.FormatBool(declared), func(t *testing.T) {
			s, err := New(http.DefaultClient).Open(context.Background(), "monitor stream", serveBody(t, body, declared))
			require.NoError(t, err)
			s.Peek(func(p []byte) bool { return len(p) >= 100 })
			overflow := &digestWriter{h: sha256.New()}
			resp, err := s.ReadAll(overflow)
			require.ErrorIs(t, err, ErrTooLarge)
			assert.Nil(t, resp.Body)
			assert.EqualValues(t, len(body), overflow.n)
			assert.Equal(t, want[:], overflow.h.Sum(nil), "every byte, in order")
			s.Close()
		})
	}
}

// An overflow writer that gives up stops the read.
func TestOverflowWriterErrorStopsReading(t *testing.T) {
	s, err := New(http.DefaultClient).Open(context.Background(), "monitor stream", serveBody(t, pageOf(MaxPageBytes+4<<20), false))
	require.NoError(t, err)
	overflow := &digestWriter{h: sha256.New(), failAt: MaxPageBytes + 1<<20}
	_, err = s.ReadAll(overflow)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.ErrorContains(t, err, "skimmer had enough")
	assert.Less(t, overflow.n, int64(MaxPageBytes+1<<20))
}

// Defect 14: an endless body streams to the overflow writer for at most MaxSkimBytes, then stops.
func TestOverflowStopsAtMaxSkimBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 1 GiB")
	}
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		for { // endless, until the client hangs up
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	s, err := New(http.DefaultClient).Open(context.Background(), "monitor stream", url)
	require.NoError(t, err)
	overflow := &digestWriter{h: nopHash{}}
	_, err = s.ReadAll(overflow)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.EqualValues(t, MaxSkimBytes, overflow.n)
	assert.LessOrEqual(t, overflow.largest, 64<<10, "handed over in small chunks")
}

// nopHash counts nothing: hashing a GiB would only slow the test down.
type nopHash struct{ hash.Hash }

func (nopHash) Write(p []byte) (int, error) { return len(p), nil }

// Defect 14: a Content-Length over the cap allocates nothing and reads nothing.
func TestDeclaredLengthOverTheCapIsRefusedAtOnce(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(MaxPageBytes+1))
		_, _ = w.Write(bytes.Repeat([]byte("x"), 1000)) // then hangs up: the rest never comes
	})
	_, err := New(http.DefaultClient).Get(context.Background(), "monitor stream", url)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.ErrorContains(t, err, "Content-Length")
}
