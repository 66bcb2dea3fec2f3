// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"strconv"
)

// userPoolSize is how many distinct users act in generated events while the organisation has no
// users; user k of the pool has the same id as the k-th user created by AddUsers, and user 0 is the
// impersonated admin (Options.UserID).
const userPoolSize = 40

// eventUsers are the users generated events name: a snapshot of the organisation's ids when a page is
// encoded, and the share of ids that name no user. Without ids events name the pool.
type eventUsers struct {
	ids     []string // append-only in the store, so this cut never changes
	unknown float64
}

// eventUsers snapshots the organisation's users for the events of one page.
func (s *Server) eventUsers() eventUsers {
	s.mu.Lock()
	defer s.mu.Unlock()
	return eventUsers{ids: s.users.ids[:len(s.users.ids):len(s.users.ids)], unknown: s.opts.UnknownUserShare}
}

// pick draws the actor and the target of event pos from the users, a pure function of (seed, pos,
// number of users): each is a user but for the unknown share, which names an id of no user. It draws
// from its own sequence, so the rest of the event is the same with and without users.
func (u eventUsers) pick(seed int64, pos int) (actor, target string) {
	r := newDetRand(seed, streamEventUser, uint64(pos))
	draw := func(which uint64) string {
		share, k := r.float(), r.intn(len(u.ids)) // both drawn always: the share never shifts the choice
		if share < u.unknown {
			return detGUID(seed, streamUnknownUser, uint64(pos)<<1|which)
		}
		return u.ids[k]
	}
	actor = draw(0)
	return actor, draw(1)
}

// eventGenerator renders Monitor event number pos as JSON, a pure function of (seed, pos).
type eventGenerator struct {
	seed           int64
	accountID      string
	organizationID string
	integrationKey string
	otherAppKey    string
	userIDs        [userPoolSize]string
}

func newEventGenerator(seed int64, accountID, organizationID, integrationKey, adminUserID string) *eventGenerator {
	g := &eventGenerator{
		seed:           seed,
		accountID:      accountID,
		organizationID: organizationID,
		integrationKey: integrationKey,
		otherAppKey:    detGUID(seed, streamEvent, ^uint64(0)),
	}
	for k := range g.userIDs {
		g.userIDs[k] = userIDFor(seed, k, adminUserID)
	}
	return g
}

// userIDFor is the id of generated user k; user 0 is the impersonated admin.
func userIDFor(seed int64, k int, adminUserID string) string {
	if k == 0 {
		return adminUserID
	}
	return detGUID(seed, streamUserID, uint64(k))
}

func (g *eventGenerator) appendEventID(b []byte, pos int) []byte {
	r := newDetRand(g.seed, streamEventID, uint64(pos))
	return appendGUID(b, r.next(), r.next())
}

func (g *eventGenerator) eventID(pos int) string {
	return string(g.appendEventID(make([]byte, 0, 36), pos))
}

// client is one user agent with its parsed form, pre-encoded once because every event repeats it.
type client struct {
	source     string
	userAgent  string
	clientInfo string // JSON object or "" when DocuSign would not parse it
	device     string
	browser    string
	os         string
}

var clients = []client{
	{"Web", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
		`{"browser":{"family":"Chrome","version":{"major":"130","minor":"0","patch":"0"}},"device":{"family":"Other","brand":"","model":""},"os":{"family":"Windows","version":{"major":"10"}}}`,
		"Other", "Chrome 130.0.0", "Windows 10"},
	{"Web", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		`{"browser":{"family":"Safari","version":{"major":"18","minor":"1"}},"device":{"family":"Mac","brand":"Apple","model":"Mac"},"os":{"family":"Mac OS X","version":{"major":"14","minor":"6"}}}`,
		"Mac", "Safari 18.1", "Mac OS X 14.6"},
	{"Web", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
		`{"browser":{"family":"Firefox","version":{"major":"132","minor":"0"}},"device":{"family":"Other"},"os":{"family":"Ubuntu"}}`,
		"Other", "Firefox 132.0", "Ubuntu"},
	{"Web", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 Edg/129.0.2792.89",
		`{"browser":{"family":"Edge","version":{"major":"129","minor":"0","patch":"2792"}},"device":{"family":"Other","brand":"","model":""},"os":{"family":"Windows","version":{"major":"10"}}}`,
		"Other", "Edge 129.0.2792", "Windows 10"},
	{"Mobile", "DocuSign/5.21.0 (iPhone; iOS 18.1; Scale/3.00)",
		`{"browser":{"family":"DocuSign","version":{"major":"5","minor":"21","patch":"0"}},"device":{"family":"iPhone","brand":"Apple","model":"iPhone"},"os":{"family":"iOS","version":{"major":"18","minor":"1"}}}`,
		"iPhone", "DocuSign 5.21.0", "iOS 18.1"},
	{"Mobile", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.86 Mobile Safari/537.36",
		`{"browser":{"family":"Chrome Mobile","version":{"major":"130","minor":"0","patch":"6723"}},"device":{"family":"Pixel 8","brand":"Google","model":"Pixel 8"},"os":{"family":"Android","version":{"major":"14"}}}`,
		"Pixel 8", "Chrome Mobile 130.0.6723", "Android 14"},
	{"API", "DocuSign-CSharp-SDK/6.8.0/.NET 8.0", "", "", "", ""},
	{"API", "Swagger-Codegen/4.3.0/python", "", "", "", ""},
	{"API", "Go-http-client/1.1", "", "", "", ""},
}

