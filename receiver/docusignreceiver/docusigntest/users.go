// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// MaxUsersTake is the largest take the users listing accepts; DefaultUsersTake applies when none is sent.
	MaxUsersTake     = 250
	DefaultUsersTake = 20
)

// The impersonated admin, as in the shared samples.
const (
	adminName      = "Ada Lovelace"
	adminFirstName = "Ada"
	adminLastName  = "Lovelace"
	adminEmail     = "ada@example.com"
	accountName    = "Example Corp"
)

// userStore is the organisation's users in creation order, each with its server-side modified time.
type userStore struct {
	list              []*userRecord
	byID              map[string]*userRecord
	ids               []string // ids in listing order, append-only: a cut of it is a snapshot events can read unlocked
	generated         int      // users created by AddUsers so far: the next generator index
	groupsEntitlement bool
	profileTimes      []time.Time // the server clock at each profile request (ProfileRequestTimes)
}

type userRecord struct {
	fields   map[string]any
	modified time.Time
	encoded  [2][]byte         // JSON without / with ds_groups; nil when stale
	profile  *profileOverrides // what ModifyProfile changed of the generated profile; nil: nothing
}

// encode returns the record's JSON, with ds_groups only when asked, as DocuSign does.
func (u *userRecord) encode(withGroups bool) ([]byte, error) {
	i := 0
	if withGroups {
		i = 1
	}
	if u.encoded[i] == nil {
		fields := u.fields
		if _, has := fields["ds_groups"]; has && !withGroups {
			fields = make(map[string]any, len(u.fields))
			for k, v := range u.fields {
				if k != "ds_groups" {
					fields[k] = v
				}
			}
		}
		b, err := marshal(fields)
		if err != nil {
			return nil, fmt.Errorf("user %v: %w", u.fields["id"], err)
		}
		u.encoded[i] = b
	}
	return u.encoded[i], nil
}

// putLocked adds a user or replaces the one with the same id (keeping its place in the order).
func (s *Server) putLocked(fields map[string]any, id string, now time.Time) {
	st := &s.users
	if st.byID == nil {
		st.byID = make(map[string]*userRecord)
	}
	if u, ok := st.byID[id]; ok {
		u.fields, u.modified, u.encoded = fields, now, [2][]byte{}
		return
	}
	u := &userRecord{fields: fields, modified: now}
	st.list = append(st.list, u)
	st.byID[id] = u
	st.ids = append(st.ids, id)
}

// AddUsers adds n generated users (deterministic from Seed); their modified time is Now(). The first
// user ever generated is the impersonated admin (UserID), member of Administrators.
func (s *Server) AddUsers(n int) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		k := s.users.generated
		s.users.generated++
		fields := s.generateUser(k)
		s.putLocked(fields, fields["id"].(string), now)
	}
}

// SetUser adds a user record or replaces the one with the same "id"; its modified time becomes Now().
func (s *Server) SetUser(raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil {
		return fmt.Errorf("user record is not a JSON object: %w", err)
	}
	if fields == nil {
		return errors.New("user record is null")
	}
	id, _ := fields["id"].(string)
	if id == "" {
		return errors.New(`user record has no string "id"`)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked(fields, id, now)
	return nil
}

// ModifyUser lets fn change the user's fields (not its "id", which is restored) and bumps its
// modified time to Now(). fn runs under the server's lock: it must not call the Server.
func (s *Server) ModifyUser(id string, fn func(u map[string]any)) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users.byID[id]
	if !ok {
		return fmt.Errorf("no user with id %q", id)
	}
	fn(u.fields)
	u.fields["id"] = id
	u.modified, u.encoded = now, [2][]byte{}
	return nil
}

// UserCount is the number of users in the organisation.
func (s *Server) UserCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users.list)
}

// UserIDs returns every user id in listing order.
func (s *Server) UserIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.users.ids)
}

// IsUser tells whether id is a user of the organisation (AddUsers, SetUser): generated Monitor events
// name such users, and, with Options.UnknownUserShare, some that are not. Users are never removed, so
// an id that is a user once stays one.
func (s *Server) IsUser(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.users.byID[id]
	return ok
}

// SetGroupsEntitlement controls whether include_ds_groups=true is allowed (default true); without
// the entitlement such a request gets 400 so a client can retry without groups.
func (s *Server) SetGroupsEntitlement(entitled bool) {
	s.mu.Lock()
	s.users.groupsEntitlement = entitled
	s.mu.Unlock()
}

type personName struct{ first, last, emailLocal string }

