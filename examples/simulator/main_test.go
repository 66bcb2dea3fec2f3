// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sourceEnv reads the env file the way a shell would, by sourcing it.
func sourceEnv(t *testing.T, path string) map[string]string {
	out, err := exec.Command("sh", "-c", `. "$1" && env`, "sh", path).Output()
	require.NoError(t, err)
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "DOCUSIGN_") {
			env[k] = v
		}
	}
	return env
}

func TestRunServesTheSimulatedDocuSign(t *testing.T) {
	dir := t.TempDir()
	keyOut := filepath.Join(dir, "it's", "private.pem") // a quote in the path exercises the env-file quoting
	envOut := filepath.Join(dir, "env.sh")
	require.NoError(t, os.WriteFile(envOut, nil, 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-events", "300", "-rate", "20", "-users", "7",
			"-key-out", keyOut, "-env-out", envOut}, out)
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "listening on") }, 20*time.Second, 10*time.Millisecond)

	env := sourceEnv(t, envOut)
	assert.Equal(t, "demo", env["DOCUSIGN_ENVIRONMENT"], "demo by default")
	assert.NotContains(t, out.String(), "chaos", "chaos is off by default")
	for _, k := range []string{"DOCUSIGN_INTEGRATION_KEY", "DOCUSIGN_USER_ID", "DOCUSIGN_ORGANIZATION_ID", "DOCUSIGN_ACCOUNT_ID", "DOCUSIGN_AUTH_ENDPOINT", "DOCUSIGN_USERS_ENDPOINT"} {
		assert.NotEmpty(t, env[k], k)
		assert.Contains(t, out.String(), env[k], "the ids and URL are printed")
	}
	assert.Equal(t, keyOut, env["DOCUSIGN_PRIVATE_KEY_FILE"])
	for _, path := range []string{keyOut, envOut} {
		info, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), path)
	}
	assert.NotContains(t, out.String(), "PRIVATE KEY", "the key itself is never printed")

	pemBytes, err := os.ReadFile(keyOut)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(pemBytes), "-----BEGIN RSA PRIVATE KEY-----"))
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	require.NoError(t, err)
	base := env["DOCUSIGN_AUTH_ENDPOINT"]
	now := time.Now()
	assertion, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": env["DOCUSIGN_INTEGRATION_KEY"], "sub": env["DOCUSIGN_USER_ID"], "aud": strings.TrimPrefix(base, "http://"),
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "scope": "signature impersonation user_read",
	}).SignedString(key)
	require.NoError(t, err)
	resp, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}})
	require.NoError(t, err)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	resp.Body.Close()
	require.NotEmpty(t, tok.AccessToken)

	count := func(u string, field string) int {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var body map[string]json.RawMessage
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		var items []json.RawMessage
		require.NoError(t, json.Unmarshal(body[field], &items))
		return len(items)
	}
	stream := env["DOCUSIGN_MONITOR_ENDPOINT"] + "/api/v2.0/datasets/monitor/stream?limit=2000"
	backlog := count(stream, "data")
	assert.GreaterOrEqual(t, backlog, 300)
	assert.Equal(t, 7, count(env["DOCUSIGN_USERS_ENDPOINT"]+"/v2/organizations/"+env["DOCUSIGN_ORGANIZATION_ID"]+"/users?take=100&account_id="+env["DOCUSIGN_ACCOUNT_ID"], "users"))
	require.Eventually(t, func() bool { return count(stream, "data") >= backlog+20 }, 10*time.Second, 200*time.Millisecond,
		"live events are appended")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	assert.Contains(t, out.String(), "shutting down")
	http.DefaultClient.CloseIdleConnections()
}

// startRun runs the simulator with args until the test ends and returns its env file's variables.
func startRun(t *testing.T, args ...string) (map[string]string, *syncBuffer) {
	dir := t.TempDir()
	envOut := filepath.Join(dir, "env.sh")
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-events", "50", "-rate", "0", "-users", "3",
			"-key-out", filepath.Join(dir, "private.pem"), "-env-out", envOut}, args...), out)
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		http.DefaultClient.CloseIdleConnections()
	})
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "listening on") }, 20*time.Second, 10*time.Millisecond)
	return sourceEnv(t, envOut), out
}

// grant asks the simulator for a token with the given aud and returns the status and OAuth error.
func grant(t *testing.T, env map[string]string, aud string) (int, string) {
	status, code, _ := grantToken(t, env, aud)
	return status, code
}

// grantToken is grant that returns the access token too.
func grantToken(t *testing.T, env map[string]string, aud string) (status int, code, token string) {
	pemBytes, err := os.ReadFile(env["DOCUSIGN_PRIVATE_KEY_FILE"])
	require.NoError(t, err)
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	require.NoError(t, err)
	now := time.Now()
	assertion, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": env["DOCUSIGN_INTEGRATION_KEY"], "sub": env["DOCUSIGN_USER_ID"], "aud": aud,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "scope": "signature impersonation user_read",
	}).SignedString(key)
	require.NoError(t, err)
	resp, err := http.PostForm(env["DOCUSIGN_AUTH_ENDPOINT"]+"/oauth/token",
		url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}})
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body.Error, body.AccessToken
}

func TestRunEnvironmentPicksTheAcceptedAudience(t *testing.T) {
	for _, tc := range []struct {
		args              []string
		env               string
		accepted, refused string
	}{
		{nil, "demo", "account-d.docusign.com", "account.docusign.com"},
		{[]string{"-environment", "production"}, "production", "account.docusign.com", "account-d.docusign.com"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			env, out := startRun(t, tc.args...)
			assert.Equal(t, tc.env, env["DOCUSIGN_ENVIRONMENT"])
			assert.Contains(t, out.String(), "environment "+tc.env)
			status, _ := grant(t, env, tc.accepted)
			assert.Equal(t, http.StatusOK, status, "the real audience of the simulated environment")
			status, code := grant(t, env, strings.TrimPrefix(env["DOCUSIGN_AUTH_ENDPOINT"], "http://"))
			assert.Equal(t, http.StatusOK, status, "and the simulator's own host: %s", code)
			status, code = grant(t, env, tc.refused)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, "invalid_grant", code, "the other environment's audience")
		})
	}
}

