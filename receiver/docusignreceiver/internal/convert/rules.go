// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import "go.opentelemetry.io/collector/pdata/plog"

// The vocabulary the mapping files (monitor_mapping.go, user_mapping.go, profile_mapping.go) are
// written in; identity_mapping.go adds the inventory's identities to it. A mapping
// is data: derive.go compiles it once (which fields to capture, which attributes exist and in
// what order) and evaluates it per record; mapping_doc.go renders it as README's tables.

// mapping is what the records of one source are made of.
type mapping struct {
	name      string         // what a record is, for README: "Monitor event"
	eventName string         // EventName of every record
	timestamp string         // the field Timestamp comes from; "" = the time the record was observed
	id        string         // the field that identifies a record; flagged when missing
	severity  []severityRule // the first that applies sets the severity; none: not set
	objects   []string       // fields flagged when present and neither an object nor null
	attrs     []rule         // the attributes, in the order they are written
	actor     string         // the attribute whose value is EventRef.Actor; "" for none
	target    string         // the attribute whose value is EventRef.Target; "" for none
}

// rule derives one value and writes it under each of its keys. A value that is not there (an
// absent field, null, "") writes nothing.
type rule struct {
	keys []string  // attribute keys, all given the same value
	from sources   // read in order; the first that yields a value wins
	as   transform // what the value becomes; zero: as read
	when condition // the rule applies only when this holds; zero: always
}

// keys lists the attribute keys of a rule.
func keys(k ...string) []string { return k }

// sources is what a rule reads, alternatives in order.
type sources []source

// or adds alternatives read when s yields no value.
func (s sources) or(more sources) sources { return append(s[:len(s):len(s)], more...) }

// source reads one value off a record. A path is a top-level field or, dotted, a member of
// nested objects ("ipAddressLocation.city").
type source struct {
	kind  sourceKind
	path  string     // the field read
	other string     // fullName: the last name's field; names, anyTrue, firstOf: the member (dotted: nested) of each element
	value string     // constant
	limit float64    // coordinate: the largest magnitude
	ids   []objectID // objectID: where the id is when the container has no <object>Id
}

type sourceKind uint8

const (
	srcText         sourceKind = iota + 1 // a string (a number beyond float64 counts, as its text); another type is flagged
	srcTextOrNumber                       // a string, or a number as its text; another type is no value
	srcVersion                            // an object {family, version: {major, minor}} as "family major.minor"
	srcCoordinate                         // a number, or a string in JSON number syntax, within ±limit: a Double
	srcIPAddress                          // a string that is an IP address; any other string is flagged
	srcObjectID                           // the id of the object the record is about, see objectID
	srcNames                              // an array of objects: a Slice of their other members that are strings
	srcFullName                           // path + " " + other, trimmed
	srcConstant                           // value itself
	srcOperation                          // the operation the caller names (users: CREATE, UPDATE, SNAPSHOT)
	srcBool                               // true or false, or a string of either in any case: a Bool; another type is flagged
	srcAnyTrue                            // an array of objects: a Bool, true when any element's other member is (as srcBool)
	srcFirst                              // an array of objects: the first element's other member that is a non-empty string
)

func text(path string) sources         { return sources{{kind: srcText, path: path}} }
func textOrNumber(path string) sources { return sources{{kind: srcTextOrNumber, path: path}} }
func version(path string) sources      { return sources{{kind: srcVersion, path: path}} }
func ipAddress(path string) sources    { return sources{{kind: srcIPAddress, path: path}} }
func constant(v string) sources        { return sources{{kind: srcConstant, value: v}} }
func operation() sources               { return sources{{kind: srcOperation}} }
func boolean(path string) sources      { return sources{{kind: srcBool, path: path}} }

func coordinate(path string, limit float64) sources {
	return sources{{kind: srcCoordinate, path: path, limit: limit}}
}

func fullName(first, last string) sources {
	return sources{{kind: srcFullName, path: first, other: last}}
}

func names(array, member string) sources {
	return sources{{kind: srcNames, path: array, other: member}}
}

func anyTrue(array, member string) sources {
	return sources{{kind: srcAnyTrue, path: array, other: member}}
}

func firstOf(array, member string) sources {
	return sources{{kind: srcFirst, path: array, other: member}}
}

// objectIDIn reads the id of the object named by field object: the string member
// <object>Id of container (data.EnvelopeId for an Envelope), else ids' sources for that object.
// None of these reads is flagged: the fields are optional.
func objectIDIn(object, container string, ids []objectID) sources {
	return sources{{kind: srcObjectID, path: object, other: container, ids: ids}}
}

// objectID says where the id of one kind of object is when the container has no <object>Id.
type objectID struct {
	object string  // the object's name, matched exactly
	from   sources // read in order, not flagged
}

// transform is what a read value becomes.
type transform struct {
	kind  transformKind
	words []word // renamedOrUpper
	word  string // isNot
}

type transformKind uint8

const (
	asRead           transformKind = iota
	trUpper                        // upper-cased
	trRenamedOrUpper               // a word of the table (any case) becomes its value; any other is upper-cased
	trIPv4                         // kept only for an IPv4 address
	trIPv6                         // kept only for an IPv6 address (IPv4-mapped ones included)
	trIsNot                        // a Bool: true unless the text is word (any case)
	trSortedUnique                 // a list sorted, each string once
)

// word renames one word.
type word struct{ from, to string }

var (
	upperCased = transform{kind: trUpper}
	ifIPv4     = transform{kind: trIPv4}
	ifIPv6     = transform{kind: trIPv6}
	sortedOnce = transform{kind: trSortedUnique}
)

func renamedOrUpper(words []word) transform { return transform{kind: trRenamedOrUpper, words: words} }
func isNot(w string) transform              { return transform{kind: trIsNot, word: w} }

// condition holds when a field's text is word, in any case; the zero condition always holds.
type condition struct{ field, word string }

func fieldIs(field, word string) condition { return condition{field: field, word: word} }

// severityRule sets SeverityText to the word read and SeverityNumber by that word.
type severityRule struct {
	when      condition
	word      sources // read without flags: the rules of the attributes flag the fields
	levels    []level // words matched in any case
	otherwise plog.SeverityNumber
}

// level is the severity of one word.
type level struct {
	word     string
	severity plog.SeverityNumber
}
