// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package sources

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/goleak"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sourcetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// depsFor returns the deps of a source named name talking to srv with a real token.
func depsFor(t *testing.T, srv *docusigntest.Server, name string) source.Deps {
	t.Helper()
	return envFor(t, srv, consumertest.NewNop(), nil).Deps(name, time.Minute)
}

// envFor returns an environment talking to srv with a real token, signed at now (nil: the wall
// clock), its records going to next.
func envFor(t *testing.T, srv *docusigntest.Server, next consumer.Logs, now func() time.Time) source.Env {
	t.Helper()
	key, err := auth.ParsePrivateKey(srv.PrivateKeyPEM())
	require.NoError(t, err)
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	tokens, err := auth.NewTokenSource(auth.Config{
		IntegrationKey: srv.IntegrationKey(), UserID: srv.UserID(), PrivateKey: key, OAuthBaseURL: srv.URL(),
		Scopes: auth.Scopes(MonitorScopes, UsersScopes), HTTPClient: &http.Client{Transport: transport}, Now: now,
	})
	require.NoError(t, err)
	client := api.New(&http.Client{Transport: &auth.Transport{Source: tokens, Base: transport}})
	return sourcetest.Env(t, client, next)
}

// The probes make one cheap request each and say whether the source can work.
func TestProbes(t *testing.T) {
	srv := docusigntest.NewServer(docusigntest.Options{})
	t.Cleanup(srv.Close)
	srv.AddUsers(3)
	monitor := NewMonitor(MonitorOptions{URL: func(c string, l int) string { return api.MonitorStreamURL(srv.URL(), c, l) }, PageSize: 2000},
		depsFor(t, srv, MonitorName))
	users := NewUsers(UsersOptions{BaseURL: srv.URL() + "/management", OrganizationID: srv.OrganizationID(), AccountID: srv.AccountID(), PageSize: 250},
		depsFor(t, srv, UsersName))
	require.NoError(t, monitor.Probe(context.Background()))
	require.NoError(t, users.Probe(context.Background()))
	st := srv.Stats()
	assert.Equal(t, 1, st.MonitorRequests)
	assert.Equal(t, 1, st.UserRequests)

	wrongOrg := NewUsers(UsersOptions{BaseURL: srv.URL() + "/management", OrganizationID: "00000000-0000-4000-8000-000000000009", AccountID: srv.AccountID(), PageSize: 250},
		depsFor(t, srv, UsersName))
	var apiErr *api.Error
	require.ErrorAs(t, wrongOrg.Probe(context.Background()), &apiErr)
	assert.NotZero(t, apiErr.StatusCode)
}

func TestUsersPagingFollowsNextOnlyOnTheConfiguredEndpoint(t *testing.T) {
	l := newListing(UsersOptions{BaseURL: "https://proxy.example.com/management", PageSize: 2}, source.Deps{})
	page := func(next string, total int) convert.UsersPage {
		next = strconv.Quote(next)
		if next == `""` {
			next = "null"
		}
		body := `{"users":[{"id":"a"},{"id":"b"}],"paging":{"next":` + next + `,"total_set_size":` + strconv.Itoa(total) + `}}`
		p, err := convert.DecodeUsersPage([]byte(body))
		require.NoError(t, err)
		return p
	}
	for _, tc := range []struct {
		name, next string
		total      int
		follow     bool
		more       bool
	}{
		{"same endpoint", "https://proxy.example.com/management/v2/organizations/o/users?start=4", 10, true, true},
		{"host in other case", "https://PROXY.example.com/management/v2/organizations/o/users?start=4", 10, true, true},
		{"other host", "https://api.docusign.net/management/v2/organizations/o/users?start=4", 10, false, true},
		{"downgraded scheme", "http://proxy.example.com/management/v2/organizations/o/users?start=4", 10, false, true},
		{"other path", "https://proxy.example.com/elsewhere?start=4", 10, false, true},
		{"credentials", "https://x:y@proxy.example.com/management/v2/organizations/o/users?start=4", 10, false, true},
		{"last page", "", 4, false, false},
		{"next missing but total says more", "", 10, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l.warnedNext = true // the warning needs a logger; it is the receiver tests' to check
			c := &pageCursor{start: 2}
			more := l.turn(c, page(tc.next, tc.total))
			assert.Equal(t, tc.more, more)
			assert.Equal(t, 4, c.start, "start/take stays right whichever way the next page is asked for")
			if tc.follow {
				assert.Equal(t, tc.next, c.next)
			} else {
				assert.Empty(t, c.next)
			}
		})
	}
}

func TestLacksGroupsEntitlement(t *testing.T) {
	assert.True(t, lacksGroupsEntitlement(&api.Error{StatusCode: 400, Code: "missing_entitlement", Message: "the organization lacks the entitlement needed for include_ds_groups"}))
	assert.True(t, lacksGroupsEntitlement(&api.Error{StatusCode: 400, Code: "invalid_request", Message: "ds_groups not available"}))
	assert.False(t, lacksGroupsEntitlement(&api.Error{StatusCode: 400, Code: "invalid_request", Message: "take must be between 1 and 250"}))
	assert.False(t, lacksGroupsEntitlement(&api.Error{StatusCode: 500, Message: "group service down"}))
	assert.False(t, lacksGroupsEntitlement(&api.Error{StatusCode: 403, Code: "USER_LACKS_PERMISSIONS", Message: "not an admin of group"}))
	assert.False(t, lacksGroupsEntitlement(errors.New("entitlement")))
}
