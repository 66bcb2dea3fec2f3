// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

// The Admin user mapping: what the record made of one Admin API user carries. Change it here;
// README's tables are generated from these declarations (rules.go explains the vocabulary).

var userMapping = mapping{
	name:      "Admin user",
	eventName: EventNameAdminUser,
	timestamp: "",   // a user record has no modified time: Timestamp is when the change was observed
	id:        "id", // User.ID: the key of the receiver's digest table
	attrs:     userAttributes,
}

// userAttributes: the attributes of a user record, in the order they are written.
var userAttributes = []rule{
	{keys: keys(AttrXDMEventType), from: constant(EventTypeUsers)},
	{keys: keys(AttrXDMEventOperation), from: operation()},
	{keys: keys(AttrXDMTargetUserIdentifier, AttrUserID), from: text("id")},
	{keys: keys(AttrXDMTargetUserUsername, AttrUserName), from: text("user_name")},
	{keys: keys(AttrXDMTargetUserUPN, AttrUserEmail), from: text("email")},
	{keys: keys(AttrXDMTargetUserFirstName), from: text("first_name")},
	{keys: keys(AttrXDMTargetUserLastName), from: text("last_name")},
	{keys: keys(AttrXDMTargetUserGroups), from: names("ds_groups", "group_name")},
	{keys: keys(AttrXDMTargetUserIsDisabled), from: text("user_status"), as: isNot("active")},
	{keys: keys(AttrDocuSignUserStatus), from: text("user_status")},
	{keys: keys(AttrDocuSignMembershipStatus), from: text("membership_status")},
	{keys: keys(AttrUserFullName), from: fullName("first_name", "last_name").or(text("user_name"))},
}
