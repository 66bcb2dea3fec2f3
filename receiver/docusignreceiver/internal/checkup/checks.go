// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkup // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkup"

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/headers"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
)

// Plan is what the checks need of one receiver, resolved by the receiver's own configuration code.
type Plan struct {
	Receiver     string
	Production   bool    // environment: production (Go-Live and the Monitor add-on apply)
	ConfigErrors []error // what Validate says, the private key's problems excepted: private_key reports those
	Summary      string  // the configuration in one line, for a passing config check
	LoadKey      func() (*rsa.PrivateKey, error)
	KeySource    string      // where the key comes from: a file path or "private_key"
	Auth         auth.Config // the token source's settings, less PrivateKey, HTTPClient and Now
	HTTP         *http.Client
	Timeout      time.Duration
	Userinfo     Membership // what the user's accounts must include
	Probes       []Probe    // one per check of a source: monitor, users, profiles
	Storage      Finding    // decided from the whole collector configuration
}

// Membership is what userinfo must show: the account and the organisations the configuration names.
type Membership struct {
	AccountID       string            // users.account_id; "" when not needed
	OrganizationIDs map[string]string // id → the key that names it
}

// Probe is one source's check: a disabled source has Disabled set and no Run.
type Probe struct {
	Check    string
	Disabled string // why it does not run, e.g. "users.enabled is false"
	OK       string // what a success says
	Run      func(ctx context.Context, client *api.Client) error
}

// The bounds of the checks.
const (
	clockWarn      = 30 * time.Second
	clockFail      = 5 * time.Minute
	budgetWarnPart = 0.10
)

// Run runs every check of plan, in report order.
func Run(ctx context.Context, plan Plan) []Finding {
	r := &run{plan: plan}
	r.config()
	key := r.privateKey()
	token, tokenErr := r.tokenStep(ctx, key)
	r.clock()
	r.addToken(tokenErr)
	client := r.client(token)
	r.userinfo(ctx, client, token)
	for _, check := range []string{CheckMonitor, CheckUsers, CheckProfiles} {
		i := slices.IndexFunc(plan.Probes, func(p Probe) bool { return p.Check == check })
		if i < 0 { // the configuration did not get as far as its sources
			r.add(check, Skip, "skipped: needs a valid configuration", "")
			continue
		}
		r.probe(ctx, client, token, plan.Probes[i])
	}
	storage := plan.Storage
	storage.Receiver, storage.Check = plan.Receiver, CheckStorage
	r.findings = append(r.findings, storage)
	r.rateLimit()
	return r.findings
}

type run struct {
	plan     Plan
	findings []Finding
	configOK bool
	keyOK    bool
	tokens   *auth.TokenSource
	dates    dateRecorder
	budgetMu sync.Mutex
	budget   headers.Budget
	requests int
}

func (r *run) add(check string, status Status, detail, fix string) {
	r.findings = append(r.findings, Finding{Receiver: r.plan.Receiver, Check: check, Status: status, Detail: detail, Fix: fix})
}

func (r *run) config() {
	if len(r.plan.ConfigErrors) > 0 {
		var msgs []string
		for _, err := range r.plan.ConfigErrors {
			msgs = append(msgs, err.Error())
		}
		r.add(CheckConfig, Fail, strings.Join(msgs, "; "),
			"correct each key named above in this receiver's configuration (README: Configuration)")
		return
	}
	r.configOK = true
	r.add(CheckConfig, OK, "valid: "+r.plan.Summary, "")
}

func (r *run) privateKey() *rsa.PrivateKey {
	key, err := r.plan.LoadKey()
	if err != nil {
		r.add(CheckPrivateKey, Fail, err.Error(), keyFix(err))
		return nil
	}
	r.keyOK = true
	r.add(CheckPrivateKey, OK, fmt.Sprintf("RSA %d bits, from %s", key.N.BitLen(), r.plan.KeySource), "")
	return key
}

func keyFix(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "one is required"), strings.Contains(msg, "set exactly one"):
		return "set private_key_file to the PEM file of the app's RSA private key (or private_key to its text, e.g. ${env:DOCUSIGN_PRIVATE_KEY}), not both"
	case strings.Contains(msg, "cannot read"):
		return "make the file readable by the collector's user (mode 0600, owned by it) or fix the path"
	case strings.Contains(msg, "bits"):
		return "generate a new RSA key pair on the app (Apps and Keys → the app → Generate RSA): DocuSign's are 2048 bits"
	}
	return "use the private key DocuSign showed when you generated the app's RSA key pair: " +
		"PEM, \"-----BEGIN RSA PRIVATE KEY-----\" (PKCS#1) or \"-----BEGIN PRIVATE KEY-----\" (PKCS#8)"
}

