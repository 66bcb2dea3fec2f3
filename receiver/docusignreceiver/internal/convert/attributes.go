// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

// Event names of the log records this package produces.
const (
	EventNameMonitor   = "docusign.monitor.event"
	EventNameAdminUser = "docusign.admin.user"
)

// Attribute keys, Cortex XDM names first, then DocuSign-specific, then OpenTelemetry semantic conventions.
const (
	AttrXDMEventID                = "xdm.event.id"
	AttrXDMEventType              = "xdm.event.type"
	AttrXDMEventOperation         = "xdm.event.operation"
	AttrXDMEventOriginalEventType = "xdm.event.original_event_type"
	AttrXDMEventOutcome           = "xdm.event.outcome"

	AttrXDMSourceUserIdentifier = "xdm.source.user.identifier"
	AttrXDMSourceUserUsername   = "xdm.source.user.username"
	AttrXDMSourceUserUPN        = "xdm.source.user.upn"
	AttrXDMSourceUserGroups     = "xdm.source.user.groups"
	AttrXDMSourceIPv4           = "xdm.source.ipv4"
	AttrXDMSourceIPv6           = "xdm.source.ipv6"
	AttrXDMSourceUserAgent      = "xdm.source.user_agent"
	AttrXDMSourceHostOS         = "xdm.source.host.os"
	AttrXDMNetworkHTTPBrowser   = "xdm.network.http.browser"
	AttrXDMSourceLocCountry     = "xdm.source.location.country"
	AttrXDMSourceLocRegion      = "xdm.source.location.region"
	AttrXDMSourceLocCity        = "xdm.source.location.city"
	AttrXDMSourceLocLatitude    = "xdm.source.location.latitude"
	AttrXDMSourceLocLongitude   = "xdm.source.location.longitude"

	AttrXDMTargetResourceType = "xdm.target.resource.type"
	AttrXDMTargetResourceID   = "xdm.target.resource.id"

	AttrXDMTargetUserIdentifier = "xdm.target.user.identifier"
	AttrXDMTargetUserUsername   = "xdm.target.user.username"
	AttrXDMTargetUserUPN        = "xdm.target.user.upn"
	AttrXDMTargetUserFirstName  = "xdm.target.user.first_name"
	AttrXDMTargetUserLastName   = "xdm.target.user.last_name"
	AttrXDMTargetUserGroups     = "xdm.target.user.groups"
	AttrXDMTargetUserIsDisabled = "xdm.target.user.is_disabled"

	AttrXDMObserverName    = "xdm.observer.name"
	AttrXDMObserverType    = "xdm.observer.type"
	AttrXDMObserverVendor  = "xdm.observer.vendor"
	AttrXDMObserverProduct = "xdm.observer.product"

	AttrXDMAlertName     = "xdm.alert.name"
	AttrXDMAlertSeverity = "xdm.alert.severity"

	AttrDocuSignAccountID        = "docusign.account.id"
	AttrDocuSignOrganizationID   = "docusign.organization.id"
	AttrDocuSignIntegratorKey    = "docusign.integrator_key"
	AttrDocuSignUserStatus       = "docusign.user.status"
	AttrDocuSignMembershipStatus = "docusign.membership.status"

	// The admin profile of a user (profile_mapping.go).
	AttrDocuSignUserLastLogin           = "docusign.user.last_login"
	AttrDocuSignUserIsOrganizationAdmin = "docusign.user.is_organization_admin"
	AttrDocuSignUserTwoStepRequired     = "docusign.user.two_step_verification_required"
	AttrDocuSignUserDeviceVerification  = "docusign.user.device_verification_enabled"
	AttrDocuSignUserFederatedStatus     = "docusign.user.federated_status"
	AttrDocuSignUserAccountAdmin        = "docusign.user.account_admin"
	AttrDocuSignUserPermissionProfiles  = "docusign.user.permission_profiles"
	// AttrDocuSignUserChanged lists the attributes whose change made a profile change record.
	AttrDocuSignUserChanged = "docusign.user.changed"

	// AttrConversionError marks a record that was kept although part of it could not be converted.
	AttrConversionError = "docusign.conversion.error"

	AttrLogRecordUID      = "log.record.uid"
	AttrUserID            = "user.id"
	AttrUserEmail         = "user.email"
	AttrUserName          = "user.name"
	AttrUserFullName      = "user.full_name"
	AttrUserRoles         = "user.roles"
	AttrClientAddress     = "client.address"
	AttrUserAgentOriginal = "user_agent.original"
	AttrGeoLocationLat    = "geo.location.lat"
	AttrGeoLocationLon    = "geo.location.lon"
	AttrGeoLocalityName   = "geo.locality.name"
)

// Constant attribute values.
const (
	EventTypeMonitor  = "Monitor Events"
	EventTypeUsers    = "Users"
	ObserverVendor    = "DocuSign"
	ObserverProduct   = "Monitor"
	OperationCreate   = "CREATE"
	OperationUpdate   = "UPDATE"
	OperationSnapshot = "SNAPSHOT"
	OperationDelete   = "DELETE" // Monitor action Deleted
)
