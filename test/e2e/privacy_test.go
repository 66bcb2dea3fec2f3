// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/test/testkit"
)

// privacyRedaction reads the redaction processor's patterns from the privacy recipe.
func privacyRedaction(t *testing.T) (keys, values []*regexp.Regexp) {
	t.Helper()
	cm, err := confmaptest.LoadConf(recipe(t, "privacy", "config.yaml"))
	require.NoError(t, err)
	compile := func(key string) []*regexp.Regexp {
		raw, ok := cm.Get("processors::redaction/personal::" + key).([]any)
		require.True(t, ok, "processors.redaction/personal.%s is a list", key)
		var out []*regexp.Regexp
		for _, p := range raw {
			out = append(out, regexp.MustCompile(fmt.Sprint(p)))
		}
		return out
	}
	return compile("blocked_key_patterns"), compile("blocked_values")
}

// TestPrivacyRecipePatterns checks the recipe's patterns as the redaction processor applies them
// (blocked_values in order, each match replaced): every address form is hidden, and the values the
// receiver writes that are not personal (ids, times, browsers, locations) pass unchanged.
func TestPrivacyRecipePatterns(t *testing.T) {
	keys, values := privacyRedaction(t)
	redact := func(s string) string {
		for _, re := range values {
			s = re.ReplaceAllString(s, "<h>")
		}
		return s
	}
	for _, secret := range []string{
		"192.0.2.1", "198.51.100.254", "203.0.113.9", "10.0.0.1", "255.255.255.255",
		"2001:db8:1f:a::3", "2001:db8::1", "2001:0db8:0000:0000:0000:ff00:0042:8329", "fe80::1ff:fe23:4567:890a",
		"::1", "::ffff:192.0.2.128", "64:ff9b::198.51.100.7", "0:0:0:0:0:ffff:203.0.113.1",
		"grace.hopper1@example.com", "Liam.O'Brien+docusign@mail.example.co.uk", "a@b.io",
	} {
		for _, in := range []string{secret, "from " + secret + " at noon", "[" + secret + "]:443"} {
			out := redact(in)
			assert.NotContains(t, out, secret, "%q → %q", in, out)
			for _, part := range regexp.MustCompile(`[0-9a-fA-F]{2,}(?:[.:][0-9a-fA-F]*){2,}`).FindAllString(out, -1) {
				t.Errorf("%q → %q leaves an address-like %q", in, out, part)
			}
		}
	}
	for _, kept := range []string{
		"7d9b0f1e-2222-4333-8444-555566667777", "2026-11-30T07:21:15.2351234Z", "2024-01-02T08:00:00Z",
		"Chrome 130.0.0", "Mac OS X 14.6", "Windows 10", "DocuSign-CSharp-SDK/6.8.0/.NET 8.0", "52.37", "-122.42",
		"zürich", "Monitor Events", "UPDATE", "DS Admin", "Signer requested changes", "NA4", "12:30:45",
	} {
		assert.Equal(t, kept, redact(kept), "not personal data: unchanged")
	}
	personal := []string{"user.email", "user.name", "user.full_name", "xdm.source.user.upn", "xdm.source.user.username",
		"xdm.target.user.upn", "xdm.target.user.username", "xdm.target.user.first_name", "xdm.target.user.last_name",
		"xdm.source.ipv4", "xdm.source.ipv6", "client.address"}
	notPersonal := []string{"user.id", "xdm.source.user.identifier", "xdm.target.user.identifier", "user.roles",
		"xdm.source.user.groups", "docusign.user.status", "xdm.source.location.city", "xdm.event.id", "user_agent.original",
		"docusign.organization.id", "xdm.source.user.username.extra"}
	matches := func(key string) bool {
		for _, re := range keys {
			if re.MatchString(key) {
				return true
			}
		}
		return false
	}
	for _, k := range personal {
		assert.True(t, matches(k), "%s is hashed by key", k)
	}
	for _, k := range notPersonal {
		assert.False(t, matches(k), "%s is not hashed by key", k)
	}
}