// tokenStep asks for a token; it is reported after clock, which its answer measures.
func (r *run) tokenStep(ctx context.Context, key *rsa.PrivateKey) (string, error) {
	if !r.configOK || !r.keyOK {
		return "", errSkipped
	}
	cfg := r.plan.Auth
	cfg.PrivateKey = key
	r.dates.base = transportOf(r.plan.HTTP)
	tokenHTTP := *r.plan.HTTP
	tokenHTTP.Transport = &r.dates
	cfg.HTTPClient = &tokenHTTP
	tokens, err := auth.NewTokenSource(cfg)
	if err != nil {
		return "", err
	}
	r.tokens = tokens
	return tokens.Token(ctx)
}

var errSkipped = errors.New("skipped")

func (r *run) clock() {
	skew, ok := r.dates.skew()
	switch {
	case !ok && (!r.configOK || !r.keyOK):
		r.add(CheckClock, Skip, "skipped: needs a valid configuration and key", "")
	case !ok:
		r.add(CheckClock, Skip, "skipped: DocuSign sent no Date header (or did not answer)", "")
	case skew.Abs() > clockFail:
		r.add(CheckClock, Fail, describeSkew(skew)+": DocuSign refuses the JWTs this host signs", clockFixText)
	case skew.Abs() > clockWarn:
		r.add(CheckClock, Warn, describeSkew(skew)+": a JWT's iat could be refused", clockFixText)
	default:
		r.add(CheckClock, OK, "in step with DocuSign (within 30 s)", "")
	}
}

const clockFixText = "synchronise this host's clock (NTP: timedatectl set-ntp true, or chrony); the JWT's iat and exp come from it"

// describeSkew says how far the host's clock is from DocuSign's, to the nearest 10 s: the Date
// header has whole seconds.
func describeSkew(skew time.Duration) string {
	d := skew.Abs().Round(10 * time.Second)
	if skew > 0 {
		return fmt.Sprintf("this host's clock is %s ahead of DocuSign's", d)
	}
	return fmt.Sprintf("this host's clock is %s behind DocuSign's", d)
}

func (r *run) addToken(err error) {
	switch {
	case errors.Is(err, errSkipped):
		r.add(CheckToken, Skip, "skipped: needs a valid configuration and key", "")
		return
	case err == nil:
		r.add(CheckToken, OK, "JWT grant accepted for user "+r.plan.Auth.UserID+", scopes "+strings.Join(r.plan.Auth.Scopes, " "), "")
		return
	}
	var ae *auth.Error
	if !errors.As(err, &ae) {
		r.add(CheckToken, Fail, err.Error(), "check auth_endpoint, proxy_url and this host's network route to DocuSign's OAuth service")
		return
	}
	detail := ae.Code
	if detail == "" && ae.StatusCode != 0 {
		detail = fmt.Sprintf("HTTP %d", ae.StatusCode)
	}
	if ae.Description != "" {
		detail = strings.TrimPrefix(detail+": "+ae.Description, ": ")
	}
	if ae.Snippet != "" {
		detail += fmt.Sprintf(": body %q", ae.Snippet)
	}
	if detail == "" {
		detail = err.Error()
	}
	r.add(CheckToken, Fail, detail, r.tokenFix(ae))
}

func (r *run) tokenFix(ae *auth.Error) string {
	env := "demo (account-d.docusign.com)"
	if r.plan.Production {
		env = "production (account.docusign.com)"
	}
	switch ae.Code {
	case auth.CodeConsentRequired:
		return "open this link signed in as the user to impersonate (" + r.plan.Auth.UserID + ") and accept, " +
			"or have an organisation administrator grant admin consent to the app: " + r.consentURL()
	case auth.CodeIssuerNotFound:
		if r.plan.Production {
			return "DocuSign's production environment does not know integration_key: the app has not passed Go-Live, " +
				"or its production settings are missing — start the Go-Live review in the developer account " +
				"(Apps and Keys → the app → Actions → Start Go-Live Review), then add its RSA key pair and redirect URI in production"
		}
		return "integration_key is not an app of DocuSign's " + env + " environment: copy it from Apps and Keys, " +
			"or set environment: production if the app is live there"
	case auth.CodeNoValidKeysOrSignature:
		return "the private key is not one of the app's RSA key pairs in " + env + ": generate a pair on the app " +
			"(Apps and Keys → the app → Service Integration → Generate RSA) and use its private key"
	case auth.CodeInvalidGrant:
		return "check user_id (the impersonated user's GUID, Apps and Keys → My Account Information → User ID), " +
			"that integration_key and user_id belong to " + env + " (environment), audience if set, and this host's clock"
	case auth.CodeUserNotFound:
		return "user_id is not a user of DocuSign's " + env + " environment: copy the User ID from Apps and Keys"
	}
	if ae.StatusCode == 0 || ae.StatusCode >= 500 || ae.StatusCode == http.StatusTooManyRequests {
		return "DocuSign's OAuth service or the network failed: check auth_endpoint, proxy_url and the route to DocuSign, then run the doctor again"
	}
	return "check that environment (or auth_endpoint) points at DocuSign's OAuth service"
}

