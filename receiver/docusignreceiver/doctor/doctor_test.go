// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package doctor

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// setup is one collector configuration with a docusign receiver pointed at a fake DocuSign.
type setup struct {
	srv         *docusigntest.Server
	dir         string
	environment string
	key         []byte // PEM; nil → the fake's own
	integration string // "" → the fake's
	accountID   string // "" → the fake's
	storage     string // the receiver's storage key; "" → file_storage/docusign, "-" → none
	profiles    bool
	monitorOff  bool
	extra       string // more receiver keys, indented by four spaces
}

func newSetup(t *testing.T, opts docusigntest.Options) *setup {
	t.Helper()
	srv := docusigntest.NewServer(opts)
	t.Cleanup(srv.Close)
	srv.AddUsers(3)
	return &setup{srv: srv, dir: t.TempDir(), environment: "demo"}
}

// write writes the configuration file and returns its path.
func (s *setup) write(t *testing.T) string {
	t.Helper()
	key := s.key
	if key == nil {
		key = s.srv.PrivateKeyPEM()
	}
	keyPath := filepath.Join(s.dir, "private.pem")
	require.NoError(t, os.WriteFile(keyPath, key, 0o600))
	storageKey, extensions, service := "    storage: file_storage/docusign\n",
		"extensions:\n  file_storage/docusign:\n    directory: "+filepath.Join(s.dir, "storage")+"\n    create_directory: true\n",
		"  extensions: [file_storage/docusign]\n"
	switch s.storage {
	case "-":
		storageKey, extensions, service = "", "", ""
	case "":
	default:
		storageKey = "    storage: " + s.storage + "\n"
	}
	cfg := fmt.Sprintf(`%sreceivers:
  docusign:
    environment: %s
    integration_key: %s
    user_id: %s
    private_key_file: %s
    auth_endpoint: %s
%s    monitor:
      enabled: %v
      endpoint: %s
    users:
      enabled: true
      endpoint: %s/management
      organization_id: %s
      account_id: %s
      profiles:
        enabled: %v
%sexporters:
  debug: {}
service:
%s  pipelines:
    logs:
      receivers: [docusign]
      exporters: [debug]
`, extensions, s.environment, or(s.integration, s.srv.IntegrationKey()), s.srv.UserID(), keyPath, s.srv.URL(), storageKey,
		!s.monitorOff, s.srv.URL(), s.srv.URL(), s.srv.OrganizationID(), or(s.accountID, s.srv.AccountID()), s.profiles, s.extra, service)
	path := filepath.Join(s.dir, "collector.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// doctor runs Main and returns its exit status and output, with what differs between runs (the
// fake's address, the temporary directory, trace tokens) replaced by placeholders.
func (s *setup) doctor(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(append([]string{"--config", s.write(t)}, args...), &out, &errOut)
	return code, s.normalize(out.String()), s.normalize(errOut.String())
}

var traceToken = regexp.MustCompile(`trace token [0-9a-fA-F-]+`)

func (s *setup) normalize(text string) string {
	text = strings.ReplaceAll(text, s.srv.URL(), "http://FAKE")
	text = strings.ReplaceAll(text, strings.TrimPrefix(s.srv.URL(), "http://"), "FAKE")
	text = strings.ReplaceAll(text, s.dir, "DIR")
	return traceToken.ReplaceAllString(text, "trace token T")
}

// The fake's ids, as every report names them.
const (
	user    = docusigntest.DefaultUserID
	account = docusigntest.DefaultAccountID
	org     = docusigntest.DefaultOrganizationID
)

func otherKeyPEM(t *testing.T, bits int) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

func TestHealthyConfigurationIsAllGreen(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.profiles = true
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitOK, code)
	assert.Equal(t, `docusign
  ✔ config       valid: environment demo, monitor (lens stream), users (organisation `+org+`, account `+account+`), profiles (300 requests an hour)
  ✔ private_key  RSA 2048 bits, from DIR/private.pem
  ✔ clock        in step with DocuSign (within 30 s)
  ✔ token        JWT grant accepted for user `+user+`, scopes signature impersonation user_read organization_read
  ✔ userinfo     user `+user+`: 1 account(s) `+account+`, organisation(s) `+org+`
  ✔ monitor      the lens stream answered a page of one event
  ✔ users        the users listing of organisation `+org+` answered for account `+account+`
  ✔ profiles     the admin profile of user `+user+` answered
  ✔ storage      file_storage/docusign: directory DIR/storage will be created (create_directory)
  ✔ rate_limit   2997 of 3000 API requests left this hour
`, out)
	st := s.srv.Stats()
	assert.Equal(t, 1, st.TokensIssued, "one token")
	assert.Equal(t, 1, st.UserInfoRequests)
	assert.Equal(t, 1, st.MonitorRequests)
	assert.Equal(t, 1, st.UserRequests)
	assert.Equal(t, 1, st.ProfileRequests)
}

func TestConsentRequiredPrintsTheConsentLink(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.srv.SetConsentRequired(true)
	s.extra = "    redirect_uri: https://example.com/callback\n"
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Equal(t, `docusign
  ✔ config       valid: environment demo, monitor (lens stream), users (organisation `+org+`, account `+account+`)
  ✔ private_key  RSA 2048 bits, from DIR/private.pem
  ✔ clock        in step with DocuSign (within 30 s)
  ✘ token        consent_required: the user has not granted consent to the integration
      fix: open this link signed in as the user to impersonate (`+user+`) and accept, or have an organisation administrator grant admin consent to the app: http://FAKE/oauth/auth?response_type=code&scope=signature%20impersonation%20user_read%20organization_read&client_id=`+docusigntest.DefaultIntegrationKey+`&redirect_uri=https%3A%2F%2Fexample.com%2Fcallback
  - userinfo     skipped: needs a token
  - monitor      skipped: needs a token
  - users        skipped: needs a token
  - profiles     skipped: users.profiles.enabled is false
  ✔ storage      file_storage/docusign: directory DIR/storage will be created (create_directory)
  - rate_limit   skipped: no API request was answered
`, out)
}

func TestWrongKeyPairPointsAtTheAppsKeys(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.key = otherKeyPEM(t, 2048)
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, `
  ✘ token        no_valid_keys_or_signatures: the assertion is not RS256-signed by a key of the integration
      fix: the private key is not one of the app's RSA key pairs in demo (account-d.docusign.com): generate a pair on the app (Apps and Keys → the app → Service Integration → Generate RSA) and use its private key
  - userinfo     skipped: needs a token
`)
}

