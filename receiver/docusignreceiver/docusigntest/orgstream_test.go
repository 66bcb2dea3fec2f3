// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOrganizationStreamPagesEveryEventInResultData(t *testing.T) {
	s := newTestServer(t, Options{Seed: 5})
	s.AddMonitorEvents(2500, time.Now().Add(-time.Hour), time.Second)
	bearer := s.IssueToken()

	var got []string
	cursor := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	for range 10 {
		resp, body := get(t, s.URL()+"/v1/organizations/"+s.OrganizationID()+"/stream?limit=1000&cursor="+url.QueryEscape(cursor), bearer)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var page struct {
			EndCursor  string            `json:"endCursor"`
			ResultData []json.RawMessage `json:"resultData"`
			Data       []json.RawMessage `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &page))
		assert.Nil(t, page.Data, "the newer envelope has no data key")
		for _, raw := range page.ResultData {
			var ev struct{ EventID string }
			require.NoError(t, json.Unmarshal(raw, &ev))
			got = append(got, ev.EventID)
		}
		if len(page.ResultData) == 0 {
			assert.Equal(t, cursor, page.EndCursor, "caught up: the cursor is echoed")
			break
		}
		cursor = page.EndCursor
	}
	assert.Equal(t, s.MonitorEventIDs(), got)
}

func TestOrganizationStreamUnknownOrganization(t *testing.T) {
	s := newTestServer(t, Options{})
	resp, _ := get(t, s.URL()+"/v1/organizations/00000000-0000-0000-0000-000000000000/stream", s.IssueToken())
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
