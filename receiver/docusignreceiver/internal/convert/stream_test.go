// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// skimResult is everything a StreamSkimmer reports.
type skimResult struct {
	Cursor    string
	HasCursor bool
	Events    int
	EventID   string
	Timestamp string
	Complete  bool
	Err       string
	ErrAt     int // bytes accepted when the error came (sum of n over the writes)
}

// skimInChunks feeds body to a new skimmer in chunks of the given sizes (cycled; 0 = all at once).
func skimInChunks(body []byte, sizes ...int) skimResult {
	s := NewStreamSkimmer()
	var r skimResult
	for i, k := 0, 0; i < len(body); k++ {
		n := len(body) - i
		if len(sizes) > 0 && sizes[k%len(sizes)] > 0 {
			n = min(n, sizes[k%len(sizes)])
		}
		w, err := s.Write(body[i : i+n])
		r.ErrAt += w
		if err != nil {
			r.Err = err.Error()
			var de *DecodeError
			if errors.As(err, &de) { // without Near, which depends on the chunk at hand
				r.Err = de.Doc + ": " + de.Msg + " at byte offset " + strconv.Itoa(de.Offset)
			}
			if _, again := s.Write([]byte(" ")); again == nil || again.Error() != err.Error() {
				panic("the error is not sticky")
			}
			break
		}
		i += n
	}
	r.Cursor, r.HasCursor = s.Cursor()
	r.Events = s.Events()
	r.EventID, r.Timestamp = s.FirstEvent()
	r.Complete = s.Complete()
	return r
}

// skimSplitAt feeds body in two writes, split at k.
func skimSplitAt(body []byte, k int) skimResult {
	return skimInChunks(body, k, len(body))
}

// checkSkimAgrees: the skimmer agrees with SkimEndCursor and AppendMonitorPage on a valid page.
func checkSkimAgrees(t *testing.T, body []byte, got skimResult) {
	t.Helper()
	require.Empty(t, got.Err)
	cursor, ok, err := SkimEndCursor(body)
	require.NoError(t, err)
	assert.Equal(t, cursor, got.Cursor)
	assert.Equal(t, ok, got.HasCursor)
	lrs := plog.NewLogRecordSlice()
	appended, refs, stats, err := AppendMonitorPage(body, lrs, observedAt, nil)
	require.NoError(t, err)
	assert.Equal(t, appended, got.Cursor)
	assert.Equal(t, stats.Events, got.Events)
	assert.True(t, got.Complete)
	if len(refs) > 0 {
		assert.Equal(t, refs[0].ID, got.EventID)
		if ts, ok := parseTimestamp(got.Timestamp); ok {
			assert.True(t, ts.Equal(refs[0].Timestamp), "timestamp %q vs %v", got.Timestamp, refs[0].Timestamp)
		} else {
			assert.True(t, refs[0].Timestamp.IsZero())
		}
	}
}

// escapesPage has escapes, brackets and quotes inside strings, captured or not.
const escapesPage = `{"data":[{"eventId":"\u0065\"1\\","timestamp":"2026-10-02T14:11:00.5Z","x":"\ud83d\ude00]}\\","y":"a\nb\"]\\"},` +
	`{"z":["\t\"}]\\\"[{"]}],` +
	`"endCursor":"a\u005fb\"c\\d\/e\ud83d\ude00"}`

func TestStreamSkimmerEveryChunkBoundary(t *testing.T) {
	pages := map[string][]byte{
		"sample":  readPage(t, "monitor-sample.json"),
		"tricky":  readPage(t, "monitor-tricky.json"),
		"escapes": []byte(escapesPage),
	}
	if shared, err := os.ReadFile("/work/shared/samples/monitor-stream-page.json"); err == nil {
		pages["shared"] = shared
	}
	for name, body := range pages {
		t.Run(name, func(t *testing.T) {
			whole := skimInChunks(body)
			checkSkimAgrees(t, body, whole)
			for k := 0; k <= len(body); k++ {
				if got := skimSplitAt(body, k); got != whole {
					t.Fatalf("split at %d: %+v, whole: %+v", k, got, whole)
				}
			}
			for _, size := range []int{1, 2, 3, 5, 7} {
				assert.Equal(t, whole, skimInChunks(body, size), "chunks of %d", size)
			}
		})
	}
}

func TestStreamSkimmerRandomChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, body := range [][]byte{
		buildPage(t, 200, "data", true),
		buildPage(t, 200, "resultData", false),
	} {
		whole := skimInChunks(body)
		checkSkimAgrees(t, body, whole)
		for range 50 {
			sizes := make([]int, 1+r.IntN(8))
			for i := range sizes {
				sizes[i] = 1 + r.IntN(4096)
			}
			require.Equal(t, whole, skimInChunks(body, sizes...), "chunks %v", sizes)
		}
	}
}