func TestWrongEnvironmentPointsAtEnvironmentAndIds(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.environment = "production" // the fake is DocuSign's demo environment
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, `
  ✘ token        invalid_grant: aud "account.docusign.com" is the OAuth host of DocuSign's production environment; this server simulates demo (account-d.docusign.com)
      fix: check user_id (the impersonated user's GUID, Apps and Keys → My Account Information → User ID), that integration_key and user_id belong to production (account.docusign.com) (environment), audience if set, and this host's clock
`)
}

func TestUnknownIntegrationKey(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.integration = "0badc0de-0000-4000-8000-000000000000"
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, `
  ✘ token        issuer_not_found: no integration key "0badc0de-0000-4000-8000-000000000000" (iss)
      fix: integration_key is not an app of DocuSign's demo (account-d.docusign.com) environment: copy it from Apps and Keys, or set environment: production if the app is live there
`)
}

func TestProductionKeyBeforeGoLive(t *testing.T) {
	s := newSetup(t, docusigntest.Options{Environment: docusigntest.EnvironmentProduction})
	s.environment = "production"
	s.integration = "0badc0de-0000-4000-8000-000000000000" // not live in production yet
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, `
  ✘ token        issuer_not_found: no integration key "0badc0de-0000-4000-8000-000000000000" (iss)
      fix: DocuSign's production environment does not know integration_key: the app has not passed Go-Live, or its production settings are missing — start the Go-Live review in the developer account (Apps and Keys → the app → Actions → Start Go-Live Review), then add its RSA key pair and redirect URI in production
`)
}

