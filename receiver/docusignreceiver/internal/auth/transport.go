// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"

import (
	"errors"
	"io"
	"net/http"
)

// maxDrainBytes is how much of a 401 body is read so its connection can be reused for the retry.
const maxDrainBytes = 64 << 10

// Transport adds "Authorization: Bearer <token>" to each request. On a 401 to a request whose body can be
// replayed it drops the token, gets a new one and retries exactly once; a second 401 is returned as is.
type Transport struct {
	Source *TokenSource
	Base   http.RoundTripper // nil → http.DefaultTransport
}

// RoundTrip implements http.RoundTripper. It does not modify req; the returned response's Request is req,
// so the token is not reachable from the response.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Source == nil {
		closeBody(req)
		return nil, errors.New("docusign oauth: transport has no token source")
	}
	token, err := t.Source.Token(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.send(req, req.Body, token)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !replayable(req) {
		return resp, err
	}

	body := req.Body
	if req.GetBody != nil {
		if body, err = req.GetBody(); err != nil {
			return resp, nil // cannot replay after all: the caller sees the 401
		}
	}
	discard(resp)
	t.Source.Invalidate(token)
	if token, err = t.Source.Token(req.Context()); err != nil {
		if body != nil {
			_ = body.Close()
		}
		return nil, err
	}
	return t.send(req, body, token)
}

// send clones req with the bearer header and body, and points the response back at the caller's request.
func (t *Transport) send(req *http.Request, body io.ReadCloser, token string) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Body = body
	out.Header.Set("Authorization", "Bearer "+token)
	resp, err := t.base().RoundTrip(out)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// CloseIdleConnections forwards to the base transport so http.Client.CloseIdleConnections reaches it.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base().(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// replayable: a request without a body, or one whose body can be produced again.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainBytes))
	_ = resp.Body.Close()
}