func TestStreamSkimmer(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name, page string
		want       skimResult
	}{
		{"cursor first", `{"endCursor":"c","data":[]}`, skimResult{Cursor: "c", HasCursor: true, Complete: true}},
		{"cursor last, nested endCursor keys ignored",
			`{"data":[{"endCursor":"no","x":{"endCursor":"no2"}},["endCursor"]],"meta":{"endCursor":"no3","a":["endCursor",{"endCursor":"no4"}]},"endCursor":"yes","endCursor":"later"}`,
			skimResult{Cursor: "yes", HasCursor: true, Events: 2, Complete: true}},
		{"first endCursor wins even when null", `{"endCursor":null,"endCursor":"x"}`, skimResult{Complete: true}},
		{"empty cursor", `{"endCursor":"","data":[{}]}`, skimResult{Events: 1, Complete: true}},
		{"escaped key", `{"end\u0043ursor":"k"}`, skimResult{Cursor: "k", HasCursor: true, Complete: true}},
		{"brackets and quotes inside strings", `{"x":"]}\"{[\\","data":["]","\"",{"eventId":"a]"}],"endCursor":"c"}`,
			skimResult{Cursor: "c", HasCursor: true, Events: 3, Complete: true}},
		{"cursor of 4096 bytes", `{"endCursor":"` + long(4096) + `"}`, skimResult{Cursor: long(4096), HasCursor: true, Complete: true}},
		{"cursor of 4096 escaped bytes", `{"endCursor":"` + strings.Repeat(`\u0078`, 4096) + `"}`, skimResult{Cursor: long(4096), HasCursor: true, Complete: true}},
		{"first event", `{"data":[{"x":{"eventId":"no","timestamp":"no"},"eventId":"e\u0031","timestamp":"t"},{"eventId":"second","timestamp":"t2"}]}`,
			skimResult{Events: 2, EventID: "e1", Timestamp: "t", Complete: true}},
		{"first event: last duplicate wins", `{"data":[{"eventId":"a","eventId":"b","timestamp":"t","timestamp":5}]}`,
			skimResult{Events: 1, EventID: "b", Complete: true}},
		{"first event not an object", `{"data":["s",{"eventId":"x"}]}`, skimResult{Events: 2, Complete: true}},
		{"first event fields of 256 bytes", `{"data":[{"eventId":"` + long(256) + `","timestamp":"` + strings.Repeat(`\/`, 256) + `"}]}`,
			skimResult{Events: 1, EventID: long(256), Timestamp: strings.Repeat("/", 256), Complete: true}},
		{"first event fields over 256 bytes dropped", `{"data":[{"eventId":"` + long(257) + `","timestamp":"` + strings.Repeat(`\u00e9`, 129) + `"}]}`,
			skimResult{Events: 1, Complete: true}},
		{"first event field with a bad escape dropped", `{"data":[{"eventId":"a\qb","timestamp":"t"}]}`,
			skimResult{Events: 1, Timestamp: "t", Complete: true}},
		{"resultData", `{"resultData":[{"eventId":"r"},{},{}],"endCursor":"c"}`,
			skimResult{Cursor: "c", HasCursor: true, Events: 3, EventID: "r", Complete: true}},
		{"first events key wins", `{"data":[{"eventId":"a"}],"resultData":[{"eventId":"b"},{}]}`,
			skimResult{Events: 1, EventID: "a", Complete: true}},
		{"null events", `{"data":null,"endCursor":"c"}`, skimResult{Cursor: "c", HasCursor: true, Complete: true}},
		{"scalars and bad events are counted", `{"data":[1, true ,"s",null,tru,x"y"]}`, skimResult{Events: 6, Complete: true}},
		{"deep event", `{"data":[` + nested(100000, true) + `,{}],"endCursor":"c"}`,
			skimResult{Cursor: "c", HasCursor: true, Events: 2, Complete: true}},
		{"broken first event", `{"data":[{"eventId":"a" "x":[1]},{"eventId":"b"}],"endCursor":"c"}`,
			skimResult{Cursor: "c", HasCursor: true, Events: 2, Complete: true}},
		{"truncated", `{"endCursor":"c","data":[{"eventId":"a"},{"x":"y`, skimResult{Cursor: "c", HasCursor: true, Events: 2, EventID: "a"}},
		{"truncated cursor", `{"data":[],"endCursor":"abc`, skimResult{}},
		{"whitespace around", " \n{ \"endCursor\" : \"c\" , \"data\" : [ { } ] } \n", skimResult{Cursor: "c", HasCursor: true, Events: 1, Complete: true}},
		{"empty page", `{}`, skimResult{Complete: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.page)
			got := skimInChunks(body)
			tt.want.ErrAt = len(body)
			assert.Equal(t, tt.want, got)
			for _, size := range []int{1, 2, 3} {
				assert.Equal(t, tt.want, skimInChunks(body, size), "chunks of %d", size)
			}
		})
	}
}

