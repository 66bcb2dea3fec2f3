// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package docusigntest is a fake DocuSign for tests, benchmarks and the offline demo: one
// net/http/httptest server that speaks the OAuth JWT grant (/oauth/token, /oauth/userinfo,
// /oauth/auth), the Monitor v2 stream (/api/v2.0/datasets/monitor/stream), the Admin API
// organisation users listing (/management/v2/organizations/{org}/users) and per-user profile
// drill-down (/management/v2.1/organizations/{org}/users/{user}/dsprofile and …/users/dsprofile?email=),
// with fault injection.
//
// Base URLs for a receiver under test: auth_endpoint and monitor endpoint = Server.URL(),
// users endpoint = Server.URL()+"/management". The token endpoint accepts as JWT audience the bare
// host:port of URL() (Audience) and the real OAuth host of the simulated Options.Environment
// (RealAudience: account-d.docusign.com for demo, the default), so an official SDK reaching the
// server through a TLS front authenticates; the other environment's OAuth host answers invalid_grant.
//
// Monitor events are generated lazily from (Seed, stream position): the store keeps one int64
// timestamp per event, so a 1,000,000-event backlog costs about 8 MB and a page is encoded on
// demand with an append-based writer. Once the organisation has users, an event's actor (userId) and
// target (affectedUserId, data.AffectedUserId) are drawn from them, a pure function of (Seed, position,
// user count), but for Options.UnknownUserShare of ids that are no user (IsUser tells); without users
// they come from a fixed pool of 40 ids, those of the first 40 users AddUsers would create.
//
// A user's profile (profiles.go) is rendered per request: the fields it shares with the user record
// (names, user_status, created_on, the membership's email, status and groups) come from the record, the
// rest is generated from the user id and groups (a few organisation admins, the impersonated admin among
// them; most requiring two-step verification; some federated), and ModifyProfile and SetLastLogin lay
// changes over it.
//
// Behaviour chosen where DocuSign's is not documented:
//   - Cursors are opaque strings shaped like DocuSign's, aa_<ticks>_<ticks>_<position>, where
//     ticks are .NET 100 ns ticks of the last event served (or of the time boundary the cursor
//     was minted from) and position is the stream index of the next event. A held cursor stays
//     valid as the store grows. A cursor that does not parse or does not match the store → 400.
//   - Caught up (no event at or after the cursor): data is [] and endCursor is the cursor sent;
//     for an empty or ISO-8601 cursor the equivalent opaque cursor is minted instead.
//   - limit outside 1..2000 or not a number → 400; take outside 1..250 → 400.
//   - Retention: events older than Now()−7 days are never served; a cursor pointing before
//     the window resumes at the oldest retained event.
//   - Token errors: an alg other than RS256 and a signature that the app's key does not verify
//     both answer no_valid_keys_or_signatures; a scope list without "impersonation" answers
//     invalid_grant; a scope outside Options.Scopes (or SetConsentRequired(true)) answers
//     consent_required.
//   - The Monitor stream needs a token with scope "signature"; the users listing and the profile
//     drill-down need "user_read"; otherwise 403 USER_LACKS_PERMISSIONS.
//   - Profiles: an unknown user id answers 404 not_found ({"error","error_description"}, as an
//     unknown organisation does); an email of no user answers 200 with an empty users list. License
//     fields (license_type, subscription_id, plan_name) only with include_license=true; sort is
//     accepted and ignored. federated_status is "federated" or "not_federated" (DocuSign's values are
//     not documented). A profile-only change (ModifyProfile) does not modify the user record, so
//     last_modified_since does not reveal it.
//   - X-RateLimit-Remaining counts down per account and clock hour (X-RateLimit-Reset is the next
//     hour), X-BurstLimit-Remaining per 30 s; 429s for a used-up window only with
//     Options.EnforceRateLimit, so long benchmarks never trip it. SpendRateLimit(n) uses up n requests
//     of the current hour's window, as the account's other clients would (the burst window is left
//     alone): the next API response's X-RateLimit-Remaining is n lower.
//   - userinfo lists the default account (is_default "true", with the organisation) and after it each
//     account AddUserInfoAccount added (is_default "false", with its organisation unless none was
//     given); only userinfo knows those: the APIs serve the default account and organisation alone.
//   - Users: AddUsers/SetUser/ModifyUser stamp a server-side modified time of Now();
//     last_modified_since compares it with the given instant truncated to its UTC day.
//   - Every response (OAuth, userinfo, APIs, errors, faults, 404s) carries a Date header from the server
//     clock (Options.Now), not the wall clock, so a client measures its clock skew against the fake.
//   - Monitor access (SetMonitorAccess). MonitorNoAddOn (the account lacks the Monitor add-on): both
//     streams, lens and organisation, answer 403 {"errorCode":"MONITOR_NOT_ENABLED","message":…"no
//     Monitor add-on"}. MonitorSeveralOrganizations (the user administers several organisations): the
//     lens stream answers 403 {"errorCode":"USER_IN_MULTIPLE_ORGANIZATIONS","message":"the user belongs
//     to more than one organization…"}, the organisation stream still serves. DocuSign does not document
//     its codes for these: codes and messages are the fake's choice. The 403 comes after the token
//     checks (a bad token answers 401, a token without "signature" USER_LACKS_PERMISSIONS) and is an
//     API request like any stream request.
//   - Admin access (SetAdminAccess). AdminNotOrganizationAdmin: the users listing and both profile
//     drill-downs answer 403 in the Admin API's shape, {"error":"not_organization_admin",
//     "error_description":"user … is not an administrator of organization …"} (the fake's choice), after
//     the token checks and the organisation check (an unknown organisation still answers 404).
//   - "API requests" (faults RateLimitNext/TruncateNext/ResetNext, rate-limit headers) are the
//     Monitor streams (lens and organisation) and Admin API endpoints (users listing, profiles);
//     FailNext and SetLatency apply to every path.
//
// Hostile mode (hostile.go) adds the ways DocuSign, or a proxy in front of it, can hurt a client:
// garbage rate-limit headers, hostile 429s, redirects off host, endless, oversized and lying bodies,
// error pages echoing the Authorization header, non-advancing cursors, cycling paging links and token
// endpoint faults. Each Hostile kind is armed for the next n requests it applies to (ArmHostile) or
// drawn at random (SetChaos); hostile records (NaN coordinates, deep nesting, malformed and oversized
// events) are stream positions (AppendHostileMonitorEvents). Redirects and off-host links point to a
// second, recording host (ElsewhereURL, ElsewhereRequests).
package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