var personNames = []personName{
	{"Grace", "Hopper", "grace.hopper"},
	{"Alan", "Turing", "alan.turing"},
	{"José", "García", "jose.garcia"},
	{"Zoë", "Müller", "zoe.mueller"},
	{"Łukasz", "Nowak", "lukasz.nowak"},
	{"Søren", "Kierkegaard", "soren.kierkegaard"},
	{"美咲", "佐藤", "misaki.sato"},
	{"Amara", "Okafor", "amara.okafor"},
	{"Priya", "Raman", "priya.raman"},
	{"Liam", "O'Brien", "liam.obrien"},
	{"Chloé", "Lefèvre", "chloe.lefevre"},
	{"Mateus", "Araújo", "mateus.araujo"},
}

// generateUser builds generated user k, shaped like the Admin API's organisation user.
func (s *Server) generateUser(k int) map[string]any {
	r := newDetRand(s.opts.Seed, streamUser, uint64(k))
	id := userIDFor(s.opts.Seed, k, s.opts.UserID)
	first, last, email := adminFirstName, adminLastName, adminEmail
	if k > 0 {
		p := personNames[r.intn(len(personNames))]
		first, last, email = p.first, p.last, p.emailLocal+strconv.Itoa(k)+"@example.com"
	}
	created := time.Date(2024, 1, 2, 8, 0, 0, 0, time.UTC).
		Add(time.Duration(r.intn(600*24)) * time.Hour).Add(time.Duration(r.intn(3600*100)) * 10 * time.Millisecond)
	userStatus, membershipStatus := "active", "active"
	if k > 0 {
		switch p := r.intn(10); {
		case p == 0:
			userStatus, membershipStatus = "closed", "closed"
		case p == 1:
			userStatus, membershipStatus = "created", "activation_sent"
		case p == 2:
			membershipStatus = "activation_required"
		}
	}
	scim := k > 0 && r.chance(15)
	u := map[string]any{
		"id":                            id,
		"user_name":                     first + " " + last,
		"first_name":                    first,
		"last_name":                     last,
		"user_status":                   userStatus,
		"membership_status":             membershipStatus,
		"email":                         email,
		"created_on":                    created.Format(time.RFC3339Nano),
		"membership_created_on":         created.Format(time.RFC3339Nano),
		"membership_id":                 detGUID(s.opts.Seed, streamUser, uint64(k)|1<<40),
		"is_membership_managed_by_scim": scim,
		"is_managed_by_scim":            scim,
	}
	if userStatus == "closed" {
		closed := created.Add(time.Duration(1+r.intn(300)) * 24 * time.Hour).Format(time.RFC3339Nano)
		u["closed_on"], u["membership_closed_on"] = closed, closed
	}
	groups := []map[string]any{}
	if k == 0 {
		groups = append(groups, s.group("Administrators"))
	} else if userStatus != "closed" {
		for _, name := range groupNames[1:] {
			if r.chance(35) {
				groups = append(groups, s.group(name))
			}
		}
	}
	u["ds_groups"] = groups
	return u
}

// group is a DocuSign group of the account; its id is derived from its name so every member agrees.
func (s *Server) group(name string) map[string]any {
	return map[string]any{
		"ds_group_id": detGUID(s.opts.Seed, streamUser, fnv64(name)),
		"account_id":  s.opts.AccountID,
		"group_name":  name,
		"is_admin":    name == "Administrators",
	}
}

// usersQuery is a validated users listing request.
type usersQuery struct {
	start, take   int
	modifiedSince time.Time // zero: no filter
	email         string
	withGroups    bool
}

func (s *Server) parseUsersQuery(q url.Values) (usersQuery, string, string) {
	uq := usersQuery{take: DefaultUsersTake, email: q.Get("email")}
	accountID := q.Get("account_id")
	if accountID == "" && uq.email == "" && q.Get("organization_reserved_domain_id") == "" {
		return uq, "invalid_request", "one of account_id, email or organization_reserved_domain_id is required"
	}
	if accountID != "" && accountID != s.opts.AccountID {
		return uq, "invalid_request", fmt.Sprintf("account_id %q is not an account of the organization", accountID)
	}
	if v := q.Get("start"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return uq, "invalid_request", fmt.Sprintf("start %q must be a non-negative integer", v)
		}
		uq.start = n
	}
	if v := q.Get("take"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxUsersTake {
			return uq, "invalid_request", fmt.Sprintf("take %q must be an integer between 1 and %d", v, MaxUsersTake)
		}
		uq.take = n
	}
	if v := q.Get("last_modified_since"); v != "" {
		if accountID == "" && q.Get("organization_reserved_domain_id") == "" {
			return uq, "invalid_request", "last_modified_since needs account_id"
		}
		t, err := parseISOTime(v)
		if err != nil {
			return uq, "invalid_request", fmt.Sprintf("last_modified_since %q is not a date", v)
		}
		uq.modifiedSince = t.Truncate(24 * time.Hour) // the filter works at day granularity (UTC)
	}
	if v := q.Get("include_ds_groups"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return uq, "invalid_request", fmt.Sprintf("include_ds_groups %q must be true or false", v)
		}
		uq.withGroups = b
	}
	return uq, "", ""
}