// place is a location as DocuSign reports it (lower-case names), pre-encoded in both of its shapes.
type place struct {
	location string // ipAddressLocation object
	flat     string // the flattened latitude…country members, with a leading comma
}

func newPlace(lat, lon float64, country, state, city string) place {
	loc := []byte(`{"latitude":`)
	loc = strconv.AppendFloat(loc, lat, 'f', -1, 64)
	loc = append(loc, `,"longitude":`...)
	loc = strconv.AppendFloat(loc, lon, 'f', -1, 64)
	loc = appendStringField(loc, "country", country)
	loc = appendStringField(loc, "state", state)
	loc = appendStringField(loc, "city", city)
	loc = append(loc, '}')

	flat := []byte(`,"latitude":`)
	flat = strconv.AppendFloat(flat, lat, 'f', -1, 64)
	flat = append(flat, `,"longitude":`...)
	flat = strconv.AppendFloat(flat, lon, 'f', -1, 64)
	flat = appendStringField(flat, "city", city)
	flat = appendStringField(flat, "state", state)
	flat = appendStringField(flat, "country", country)
	return place{location: string(loc), flat: string(flat)}
}

var places = []place{
	newPlace(52.37, 4.89, "netherlands", "noord-holland", "amsterdam"),
	newPlace(48.14, 11.58, "germany", "bayern", "münchen"),
	newPlace(-23.55, -46.63, "brazil", "são paulo", "são paulo"),
	newPlace(35.68, 139.69, "japan", "東京都", "東京"),
	newPlace(50.06, 19.94, "poland", "małopolskie", "kraków"),
	newPlace(-33.87, 151.21, "australia", "new south wales", "sydney"),
	newPlace(40.71, -74.01, "united states", "new york", "new york"),
	newPlace(37.77, -122.42, "united states", "california", "san francisco"),
	newPlace(51.51, -0.13, "united kingdom", "england", "london"),
	newPlace(47.37, 8.54, "switzerland", "zürich", "zürich"),
	newPlace(43.65, -79.38, "canada", "ontario", "toronto"),
	newPlace(1.29, 103.85, "singapore", "", "singapore"),
}

var (
	alertNames     = []string{"IpAddressOutsideAllowedRanges", "TooManyLoginFailures", "CredentialLeakDetected", "SameSenderAndSigner"}
	severities     = []string{"Low", "Medium", "High"}
	accountFields  = []string{"EnableAccessCodeGenerator", "AllowSigningExtensions", "EnableSignerAttachments", "SessionTimeout"}
	permissionSets = []string{"DS Sender", "DS Viewer", "DS Admin", "Finance Approvers"}
	groupNames     = []string{"Administrators", "Everyone", "Finance", "Legal", "Sales Ops"}
	templateNames  = []string{"NDA – Mutual", "Offer Letter 2026", "Vendor Onboarding", "Änderungsvertrag"}
	voidReasons    = []string{"Signer requested changes", "Wrong recipient", "Duplicate envelope"}
	roleNames      = []string{"DS Sender", "DS Viewer", "DS Admin"}
	ipv4Prefixes   = []string{"192.0.2.", "198.51.100.", "203.0.113."}
)

type eventKind int

const (
	kindEnvelopeSent eventKind = iota
	kindEnvelopeCreated
	kindEnvelopeVoided
	kindLogin
	kindTemplateCreated
	kindGroupUserAdded
	kindPermissionSetUpdated
	kindAccountUpdated
	kindUserCreated
	kindAlert
)