// getJSON sends an authenticated GET, requires a 200 and decodes the body into v.
func getJSON(t *testing.T, rawURL, token string, v any) {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, rawURL)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// listedUsers are the ids of the simulator's organisation users, from its users listing.
func listedUsers(t *testing.T, env map[string]string, token string) []string {
	var users struct {
		Users []struct {
			ID string `json:"id"`
		} `json:"users"`
	}
	getJSON(t, env["DOCUSIGN_USERS_ENDPOINT"]+"/v2/organizations/"+env["DOCUSIGN_ORGANIZATION_ID"]+"/users?take=100&account_id="+env["DOCUSIGN_ACCOUNT_ID"], token, &users)
	ids := make([]string, len(users.Users))
	for i, u := range users.Users {
		ids[i] = u.ID
	}
	return ids
}

func TestRunEventsNameTheDemoUsers(t *testing.T) {
	env, _ := startRun(t, "-users", "5", "-events", "400")
	status, code, token := grantToken(t, env, "account-d.docusign.com")
	require.Equal(t, http.StatusOK, status, code)
	ids := listedUsers(t, env, token)
	require.Len(t, ids, 5)
	listed := map[string]bool{}
	for _, id := range ids {
		listed[id] = true
	}
	var page struct {
		Data []struct {
			UserID         string `json:"userId"`
			AffectedUserID string `json:"affectedUserId"`
		} `json:"data"`
	}
	getJSON(t, env["DOCUSIGN_MONITOR_ENDPOINT"]+"/api/v2.0/datasets/monitor/stream?limit=2000", token, &page)
	require.GreaterOrEqual(t, len(page.Data), 400)
	actors := map[string]bool{}
	for i, e := range page.Data {
		require.True(t, listed[e.UserID], "event %d: actor %q is a listed user", i, e.UserID)
		require.True(t, e.AffectedUserID == "" || listed[e.AffectedUserID], "event %d: target %q is a listed user", i, e.AffectedUserID)
		actors[e.UserID] = true
	}
	assert.Len(t, actors, 5, "every demo user acts")

	var profile struct {
		Users []map[string]any `json:"users"`
	}
	getJSON(t, env["DOCUSIGN_USERS_ENDPOINT"]+"/v2.1/organizations/"+env["DOCUSIGN_ORGANIZATION_ID"]+"/users/"+ids[1]+"/dsprofile", token, &profile)
	require.Len(t, profile.Users, 1)
	assert.Equal(t, ids[1], profile.Users[0]["id"], "every demo user has a profile")
}

func TestRunUnknownUserShare(t *testing.T) {
	env, _ := startRun(t, "-users", "4", "-events", "400", "-unknown-user-share", "1")
	_, _, token := grantToken(t, env, "account-d.docusign.com")
	var page struct {
		Data []struct {
			UserID string `json:"userId"`
		} `json:"data"`
	}
	getJSON(t, env["DOCUSIGN_MONITOR_ENDPOINT"]+"/api/v2.0/datasets/monitor/stream?limit=2000", token, &page)
	require.NotEmpty(t, page.Data)
	ids := listedUsers(t, env, token)
	require.Len(t, ids, 4)
	for i, e := range page.Data {
		require.NotContains(t, ids, e.UserID, "event %d: with a share of 1 no event names a user", i)
	}
}

func TestRunChaosFlags(t *testing.T) {
	env, out := startRun(t, "-chaos-rate", "1", "-chaos-seed", "3", "-chaos-kinds", "rate-huge")
	assert.Contains(t, out.String(), "chaos: 100% of requests get a hostile fault (seed 3) from rate-huge")
	status, _ := grant(t, env, "account-d.docusign.com")
	require.Equal(t, http.StatusOK, status, "rate-huge does not apply to the token endpoint")
	resp, err := http.Get(env["DOCUSIGN_MONITOR_ENDPOINT"] + "/api/v2.0/datasets/monitor/stream")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "99999999999999999999", resp.Header.Get("X-RateLimit-Remaining"), "every API answer carries the chosen fault")
}

func TestRunRefusesBadChaosAndEnvironmentFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-environment", "staging"}, `-environment "staging"`},
		{[]string{"-chaos-rate", "2"}, "chaos rate 2 is not between 0 and 1"},
		{[]string{"-unknown-user-share", "1.5"}, "-unknown-user-share 1.5"},
		{[]string{"-chaos-rate", "0.5", "-chaos-kinds", "rate-huge,bogus"}, `"bogus"`},
		{[]string{"-chaos-rate", "0.5", "-chaos-kinds", "event-deep-nesting"}, "a record, not a fault"},
	} {
		err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0", "-key-out", filepath.Join(t.TempDir(), "k.pem")}, tc.args...), &syncBuffer{})
		require.Error(t, err, tc.args)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestRunRefusesNonLoopbackAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8089", ":8089", "192.0.2.1:8089", "[::]:8089", "example.com:8089", "no-port"} {
		err := run(context.Background(), []string{"-addr", addr, "-key-out", filepath.Join(t.TempDir(), "k.pem")}, &syncBuffer{})
		require.Error(t, err, addr)
		assert.Contains(t, err.Error(), addr)
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0", "127.0.0.2:0"} {
		assert.NoError(t, requireLoopback(addr), addr)
	}
}