// privacySink keeps every string that arrived (resource, scope and record attributes, bodies, event
// names) and counts the records.
type privacySink struct {
	mu      sync.Mutex
	strs    []string
	events  map[string]int
	users   map[string]int
	bodies  int
	byKey   map[string][]string
	records int
}

func newPrivacySink() *privacySink {
	return &privacySink{events: map[string]int{}, users: map[string]int{}, byKey: map[string][]string{}}
}

func (s *privacySink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *privacySink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rl := range ld.ResourceLogs().All() {
		s.collect("resource", rl.Resource().Attributes())
		for _, sl := range rl.ScopeLogs().All() {
			s.strs = append(s.strs, sl.Scope().Name(), sl.Scope().Version())
			s.collect("scope", sl.Scope().Attributes())
			for _, lr := range sl.LogRecords().All() {
				s.records++
				s.collect("", lr.Attributes())
				if lr.Body().Type() != pcommon.ValueTypeEmpty {
					s.bodies++
				}
				s.strs = append(s.strs, lr.Body().AsString(), lr.EventName(), lr.SeverityText())
				switch lr.EventName() {
				case "docusign.monitor.event":
					v, _ := lr.Attributes().Get("xdm.event.id")
					s.events[v.Str()]++
				case "docusign.admin.user":
					if _, changed := lr.Attributes().Get("docusign.user.changed"); !changed {
						v, _ := lr.Attributes().Get("xdm.target.user.identifier")
						s.users[v.Str()]++
					}
				}
			}
		}
	}
	return nil
}

// collect keeps every key and value of m (values of lists and maps as their JSON text).
func (s *privacySink) collect(where string, m pcommon.Map) {
	for k, v := range m.All() {
		s.strs = append(s.strs, k, v.AsString())
		if where == "" && v.Type() == pcommon.ValueTypeStr {
			s.byKey[k] = append(s.byKey[k], v.Str())
		}
	}
}

func (s *privacySink) counts() (events, users int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events), len(s.users)
}

const privacyOverlay = `
extensions:
  file_storage/docusign:
    directory: %[1]s
receivers:
  docusign:
    environment: demo
    private_key_file: %[2]s
    auth_endpoint: %[3]s
    monitor: {endpoint: %[3]s, poll_interval: 1s, page_size: 500, start_time: %[4]s}
    users:
      endpoint: %[3]s/management
      poll_interval: 1s
      profiles: {max_requests_per_hour: 3000}
exporters:
  otlp_http:
    endpoint: %[5]s
    sending_queue: {enabled: false}
service:
  telemetry:
    metrics:
      level: none
`

