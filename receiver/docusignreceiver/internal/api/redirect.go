// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"errors"
	"fmt"
	"net/http"
)

// maxRedirects bounds a chain of same-host redirects.
const maxRedirects = 5

// SameHostRedirect is the API client's redirect policy (http.Client.CheckRedirect): it follows a
// redirect only to the same scheme and host, where the bearer token may go.
func SameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
		return fmt.Errorf("refusing redirect to %s://%s: the bearer token stays with DocuSign's host", req.URL.Scheme, req.URL.Host)
	}
	return nil
}
