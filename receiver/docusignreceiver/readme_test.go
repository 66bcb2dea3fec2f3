// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkup"
)

// TestReadmeConfigurationTable keeps README's configuration reference and the Config struct in step:
// every key of the struct is in the table's first column, every key there exists, and every default
// the table states matches createDefaultConfig().
//
// Keys come from the mapstructure tags, nested blocks joined with '.' (monitor.enrich_wait,
// users.profiles.max_requests_per_hour). Squashed (embedded) structs are not walked into the set of
// keys that must be documented: confighttp.ClientConfig brings a dozen HTTP client settings that the
// table covers in one row ("`timeout`, `proxy_url`, `tls`, `headers`, …"). A key the table names is
// accepted when it is one of those inherited top-level keys, so that row cannot name a key that does
// not exist either.
//
// Defaults are checked where the table's second column states one that can be compared exactly:
//   - a single backticked value for a single-key row (`1m`, `2000`, `true`, `lens`, `""`) is parsed
//     by the field's kind: durations with time.ParseDuration, ints, bools, strings compared as is;
//   - `key: value` in backticks states the default of that key (the HTTP client row's `timeout: 30s`);
//   - "—" or "none" (optionally followed by "(required)") states that there is no default: the field
//     must be its zero value;
//   - anything else is prose ("environment's", "now", a backticked other key the value falls back to)
//     and is not checked.
func TestReadmeConfigurationTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("reading README.md: %v", err)
	}
	rows := readmeConfigRows(t, string(readme))

	defaults := reflect.ValueOf(createDefaultConfig()).Elem()
	fields := map[string]reflect.Value{}    // every key of the struct → its default value
	inherited := map[string]reflect.Value{} // top-level keys of squashed structs
	walkConfig(defaults, "", fields, inherited)
	if len(fields) == 0 {
		t.Fatal("found no keys in Config")
	}

	documented := map[string]bool{}
	for _, r := range rows {
		for _, k := range r.keys {
			documented[k] = true
			_, own := fields[k]
			_, inh := inherited[k]
			if !own && !inh {
				t.Errorf("README documents %q (line %d), which is not a key of the Config struct", k, r.line)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !documented[k] {
			t.Errorf("Config has the key %q, which README's configuration table does not document", k)
		}
	}

	for _, r := range rows {
		for key, stated := range r.defaults() {
			v, ok := fields[key]
			if !ok {
				v, ok = inherited[key]
			}
			if !ok {
				continue // reported above
			}
			if msg := compareDefault(v, stated); msg != "" {
				t.Errorf("README line %d: the default of %q is stated as %q, but createDefaultConfig() has %s", r.line, key, stated, msg)
			}
		}
	}
}

// configRow is one row of README's configuration table.
type configRow struct {
	line       int
	keys       []string
	defaultCol string
}

var backticked = regexp.MustCompile("`([^`]*)`")

// readmeConfigRows returns the rows of the first table with a "key" column in the "## Configuration" section.
func readmeConfigRows(t *testing.T, readme string) []configRow {
	t.Helper()
	lines := strings.Split(readme, "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "## Configuration" {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatal(`README.md has no "## Configuration" section`)
	}
	var rows []configRow
	inTable := false
	for i := start + 1; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "## ") {
			break
		}
		if !strings.HasPrefix(l, "|") {
			if inTable {
				break // the table ended
			}
			continue
		}
		cells := splitRow(l)
		if !inTable {
			if len(cells) >= 2 && cells[0] == "key" && cells[1] == "default" {
				inTable = true
				i++ // the |---| line
			}
			continue
		}
		if len(cells) < 3 {
			t.Fatalf("README line %d: a configuration row needs key, default and meaning: %q", i+1, l)
		}
		row := configRow{line: i + 1, defaultCol: cells[1]}
		for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			row.keys = append(row.keys, m[1])
		}
		if len(row.keys) == 0 {
			t.Errorf("README line %d: the first column names no key in backticks: %q", i+1, cells[0])
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		t.Fatal(`README.md's "## Configuration" section has no table whose columns start with "key | default"`)
	}
	return rows
}

