// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

type usersResponse struct {
	Users  []map[string]any `json:"users"`
	Paging struct {
		ResultSetSize          int    `json:"result_set_size"`
		ResultSetStartPosition int    `json:"result_set_start_position"`
		ResultSetEndPosition   int    `json:"result_set_end_position"`
		TotalSetSize           int    `json:"total_set_size"`
		Next                   string `json:"next"`
		Previous               string `json:"previous"`
	} `json:"paging"`
}

func usersURL(s *Server, params url.Values) string {
	q := url.Values{"account_id": {s.AccountID()}}
	for k, v := range params {
		q[k] = v
	}
	return s.URL() + "/management/v2/organizations/" + s.OrganizationID() + "/users?" + q.Encode()
}

func fetchUsers(t *testing.T, rawURL, tok string) usersResponse {
	t.Helper()
	resp, body := get(t, rawURL, tok)
	require.Equal(t, http.StatusOK, resp.StatusCode, "users: %s", body)
	var page usersResponse
	require.NoError(t, json.Unmarshal(body, &page))
	return page
}

func userIDsOf(users []map[string]any) []string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i], _ = u["id"].(string)
	}
	return ids
}

func TestUsersPagingCoversEveryUserOnce(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 2})
	s.AddUsers(120)
	tok := token(t, s, testNow)

	var got []string
	next, pages := usersURL(s, url.Values{"take": {"50"}}), 0
	for next != "" {
		page := fetchUsers(t, next, tok)
		pages++
		assert.Equal(t, 120, page.Paging.TotalSetSize)
		assert.Equal(t, len(got), page.Paging.ResultSetStartPosition)
		assert.Equal(t, len(page.Users), page.Paging.ResultSetSize)
		assert.Equal(t, len(got)+len(page.Users)-1, page.Paging.ResultSetEndPosition)
		assert.Equal(t, pages > 1, page.Paging.Previous != "", "previous only after the first page")
		if page.Paging.Next != "" {
			assert.True(t, strings.HasPrefix(page.Paging.Next, s.URL()+"/management/v2/organizations/"), page.Paging.Next)
		}
		got = append(got, userIDsOf(page.Users)...)
		next = page.Paging.Next
	}
	assert.Equal(t, 3, pages)
	assert.Equal(t, s.UserIDs(), got, "every user once, in creation order")
	assert.Equal(t, s.UserID(), got[0], "the impersonated admin is a user")
	assert.Equal(t, 120, s.UserCount())

	page := fetchUsers(t, usersURL(s, nil), tok)
	assert.Len(t, page.Users, DefaultUsersTake)
	page = fetchUsers(t, usersURL(s, url.Values{"start": {"500"}}), tok)
	assert.Empty(t, page.Users)
	assert.Empty(t, page.Paging.Next)
}