// kindFor spreads kinds with realistic weights: mostly envelopes and logins, some admin, few alerts.
func kindFor(r *detRand) eventKind {
	switch p := r.intn(100); {
	case p < 24:
		return kindEnvelopeSent
	case p < 36:
		return kindEnvelopeCreated
	case p < 40:
		return kindEnvelopeVoided
	case p < 60:
		return kindLogin
	case p < 66:
		return kindTemplateCreated
	case p < 72:
		return kindGroupUserAdded
	case p < 77:
		return kindPermissionSetUpdated
	case p < 82:
		return kindAccountUpdated
	case p < 88:
		return kindUserCreated
	default:
		return kindAlert
	}
}

// appendEvent writes event number pos with the given timestamp as one JSON object, naming users.
func (g *eventGenerator) appendEvent(b []byte, pos int, ticks int64, users eventUsers) []byte {
	r := newDetRand(g.seed, streamEvent, uint64(pos))
	kind := kindFor(&r)
	cl := clients[r.intn(len(clients))]
	pl := places[r.intn(len(places))]
	actor := g.userIDs[r.intn(userPoolSize)]
	target := g.userIDs[r.intn(userPoolSize)]
	if len(users.ids) > 0 {
		actor, target = users.pick(g.seed, pos)
	}
	minimal := r.chance(8)

	object, action, result, property, field := "", "", "Success", "", ""
	source := cl.source
	switch kind {
	case kindEnvelopeSent:
		object, action = "Envelope", "Sent"
	case kindEnvelopeCreated:
		object, action = "Envelope", "Created"
	case kindEnvelopeVoided:
		object, action = "Envelope", "Voided"
	case kindLogin:
		object, action = "User", "Login"
		if r.chance(25) {
			result = "Failed"
		}
	case kindTemplateCreated:
		object, action = "Template", "Created"
	case kindGroupUserAdded:
		object, action = "Group", "UserAdded"
	case kindPermissionSetUpdated:
		object, action, property, field = "PermissionSet", "Updated", "PermissionProfile", "CanSendEnvelope"
	case kindAccountUpdated:
		object, action, property = "Account", "Updated", "AccountSettings"
		field = accountFields[r.intn(len(accountFields))]
	case kindUserCreated:
		object, action = "User", "Created"
	case kindAlert:
		object, action, result, source = "Alert", alertNames[r.intn(len(alertNames))], "", "Other"
	}
	if kind != kindAlert && r.chance(3) {
		result = "" // DocuSign leaves result empty for some operations
	}

	b = append(b, `{"timestamp":"`...)
	b = appendTimestamp(b, ticks)
	b = append(b, `","eventId":"`...)
	b = g.appendEventID(b, pos)
	b = append(b, `","site":"NA4"`...)
	if kind == kindAlert || (kind == kindLogin && r.chance(30)) {
		b = appendStringField(b, "accountId", "")
	} else {
		b = appendStringField(b, "accountId", g.accountID)
	}
	b = appendStringField(b, "organizationId", g.organizationID)
	b = appendStringField(b, "userId", actor)
	if !minimal {
		appKey := ""
		if source == "API" {
			appKey = g.integrationKey
			if r.chance(40) {
				appKey = g.otherAppKey
			}
		}
		b = appendStringField(b, "integratorKey", appKey)
		if kind == kindAlert {
			b = appendStringField(b, "userAgent", "")
		} else {
			b = appendStringField(b, "userAgent", cl.userAgent)
			if cl.clientInfo != "" {
				b = append(b, `,"userAgentClientInfo":`...)
				b = append(b, cl.clientInfo...)
			}
		}
	}
	b = append(b, `,"ipAddress":"`...)
	b = appendIP(b, &r)
	b = append(b, '"')
	if !minimal {
		b = append(b, `,"ipAddressLocation":`...)
		b = append(b, pl.location...)
	}
	b = appendStringField(b, "object", object)
	b = appendStringField(b, "action", action)
	if !minimal {
		b = appendStringField(b, "property", property)
		b = appendStringField(b, "field", field)
	}
	b = appendStringField(b, "result", result)
	b = appendStringField(b, "source", source)
	if !minimal && kind != kindAlert {
		affected := ""
		if kind == kindGroupUserAdded || kind == kindUserCreated {
			affected = target
		}
		b = appendStringField(b, "referencedUserId", "")
		b = appendStringField(b, "affectedUserId", affected)
		if r.chance(30) {
			b = appendBoolField(b, "isUserMemberOfDomain", r.chance(80))
			b = appendBoolField(b, "affectedUserIsMemberOfDomain", affected != "")
		}
		if r.chance(4) {
			b = appendStringField(b, "proxyStatus", "Suspected")
			b = appendStringField(b, "proxyType", "VPN")
			b = appendStringField(b, "proxyLevel", "Medium")
		} else {
			b = append(b, `,"proxyStatus":"","proxyType":"","proxyLevel":""`...)
		}
		if cl.clientInfo != "" && r.chance(50) {
			b = append(b, pl.flat...)
			b = appendStringField(b, "device", cl.device)
			b = appendStringField(b, "browser", cl.browser)
			b = appendStringField(b, "os", cl.os)
		}
	}
	b = append(b, `,"data":{`...)
	b = g.appendData(b, kind, pos, result, target, &r)
	return append(b, '}', '}')
}

