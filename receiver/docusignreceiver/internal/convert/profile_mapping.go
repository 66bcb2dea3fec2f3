// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

// The admin profile mapping: what a user's admin profile (GET …/users/{id}/dsprofile, one
// UserDrilldownResponse) adds to the user's records, which of its fields are watched, and the
// record a change of them makes. Change it here; README's tables are generated from these
// declarations (rules.go explains the vocabulary).

// profileAttributes: what a profile adds to the records of its user (CREATE, UPDATE, SNAPSHOT),
// in the order they are written.
var profileAttributes = []rule{
	{keys: keys(AttrDocuSignUserLastLogin), from: text("last_login")},
	{keys: keys(AttrDocuSignUserIsOrganizationAdmin), from: boolean("is_organization_admin")},
	{keys: keys(AttrDocuSignUserTwoStepRequired), from: boolean("require_two_step_verification")},
	{keys: keys(AttrDocuSignUserDeviceVerification), from: boolean("device_verification_enabled")},
	{keys: keys(AttrDocuSignUserFederatedStatus), from: text("federated_status")},
	{keys: keys(AttrDocuSignUserAccountAdmin), from: anyTrue("memberships", "is_admin")},
	{keys: keys(AttrDocuSignUserPermissionProfiles), from: names("memberships", "permission_profile.name"), as: sortedOnce},
}

// profileStatus: the user's status as the profile has it. It is watched, but not added to the
// user's records: they have it from the listing (user_mapping.go).
var profileStatus = rule{keys: keys(AttrDocuSignUserStatus), from: text("user_status")}

// profileSecurity: the watched fields, each a field of ProfileSecurity holding the value of one
// attribute. A change of any of them makes a change record, a WARN one when it weakens security.
var profileSecurity = []securityField{
	{attr: AttrDocuSignUserIsOrganizationAdmin, weakens: whenGranted,
		flag: func(s *ProfileSecurity) *bool { return &s.IsOrganizationAdmin }},
	{attr: AttrDocuSignUserTwoStepRequired, weakens: whenTurnedOff,
		flag: func(s *ProfileSecurity) *bool { return &s.TwoStepRequired }},
	{attr: AttrDocuSignUserDeviceVerification, weakens: whenTurnedOff,
		flag: func(s *ProfileSecurity) *bool { return &s.DeviceVerification }},
	{attr: AttrDocuSignUserFederatedStatus,
		text: func(s *ProfileSecurity) *string { return &s.FederatedStatus }},
	{attr: AttrDocuSignUserAccountAdmin, weakens: whenGranted,
		flag: func(s *ProfileSecurity) *bool { return &s.AccountAdmin }},
	{attr: AttrDocuSignUserPermissionProfiles,
		list: func(s *ProfileSecurity) *[]string { return &s.PermissionProfiles }},
	{attr: AttrDocuSignUserStatus,
		text: func(s *ProfileSecurity) *string { return &s.Status }},
}

// profileChangeMapping: the record a change of a watched field makes. Its body is the dsprofile
// user object; after these attributes come profileAttributes and AttrDocuSignUserChanged, and its
// severity is the caller's (see Profile.AppendChange).
var profileChangeMapping = mapping{
	name:      "Admin user profile change",
	eventName: EventNameAdminUser,
	timestamp: "",   // a profile has no modified time: Timestamp is when the change was observed
	id:        "id", // Profile.ID
	attrs: []rule{
		{keys: keys(AttrXDMEventType), from: constant(EventTypeUsers)},
		{keys: keys(AttrXDMEventOperation), from: constant(OperationUpdate)},
		{keys: keys(AttrXDMTargetUserIdentifier, AttrUserID), from: text("id")},
		{keys: keys(AttrXDMTargetUserUsername, AttrUserName), from: text("user_name")},
		{keys: keys(AttrXDMTargetUserUPN, AttrUserEmail), from: firstOf("memberships", "email")},
		{keys: keys(AttrXDMTargetUserFirstName), from: text("first_name")},
		{keys: keys(AttrXDMTargetUserLastName), from: text("last_name")},
		{keys: keys(AttrXDMTargetUserIsDisabled), from: text("user_status"), as: isNot("active")},
		profileStatus,
		{keys: keys(AttrUserFullName), from: fullName("first_name", "last_name").or(text("user_name"))},
	},
}

// securityField is one watched field of a profile: the attribute it is, the field of
// ProfileSecurity holding it (one of flag, text and list), and which change weakens security.
type securityField struct {
	attr    string
	flag    func(*ProfileSecurity) *bool
	text    func(*ProfileSecurity) *string
	list    func(*ProfileSecurity) *[]string // sorted, each name once
	weakens weakening
}

// weakening says which change of a Bool field weakens security.
type weakening uint8

const (
	never         weakening = iota
	whenGranted             // false to true: a privilege granted
	whenTurnedOff           // true to false: a protection removed
)
