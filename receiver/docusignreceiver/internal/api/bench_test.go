package api

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"testing"
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