// appendData writes the members of the event's data object: strings, or arrays of strings.
func (g *eventGenerator) appendData(b []byte, kind eventKind, pos int, result, target string, r *detRand) []byte {
	mark := len(b)
	switch kind {
	case kindEnvelopeSent, kindEnvelopeCreated, kindEnvelopeVoided:
		b = appendGUIDField(b, "EnvelopeId", r)
		if kind == kindEnvelopeVoided {
			b = appendStringField(b, "VoidedReason", voidReasons[r.intn(len(voidReasons))])
		}
		if kind == kindEnvelopeSent && r.chance(30) {
			b = appendStringField(b, "RecipientCount", strconv.Itoa(1+r.intn(5)))
		}
	case kindLogin:
		if result == "Failed" && r.chance(50) {
			b = appendStringField(b, "FailureReason", "InvalidCredentials")
		}
	case kindTemplateCreated:
		b = appendGUIDField(b, "TemplateId", r)
		b = appendStringField(b, "TemplateName", templateNames[r.intn(len(templateNames))])
	case kindGroupUserAdded:
		b = appendGUIDField(b, "GroupId", r)
		b = appendStringField(b, "GroupName", groupNames[r.intn(len(groupNames))])
		b = appendStringField(b, "AffectedUserId", target)
	case kindPermissionSetUpdated:
		b = appendGUIDField(b, "PermissionProfileId", r)
		b = appendStringField(b, "PermissionProfileName", permissionSets[r.intn(len(permissionSets))])
		b = appendStringField(b, "OldValue", "false")
		b = appendStringField(b, "NewValue", "true")
	case kindAccountUpdated:
		b = appendStringField(b, "AccountId", g.accountID)
		b = appendStringField(b, "OldValue", "false")
		b = appendStringField(b, "NewValue", "true")
	case kindUserCreated:
		b = appendStringField(b, "AffectedUserId", target)
		b = append(b, `,"Roles":[`...)
		for i, n := 0, 1+r.intn(2); i < n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, roleNames[(i+pos)%len(roleNames)])
		}
		b = append(b, ']')
	case kindAlert:
		if !r.chance(10) { // some alerts come without a severity
			b = appendStringField(b, "Severity", severities[r.intn(len(severities))])
		}
		refs := min(1+r.intn(3), pos)
		b = appendStringField(b, "Count", strconv.Itoa(refs+r.intn(20)))
		b = append(b, `,"EventIds":[`...)
		for i := 1; i <= refs; i++ {
			if i > 1 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = g.appendEventID(b, pos-i)
			b = append(b, '"')
		}
		b = append(b, ']')
	}
	if len(b) > mark {
		b = append(b[:mark], b[mark+1:]...) // the first member has no leading comma
	}
	return b
}

func appendIP(b []byte, r *detRand) []byte {
	if r.chance(20) {
		b = append(b, "2001:db8:"...)
		b = strconv.AppendUint(b, uint64(1+r.intn(0xfffe)), 16)
		b = append(b, ':')
		b = strconv.AppendUint(b, uint64(1+r.intn(0xfffe)), 16)
		b = append(b, "::"...)
		return strconv.AppendUint(b, uint64(1+r.intn(0xfffe)), 16)
	}
	b = append(b, ipv4Prefixes[r.intn(len(ipv4Prefixes))]...)
	return strconv.AppendInt(b, int64(1+r.intn(254)), 10)
}

func appendGUIDField(b []byte, key string, r *detRand) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":"`...)
	b = appendGUID(b, r.next(), r.next())
	return append(b, '"')
}

func appendStringField(b []byte, key, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

func appendBoolField(b []byte, key string, value bool) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return strconv.AppendBool(b, value)
}

// appendJSONString quotes s for JSON; UTF-8 passes through unchanged, as DocuSign sends it.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		clean = s[i] >= 0x20 && s[i] != '"' && s[i] != '\\'
	}
	if clean { // the common case: copy in one go
		b = append(b, s...)
		return append(b, '"')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