func TestAccountNotTheUsers(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.accountID = "99999999-0000-4000-8000-000000000000"
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, `
  ✘ userinfo     users.account_id 99999999-0000-4000-8000-000000000000 is not one of the user's accounts (`+account+`)
      fix: set users.account_id to the API Account ID of the account to list (Apps and Keys → My Account Information): one of `+account+`
`)
}

func TestKeyProblemsAreReportedOnceByPrivateKey(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.key = otherKeyPEM(t, 1024)
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	lines := strings.Split(out, "\n")
	assert.True(t, strings.HasPrefix(lines[1], "  ✔ config"), "the key's problem is not the config check's: %s", lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "  ✘ private_key  private_key_file: docusign private key"), lines[2])
	assert.Contains(t, lines[2], "1024")
	assert.Equal(t, "      fix: generate a new RSA key pair on the app (Apps and Keys → the app → Generate RSA): DocuSign's are 2048 bits", lines[3])
	assert.Equal(t, "  - clock        skipped: needs a valid configuration and key", lines[4])
	assert.Equal(t, "  - token        skipped: needs a valid configuration and key", lines[5])
	assert.Equal(t, 1, strings.Count(out, "1024"), "once")
	assert.Zero(t, s.srv.Stats().TokensIssued+s.srv.Stats().TokenRejected, "nothing sent with a bad key")
}

func TestInvalidConfigurationNamesEveryKeyAndSkipsTheRest(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.extra = "    timeout: -1s\n"
	s.accountID = " "
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, "  ✘ config       timeout: must not be negative, got -1s; users.account_id: required when users.enabled is true\n")
	assert.Contains(t, out, "  - token        skipped: needs a valid configuration and key\n")
	assert.Contains(t, out, `
  - monitor      skipped: needs a valid configuration
  - users        skipped: needs a valid configuration
  - profiles     skipped: needs a valid configuration
`, "every check has its line")
	assert.Equal(t, 11, strings.Count(out, "\n")-strings.Count(out, "fix:"), "the receiver line and ten checks")
	assert.Zero(t, s.srv.Stats().TokensIssued+s.srv.Stats().TokenRejected)
}

func TestMissingStorageExtension(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.storage = "file_storage/missing"
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, `
  ✘ storage      storage names file_storage/missing, which is not configured under extensions
      fix: add file_storage/missing under extensions (e.g. file_storage with a directory) and list it in service.extensions
`)
	s.storage = "-"
	code, out, _ = s.doctor(t)
	assert.Equal(t, ExitOK, code, "a warning is not a failure")
	assert.Contains(t, out, "  ! storage      storage is not set: checkpoints live in memory")
}

func TestJSONHasEveryCheckOfEveryReceiver(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.monitorOff = true
	code, out, _ := s.doctor(t, "--json")
	assert.Equal(t, ExitOK, code)
	var findings []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &findings))
	require.Len(t, findings, 10)
	var checks []string
	for _, f := range findings {
		assert.Equal(t, "docusign", f["receiver"])
		assert.Contains(t, []any{"ok", "skip", "warn", "fail"}, f["status"])
		assert.Contains(t, f, "fix", "fix is always present")
		checks = append(checks, f["check"].(string))
	}
	assert.Equal(t, []string{"config", "private_key", "clock", "token", "userinfo", "monitor", "users", "profiles", "storage", "rate_limit"}, checks)
	assert.Equal(t, map[string]any{"receiver": "docusign", "check": "monitor", "status": "skip", "detail": "skipped: monitor.enabled is false", "fix": ""}, findings[5])
}

