// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package checkup is what docusign-doctor checks and how it reports: each step from the collector
// configuration to a working Monitor and users source, run with the receiver's own code, as findings
// with a fix for every failure.
package checkup // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkup"

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Status is the outcome of one check.
type Status string

// The statuses, as --json spells them.
const (
	OK   Status = "ok"
	Fail Status = "fail"
	Warn Status = "warn"
	Skip Status = "skip"
)

// The checks, in the order they are reported.
const (
	CheckConfig     = "config"
	CheckPrivateKey = "private_key"
	CheckClock      = "clock"
	CheckToken      = "token"
	CheckUserinfo   = "userinfo"
	CheckMonitor    = "monitor"
	CheckUsers      = "users"
	CheckProfiles   = "profiles"
	CheckStorage    = "storage"
	CheckRateLimit  = "rate_limit"
)

// Checks lists every check id in report order.
var Checks = []string{CheckConfig, CheckPrivateKey, CheckClock, CheckToken, CheckUserinfo, CheckMonitor,
	CheckUsers, CheckProfiles, CheckStorage, CheckRateLimit}

// Finding is one check of one receiver.
type Finding struct {
	Receiver string `json:"receiver"` // the component id: docusign, docusign/org-a
	Check    string `json:"check"`
	Status   Status `json:"status"`
	Detail   string `json:"detail"`
	Fix      string `json:"fix"` // "" when there is nothing to do
}

// Failed reports whether any finding failed.
func Failed(findings []Finding) bool {
	for _, f := range findings {
		if f.Status == Fail {
			return true
		}
	}
	return false
}

var marks = map[Status]string{OK: "✔", Fail: "✘", Warn: "!", Skip: "-"}

// WriteText writes one block per receiver: a line per check, and an indented fix under each
// failure and warning that has one.
func WriteText(w io.Writer, findings []Finding) error {
	width := 0
	for _, c := range Checks {
		width = max(width, utf8.RuneCountInString(c))
	}
	var b strings.Builder
	for i, f := range findings {
		if i == 0 || findings[i-1].Receiver != f.Receiver {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(f.Receiver + "\n")
		}
		fmt.Fprintf(&b, "  %s %-*s  %s\n", marks[f.Status], width, f.Check, oneLine(f.Detail))
		if f.Fix != "" && (f.Status == Fail || f.Status == Warn) {
			b.WriteString("      fix: " + oneLine(f.Fix) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the findings as one JSON array.
func WriteJSON(w io.Writer, findings []Finding) error {
	if findings == nil {
		findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // the consent URL's & stays readable
	enc.SetIndent("", "  ")
	return enc.Encode(findings)
}

// oneLine keeps a report line a line: what DocuSign sent could hold a line break.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
