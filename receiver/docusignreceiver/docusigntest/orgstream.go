// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"net/http"
)

// handleOrganizationStream serves GET /v1/organizations/{org}/stream, DocuSign's newer Monitor
// stream: the same events and cursors as the v2 lens stream, in a {"endCursor","resultData"} envelope.
func (s *Server) handleOrganizationStream(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("org") != s.opts.OrganizationID {
		s.count(func(st *Stats) { st.MonitorRequests++ })
		writeAPIError(w, http.StatusNotFound, "ORGANIZATION_NOT_FOUND", "no organization with this id")
		return
	}
	s.serveStream(w, r, "resultData")
}