func (r *run) consentURL() string {
	if r.tokens != nil && r.tokens.ConsentURL() != "" {
		return r.tokens.ConsentURL()
	}
	a := r.plan.Auth
	return auth.ConsentURL(a.OAuthBaseURL, a.IntegrationKey, a.RedirectURI, a.Scopes)
}

// client is the API client the receiver would use, observing each answer's rate-limit budget.
func (r *run) client(token string) *api.Client {
	if token == "" {
		return nil
	}
	httpClient := &http.Client{Transport: &auth.Transport{Source: r.tokens, Base: transportOf(r.plan.HTTP)}, CheckRedirect: api.SameHostRedirect}
	return api.New(httpClient, api.WithTimeout(r.plan.Timeout), api.WithoutSpreading(), api.WithObserver(func(o api.Outcome) {
		r.budgetMu.Lock()
		defer r.budgetMu.Unlock()
		r.requests++
		if o.RateLimit.Limit > 0 && o.RateLimit.HasRemaining {
			r.budget = o.RateLimit
		}
	}))
}

// userinfo reads the user's accounts: the configured account and organisations must be among them.
func (r *run) userinfo(ctx context.Context, client *api.Client, token string) {
	if token == "" {
		r.add(CheckUserinfo, Skip, "skipped: needs a token", "")
		return
	}
	resp, err := client.Get(ctx, "userinfo", strings.TrimRight(r.plan.Auth.OAuthBaseURL, "/")+"/oauth/userinfo")
	if err != nil {
		r.add(CheckUserinfo, Fail, failure(err), "check auth_endpoint and the route to DocuSign's OAuth service")
		return
	}
	defer resp.Release()
	var info struct {
		Sub      string `json:"sub"`
		Accounts []struct {
			AccountID    string `json:"account_id"`
			AccountName  string `json:"account_name"`
			Organization *struct {
				OrganizationID string `json:"organization_id"`
			} `json:"organization"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal(resp.Body, &info); err != nil {
		r.add(CheckUserinfo, Fail, fmt.Sprintf("userinfo is not DocuSign's JSON (trace token %s): %v; body starts %q", resp.TraceToken, err, redact.Snippet(resp.Body)),
			"check auth_endpoint: it must be DocuSign's OAuth service")
		return
	}
	var accounts, orgs []string
	for _, a := range info.Accounts {
		accounts = append(accounts, a.AccountID)
		if a.Organization != nil && a.Organization.OrganizationID != "" && !slices.Contains(orgs, a.Organization.OrganizationID) {
			orgs = append(orgs, a.Organization.OrganizationID)
		}
	}
	want := r.plan.Userinfo
	if want.AccountID != "" && !slices.Contains(accounts, want.AccountID) {
		r.add(CheckUserinfo, Fail, fmt.Sprintf("users.account_id %s is not one of the user's accounts (%s)", want.AccountID, listOr(accounts)),
			"set users.account_id to the API Account ID of the account to list (Apps and Keys → My Account Information): one of "+listOr(accounts))
		return
	}
	for _, id := range slices.Sorted(maps.Keys(want.OrganizationIDs)) {
		if !slices.Contains(orgs, id) {
			key := want.OrganizationIDs[id]
			r.add(CheckUserinfo, Fail, fmt.Sprintf("%s %s is not the organisation of any of the user's accounts (%s)", key, id, listOr(orgs)),
				"set "+key+" to the organisation id shown in DocuSign Admin (Organization overview): one of "+listOr(orgs))
			return
		}
	}
	r.add(CheckUserinfo, OK, fmt.Sprintf("user %s: %d account(s) %s, organisation(s) %s", info.Sub, len(accounts), listOr(accounts), listOr(orgs)), "")
}

func listOr(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

func (r *run) probe(ctx context.Context, client *api.Client, token string, p Probe) {
	switch {
	case p.Disabled != "":
		r.add(p.Check, Skip, "skipped: "+p.Disabled, "")
		return
	case token == "":
		r.add(p.Check, Skip, "skipped: needs a token", "")
		return
	}
	err := p.Run(ctx, client)
	if err == nil {
		r.add(p.Check, OK, p.OK, "")
		return
	}
	r.add(p.Check, Fail, failure(err), r.probeFix(p.Check, err))
}

// failure says what DocuSign answered, without the API error's generic hint: the fix line is specific.
func failure(err error) string {
	var ae *api.Error
	if !errors.As(err, &ae) || ae.StatusCode == 0 {
		return err.Error()
	}
	parts := []string{fmt.Sprintf("%s: HTTP %d", ae.Op, ae.StatusCode)}
	for _, p := range []string{ae.Code, ae.Message} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if ae.Snippet != "" {
		parts = append(parts, fmt.Sprintf("body %q", ae.Snippet))
	}
	detail := strings.Join(parts, ": ")
	if ae.TraceToken != "" {
		detail += " (trace token " + ae.TraceToken + ")"
	}
	return detail
}

// probeFix explains a source's refusal: DocuSign says little more than 403.
func (r *run) probeFix(check string, err error) string {
	var ae *api.Error
	if !errors.As(err, &ae) {
		return "the answer was not what DocuSign sends: check the endpoint overrides (monitor.endpoint, users.endpoint) and any proxy in between"
	}
	said := strings.ToLower(ae.Code + " " + ae.Message)
	lacksScope := strings.Contains(said, "scope")
	switch {
	case ae.StatusCode == http.StatusForbidden && lacksScope:
		return "consent does not cover the scopes this receiver asks for (" + strings.Join(r.plan.Auth.Scopes, " ") +
			"): grant consent again with " + r.consentURL()
	case ae.StatusCode == http.StatusForbidden && check == CheckMonitor && strings.Contains(said, "organi"):
		return "the user administers several organisations and the lens stream serves only one: " +
			"set monitor.stream: organization and monitor.organization_id (or users.organization_id), or impersonate a user of one organisation"
	case ae.StatusCode == http.StatusForbidden && check == CheckMonitor:
		if r.plan.Production {
			return "the account has no DocuSign Monitor add-on, which production Monitor needs: ask your DocuSign account manager to enable it"
		}
		return "the user may not read Monitor: make it an administrator of the organisation, and on production enable the Monitor add-on"
	case ae.StatusCode == http.StatusForbidden:
		return "user_id must be an administrator of the organisation (DocuSign Admin → Users → the user → Administrator) " +
			"with consent to user_read and organization_read"
	case ae.StatusCode == http.StatusNotFound:
		return "DocuSign does not know the organisation: check users.organization_id (DocuSign Admin → Organization) and the endpoint overrides"
	case ae.StatusCode == http.StatusUnauthorized:
		return "the token was refused: check that integration_key, user_id and the key pair belong to this environment"
	case ae.StatusCode == http.StatusBadRequest:
		return "DocuSign refused the request: check users.account_id, the organisation and the endpoint overrides"
	}
	return "DocuSign or the network failed: run the doctor again; if it persists, send DocuSign support the trace token above"
}

func (r *run) rateLimit() {
	r.budgetMu.Lock()
	b, n := r.budget, r.requests
	r.budgetMu.Unlock()
	switch {
	case n == 0:
		r.add(CheckRateLimit, Skip, "skipped: no API request was answered", "")
	case b.Limit <= 0:
		r.add(CheckRateLimit, Skip, "skipped: DocuSign sent no rate-limit headers", "")
	case float64(b.Remaining) < budgetWarnPart*float64(b.Limit):
		r.add(CheckRateLimit, Warn, fmt.Sprintf("%d of %d API requests left this hour", b.Remaining, b.Limit),
			"other integrations of this account are using its hourly budget: the receiver slows down to stay within it, "+
				"but events arrive late; lower their polling or ask DocuSign for a higher limit")
	default:
		r.add(CheckRateLimit, OK, fmt.Sprintf("%d of %d API requests left this hour", b.Remaining, b.Limit), "")
	}
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// dateRecorder keeps the Date of the first answer, with the local time it arrived.
type dateRecorder struct {
	base  http.RoundTripper
	mu    sync.Mutex
	sent  time.Time
	got   time.Time
	date  time.Time
	known bool
}

func (d *dateRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := time.Now()
	resp, err := d.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	got := time.Now()
	if date, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
		d.mu.Lock()
		if !d.known {
			d.sent, d.got, d.date, d.known = sent, got, date, true
		}
		d.mu.Unlock()
	}
	return resp, nil
}

// skew is how far ahead of DocuSign this host's clock is: the answer's Date against the middle of
// the round trip, the Date taken as the middle of its second.
func (d *dateRecorder) skew() (time.Duration, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.known {
		return 0, false
	}
	local := d.sent.Add(d.got.Sub(d.sent) / 2)
	return local.Sub(d.date.Add(500 * time.Millisecond)), true
}