// TestPrivacyRecipe runs examples/privacy/config.yaml against the fake with users and profiles on:
// every event and every user arrives, and nothing that arrives holds an email address, one of the
// events' IP addresses or a user's name; the hashed attributes are the HMAC of the original values.
func TestPrivacyRecipe(t *testing.T) {
	bin := testkit.CollectorBinary(t)
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 41})
	t.Cleanup(srv.Close)
	const users = 12
	srv.AddUsers(users)
	now := time.Now().UTC()
	srv.AddMonitorEvents(2000, now.Add(-2*time.Hour), time.Second)
	wantEvents := srv.MonitorEventIDs()

	dir := t.TempDir()
	keyPath := filepath.Join(dir, "docusign.pem")
	require.NoError(t, os.WriteFile(keyPath, srv.PrivateKeyPEM(), 0o600))
	const hmacKey = "a test key of at least thirty-two bytes"
	t.Setenv("DOCUSIGN_INTEGRATION_KEY", srv.IntegrationKey())
	t.Setenv("DOCUSIGN_USER_ID", srv.UserID())
	t.Setenv("DOCUSIGN_ORGANIZATION_ID", srv.OrganizationID())
	t.Setenv("DOCUSIGN_ACCOUNT_ID", srv.AccountID())
	t.Setenv("DOCUSIGN_REDACTION_KEY", hmacKey)
	t.Setenv("OTLP_ENDPOINT", "http://127.0.0.1:9") // replaced by the overlay

	sink := newPrivacySink()
	otlpURL := testkit.StartOTLPHTTPReceiver(t, sink)
	overlay := writeOverlay(t, dir, fmt.Sprintf(privacyOverlay, filepath.Join(dir, "storage"), keyPath, srv.URL(),
		now.Add(-3*time.Hour).Format(time.RFC3339), otlpURL))
	started := time.Now()
	col := startCollector(t, bin, recipe(t, "privacy", "config.yaml"), "--config", overlay)
	require.Eventually(t, func() bool {
		events, got := sink.counts()
		return events >= len(wantEvents) && got >= users
	}, 2*time.Minute, 50*time.Millisecond, "every event and every user arrives")
	t.Logf("every event and user arrived after %s", time.Since(started).Round(time.Millisecond))
	require.Eventually(t, func() bool { return srv.Stats().ProfileRequests >= users }, time.Minute, 100*time.Millisecond,
		"profiles are read")
	t.Logf("every profile read after %s", time.Since(started).Round(time.Millisecond))
	require.NoError(t, col.stop(t, syscall.SIGTERM))

	sink.mu.Lock()
	defer sink.mu.Unlock()
	assert.Len(t, sink.events, len(wantEvents), "every event")
	for _, id := range wantEvents {
		if !assert.Equal(t, 1, sink.events[id], "event %s once", id) {
			break
		}
	}
	assert.Len(t, sink.users, users, "every user")
	assert.Zero(t, sink.bodies, "body: omit: no record has a body")

	// What must not be there, in any string that arrived.
	email := regexp.MustCompile(`[^\s@"'<>()\[\],;:]+@[^\s@"'<>()\[\],;:]+\.[A-Za-z]{2,}`)
	ip := regexp.MustCompile(`(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d|2001:db8:`) // every address the fake's events use
	var names []string
	for _, id := range srv.UserIDs() {
		p, err := srv.Profile(id)
		require.NoError(t, err)
		full := strings.TrimSpace(fmt.Sprint(p["first_name"]) + " " + fmt.Sprint(p["last_name"]))
		names = append(names, full, fmt.Sprint(p["first_name"]), fmt.Sprint(p["last_name"]), fmt.Sprint(p["user_name"]))
	}
	for _, s := range sink.strs {
		if email.MatchString(s) {
			t.Fatalf("an email address arrived: %q", s)
		}
		if ip.MatchString(s) {
			t.Fatalf("an IP address arrived: %q", s)
		}
		for _, n := range names {
			if strings.Contains(s, n) {
				t.Fatalf("a user's name (%q) arrived: %q", n, s)
			}
		}
	}
	t.Logf("checked %d strings for %d names, emails and IP addresses", len(sink.strs), len(names))

	// Hashed, not dropped: a user's email and name arrive as the HMAC of the value.
	mac := func(v string) string {
		h := hmac.New(sha256.New, []byte(hmacKey))
		h.Write([]byte(v))
		return hex.EncodeToString(h.Sum(nil))
	}
	admin, err := srv.Profile(srv.UserID())
	require.NoError(t, err)
	emails, fullNames := sink.byKey["user.email"], sink.byKey["user.full_name"]
	require.NotEmpty(t, emails, "events name their users' emails, hashed")
	require.NotEmpty(t, fullNames)
	adminEmail := fmt.Sprint(docusigntest.AccountMembership(admin)["email"])
	assert.Contains(t, emails, mac(adminEmail), "the admin's email, hashed with the recipe's key")
	assert.Contains(t, fullNames, mac(strings.TrimSpace(fmt.Sprint(admin["first_name"])+" "+fmt.Sprint(admin["last_name"]))))
	assert.NotEmpty(t, sink.byKey["xdm.source.ipv4"], "the IPv4 attribute stays, hashed")
	assert.NotEmpty(t, sink.byKey["xdm.source.ipv6"], "the IPv6 attribute stays, hashed")
	assert.NotEmpty(t, sink.byKey["xdm.source.location.city"], "the location stays")
}