func TestStreamSkimmerErrors(t *testing.T) {
	tests := []struct {
		name, page, msg string
		at              int // bytes accepted before the error
	}{
		{"array", `[]`, "page is not a JSON object", 0},
		{"garbage", ` x`, "page is not a JSON object", 1},
		{"cursor a number", `{"endCursor":5}`, "endCursor is not a string", 13},
		{"cursor an object", `{"endCursor":{}}`, "endCursor is not a string", 13},
		{"cursor a bad literal", `{"endCursor":nul}`, "endCursor is not a string", 16},
		{"cursor with a bad escape", `{"endCursor":"a\qb"}`, "invalid escape", 18},
		{"cursor over 4096 bytes", `{"endCursor":"` + strings.Repeat("x", 4097) + `"}`, "endCursor is longer than 4096 bytes", 4111},
		{"data an object", `{"data":{}}`, "data is not an array", 8},
		{"resultData a string", `{"resultData":"x"}`, "resultData is not an array", 14},
		{"key not a string", `{1:2}`, "expected string key", 1},
		{"missing colon", `{"a" 1}`, "expected ':' after object key", 5},
		{"missing comma", `{"a":1 "b":2}`, "expected ',' or '}' after object member", 7},
		{"garbage between events", `{"data":[{} x]}`, "expected ',' or ']' after array element", 12},
		{"empty element", `{"data":[{},,{}]}`, "expected a JSON value", 12},
		{"trailing comma", `{"data":[{},]}`, "expected a JSON value", 12},
		{"missing value", `{"a":}`, "expected a JSON value", 5},
		{"data after the page", `{} x`, "unexpected data after the page object", 3},
		{"second page", `{}{}`, "unexpected data after the page object", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, size := range []int{0, 1, 2} {
				got := skimInChunks([]byte(tt.page), size)
				assert.Contains(t, got.Err, tt.msg, "chunks of %d", size)
				assert.Contains(t, got.Err, "monitor page")
				assert.Equal(t, tt.at, got.ErrAt, "chunks of %d", size)
				assert.False(t, got.Complete)
			}
		})
	}
}

func TestStreamSkimmerErrorIsDecodeError(t *testing.T) {
	s := NewStreamSkimmer()
	_, err := s.Write([]byte(`{"data":[{}],`))
	require.NoError(t, err)
	n, err := s.Write([]byte(`"x" 1}`))
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 4, n)
	assert.Equal(t, 17, de.Offset, "offset in the whole stream")
	assert.LessOrEqual(t, len(de.Near), nearBytes)
}

// TestStreamSkimmerConstantMemory: once set up, writing more of a deep, long or wide page
// allocates nothing, whatever its size.
func TestStreamSkimmerConstantMemory(t *testing.T) {
	chunks := map[string]string{
		"deep":   strings.Repeat("[", 1<<16),
		"string": `"` + strings.Repeat(`a\"]}`, 1<<14) + `",`,
		"events": strings.Repeat(`{"eventId":"x","timestamp":"t","n":[1,{"a":null}]},`, 1<<10),
	}
	for name, chunk := range chunks {
		t.Run(name, func(t *testing.T) {
			s := NewStreamSkimmer()
			_, err := s.Write([]byte(`{"endCursor":"c","data":[{"eventId":"first"},`))
			require.NoError(t, err)
			b := []byte(chunk)
			allocs := testing.AllocsPerRun(50, func() {
				if _, err := s.Write(b); err != nil {
					t.Fatal(err)
				}
			})
			assert.Zero(t, allocs)
			c, ok := s.Cursor()
			assert.True(t, ok)
			assert.Equal(t, "c", c)
		})
	}
}

// TestStreamSkimmerKeysDoNotAllocate: a page of a million top-level members costs no garbage per key.
func TestStreamSkimmerKeysDoNotAllocate(t *testing.T) {
	s := NewStreamSkimmer()
	_, err := s.Write([]byte(`{"endCursor":"c"`))
	require.NoError(t, err)
	chunk := []byte(strings.Repeat(`,"endCursor":"d","data":null,"x":1`, 1000))
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := s.Write(chunk); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
