// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// BenchmarkReadAll4MiB is one Monitor page on the drain path: open, peek the top, read the rest.
func BenchmarkReadAll4MiB(b *testing.B) {
	body := append([]byte(`{"endCursor":"c","data":[`), bytes.Repeat([]byte(`{"eventId":"x"},`), 4<<20/16)...)
	url := serve(b, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
	c := New(http.DefaultClient)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := c.Open(context.Background(), "monitor stream", url)
		if err != nil {
			b.Fatal(err)
		}
		s.Peek(func(p []byte) bool { return len(p) > 64 })
		resp, err := s.ReadAll(nil)
		if err != nil {
			b.Fatal(err)
		}
		resp.Release()
	}
}

// memoryTransport answers every request with body from memory, so the benchmark measures the client,
// not the loopback socket.
type memoryTransport struct{ body []byte }

func (m memoryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: req,
		ContentLength: int64(len(m.body)), Body: io.NopCloser(&chunkedReader{r: bytes.NewReader(m.body)})}, nil
}

// chunkedReader hands out at most 64 KiB per Read, as a socket does.
type chunkedReader struct{ r *bytes.Reader }

func (c *chunkedReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), 64<<10)]) }

// BenchmarkReadAll4MiBInMemory is BenchmarkReadAll4MiB without the network, with and without a timeout budget.
func BenchmarkReadAll4MiBInMemory(b *testing.B) {
	body := append([]byte(`{"endCursor":"c","data":[`), bytes.Repeat([]byte(`{"eventId":"x"},`), 4<<20/16)...)
	for name, opts := range map[string][]Option{"no timeout": nil, "WithTimeout": {WithTimeout(30 * time.Second)}} {
		b.Run(name, func(b *testing.B) {
			c := New(&http.Client{Transport: memoryTransport{body}}, opts...)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				s, err := c.Open(context.Background(), "monitor stream", "http://docusign.test/")
				if err != nil {
					b.Fatal(err)
				}
				s.Peek(func(p []byte) bool { return len(p) > 64 })
				resp, err := s.ReadAll(nil)
				if err != nil {
					b.Fatal(err)
				}
				resp.Release()
			}
		})
	}
}