// admitAdmin runs the checks every Admin API users endpoint makes, in DocuSign's order — GET only, a
// token with user_read, the organisation, then the user's admin rights — and answers the first that
// fails; what names the endpoint in the 405.
func (s *Server) admitAdmin(w http.ResponseWriter, r *http.Request, what string) bool {
	if r.Method != http.MethodGet {
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", what+" accepts GET only")
		return false
	}
	if !s.authorize(w, r, "user_read") {
		return false
	}
	if org := r.PathValue("org"); org != s.opts.OrganizationID {
		writeOAuthError(w, http.StatusNotFound, "not_found", fmt.Sprintf("organization %q not found", org))
		return false
	}
	return !s.denyAdmin(w)
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.UserRequests++ })
	if !s.admitAdmin(w, r, "the users listing") {
		return
	}
	q := r.URL.Query()
	uq, code, description := s.parseUsersQuery(q)
	if code != "" {
		writeOAuthError(w, http.StatusBadRequest, code, description)
		return
	}

	s.mu.Lock()
	if uq.withGroups && !s.users.groupsEntitlement {
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "missing_entitlement",
			"the organization lacks the entitlement needed for include_ds_groups")
		return
	}
	body := []byte(`{"users":[`)
	total, size := 0, 0
	var encodeErr error
	for _, u := range s.users.list {
		if u.modified.Before(uq.modifiedSince) || (uq.email != "" && !strings.EqualFold(fmt.Sprint(u.fields["email"]), uq.email)) {
			continue
		}
		if total >= uq.start && size < uq.take {
			enc, err := u.encode(uq.withGroups)
			if err != nil {
				encodeErr = err
				break
			}
			if size > 0 {
				body = append(body, ',')
			}
			body = append(body, enc...)
			size++
		}
		total++
	}
	s.mu.Unlock()
	if encodeErr != nil {
		writeOAuthError(w, http.StatusInternalServerError, "internal_error", encodeErr.Error())
		return
	}

	paging := map[string]any{
		"result_set_size":           size,
		"result_set_start_position": uq.start,
		"result_set_end_position":   uq.start + max(size-1, 0),
		"total_set_size":            total,
	}
	if uq.start+size < total {
		paging["next"] = pageURL(baseURL(r), r, q, uq.start+size)
	}
	if uq.start > 0 {
		paging["previous"] = pageURL(baseURL(r), r, q, max(uq.start-uq.take, 0))
	}
	s.hostileNext(r, q, paging, uq.start, uq.start+size, uq.take)
	pagingJSON, _ := marshal(paging) // a map of ints and strings always encodes
	body = append(body, `],"paging":`...)
	body = append(body, pagingJSON...)
	body = append(body, '}')
	writeBody(w, http.StatusOK, body)
}

// hostileNext rewrites paging.next as the request's hostile kind says, and counts it.
func (s *Server) hostileNext(r *http.Request, q url.Values, paging map[string]any, start, next, take int) {
	kind := hostileOf(r)
	switch kind {
	case HostileUsersNextBack:
		if start == 0 {
			return
		}
		paging["next"] = pageURL(baseURL(r), r, q, max(start-take, 0))
	case HostileUsersNextSelf:
		paging["next"] = pageURL(baseURL(r), r, q, start)
	case HostileUsersNextOffHost:
		paging["next"] = pageURL(s.ElsewhereURL(), r, q, next)
	default:
		return
	}
	s.count(func(st *Stats) { st.countHostile(kind, 1) })
}

// pageURL is the absolute URL of the same listing at another start, under base (scheme://host).
func pageURL(base string, r *http.Request, q url.Values, start int) string {
	next := url.Values{}
	for k, v := range q {
		next[k] = v
	}
	next.Set("start", strconv.Itoa(start))
	return base + r.URL.Path + "?" + next.Encode()
}
