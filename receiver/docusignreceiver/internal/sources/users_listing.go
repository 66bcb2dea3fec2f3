// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package sources // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sources"

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
)

// listing pages through the Admin API's organisation users: start/take, DocuSign's paging.next when
// it stays on the configured endpoint, and the fallbacks a hostile or quirky answer needs.
type listing struct {
	opts   UsersOptions
	deps   source.Deps
	base   string
	origin *url.URL // scheme, host and path prefix a followed paging.next must keep
	// groups asks for ds_groups; it turns off for good when the organisation lacks the entitlement.
	groups     bool
	warnedNext bool
}

// pageCursor is where a listing stands: the next page's start, or the link DocuSign gave for it.
type pageCursor struct {
	start int
	next  string // paging.next for that page, when it may be followed
	// followed holds the links this listing followed; one seen again is a cycle, after which the
	// listing pages with start/take.
	followed map[string]bool
	noNext   bool
	take     int // 0: the page size; smaller after a page over the cap
}

// takeOr is the page size to ask for.
func (c *pageCursor) takeOr(pageSize int) int {
	if c.take > 0 {
		return c.take
	}
	return pageSize
}

func newListing(opts UsersOptions, deps source.Deps) *listing {
	origin, _ := url.Parse(opts.BaseURL) // validated with the configuration
	return &listing{opts: opts, deps: deps, base: strings.TrimRight(opts.BaseURL, "/"), origin: origin, groups: true}
}

// fetch gets the page c stands at: dropping include_ds_groups when the organisation lacks it, and
// halving take while a page exceeds api.MaxPageBytes (at take 1 the one user there is skipped).
func (l *listing) fetch(ctx context.Context, c *pageCursor, since time.Time) (convert.UsersPage, error) {
	for {
		rawURL := c.next
		if rawURL == "" {
			rawURL = l.usersURL(c, since)
		}
		resp, err := l.deps.Client.Get(ctx, usersOp, rawURL)
		switch {
		case err == nil:
		case l.groups && lacksGroupsEntitlement(err):
			l.groups, c.next = false, ""
			l.deps.Logger.Info("The organisation lacks the entitlement for include_ds_groups; listing users without groups (xdm.target.user.groups stays unset)",
				zap.Error(err))
			continue
		case errors.Is(err, api.ErrTooLarge):
			l.shrink(c)
			continue
		default:
			return convert.UsersPage{}, err
		}
		page, err := convert.DecodeUsersPage(resp.Body)
		if err != nil {
			return convert.UsersPage{}, listingError(c.start, resp.TraceToken, resp.Body, err)
		}
		return page, nil
	}
}

// shrink halves the page asked for after a page larger than api.MaxPageBytes, paging with start/take
// from then on; at take 1 it skips the one user there.
func (l *listing) shrink(c *pageCursor) {
	take := c.takeOr(l.opts.PageSize)
	c.next, c.noNext = "", true // a next link carries its own take
	t := l.deps.Telemetry
	if take > 1 {
		c.take = take / 2
		t.Anomaly("oversized_page")
		l.deps.Logger.Warn("Users page larger than the page cap; asking again with a smaller take",
			zap.Int("start", c.start), zap.Int("take", c.take), zap.Int("max_bytes", api.MaxPageBytes))
		return
	}
	t.Anomaly("oversized_event")
	t.Dropped(1, "oversized")
	l.deps.Logger.Error("Users record larger than the page cap skipped: it cannot be held, so it is not delivered",
		zap.Int("start", c.start), zap.Int("max_bytes", api.MaxPageBytes))
	c.start++
}

// turn moves c past page and reports whether another page follows.
func (l *listing) turn(c *pageCursor, page convert.UsersPage) bool {
	n := len(page.Users)
	fetched := c.next
	c.start += n
	c.next = ""
	if n == 0 {
		return false
	}
	if c.noNext { // next cannot be trusted: a total, else a full page, says there is more
		return (page.HasTotal && c.start < page.TotalSetSize) || (!page.HasTotal && n >= c.takeOr(l.opts.PageSize))
	}
	if next := page.Next; next != "" && next != fetched {
		switch {
		case c.followed[next]:
			c.noNext = true
			l.deps.Telemetry.Anomaly("next_cycle")
			l.deps.Logger.Warn("Users paging.next leads back to a page this listing already read; paging with start/take for the rest of it",
				zap.Int("start", c.start))
		case l.followable(next):
			if c.followed == nil {
				c.followed = make(map[string]bool)
			}
			c.followed[next] = true
			c.next = next
			if at, ok := startOf(next); ok { // a link back must not shift where start/take resumes
				c.start = at
			}
		case !l.warnedNext:
			l.warnedNext = true
			l.deps.Logger.Warn("Users paging.next leaves the configured users.endpoint; paging with start/take instead",
				zap.String("endpoint", l.origin.Redacted()))
		}
		return true
	}
	// DocuSign omits next on the last page; a total that says otherwise is believed.
	return page.HasTotal && c.start < page.TotalSetSize
}

// followable reports that next stays on the configured Admin API: same scheme, host and base path,
// so the bearer token never goes anywhere else.
func (l *listing) followable(next string) bool {
	n, err := url.Parse(next)
	if err != nil || l.origin == nil {
		return false
	}
	return n.Scheme == l.origin.Scheme && strings.EqualFold(n.Host, l.origin.Host) && n.User == nil &&
		strings.HasPrefix(n.Path, strings.TrimRight(l.origin.Path, "/")+"/")
}

// startOf reads the start query parameter of a paging link.
func startOf(link string) (int, bool) {
	u, err := url.Parse(link)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(u.Query().Get("start"))
	return n, err == nil && n >= 0
}

// lacksGroupsEntitlement recognises DocuSign refusing include_ds_groups for this organisation: a 400
// that names groups or an entitlement (a 403 is about the caller, and must not drop groups for good).
func lacksGroupsEntitlement(err error) bool {
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return false
	}
	text := strings.ToLower(apiErr.Code + " " + apiErr.Message)
	return strings.Contains(text, "entitlement") || strings.Contains(text, "group")
}

// usersURL builds the listing request for one page.
func (l *listing) usersURL(c *pageCursor, since time.Time) string {
	return api.UsersURL(l.base, api.UsersQuery{
		OrganizationID:    l.opts.OrganizationID,
		AccountID:         l.opts.AccountID,
		Start:             c.start,
		Take:              c.takeOr(l.opts.PageSize),
		LastModifiedSince: since,
		IncludeGroups:     l.groups,
	})
}