func TestSecretsNeverAppear(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.srv.SetConsentRequired(true)
	key := string(s.srv.PrivateKeyPEM())
	for _, args := range [][]string{nil, {"--json"}} {
		_, out, errOut := s.doctor(t, args...)
		for _, line := range strings.Split(key, "\n")[1:5] {
			assert.NotContains(t, out+errOut, line)
		}
		assert.NotContains(t, out+errOut, "eyJ", "no JWT or token")
	}
}

func TestCannotRunExitsTwo(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	path := s.write(t)
	malformed := filepath.Join(s.dir, "malformed.yaml")
	require.NoError(t, os.WriteFile(malformed, []byte("receivers: [docusign\n"), 0o600))
	none := filepath.Join(s.dir, "none.yaml")
	require.NoError(t, os.WriteFile(none, []byte("receivers:\n  otlp: {}\n"), 0o600))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--config is required"},
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"--config", filepath.Join(s.dir, "absent.yaml")}, "cannot be read"},
		{[]string{"--config", malformed}, "malformed.yaml"},
		{[]string{"--config", none}, "has no docusign receiver under receivers"},
		{[]string{"--config", path, "--receiver", "docusign/other"}, `has no receiver "docusign/other"; its docusign receivers: docusign`},
	} {
		var out, errOut bytes.Buffer
		assert.Equal(t, ExitCannotRun, Main(tc.args, &out, &errOut), "%v", tc.args)
		assert.Contains(t, errOut.String(), tc.want, "%v", tc.args)
		assert.Empty(t, out.String())
	}
	var out bytes.Buffer
	assert.Equal(t, ExitOK, Main([]string{"--version"}, &out, &out))
	assert.Equal(t, "docusign-doctor "+Version+"\n", out.String())
}

func TestEnvironmentVariablesAreResolvedAsTheCollectorDoes(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	path := s.write(t)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	templ := strings.Replace(string(data), "user_id: "+user, "user_id: ${env:DOCTOR_TEST_USER}", 1)
	templ = strings.Replace(templ, "account_id: "+account, "account_id: ${DOCTOR_TEST_ACCOUNT}", 1)
	require.NoError(t, os.WriteFile(path, []byte(templ), 0o600))
	t.Setenv("DOCTOR_TEST_USER", user)
	t.Setenv("DOCTOR_TEST_ACCOUNT", account)
	var out, errOut bytes.Buffer
	assert.Equal(t, ExitOK, Main([]string{"--config", path}, &out, &errOut), out.String()+errOut.String())
}

