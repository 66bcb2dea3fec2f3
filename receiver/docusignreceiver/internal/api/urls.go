// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MonitorStreamURL builds the Monitor v2 stream request; an empty cursor asks for the last seven days.
func MonitorStreamURL(base, cursor string, limit int) string {
	return strings.TrimRight(base, "/") + "/api/v2.0/datasets/monitor/stream?" + streamQuery(cursor, limit)
}

// OrganizationStreamURL builds the newer stream request, GET {api}/v1/organizations/{org}/stream.
func OrganizationStreamURL(base, organizationID, cursor string, limit int) string {
	return strings.TrimRight(base, "/") + "/v1/organizations/" + url.PathEscape(organizationID) + "/stream?" + streamQuery(cursor, limit)
}

// streamQuery is the paging query both streams take; no cursor means "seven days ago".
func streamQuery(cursor string, limit int) string {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	q.Set("limit", strconv.Itoa(limit))
	return q.Encode()
}

// UsersQuery is one Admin API organisation users listing request.
type UsersQuery struct {
	OrganizationID, AccountID string
	Start, Take               int
	LastModifiedSince         time.Time // zero: full listing
	IncludeGroups             bool
}

// UsersURL builds GET {admin}/v2/organizations/{org}/users.
func UsersURL(base string, q UsersQuery) string {
	v := url.Values{}
	v.Set("account_id", q.AccountID)
	v.Set("start", strconv.Itoa(q.Start))
	v.Set("take", strconv.Itoa(q.Take))
	if !q.LastModifiedSince.IsZero() {
		v.Set("last_modified_since", q.LastModifiedSince.UTC().Format("2006-01-02T15:04:05Z07:00"))
	}
	if q.IncludeGroups {
		v.Set("include_ds_groups", "true")
	}
	return strings.TrimRight(base, "/") + "/v2/organizations/" + url.PathEscape(q.OrganizationID) + "/users?" + v.Encode()
}
