// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

// README's mapping tables, rendered from the declarations so that the two cannot drift:
// cmd/mappingdoc writes them into README between the markers, and a test fails when README's
// copy is not what MappingMarkdown renders.

// Markers around the generated tables in README.
const (
	MappingBegin = "<!-- BEGIN mapping tables: generated from internal/convert/*_mapping.go by `go generate ./receiver/docusignreceiver/internal/convert`; do not edit -->"
	MappingEnd   = "<!-- END mapping tables -->"
)

// MappingMarkdown returns README's mapping tables, markers included.
func MappingMarkdown() string {
	var b strings.Builder
	b.WriteString(MappingBegin + "\n")
	writeMappingTable(&b, &monitorMapping)
	b.WriteString("\n")
	writeIdentityTable(&b)
	b.WriteString("\n")
	writeMappingTable(&b, &userMapping)
	b.WriteString("\n")
	writeProfileTable(&b)
	b.WriteString("\n")
	writeProfileChangeTable(&b)
	b.WriteString(MappingEnd + "\n")
	return b.String()
}

// tableHead starts a table under its title.
func tableHead(b *strings.Builder, title string) {
	b.WriteString(title + "\n\n| log record | from |\n|---|---|\n")
}

func row(b *strings.Builder, field, from string) { b.WriteString("| " + field + " | " + from + " |\n") }

func writeMappingTable(b *strings.Builder, m *mapping) {
	tableHead(b, "**"+m.name+"** → one log record")
	row(b, "`EventName`", "`"+m.eventName+"`")
	if m.timestamp != "" {
		row(b, "`Timestamp`", code(m.timestamp)+"; `ObservedTimestamp`: when received")
	} else {
		row(b, "`Timestamp`, `ObservedTimestamp`", "when the record was received (it has no time of its own)")
	}
	row(b, "`SeverityNumber`, `SeverityText`", severityDoc(m.severity))
	row(b, "`Body`", "the record as received, a map of every field with its JSON type")
	writeRules(b, m.attrs)
}

func writeRules(b *strings.Builder, rules []rule) {
	for _, r := range rules {
		row(b, codes(r.keys), ruleDoc(r))
	}
}

// writeIdentityTable renders identity_mapping.go: what a Monitor record gains from the inventory.
func writeIdentityTable(b *strings.Builder) {
	tableHead(b, "**Monitor event, the users it names** (`monitor.enrich_users`) → added to the record when the users "+
		"inventory knows the user; an empty value adds nothing")
	for _, m := range []*identityMapping{&actorIdentity, &targetIdentity} {
		for _, r := range m.attrs {
			row(b, codes(r.keys), m.role+"'s ("+code(m.user)+") user record: "+identityDoc(r.from))
		}
	}
}

// identityDoc describes a field of an identity by the rule of the user record it comes from.
func identityDoc(k identityKind) string {
	for _, f := range identityFields {
		if f.kind != k {
			continue
		}
		for _, r := range userMapping.attrs {
			if slices.Contains(r.keys, f.attr) {
				return code(f.attr) + " (" + ruleDoc(r) + ")"
			}
		}
	}
	panic("convert: no user record attribute for identity field " + strconv.Itoa(int(k)))
}

// writeProfileTable renders profileAttributes: what a profile adds to its user's records.
func writeProfileTable(b *strings.Builder) {
	tableHead(b, "**Admin user, with its profile** (`users.profiles.enabled`) → added to the user's records once "+
		"the user has a profile (the first user of `GET …/users/{id}/dsprofile`); a boolean the profile lacks is `false`")
	writeRules(b, profileAttributes)
}

// writeProfileChangeTable renders profileChangeMapping and profileSecurity.
func writeProfileChangeTable(b *strings.Builder) {
	m := &profileChangeMapping
	var watched, weakens []string
	for _, f := range profileSecurity {
		watched = append(watched, code(f.attr))
		switch f.weakens {
		case whenGranted:
			weakens = append(weakens, code(f.attr)+" false→true")
		case whenTurnedOff:
			weakens = append(weakens, code(f.attr)+" true→false")
		}
	}
	tableHead(b, "**"+m.name+"** → one log record when a watched attribute of a user's profile changes: "+
		strings.Join(watched, ", ")+" (not `"+AttrDocuSignUserLastLogin+"`)")
	row(b, "`EventName`", "`"+m.eventName+"`")
	row(b, "`Timestamp`, `ObservedTimestamp`", "when the change was observed (a profile has no time of its own)")
	row(b, "`SeverityNumber`, `SeverityText`", "`WARN` when a change weakens security ("+strings.Join(weakens, ", ")+"), else `INFO`")
	row(b, "`Body`", "the profile's user object as received, a map of every field with its JSON type")
	writeRules(b, m.attrs)
	var profile []string
	for _, r := range profileAttributes {
		profile = append(profile, r.keys...)
	}
	row(b, codes(profile), "the profile's, as above")
	row(b, code(AttrDocuSignUserChanged), "the watched attributes whose value changed, a sorted list of their names")
}

