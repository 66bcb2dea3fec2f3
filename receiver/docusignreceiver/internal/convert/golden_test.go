// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.yaml from the current output")

// Golden files are plog in the collector's golden YAML (pkg/golden), compared with plogtest:
// typed values (Int is not Double, Str is not Bool), every record field, record order.

// asLogs wraps records in one resource and scope, the shape the golden files hold.
func asLogs(lrs plog.LogRecordSlice) plog.Logs {
	logs := plog.NewLogs()
	lrs.CopyTo(logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords())
	return logs
}

// checkGolden compares lrs with testdata/name, or rewrites the file under -update.
func checkGolden(t *testing.T, name string, lrs plog.LogRecordSlice) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, golden.WriteLogsToFile(path, asLogs(lrs)))
		t.Logf("updated %s", path)
		return
	}
	require.NoError(t, compareGolden(path, lrs), "output differs from %s (go test -update rewrites it; review the diff)", path)
}

// compareGolden reports how lrs differs from the golden file at path; it is safe in goroutines.
// plogtest compares everything but EventName, which is compared here.
func compareGolden(path string, lrs plog.LogRecordSlice) error {
	want, err := golden.ReadLogs(path)
	if err != nil {
		return err
	}
	errs := []error{plogtest.CompareLogs(want, asLogs(lrs))}
	if rl := want.ResourceLogs(); rl.Len() == 1 && rl.At(0).ScopeLogs().Len() == 1 {
		wl := rl.At(0).ScopeLogs().At(0).LogRecords()
		for i := 0; i < wl.Len() && i < lrs.Len(); i++ {
			if w, g := wl.At(i).EventName(), lrs.At(i).EventName(); w != g {
				errs = append(errs, fmt.Errorf("record %d: event name %q, want %q", i, g, w))
			}
		}
	}
	return errors.Join(errs...)
}
