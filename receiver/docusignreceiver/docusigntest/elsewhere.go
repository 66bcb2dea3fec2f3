// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
)

// maxElsewhereBody is how much of a request body the elsewhere host keeps.
const maxElsewhereBody = 1 << 20

// ElsewhereRequest is one request that reached the elsewhere host.
type ElsewhereRequest struct {
	Method string
	URL    string // path and query, as requested
	Host   string
	Header http.Header
	Body   []byte // up to 1 MiB
}

// elsewhere is the other host the hostile redirects and paging links name: it records what reaches
// it and answers 503, so a client that follows gets nothing it could mistake for DocuSign's data.
type elsewhere struct {
	http *httptest.Server
	base string // http://localhost:port: a host name other than the server's 127.0.0.1

	mu       sync.Mutex
	requests []ElsewhereRequest
}

func startElsewhere() *elsewhere {
	e := &elsewhere{}
	e.http = httptest.NewServer(http.HandlerFunc(e.serve))
	u, _ := url.Parse(e.http.URL)
	e.base = "http://localhost:" + u.Port()
	return e
}

func (e *elsewhere) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxElsewhereBody))
	e.mu.Lock()
	e.requests = append(e.requests, ElsewhereRequest{
		Method: r.Method, URL: r.URL.RequestURI(), Host: r.Host, Header: r.Header.Clone(), Body: body,
	})
	e.mu.Unlock()
	writeAPIError(w, http.StatusServiceUnavailable, "NOT_DOCUSIGN", "this host is not DocuSign")
}

// ElsewhereURL is the base URL of the elsewhere host that hostile redirects and paging links point to.
func (s *Server) ElsewhereURL() string { return s.elsewhere.base }

// ElsewhereRequests returns every request the elsewhere host received, in order, with headers and body.
func (s *Server) ElsewhereRequests() []ElsewhereRequest {
	e := s.elsewhere
	e.mu.Lock()
	defer e.mu.Unlock()
	out := slices.Clone(e.requests)
	for i := range out {
		out[i].Header = out[i].Header.Clone()
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}
