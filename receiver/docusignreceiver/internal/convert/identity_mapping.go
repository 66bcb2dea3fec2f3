// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

// The identity mapping: what the users inventory adds to a Monitor event's record about the users
// the event names only by id. Change it here; README's tables are generated from these
// declarations.

// identityFields: what an Identity holds, each field the value of one attribute of the user's
// own record (user_mapping.go), so that an event says of a user what the user's record says.
var identityFields = []identityField{
	{idEmail, AttrUserEmail},
	{idUserName, AttrUserName},
	{idFirstName, AttrXDMTargetUserFirstName},
	{idLastName, AttrXDMTargetUserLastName},
	{idFullName, AttrUserFullName}, // not kept: derived from the names by the same rule
	{idStatus, AttrDocuSignUserStatus},
	{idGroups, AttrXDMTargetUserGroups},
}

// actorIdentity: what the identity of the user who acted adds.
var actorIdentity = identityMapping{
	role: "the actor",
	user: AttrXDMSourceUserIdentifier,
	attrs: []identityRule{
		{keys: keys(AttrUserEmail, AttrXDMSourceUserUPN), from: idEmail},
		{keys: keys(AttrUserName, AttrXDMSourceUserUsername), from: idUserName},
		{keys: keys(AttrUserFullName), from: idFullName},
		{keys: keys(AttrUserRoles, AttrXDMSourceUserGroups), from: idGroups},
		{keys: keys(AttrDocuSignUserStatus), from: idStatus},
	},
}

// targetIdentity: what the identity of the user acted on adds.
var targetIdentity = identityMapping{
	role: "the target",
	user: AttrXDMTargetUserIdentifier,
	attrs: []identityRule{
		{keys: keys(AttrXDMTargetUserUsername), from: idUserName},
		{keys: keys(AttrXDMTargetUserUPN), from: idEmail},
	},
}

// identityMapping is what the identity of one of the users a Monitor event names adds to its record.
type identityMapping struct {
	role  string // who the user is to the event, for README
	user  string // the Monitor attribute whose value is the user's id (see EventRef)
	attrs []identityRule
}

// identityRule writes one field of an identity under each of its keys; an empty field writes nothing.
type identityRule struct {
	keys []string
	from identityKind
}

// identityField says which attribute of the user record a field of Identity holds.
type identityField struct {
	kind identityKind
	attr string
}

type identityKind uint8

const (
	idEmail identityKind = iota + 1
	idUserName
	idFirstName
	idLastName
	idFullName // first and last name, else the user name: the user record's rule
	idStatus
	idGroups // a list
)
