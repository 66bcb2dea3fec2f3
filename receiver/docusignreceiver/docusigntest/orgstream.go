package docusigntest

import (
	"bytes"
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
	rec := &envelopeRenamer{ResponseWriter: w}
	s.handleMonitorStream(rec, r)
	rec.flush()
}

// envelopeRenamer rewrites a successful lens page's "data" key to "resultData".
type envelopeRenamer struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (e *envelopeRenamer) WriteHeader(code int) { e.status = code }

func (e *envelopeRenamer) Write(b []byte) (int, error) { return e.body.Write(b) }

func (e *envelopeRenamer) flush() {
	body := e.body.Bytes()
	if e.status == http.StatusOK {
		body = bytes.Replace(body, []byte(`,"data":[`), []byte(`,"resultData":[`), 1)
		e.Header().Set("Content-Length", itoa(len(body)))
	}
	if e.status != 0 {
		e.ResponseWriter.WriteHeader(e.status)
	}
	_, _ = e.ResponseWriter.Write(body)
}
