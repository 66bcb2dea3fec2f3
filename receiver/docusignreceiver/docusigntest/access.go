// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"fmt"
	"net/http"
)

// MonitorAccess is whether the account and user may read the Monitor streams (SetMonitorAccess).
type MonitorAccess int

const (
	// MonitorAllowed serves both Monitor streams (the default).
	MonitorAllowed MonitorAccess = iota
	// MonitorNoAddOn: the account lacks the Monitor add-on; both streams answer 403 MONITOR_NOT_ENABLED.
	MonitorNoAddOn
	// MonitorSeveralOrganizations: the user administers several organisations; the lens stream answers
	// 403 USER_IN_MULTIPLE_ORGANIZATIONS, the organisation stream still serves.
	MonitorSeveralOrganizations
)

// Monitor denials' errorCodes: DocuSign's codes for these are not documented; these are the fake's choice.
const (
	MonitorNoAddOnCode              = "MONITOR_NOT_ENABLED"
	MonitorSeveralOrganizationsCode = "USER_IN_MULTIPLE_ORGANIZATIONS"
)

const (
	monitorNoAddOnMessage              = "DocuSign Monitor is not enabled for this account: the account has no Monitor add-on"
	monitorSeveralOrganizationsMessage = "the user belongs to more than one organization, so the datasets stream cannot choose one: use /v1/organizations/{organizationId}/stream"
)

// AdminAccess is whether the user may read the organisation's users and profiles (SetAdminAccess).
type AdminAccess int

const (
	// AdminAllowed serves the users listing and profiles (the default).
	AdminAllowed AdminAccess = iota
	// AdminNotOrganizationAdmin: the user is no administrator of the organisation; the users listing
	// and the profile drill-down answer 403 not_organization_admin.
	AdminNotOrganizationAdmin
)

// AdminNotOrganizationAdminCode is the Admin API error of AdminNotOrganizationAdmin (the fake's choice).
const AdminNotOrganizationAdminCode = "not_organization_admin"

// SetMonitorAccess sets what the Monitor streams allow; it panics on an unknown value.
func (s *Server) SetMonitorAccess(a MonitorAccess) {
	if a < MonitorAllowed || a > MonitorSeveralOrganizations {
		panic(fmt.Sprintf("docusigntest: unknown MonitorAccess %d", a))
	}
	s.mu.Lock()
	s.monitorAccess = a
	s.mu.Unlock()
}

// SetAdminAccess sets what the Admin API users endpoints allow; it panics on an unknown value.
func (s *Server) SetAdminAccess(a AdminAccess) {
	if a < AdminAllowed || a > AdminNotOrganizationAdmin {
		panic(fmt.Sprintf("docusigntest: unknown AdminAccess %d", a))
	}
	s.mu.Lock()
	s.adminAccess = a
	s.mu.Unlock()
}

// denyMonitor answers 403 if the Monitor access forbids the stream (lens: dataKey "data"); it tells whether it did.
func (s *Server) denyMonitor(w http.ResponseWriter, dataKey string) bool {
	s.mu.Lock()
	a := s.monitorAccess
	s.mu.Unlock()
	switch {
	case a == MonitorNoAddOn:
		writeAPIError(w, http.StatusForbidden, MonitorNoAddOnCode, monitorNoAddOnMessage)
		return true
	case a == MonitorSeveralOrganizations && dataKey == "data":
		writeAPIError(w, http.StatusForbidden, MonitorSeveralOrganizationsCode, monitorSeveralOrganizationsMessage)
		return true
	}
	return false
}

// denyAdmin answers 403 if the user is no administrator of the organisation; it tells whether it did.
func (s *Server) denyAdmin(w http.ResponseWriter) bool {
	s.mu.Lock()
	a := s.adminAccess
	s.mu.Unlock()
	if a != AdminNotOrganizationAdmin {
		return false
	}
	writeOAuthError(w, http.StatusForbidden, AdminNotOrganizationAdminCode,
		fmt.Sprintf("user %q is not an administrator of organization %q", s.opts.UserID, s.opts.OrganizationID))
	return true
}