func code(s string) string { return "`" + s + "`" }

func codes(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = code(s)
	}
	return strings.Join(out, ", ")
}

func severityDoc(rules []severityRule) string {
	if len(rules) == 0 {
		return "not set"
	}
	parts := make([]string, 0, len(rules))
	for i, s := range rules {
		var p strings.Builder
		if i > 0 {
			p.WriteString("otherwise ")
		}
		p.WriteString(sourcesDoc(s.word) + conditionDoc(s.when) + ": ")
		for _, l := range s.levels {
			p.WriteString(l.word + "→" + levelName(l.severity) + ", ")
		}
		p.WriteString("else " + levelName(s.otherwise))
		parts = append(parts, p.String())
	}
	return strings.Join(parts, "; ") + " (words in any case); `SeverityText`: the word"
}

func levelName(s plog.SeverityNumber) string { return strings.ToUpper(s.String()) }

func conditionDoc(c condition) string {
	if c.field == "" {
		return ""
	}
	return " when " + code(c.field) + " is " + code(c.word)
}

func ruleDoc(r rule) string {
	d := sourcesDoc(r.from)
	switch r.as.kind {
	case trUpper:
		d += ", upper-cased"
	case trRenamedOrUpper:
		for _, w := range r.as.words {
			d += ", " + w.from + "→" + w.to
		}
		d += ", any other upper-cased"
	case trIPv4:
		d = strings.ReplaceAll(d, ipQualifier, " when an IPv4 address")
	case trIPv6:
		d = strings.ReplaceAll(d, ipQualifier, " when an IPv6 address (IPv4-mapped ones too)")
	case trIsNot:
		d += ": `false` when " + code(r.as.word) + " (any case), else `true`"
	case trSortedUnique:
		d += ", sorted, each once"
	}
	return d + conditionDoc(r.when)
}

const ipQualifier = " when an IP address"

// sourcesDoc describes alternatives, the first with a value winning; a qualifier they all share
// is said once.
func sourcesDoc(ss sources) string {
	names, quals := make([]string, len(ss)), make([]string, len(ss))
	for i, s := range ss {
		names[i], quals[i] = sourceDoc(s)
	}
	if len(ss) > 1 && quals[0] != "" && slices.Equal(quals[1:], quals[:len(quals)-1]) {
		return strings.Join(names, ", else ") + quals[0]
	}
	for i := range names {
		names[i] += quals[i]
	}
	return strings.Join(names, ", else ")
}

// sourceDoc describes one source: what is read, and what of it counts.
func sourceDoc(s source) (string, string) {
	switch s.kind {
	case srcTextOrNumber:
		return code(s.path), " (string or number)"
	case srcVersion:
		return code(s.path), " as \"family major.minor\""
	case srcCoordinate:
		return code(s.path), ": a number (or a numeric string) within ±" + strconv.FormatFloat(s.limit, 'f', -1, 64) + ", as a Double"
	case srcIPAddress:
		return code(s.path), ipQualifier
	case srcObjectID:
		d := code(s.other+".<"+s.path+">Id") + " (`" + s.other + ".EnvelopeId` for an `Envelope`, …)"
		for _, id := range s.ids {
			d += "; for " + code(id.object) + ": " + sourcesDoc(id.from)
		}
		return d, ""
	case srcNames:
		return code(s.path + "[]." + s.other), ", a list of strings"
	case srcFullName:
		return code(s.path) + " + \" \" + " + code(s.other), ", trimmed"
	case srcConstant:
		return code("\"" + s.value + "\""), ""
	case srcBool:
		return code(s.path), ": a boolean (or the string `true` or `false`)"
	case srcAnyTrue:
		return code(s.path + "[]." + s.other), ": `true` when any is (a boolean or its string)"
	case srcFirst:
		return "the first " + code(s.path+"[]."+s.other), ""
	case srcOperation:
		return "the sync's verdict: `" + OperationCreate + "` (new), `" + OperationUpdate + "` (changed), `" + OperationSnapshot + "` (full inventory, `users.snapshot`)", ""
	}
	return code(s.path), ""
}
