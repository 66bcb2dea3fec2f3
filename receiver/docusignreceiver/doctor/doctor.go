// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package doctor is docusign-doctor: it reads a collector configuration file as the collector does,
// and checks each docusign receiver in it against DocuSign, step by step, with the receiver's own
// code, printing a fix for every failure.
package doctor // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/doctor"

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/otel/metric/noop"
	nooptrace "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkup"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// Version is the doctor's version: the collector distribution's (builder-config.yaml).
const Version = "0.1.0"

// Exit statuses.
const (
	ExitOK        = 0 // nothing failed; warnings allowed
	ExitFailed    = 1 // a check failed
	ExitCannotRun = 2 // bad flags, an unreadable or malformed file, no docusign receiver in it
)

// Timeout bounds a whole run: a handful of requests per receiver.
const Timeout = 2 * time.Minute

const usage = `usage: docusign-doctor --config FILE [--receiver docusign/NAME] [--json]
       docusign-doctor --version

Checks each docusign receiver of the collector configuration FILE against DocuSign, step by step:
config, private_key, clock, token, userinfo, monitor, users, profiles, storage, rate_limit.
Exit status: 0 nothing failed (warnings allowed), 1 a check failed, 2 the doctor could not run.
`

// Main runs the doctor with args (without the program name) and returns its exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("docusign-doctor", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	configPath := flags.String("config", "", "the collector configuration file")
	only := flags.String("receiver", "", "check only this receiver, e.g. docusign/org-a")
	asJSON := flags.Bool("json", false, "print one JSON array of findings")
	version := flags.Bool("version", false, "print the version")
	if err := flags.Parse(args); err != nil {
		fmt.Fprintf(stderr, "docusign-doctor: %v\n\n%s", err, usage)
		return ExitCannotRun
	}
	switch {
	case *version:
		fmt.Fprintln(stdout, "docusign-doctor "+Version)
		return ExitOK
	case flags.NArg() > 0:
		fmt.Fprintf(stderr, "docusign-doctor: unexpected argument %q\n\n%s", flags.Arg(0), usage)
		return ExitCannotRun
	case *configPath == "":
		fmt.Fprint(stderr, "docusign-doctor: --config is required\n\n"+usage)
		return ExitCannotRun
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	findings, err := Diagnose(ctx, *configPath, *only)
	if err != nil {
		fmt.Fprintf(stderr, "docusign-doctor: %v\n", err)
		return ExitCannotRun
	}
	write := checkup.WriteText
	if *asJSON {
		write = checkup.WriteJSON
	}
	if err := write(stdout, findings); err != nil {
		fmt.Fprintf(stderr, "docusign-doctor: %v\n", err)
		return ExitCannotRun
	}
	if checkup.Failed(findings) {
		return ExitFailed
	}
	return ExitOK
}

// Diagnose checks every docusign receiver of the configuration at path (or only the one named);
// an error means it could not run at all.
func Diagnose(ctx context.Context, path, only string) ([]checkup.Finding, error) {
	conf, err := resolve(ctx, path)
	if err != nil {
		return nil, err
	}
	ids, err := receiverIDs(conf, only, path)
	if err != nil {
		return nil, err
	}
	set := component.TelemetrySettings{Logger: zap.NewNop(), MeterProvider: noop.NewMeterProvider(), TracerProvider: nooptrace.NewTracerProvider()}
	var findings []checkup.Finding
	for _, id := range ids {
		cfg := docusignreceiver.NewFactory().CreateDefaultConfig().(*docusignreceiver.Config)
		sub, err := conf.Sub("receivers::" + id.String())
		if err == nil {
			err = sub.Unmarshal(cfg)
		}
		if err != nil {
			findings = append(findings, unusable(id, err)...)
			continue
		}
		findings = append(findings, docusignreceiver.Checkup(ctx, id, cfg, storageFinding(conf, cfg.StorageID), set)...)
	}
	return findings, nil
}

// resolve reads the file as the collector does: ${env:…}, ${file:…} and ${yaml:…} expanded, a bare
// ${NAME} read from the environment.
func resolve(ctx context.Context, path string) (*confmap.Conf, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config %q: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("config %q cannot be read: %w", path, errors.Unwrap(err))
	}
	resolver, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs:              []string{"file:" + abs},
		ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory(), yamlprovider.NewFactory()},
		DefaultScheme:     "env",
		ProviderSettings:  confmap.ProviderSettings{Logger: zap.NewNop()},
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = resolver.Shutdown(ctx) }()
	conf, err := resolver.Resolve(ctx)
	if err != nil {
		return nil, fmt.Errorf("config %q: %w", path, err)
	}
	return conf, nil
}

// receiverIDs lists the docusign receivers of conf, sorted, or only the one named.
func receiverIDs(conf *confmap.Conf, only, path string) ([]component.ID, error) {
	var ids []component.ID
	receivers, _ := conf.Get("receivers").(map[string]any)
	for key := range receivers {
		var id component.ID
		if err := id.UnmarshalText([]byte(key)); err != nil {
			return nil, fmt.Errorf("config %q: receivers: %q is not a component id: %w", path, key, err)
		}
		if id.Type() == metadata.Type {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b component.ID) int { return strings.Compare(a.String(), b.String()) })
	if len(ids) == 0 {
		return nil, fmt.Errorf("config %q has no docusign receiver under receivers", path)
	}
	if only == "" {
		return ids, nil
	}
	for _, id := range ids {
		if id.String() == only {
			return []component.ID{id}, nil
		}
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.String()
	}
	return nil, fmt.Errorf("config %q has no receiver %q; its docusign receivers: %s", path, only, strings.Join(names, ", "))
}

// unusable reports a receiver whose configuration does not even decode: nothing else can run.
func unusable(id component.ID, err error) []checkup.Finding {
	out := []checkup.Finding{{Receiver: id.String(), Check: checkup.CheckConfig, Status: checkup.Fail, Detail: err.Error(),
		Fix: "correct the keys named above in this receiver's configuration (README: Configuration)"}}
	for _, c := range checkup.Checks[1:] {
		out = append(out, checkup.Finding{Receiver: id.String(), Check: c, Status: checkup.Skip, Detail: "skipped: needs a configuration that decodes"})
	}
	return out
}
