// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestURLs(t *testing.T) {
	assert.Equal(t, "https://lens.docusign.net/api/v2.0/datasets/monitor/stream?cursor=aa_1_2_3&limit=2000",
		MonitorStreamURL("https://lens.docusign.net/", "aa_1_2_3", 2000))
	assert.Equal(t, "https://lens.docusign.net/api/v2.0/datasets/monitor/stream?limit=10", MonitorStreamURL("https://lens.docusign.net", "", 10))
	assert.Equal(t, "https://api-d.docusign.com/v1/organizations/org/stream?cursor=2026-11-01T00%3A00%3A00Z&limit=5",
		OrganizationStreamURL("https://api-d.docusign.com", "org", "2026-11-01T00:00:00Z", 5))
	got := UsersURL("https://api.docusign.net/management", UsersQuery{OrganizationID: "org 1", AccountID: "acc", Start: 250, Take: 250,
		LastModifiedSince: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), IncludeGroups: true})
	assert.Equal(t, "https://api.docusign.net/management/v2/organizations/org%201/users?account_id=acc&include_ds_groups=true&last_modified_since=2026-11-01T00%3A00%3A00Z&start=250&take=250", got)
}