// The doctor's version is the distribution's: one release carries both.
func TestVersionIsTheDistributions(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "builder-config.yaml"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^  version: `+regexp.QuoteMeta(Version)+`$`, string(data))
}

func TestMonitorWithoutTheAddOn(t *testing.T) {
	s := newSetup(t, docusigntest.Options{Environment: docusigntest.EnvironmentProduction})
	s.environment = "production"
	s.srv.SetMonitorAccess(docusigntest.MonitorNoAddOn)
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, `
  ✘ monitor      monitor stream: HTTP 403: MONITOR_NOT_ENABLED: DocuSign Monitor is not enabled for this account: the account has no Monitor add-on (trace token T)
      fix: the account has no DocuSign Monitor add-on, which production Monitor needs: ask your DocuSign account manager to enable it
  ✔ users        the users listing of organisation `+org+` answered for account `+account+`
`)
}

func TestMonitorLensStreamRefusesAnAdminOfSeveralOrganisations(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.srv.SetMonitorAccess(docusigntest.MonitorSeveralOrganizations)
	s.srv.AddUserInfoAccount("6b2d3e4f-0000-4c5d-8e6f-223344556677", "d00dfeed-2222-4333-8444-555566667777", "Second")
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, `
  ✔ userinfo     user `+user+`: 2 account(s) `+account+`, 6b2d3e4f-0000-4c5d-8e6f-223344556677, organisation(s) `+org+`, d00dfeed-2222-4333-8444-555566667777
  ✘ monitor      monitor stream: HTTP 403: USER_IN_MULTIPLE_ORGANIZATIONS: the user belongs to more than one organization, so the datasets stream cannot choose one: use /v1/organizations/{organizationId}/stream (trace token T)
      fix: the user administers several organisations and the lens stream serves only one: set monitor.stream: organization and monitor.organization_id (or users.organization_id), or impersonate a user of one organisation
`)

	// The fix works: the organisation stream of the users organisation.
	s.extra = "    # the organisation stream\n"
	path := s.write(t)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(data), "      enabled: true\n      endpoint: "+s.srv.URL()+"\n",
		"      enabled: true\n      stream: organization\n      endpoint: "+s.srv.URL()+"\n", 1)), 0o600))
	var buf, errBuf bytes.Buffer
	assert.Equal(t, ExitOK, Main([]string{"--config", path}, &buf, &errBuf), buf.String()+errBuf.String())
	assert.Contains(t, s.normalize(buf.String()), "  ✔ monitor      the organization stream answered a page of one event\n")
}

func TestUsersRefusedForANonAdministrator(t *testing.T) {
	s := newSetup(t, docusigntest.Options{})
	s.srv.SetAdminAccess(docusigntest.AdminNotOrganizationAdmin)
	s.profiles = true
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, `
  ✔ monitor      the lens stream answered a page of one event
  ✘ users        users list: HTTP 403: not_organization_admin: user "`+user+`" is not an administrator of organization "`+org+`" (trace token T)
      fix: user_id must be an administrator of the organisation (DocuSign Admin → Users → the user → Administrator) with consent to user_read and organization_read
  ✘ profiles     user profile: HTTP 403: not_organization_admin: user "`+user+`" is not an administrator of organization "`+org+`" (trace token T)
      fix: user_id must be an administrator of the organisation (DocuSign Admin → Users → the user → Administrator) with consent to user_read and organization_read
`)
}

func TestUsersRefusedWithoutTheScope(t *testing.T) {
	// Consent for Monitor only: the token is refused the users scopes.
	s := newSetup(t, docusigntest.Options{Scopes: []string{"signature", "impersonation"}})
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, "  ✘ token        consent_required: consent does not cover scope \"user_read\"\n")
	assert.Contains(t, out, "scope=signature%20impersonation%20user_read%20organization_read")
}

func TestClockSkew(t *testing.T) {
	for _, tc := range []struct {
		name   string
		offset time.Duration
		want   string
		code   int
	}{
		{"ahead of this host: fail", 10 * time.Minute, `
  ✘ clock        this host's clock is 10m0s behind DocuSign's: DocuSign refuses the JWTs this host signs
      fix: synchronise this host's clock (NTP: timedatectl set-ntp true, or chrony); the JWT's iat and exp come from it
`, ExitFailed},
		{"a minute: warn", -time.Minute, `
  ! clock        this host's clock is 1m0s ahead of DocuSign's: a JWT's iat could be refused
      fix: synchronise this host's clock (NTP: timedatectl set-ntp true, or chrony); the JWT's iat and exp come from it
`, ExitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, docusigntest.Options{Now: func() time.Time { return time.Now().Add(tc.offset) }})
			code, out, _ := s.doctor(t)
			assert.Contains(t, out, tc.want)
			assert.Contains(t, out, "  ✔ token ", "within what DocuSign tolerates, the grant still works")
			assert.Equal(t, tc.code, code)
		})
	}
}

func TestRateLimitNearlySpentWarns(t *testing.T) {
	s := newSetup(t, docusigntest.Options{RateLimit: 1000})
	s.srv.SpendRateLimit(950)
	code, out, _ := s.doctor(t)
	assert.Equal(t, ExitOK, code, "a warning")
	assert.Contains(t, out, `
  ! rate_limit   48 of 1000 API requests left this hour
      fix: other integrations of this account are using its hourly budget: the receiver slows down to stay within it, but events arrive late; lower their polling or ask DocuSign for a higher limit
`)
}
