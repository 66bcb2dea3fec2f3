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
	for i, m := range []*mapping{&monitorMapping, &userMapping} {
		if i > 0 {
			b.WriteString("\n")
		}
		writeMappingTable(&b, m)
	}
	b.WriteString(MappingEnd + "\n")
	return b.String()
}

func writeMappingTable(b *strings.Builder, m *mapping) {
	b.WriteString("**" + m.name + "** → one log record\n\n| log record | from |\n|---|---|\n")
	row := func(field, from string) { b.WriteString("| " + field + " | " + from + " |\n") }
	row("`EventName`", "`"+m.eventName+"`")
	if m.timestamp != "" {
		row("`Timestamp`", code(m.timestamp)+"; `ObservedTimestamp`: when received")
	} else {
		row("`Timestamp`, `ObservedTimestamp`", "when the record was received (it has no time of its own)")
	}
	row("`SeverityNumber`, `SeverityText`", severityDoc(m.severity))
	row("`Body`", "the record as received, a map of every field with its JSON type")
	for _, r := range m.attrs {
		row(codes(r.keys), ruleDoc(r))
	}
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
	case srcOperation:
		return "the sync's verdict: `" + OperationCreate + "` (new), `" + OperationUpdate + "` (changed), `" + OperationSnapshot + "` (full inventory, `users.snapshot`)", ""
	}
	return code(s.path), ""
}
