// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Command mappingdoc writes the mapping tables rendered from internal/convert's declarations into
// README.md, between convert.MappingBegin and convert.MappingEnd:
//
//	go generate ./receiver/docusignreceiver/internal/convert
//	go run ./receiver/docusignreceiver/internal/convert/cmd/mappingdoc -readme README.md
package main // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert/cmd/mappingdoc"

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
)

func main() {
	path := flag.String("readme", "README.md", "the README to update")
	flag.Parse()
	if err := rewrite(*path); err != nil {
		fmt.Fprintln(os.Stderr, "mappingdoc:", err)
		os.Exit(1)
	}
}

func rewrite(path string) error {
	readme, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := splice(string(readme), convert.MappingMarkdown())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644) //nolint:gosec // a README is world-readable
}

// splice replaces the lines from the begin marker to the end marker (both included) with tables.
func splice(readme, tables string) (string, error) {
	start := strings.Index(readme, convert.MappingBegin)
	end := strings.Index(readme, convert.MappingEnd)
	if start < 0 || end < start {
		return "", errors.New("no mapping markers: put " + convert.MappingBegin + " and " + convert.MappingEnd + " on lines of their own where the tables go")
	}
	end += len(convert.MappingEnd)
	if end < len(readme) && readme[end] == '\n' {
		end++
	}
	return readme[:start] + tables + readme[end:], nil
}
