// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"encoding/json"
	"errors"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
)

// FuzzAppendMonitorPage: any bytes either fail cleanly (dst untouched, a *DecodeError) or
// append exactly one record per ref; only valid JSON is ever accepted; SkimEndCursor agrees on
// every accepted page; nothing panics.
func FuzzAppendMonitorPage(f *testing.F) {
	for _, name := range []string{"monitor-sample.json", "monitor-tricky.json"} {
		page := readPage(f, name)
		f.Add(page)
		f.Add(page[:len(page)/2])
	}
	for _, s := range []string{
		`{}`, `{"data":[]}`, `{"endCursor":null}`, `{"resultData":[1,"x",null,{}]}`, `[]`, `"`, `{"data":[{"a":"\ud800"}]}`,
		`{"data":[{"timestamp":"2026-02-29T00:00:00Z","ipAddress":"::1%eth0","latitude":1e400}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		lrs := plog.NewLogRecordSlice()
		lrs.AppendEmpty()
		cursor, refs, stats, err := AppendMonitorPage(body, lrs, observedAt, nil)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a *DecodeError: %v", err)
			}
			if len(de.Near) > nearBytes || lrs.Len() != 1 || len(refs) != 0 || stats != (PageStats{}) || cursor != "" {
				t.Fatalf("failed page left state behind: %v", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if lrs.Len() != 1+stats.Events || len(refs) != stats.Events || stats.Flagged > stats.Events {
			t.Fatalf("counts disagree: records %d, refs %d, stats %+v", lrs.Len()-1, len(refs), stats)
		}
		skimmed, ok, serr := SkimEndCursor(body)
		if serr != nil || skimmed != cursor || ok != (cursor != "") {
			t.Fatalf("skim %q %v %v, append %q", skimmed, ok, serr, cursor)
		}
	})
}

// FuzzUser: AdminUser and UserDigest never panic and agree on what is a valid record.
func FuzzUser(f *testing.F) {
	f.Add([]byte(`{"id":"u","ds_groups":[{"ds_group_id":"b"},{"ds_group_id":"a"}]}`))
	f.Add([]byte(`{"id":1}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		lr := plog.NewLogRecord()
		err := AdminUser(raw, OperationUpdate, observedAt, lr)
		_, _, derr := UserDigest(raw)
		if err != nil && derr == nil {
			t.Fatalf("digest accepted what AdminUser rejected: %v", err)
		}
		if err == nil && !json.Valid(raw) {
			t.Fatalf("accepted invalid JSON %q", raw)
		}
	})
}
