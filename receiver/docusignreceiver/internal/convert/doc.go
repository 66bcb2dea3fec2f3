// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package convert turns DocuSign Monitor stream pages and Admin API user records into pdata log
// records. It knows DocuSign's field names and nothing of HTTP or checkpoints.
//
// Decoding is built for the Monitor hot path. A strict hand-written scanner (eight bytes at a time
// through strings) turns each event into a reused, pointer-free tape of tokens; pdata is then
// built from the tape with every map and slice allocated once at its exact size. There is no
// intermediate map[string]any. Each event's text is copied once into shared 32 KiB blocks and
// every string value is a substring of that copy (so the caller's buffer is never retained).
// Events of a page share a few structures: for a structure seen before, a zero-valued template
// is copied and filled in order (every key checked), and the attributes likewise come from a
// template per set of attributes present, which skips pcommon.Map's per-key duplicate search.
// Attributes are derived from fields captured off the tape, without reading the body back.
//
// # Body
//
// The record as a map, every field kept with its JSON type: string → Str, integer literal that
// fits int64 → Int, any other number → Double (a number beyond float64 → Str of its text, flagged),
// true/false → Bool, null → empty Value, object → Map, array → Slice. Duplicate keys: last wins.
// Invalid UTF-8 and lone surrogates become U+FFFD (as encoding/json does). An object of more than
// 256 members keeps every member but not their order (pcommon.Map's Put would make it quadratic).
//
// # Monitor event
//
//	Timestamp            timestamp (RFC 3339, up to 9 fractional digits, kept to the ns; no zone = UTC)
//	ObservedTimestamp    the observed argument
//	EventName            docusign.monitor.event
//	Severity             object "Alert": data.Severity Low→INFO, High→ERROR, Medium/none/other→WARN,
//	                     SeverityText = data.Severity ("" when none);
//	                     otherwise result Failed→WARN, anything else→INFO, SeverityText = result ("" when none).
//	                     Words match case-insensitively.
//	xdm.event.id, log.record.uid          eventId
//	xdm.event.type                        "Monitor Events"
//	xdm.event.operation                   action: Created→CREATE, Updated→UPDATE, Deleted→DELETE, else upper-cased
//	xdm.event.original_event_type         action
//	xdm.event.outcome                     result upper-cased (Success→SUCCESS, Failed→FAILED)
//	xdm.source.user.identifier, user.id   userId
//	xdm.source.ipv4 | xdm.source.ipv6     ipAddress by family (net/netip; IPv4-mapped IPv6 counts as IPv6)
//	client.address                        ipAddress, only when it parses
//	xdm.source.user_agent, user_agent.original   userAgent
//	xdm.source.host.os                    os, else userAgentClientInfo.os: "family major.minor"
//	xdm.network.http.browser              browser, else userAgentClientInfo.browser: "family major.minor"
//	xdm.source.location.country|region|city   ipAddressLocation.country|state|city, else country|state|city
//	xdm.source.location.latitude|longitude, geo.location.lat|lon (Double)
//	                                      ipAddressLocation.latitude|longitude, else latitude|longitude
//	                                      (JSON numbers or strings in JSON number syntax; NaN, infinities,
//	                                      |latitude| > 90 and |longitude| > 180 are flagged, not emitted)
//	geo.locality.name                     the city above
//	xdm.target.resource.type              object
//	xdm.target.resource.id                data[object+"Id"] (EnvelopeId, TemplateId, GroupId, UserId,
//	                                      PermissionSetId, AccountId, …), then by object:
//	                                      User → data.AffectedUserId, affectedUserId;
//	                                      PermissionSet → data.PermissionProfileId; Account → accountId
//	xdm.target.user.identifier            affectedUserId, else referencedUserId, else data.AffectedUserId
//	xdm.observer.name | type              site | source
//	xdm.observer.vendor | product         "DocuSign" | "Monitor"
//	xdm.alert.name | severity             alerts only: action | data.Severity
//	docusign.account.id | organization.id | integrator_key   accountId | organizationId | integratorKey
//
// An empty string is "not set": it stays in the body but no attribute is emitted for it.
//
// An event that cannot be fully converted is kept and flagged: attribute docusign.conversion.error
// lists the reasons ("; "-separated, each naming the field): timestamp missing/not a string/not
// RFC 3339/out of range (Timestamp then stays 0), eventId missing/empty/not a string, ipAddress not
// an IP address (kept in the body only), data/userAgentClientInfo/ipAddressLocation not an object,
// an attribute source field of the wrong JSON type, a number beyond float64, a latitude or
// longitude that is not a finite number in range, or an event that is not an object at all
// (body = the raw event text as Str).
//
// An event that cannot be tokenized is kept as its raw text (Str body, invalid UTF-8 as U+FFFD)
// with only EventName, ObservedTimestamp and docusign.conversion.error set: "event nested deeper
// than 512 levels", "event has more than 131072 values", "event is not valid JSON: <what> at byte
// offset <n> of the event", or, once a page's events hold more than 1,048,576 values in all
// (containers count four), "event kept as text: the page has more than 1048576 values". The page
// goes on with the next event; only damage to the page's own structure fails it.
//
// # Pages
//
// AppendMonitorPage decodes a page, SkimEndCursor finds its endCursor without decoding events,
// and StreamSkimmer finds the endCursor, the event count and the first event's id and timestamp
// from a stream of chunks in constant memory (for a page too large to hold). DecodeUsersPage
// splits an Admin API users page into each user's raw text (for AdminUser and UserDigest) and
// its paging fields. Values outside the events and users are stepped over with no depth limit.
//
// # Admin user
//
//	Timestamp, ObservedTimestamp          the observed argument (a user record has no modified time)
//	EventName                             docusign.admin.user
//	Severity                              not set (the mapping has none)
//	xdm.event.type                        "Users"
//	xdm.event.operation                   the operation argument: CREATE | UPDATE | SNAPSHOT
//	xdm.target.user.identifier, user.id   id
//	xdm.target.user.username, user.name   user_name
//	xdm.target.user.upn, user.email       email
//	xdm.target.user.first_name | last_name   first_name | last_name
//	xdm.target.user.groups                Slice of ds_groups[].group_name (empty Slice when ds_groups is [];
//	                                      not set when ds_groups is absent)
//	xdm.target.user.is_disabled           Bool: user_status ≠ "active" (case-insensitive); not set without user_status
//	docusign.user.status | membership.status   user_status | membership_status
//	user.full_name                        first_name + " " + last_name trimmed, else user_name
package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
