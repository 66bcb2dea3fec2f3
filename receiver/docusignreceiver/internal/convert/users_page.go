// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"strconv"
	"strings"
	"unsafe"
)

const docUsersPage = "users page"

// maxPageUsers bounds the users of one page (the API returns at most 250): a page of millions of
// tiny records would cost gigabytes once each is converted.
const maxPageUsers = 10_000

// UsersPage is one Admin API users listing response.
type UsersPage struct {
	Users        []User // in page order, each tokenized once
	Next         string // paging.next; "" when absent or null
	TotalSetSize int    // paging.total_set_size, when HasTotal
	HasTotal     bool
}

// DecodeUsersPage decodes an Admin API users page ({"users": [ … ], "paging": { … }}) into its
// users, each tokenized once (identity and digest now, the record on User.Append), and the paging
// fields. A user that is nested too deep, holds too many values or is not valid JSON is still
// returned, identified by its content (Append then makes a flagged record of its text), so one
// bad user never fails the page. The tokens of a page's users are kept up to maxPageValues in all;
// a user beyond that is tokenized again by Append. total_set_size is a non-negative integer, as a JSON number or a
// numeric string. The first "users" and "paging" keys (and the first of each paging field) count.
//
// A page whose structure is damaged (not an object, truncated, unbalanced brackets, anything
// but ',' between users), without "users" or "paging", with paging fields of the wrong type or
// with more than 10 000 users returns a *DecodeError. body is only read during the call.
func DecodeUsersPage(body []byte) (UsersPage, error) {
	var d decoder
	d.reset(docUsersPage, unsafe.String(unsafe.SliceData(body), len(body))) // read-only for the call
	var page UsersPage
	var users []span
	if !d.usersPage(&page, &users) {
		return UsersPage{}, d.err
	}
	n := 0
	for _, u := range users {
		n += u.end - u.start
	}
	raw := make([]byte, 0, n)
	page.Users = make([]User, len(users))
	ud := newUserDecoder()
	for i, u := range users {
		from := len(raw)
		raw = append(raw, body[u.start:u.end]...)
		// Raw is capped, so appending to one never overwrites the next; the record's text is a
		// string of its own, which the caller cannot change under the tokens.
		page.Users[i] = ud.user(raw[from:len(raw):len(raw)], ud.arena.copy(d.src[u.start:u.end]))
	}
	return page, nil
}

// span is a [start, end) range of the input.
type span struct{ start, end int }

func (d *decoder) usersPage(page *UsersPage, users *[]span) bool {
	d.ws()
	if d.peek() != '{' {
		return d.fail(d.pos, "page is not a JSON object")
	}
	d.pos++
	d.ws()
	seenUsers, seenPaging := false, false
	if d.peek() == '}' {
		d.pos++
	} else {
		for {
			k, ok := d.key()
			if !ok {
				return false
			}
			switch {
			case k == "users" && !seenUsers:
				seenUsers = true
				ok = d.users(users)
			case k == "paging" && !seenPaging:
				seenPaging = true
				ok = d.paging(page)
			default:
				ok = d.skip()
			}
			if !ok {
				return false
			}
			more, ok := d.afterMember('}')
			if !ok {
				return false
			}
			if !more {
				break
			}
		}
	}
	d.ws()
	if d.pos < len(d.src) {
		return d.fail(d.pos, "unexpected data after the users page")
	}
	if !seenUsers && !seenPaging {
		return d.fail(0, `page has neither "users" nor "paging"`)
	}
	return true
}

// users finds the extent of each element of the users array at d.pos.
func (d *decoder) users(users *[]span) bool {
	switch d.peek() {
	case '[':
	case 'n':
		return d.literal("null")
	default:
		return d.fail(d.pos, "users is not an array")
	}
	d.pos++
	d.ws()
	if d.peek() == ']' {
		d.pos++
		return true
	}
	for {
		if len(*users) == maxPageUsers {
			return d.fail(d.pos, "page has more than "+strconv.Itoa(maxPageUsers)+" users")
		}
		start := d.pos
		if !d.extent() {
			return false
		}
		if d.pos == start {
			return d.fail(d.pos, "expected a JSON value")
		}
		*users = append(*users, span{start, d.pos})
		more, ok := d.afterMember(']')
		if !ok || !more {
			return ok
		}
	}
}

// paging reads the paging object at d.pos.
func (d *decoder) paging(page *UsersPage) bool {
	switch d.peek() {
	case '{':
	case 'n':
		return d.literal("null")
	default:
		return d.fail(d.pos, "paging is not an object")
	}
	d.pos++
	d.ws()
	if d.peek() == '}' {
		d.pos++
		return true
	}
	seenNext, seenTotal := false, false
	for {
		k, ok := d.key()
		if !ok {
			return false
		}
		switch {
		case k == "next" && !seenNext:
			seenNext = true
			ok = d.nextLink(page)
		case k == "total_set_size" && !seenTotal:
			seenTotal = true
			ok = d.totalSetSize(page)
		default:
			ok = d.skip()
		}
		if !ok {
			return false
		}
		more, ok := d.afterMember('}')
		if !ok || !more {
			return ok
		}
	}
}

// nextLink reads paging.next: a string or null.
func (d *decoder) nextLink(page *UsersPage) bool {
	switch d.peek() {
	case '"':
		s, ok := d.str()
		page.Next = strings.Clone(s) // s may point into the borrowed body
		return ok
	case 'n':
		return d.literal("null")
	}
	return d.fail(d.pos, "paging.next is not a string")
}

// totalSetSize reads paging.total_set_size: a non-negative integer as a number or a string, or null.
func (d *decoder) totalSetSize(page *UsersPage) bool {
	at := d.pos
	var text string
	switch c := d.peek(); {
	case c == 'n':
		return d.literal("null")
	case c == '"':
		s, ok := d.str()
		if !ok {
			return false
		}
		text = s
	case c == '-' || '0' <= c && c <= '9':
		raw, _, ok := d.number()
		if !ok {
			return false
		}
		text = raw
	}
	n, err := strconv.Atoi(text)
	if err != nil || text == "" || strings.IndexFunc(text, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return d.fail(at, "paging.total_set_size is not a non-negative integer")
	}
	page.TotalSetSize, page.HasTotal = n, true
	return true
}
