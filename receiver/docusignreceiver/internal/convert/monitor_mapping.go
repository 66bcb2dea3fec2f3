// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import "go.opentelemetry.io/collector/pdata/plog"

// The Monitor event mapping: what the record made of one Monitor event carries. Change it here;
// README's tables are generated from these declarations (rules.go explains the vocabulary).

var monitorMapping = mapping{
	name:      "Monitor event",
	eventName: EventNameMonitor,
	timestamp: "timestamp",         // RFC 3339, up to 9 fractional digits kept to the ns; no zone = UTC
	id:        "eventId",           // EventRef.ID: checkpoints and de-duplication
	actor:     actorIdentity.user,  // EventRef.Actor: whose identity enriches the record (identity_mapping.go)
	target:    targetIdentity.user, // EventRef.Target: likewise
	severity:  monitorSeverity,
	objects:   []string{"userAgentClientInfo", "ipAddressLocation", "data"},
	attrs:     monitorAttributes,
}

// isAlert holds for Monitor alerts, which carry a severity of their own.
var isAlert = fieldIs("object", "Alert")

// monitorSeverity: an alert by its own severity, any other event by its result.
var monitorSeverity = []severityRule{
	{when: isAlert, word: textOrNumber("data.Severity"), levels: []level{
		{"Low", plog.SeverityNumberInfo},
		{"High", plog.SeverityNumberError},
	}, otherwise: plog.SeverityNumberWarn}, // Medium, none or unknown: an alert is at least a warning
	{word: text("result"), levels: []level{
		{"Failed", plog.SeverityNumberWarn},
	}, otherwise: plog.SeverityNumberInfo},
}

// monitorOperations: actions that have an XDM operation of their own; any other is upper-cased.
var monitorOperations = []word{
	{"Created", OperationCreate},
	{"Updated", OperationUpdate},
	{"Deleted", OperationDelete},
}

// monitorObjectIDs: where an event's object id is when data has no <object>Id member.
var monitorObjectIDs = []objectID{
	{"User", text("data.AffectedUserId").or(text("affectedUserId"))},
	{"PermissionSet", text("data.PermissionProfileId")},
	{"Account", text("accountId")},
}

// monitorAttributes: the attributes of a Monitor record, in the order they are written.
var monitorAttributes = []rule{
	{keys: keys(AttrXDMEventID, AttrLogRecordUID), from: text("eventId")},
	{keys: keys(AttrXDMEventType), from: constant(EventTypeMonitor)},
	{keys: keys(AttrXDMEventOperation), from: text("action"), as: renamedOrUpper(monitorOperations)},
	{keys: keys(AttrXDMEventOriginalEventType), from: text("action")},
	{keys: keys(AttrXDMEventOutcome), from: text("result"), as: upperCased},
	{keys: keys(AttrXDMSourceUserIdentifier, AttrUserID), from: text("userId")},
	{keys: keys(AttrXDMSourceIPv4), from: ipAddress("ipAddress"), as: ifIPv4},
	{keys: keys(AttrXDMSourceIPv6), from: ipAddress("ipAddress"), as: ifIPv6},
	{keys: keys(AttrClientAddress), from: ipAddress("ipAddress")},
	{keys: keys(AttrXDMSourceUserAgent, AttrUserAgentOriginal), from: text("userAgent")},
	{keys: keys(AttrXDMSourceHostOS), from: text("os").or(version("userAgentClientInfo.os"))},
	{keys: keys(AttrXDMNetworkHTTPBrowser), from: text("browser").or(version("userAgentClientInfo.browser"))},
	{keys: keys(AttrXDMSourceLocCountry), from: text("ipAddressLocation.country").or(text("country"))},
	{keys: keys(AttrXDMSourceLocRegion), from: text("ipAddressLocation.state").or(text("state"))},
	{keys: keys(AttrXDMSourceLocCity, AttrGeoLocalityName), from: text("ipAddressLocation.city").or(text("city"))},
	{keys: keys(AttrXDMSourceLocLatitude, AttrGeoLocationLat), from: coordinate("ipAddressLocation.latitude", 90).or(coordinate("latitude", 90))},
	{keys: keys(AttrXDMSourceLocLongitude, AttrGeoLocationLon), from: coordinate("ipAddressLocation.longitude", 180).or(coordinate("longitude", 180))},
	{keys: keys(AttrXDMTargetResourceType), from: text("object")},
	{keys: keys(AttrXDMTargetResourceID), from: objectIDIn("object", "data", monitorObjectIDs)},
	{keys: keys(AttrXDMTargetUserIdentifier), from: text("affectedUserId").or(text("referencedUserId")).or(textOrNumber("data.AffectedUserId"))},
	{keys: keys(AttrXDMObserverName), from: text("site")},
	{keys: keys(AttrXDMObserverType), from: text("source")},
	{keys: keys(AttrXDMObserverVendor), from: constant(ObserverVendor)},
	{keys: keys(AttrXDMObserverProduct), from: constant(ObserverProduct)},
	{keys: keys(AttrXDMAlertName), from: text("action"), when: isAlert},
	{keys: keys(AttrXDMAlertSeverity), from: textOrNumber("data.Severity"), when: isAlert},
	{keys: keys(AttrDocuSignAccountID), from: text("accountId")},
	{keys: keys(AttrDocuSignOrganizationID), from: text("organizationId")},
	{keys: keys(AttrDocuSignIntegratorKey), from: text("integratorKey")},
}