// splitRow splits a Markdown table row into trimmed cells; a `|` inside backticks does not split.
func splitRow(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	inCode := false
	for _, r := range line {
		switch {
		case r == '`':
			inCode = !inCode
		case r == '|' && !inCode:
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

var noDefault = regexp.MustCompile(`^(—|none)(\s*\(required\))?$`)

// defaults returns the defaults the row states, by key (see TestReadmeConfigurationTable).
func (r configRow) defaults() map[string]string {
	col := r.defaultCol
	out := map[string]string{}
	if noDefault.MatchString(col) {
		for _, k := range r.keys {
			out[k] = ""
		}
		return out
	}
	spans := backticked.FindAllStringSubmatch(col, -1)
	if len(spans) == 1 && len(r.keys) == 1 && strings.TrimSpace(col) == spans[0][0] {
		v := spans[0][1]
		if isKeyLike(v) && v != r.keys[0] && strings.Contains(v, ".") {
			return out // falls back to another key's value: prose
		}
		out[r.keys[0]] = strings.TrimSpace(v)
		return out
	}
	for _, m := range spans {
		k, v, ok := strings.Cut(m[1], ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		for _, rk := range r.keys {
			if rk == k {
				out[k] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

var keyLike = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)*$`)

func isKeyLike(s string) bool { return keyLike.MatchString(s) }

// compareDefault compares a field's default with what README states; "" when they agree. A stated
// "" after "—"/"none" means the zero value; `""` means the empty string.
func compareDefault(v reflect.Value, stated string) string {
	if stated == "" {
		if v.IsZero() {
			return ""
		}
		return "a non-zero value " + describe(v) + " (README says there is none)"
	}
	if v.Type() == reflect.TypeFor[time.Duration]() {
		d, err := time.ParseDuration(stated)
		if err != nil {
			return "a duration, and " + strconv.Quote(stated) + " is not one"
		}
		if time.Duration(v.Int()) != d {
			return describe(v)
		}
		return ""
	}
	switch v.Kind() {
	case reflect.Bool:
		b, err := strconv.ParseBool(stated)
		if err != nil || b != v.Bool() {
			return describe(v)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.ReplaceAll(stated, ",", ""), 10, 64)
		if err != nil || n != v.Int() {
			return describe(v)
		}
	case reflect.String:
		if stated == `""` {
			stated = ""
		}
		if stated != v.String() {
			return describe(v)
		}
	default:
		// A kind this test cannot compare exactly (structs, pointers, maps): not checked.
	}
	return ""
}

func describe(v reflect.Value) string {
	if v.Type() == reflect.TypeFor[time.Duration]() {
		return time.Duration(v.Int()).String()
	}
	if v.Kind() == reflect.String {
		return strconv.Quote(v.String())
	}
	return fmt.Sprintf("%v", v.Interface())
}

// walkConfig collects the mapstructure keys of v's fields under prefix: nested structs of this package
// are walked into ("monitor.enrich_wait"); squashed structs give their top-level keys to inherited;
// fields tagged "-" and unexported fields are skipped. Structs of other packages (time.Time,
// component.ID) are leaves.
func walkConfig(v reflect.Value, prefix string, fields, inherited map[string]reflect.Value) {
	own := reflect.TypeFor[Config]().PkgPath()
	typ := v.Type()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous || strings.Contains(","+opts+",", ",squash,") {
			if fv.Kind() == reflect.Struct {
				collectTopLevel(fv, inherited)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name) // mapstructure's own default for an untagged field
		}
		key := prefix + name
		if fv.Kind() == reflect.Struct && f.Type.PkgPath() == own {
			walkConfig(fv, key+".", fields, inherited)
			continue
		}
		fields[key] = fv
	}
}

// collectTopLevel adds the top-level keys of a squashed struct (and of the structs it squashes).
func collectTopLevel(v reflect.Value, into map[string]reflect.Value) {
	typ := v.Type()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous || strings.Contains(","+opts+",", ",squash,") {
			if v.Field(i).Kind() == reflect.Struct {
				collectTopLevel(v.Field(i), into)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		into[name] = v.Field(i)
	}
}

// Every doctor check that can fail or warn has a row in README's troubleshooting tables.
func TestReadmeTroubleshootingCoversEveryDoctorCheck(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	text := string(readme)
	start := strings.Index(text, "\n## Troubleshooting")
	require.GreaterOrEqual(t, start, 0, "README has a Troubleshooting section")
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	for _, check := range checkup.Checks {
		assert.Regexp(t, "(?m)^\\|.*`"+regexp.QuoteMeta(check)+"` [✘!]", section, "a troubleshooting row for the %s check", check)
	}
}