func TestUsersRejectsBadRequests(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	s.AddUsers(3)
	tok := token(t, s, testNow)
	for _, tc := range []struct {
		url    string
		status int
	}{
		{usersURL(s, url.Values{"take": {"251"}}), http.StatusBadRequest},
		{usersURL(s, url.Values{"take": {"0"}}), http.StatusBadRequest},
		{usersURL(s, url.Values{"take": {"x"}}), http.StatusBadRequest},
		{usersURL(s, url.Values{"start": {"-1"}}), http.StatusBadRequest},
		{usersURL(s, url.Values{"last_modified_since": {"last tuesday"}}), http.StatusBadRequest},
		{usersURL(s, url.Values{"account_id": {"00000000-0000-4000-8000-00000000dead"}}), http.StatusBadRequest},
		{s.URL() + "/management/v2/organizations/" + s.OrganizationID() + "/users?take=5", http.StatusBadRequest},
		{s.URL() + "/management/v2/organizations/00000000-0000-4000-8000-00000000beef/users?account_id=" + s.AccountID(), http.StatusNotFound},
	} {
		resp, body := get(t, tc.url, tok)
		assert.Equal(t, tc.status, resp.StatusCode, tc.url)
		var e map[string]string
		require.NoError(t, json.Unmarshal(body, &e))
		assert.NotEmpty(t, e["error"], tc.url)
	}
	resp, _ := get(t, usersURL(s, nil), s.IssueToken("signature", "impersonation"))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the listing needs scope user_read")
	resp, _ = get(t, usersURL(s, nil), "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "3000", resp.Header.Get("X-RateLimit-Limit"))
}

func TestUsersLastModifiedSinceHasDayGranularity(t *testing.T) {
	day1 := time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
	clk := testclock.New(day1)
	s := newTestServer(t, Options{Now: clk.Now, Seed: 4})
	s.AddUsers(10)
	ids := s.UserIDs()

	clk.Advance(47 * time.Hour) // 2026-10-03 09:00
	require.NoError(t, s.ModifyUser(ids[3], func(u map[string]any) {
		u["user_status"] = "closed"
		u["id"] = "ignored"
	}))
	require.NoError(t, s.SetUser(json.RawMessage(`{"id":"new-user","user_name":"New Person","email":"new@example.com","user_status":"created"}`)))
	tok := token(t, s, clk.Now())

	changed := []string{ids[3], "new-user"}
	for since, want := range map[string][]string{
		"2026-10-03":                changed,
		"2026-10-03T23:00:00+00:00": changed, // later the same day: the whole day still counts
		"2026-10-03T00:00:00.000Z":  changed,
		"2026-10-04T01:00:00+02:00": changed, // 2026-10-03T23:00Z
		"2026-10-02":                changed,
		"2026-10-01":                append(append([]string{}, ids...), "new-user"),
		"2026-10-04":                {},
	} {
		page := fetchUsers(t, usersURL(s, url.Values{"last_modified_since": {since}, "take": {"250"}}), tok)
		assert.Equal(t, want, userIDsOf(page.Users), since)
		assert.Equal(t, len(want), page.Paging.TotalSetSize, since)
	}
	page := fetchUsers(t, usersURL(s, url.Values{"last_modified_since": {"2026-10-03"}}), tok)
	assert.Equal(t, "closed", page.Users[0]["user_status"])
	assert.Equal(t, 11, s.UserCount())

	assert.Error(t, s.ModifyUser("nobody", func(map[string]any) {}))
	assert.Error(t, s.SetUser(json.RawMessage(`{"user_name":"no id"}`)))
	assert.Error(t, s.SetUser(json.RawMessage(`null`)))
	assert.Error(t, s.SetUser(json.RawMessage(`[]`)))
}

func TestSetUserReplacesInPlace(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	raw, err := os.ReadFile("testdata/admin-users-page.json")
	require.NoError(t, err)
	var sample struct{ Users []json.RawMessage }
	require.NoError(t, json.Unmarshal(raw, &sample))
	for _, u := range sample.Users {
		require.NoError(t, s.SetUser(u))
	}
	require.NoError(t, s.SetUser(json.RawMessage(`{"id":"0a1b2c3d-5555-4666-8777-888899990000","user_name":"Grace B. Hopper"}`)))
	require.NoError(t, s.SetUser(sample.Users[0]))
	assert.Equal(t, []string{"7d9b0f1e-2222-4333-8444-555566667777", "0a1b2c3d-5555-4666-8777-888899990000"}, s.UserIDs())

	page := fetchUsers(t, usersURL(s, url.Values{"include_ds_groups": {"true"}}), token(t, s, testNow))
	assert.Equal(t, "Grace B. Hopper", page.Users[1]["user_name"])
	var want map[string]any
	require.NoError(t, json.Unmarshal(sample.Users[0], &want))
	assert.Equal(t, want, page.Users[0], "a record given to SetUser comes back as given")
}

func TestUsersGroupsAndEntitlement(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 8})
	s.AddUsers(30)
	tok := token(t, s, testNow)

	without := fetchUsers(t, usersURL(s, url.Values{"take": {"30"}}), tok)
	for _, u := range without.Users {
		assert.NotContains(t, u, "ds_groups")
	}
	with := fetchUsers(t, usersURL(s, url.Values{"take": {"30"}, "include_ds_groups": {"true"}}), tok)
	groupNames := map[string]bool{}
	for _, u := range with.Users {
		require.Contains(t, u, "ds_groups")
		for _, g := range u["ds_groups"].([]any) {
			group := g.(map[string]any)
			assert.Equal(t, s.AccountID(), group["account_id"])
			groupNames[group["group_name"].(string)] = true
		}
	}
	assert.True(t, groupNames["Administrators"])
	assert.Greater(t, len(groupNames), 2)

	s.SetGroupsEntitlement(false)
	resp, body := get(t, usersURL(s, url.Values{"include_ds_groups": {"true"}}), tok)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	var e map[string]string
	require.NoError(t, json.Unmarshal(body, &e))
	assert.Contains(t, e["error"]+e["error_description"], "entitlement")
	fallback := fetchUsers(t, usersURL(s, url.Values{"take": {"30"}}), tok)
	assert.Len(t, fallback.Users, 30, "without groups the listing still works")
}

func TestGeneratedUsersAreRealistic(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 12})
	s.AddUsers(200)
	page := fetchUsers(t, usersURL(s, url.Values{"take": {"250"}, "include_ds_groups": {"true"}}), token(t, s, testNow))
	statuses, scim, ids, emails := map[string]int{}, 0, map[string]bool{}, map[string]bool{}
	for _, u := range page.Users {
		for _, f := range []string{"id", "user_name", "first_name", "last_name", "user_status", "membership_status", "email", "created_on", "membership_id"} {
			require.IsType(t, "", u[f], f)
		}
		_, err := time.Parse(time.RFC3339Nano, u["created_on"].(string))
		require.NoError(t, err)
		statuses[u["user_status"].(string)]++
		if u["is_managed_by_scim"].(bool) {
			scim++
		}
		if u["user_status"] == "closed" {
			assert.Contains(t, u, "closed_on")
		}
		ids[u["id"].(string)] = true
		emails[u["email"].(string)] = true
	}
	assert.Len(t, ids, 200)
	assert.Len(t, emails, 200)
	for _, status := range []string{"active", "closed", "created"} {
		assert.Positive(t, statuses[status], status)
	}
	assert.Positive(t, scim)

	again := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 12})
	again.AddUsers(200)
	assert.Equal(t, s.UserIDs(), again.UserIDs(), "deterministic from the seed")
}
