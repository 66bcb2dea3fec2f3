// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func orgStreamURL(s *Server) string {
	return s.URL() + "/v1/organizations/" + s.OrganizationID() + "/stream?limit=5"
}

// apiError decodes an error body, requiring the status.
func apiError(t *testing.T, rawURL, tok string, status int) map[string]string {
	t.Helper()
	resp, body := get(t, rawURL, tok)
	require.Equal(t, status, resp.StatusCode, "%s: %s", rawURL, body)
	var e map[string]string
	require.NoError(t, json.Unmarshal(body, &e), "%s", body)
	return e
}

func TestMonitorNoAddOn(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.SetMonitorAccess(MonitorNoAddOn)
	for _, u := range []string{streamURL(s, "", 5), orgStreamURL(s)} {
		e := apiError(t, u, tok, http.StatusForbidden)
		assert.Equal(t, "MONITOR_NOT_ENABLED", e["errorCode"], u)
		assert.Contains(t, e["message"], "no Monitor add-on", u)
	}
	st := s.Stats()
	assert.Equal(t, 2, st.MonitorRequests, "a denial is a Monitor request")
	assert.Equal(t, 2, st.StatusCounts[http.StatusForbidden])

	resp, _ := get(t, usersURL(s, nil), tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the Admin API does not need Monitor")

	s.SetMonitorAccess(MonitorAllowed)
	fetchPage(t, s, tok, "", 5)
}

func TestMonitorSeveralOrganizations(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.SetMonitorAccess(MonitorSeveralOrganizations)
	e := apiError(t, streamURL(s, "", 5), tok, http.StatusForbidden)
	assert.Equal(t, "USER_IN_MULTIPLE_ORGANIZATIONS", e["errorCode"])
	assert.Contains(t, e["message"], "more than one organization")

	resp, body := get(t, orgStreamURL(s), tok)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the organisation stream still serves: %s", body)
	var page struct {
		ResultData []json.RawMessage `json:"resultData"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	assert.Len(t, page.ResultData, 5)
}

func TestMonitorDenialComesAfterTheTokenChecks(t *testing.T) {
	for _, a := range []MonitorAccess{MonitorNoAddOn, MonitorSeveralOrganizations} {
		s, _, _ := faultServer(t, Options{})
		s.SetMonitorAccess(a)
		e := apiError(t, streamURL(s, "", 5), "not-a-token", http.StatusUnauthorized)
		assert.Equal(t, "AUTHORIZATION_INVALID_TOKEN", e["errorCode"])
		e = apiError(t, streamURL(s, "", 5), s.IssueToken("impersonation", "user_read"), http.StatusForbidden)
		assert.Equal(t, "USER_LACKS_PERMISSIONS", e["errorCode"], "a missing scope is told before the access denial")

		resp, _ := get(t, streamURL(s, "", 5), s.IssueToken())
		assert.Equal(t, "2997", resp.Header.Get("X-RateLimit-Remaining"), "each denial counts as an API request")
	}
}

func TestAdminNotOrganizationAdmin(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.AddUsers(3)
	s.SetAdminAccess(AdminNotOrganizationAdmin)
	for _, u := range []string{usersURL(s, nil), profileURL(s, s.UserID(), nil), profileByEmailURL(s, "ada@example.com")} {
		e := apiError(t, u, tok, http.StatusForbidden)
		assert.Equal(t, "not_organization_admin", e["error"], u)
		assert.Contains(t, e["error_description"], "is not an administrator of organization", u)
		assert.NotContains(t, e, "errorCode", "the Admin API's error shape")
	}
	e := apiError(t, usersURL(s, nil), "not-a-token", http.StatusUnauthorized)
	assert.Equal(t, "AUTHORIZATION_INVALID_TOKEN", e["errorCode"], "a bad token is told before the access denial")

	fetchPage(t, s, tok, "", 5) // Monitor does not need organisation admin rights

	s.SetAdminAccess(AdminAllowed)
	fetchUsers(t, usersURL(s, nil), tok)
	fetchProfiles(t, profileURL(s, s.UserID(), nil), tok)
}

func TestAccessSettersRefuseUnknownValues(t *testing.T) {
	s := newTestServer(t, Options{})
	assert.Panics(t, func() { s.SetMonitorAccess(MonitorAccess(7)) })
	assert.Panics(t, func() { s.SetAdminAccess(AdminAccess(-1)) })
}
