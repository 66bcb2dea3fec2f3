// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Command simulator serves a fake DocuSign (OAuth JWT grant, Monitor stream, Admin users) on a
// loopback address for the offline demo and the end-to-end test. It generates a fresh RSA key per
// run, writes it to -key-out (mode 0600), prints the URL and ids, appends live Monitor events until
// SIGINT/SIGTERM, and then shuts down. Monitor events name the organisation's -users as actors and
// targets, but for a -unknown-user-share of ids that are no user; every user has a profile
// (/management/v2.1/organizations/{org}/users/{user}/dsprofile). -environment picks the DocuSign environment whose JWT audience
// it accepts besides its own host; -chaos-rate turns on docusigntest's chaos mode (hostile faults
// drawn at random from -chaos-kinds).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "simulator:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("simulator", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8089", "loopback host:port to listen on")
	events := fs.Int("events", 5000, "initial Monitor backlog, spread over the last 6 hours")
	rate := fs.Int("rate", 5, "new Monitor events appended per second")
	users := fs.Int("users", 120, "organisation users; Monitor events name them")
	unknownShare := fs.Float64("unknown-user-share", 0, "share in [0, 1] of the user ids Monitor events name that are no organisation user")
	keyOut := fs.String("key-out", filepath.Join(".tmp", "simulator", "private.pem"), "where to write the app's PKCS#1 private key (mode 0600)")
	envOut := fs.String("env-out", "", "optional shell-sourceable file with the DOCUSIGN_* variables")
	latency := fs.Duration("latency", 0, "delay added to every request")
	seed := fs.Int64("seed", 1, "seed of the generated data")
	environment := fs.String("environment", docusigntest.EnvironmentDemo, "DocuSign environment simulated: demo or production (its OAuth host is accepted as JWT aud)")
	chaosRate := fs.Float64("chaos-rate", 0, "probability in [0, 1] that a request gets a hostile fault; 0 turns chaos off")
	chaosSeed := fs.Int64("chaos-seed", 1, "seed of the chaos draws")
	chaosKinds := fs.String("chaos-kinds", "", "comma-separated hostile kinds chaos draws from (default: every kind a correct client recovers from without data loss)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := requireLoopback(*addr); err != nil {
		return err
	}
	if !(*unknownShare >= 0 && *unknownShare <= 1) {
		return fmt.Errorf("-unknown-user-share %v: use a share between 0 and 1", *unknownShare)
	}
	if *environment != docusigntest.EnvironmentDemo && *environment != docusigntest.EnvironmentProduction {
		return fmt.Errorf("-environment %q: use %s or %s", *environment, docusigntest.EnvironmentDemo, docusigntest.EnvironmentProduction)
	}
	chaos := docusigntest.Chaos{Rate: *chaosRate, Seed: *chaosSeed}
	if *chaosKinds != "" {
		kinds, err := docusigntest.ParseHostileKinds(*chaosKinds)
		if err != nil {
			return fmt.Errorf("-chaos-kinds: %w", err)
		}
		chaos.Kinds = kinds
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return fmt.Errorf("-addr %q resolved to %s, which is not a loopback address", *addr, ln.Addr())
	}
	s := docusigntest.NewServer(docusigntest.Options{Listener: ln, Seed: *seed, Environment: *environment,
		UnknownUserShare: *unknownShare}) // a fresh key per process
	defer s.Close()
	if err := s.SetChaos(chaos); err != nil {
		return fmt.Errorf("-chaos-rate, -chaos-kinds: %w", err)
	}
	s.SetLatency(*latency)
	s.AddUsers(*users)
	if *events > 0 {
		s.AddMonitorEvents(*events, time.Now().Add(-6*time.Hour), 6*time.Hour/time.Duration(*events))
	}

	if err := writePrivate(*keyOut, s.PrivateKeyPEM()); err != nil {
		return fmt.Errorf("-key-out: %w", err)
	}
	keyPath, _ := filepath.Abs(*keyOut)
	env := s.Env(keyPath)
	if *envOut != "" {
		var b strings.Builder
		for _, kv := range env {
			name, value, _ := strings.Cut(kv, "=")
			fmt.Fprintf(&b, "export %s='%s'\n", name, strings.ReplaceAll(value, "'", `'\''`))
		}
		if err := writePrivate(*envOut, []byte(b.String())); err != nil {
			return fmt.Errorf("-env-out: %w", err)
		}
	}
	fmt.Fprintf(out, "DocuSign simulator listening on %s (%d events, %d users, +%d events/s)\n", s.URL(), *events, *users, *rate)
	fmt.Fprintf(out, "  environment %s: JWT aud %s or %s\n", s.Environment(), s.Audience(), s.RealAudience())
	if chaos.Rate > 0 {
		kinds := chaos.Kinds
		if kinds == nil {
			kinds = docusigntest.ChaosKinds()
		}
		fmt.Fprintf(out, "  chaos: %.0f%% of requests get a hostile fault (seed %d) from %s\n", chaos.Rate*100, chaos.Seed, joinKinds(kinds))
	}
	fmt.Fprintf(out, "  private key written to %s\n", keyPath)
	for _, kv := range env {
		fmt.Fprintln(out, "  "+kv)
	}
	s.AppendLive(ctx, *rate)
	fmt.Fprintln(out, "DocuSign simulator shutting down")
	return nil
}

func joinKinds(kinds []docusigntest.Hostile) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ",")
}

// requireLoopback refuses anything but a loopback host: the simulator accepts a key anyone can read.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q: refusing to listen on a non-loopback address; use 127.0.0.1 or [::1]", addr)
	}
	return nil
}

// writePrivate writes data readable by the owner only, creating parent directories.
func writePrivate(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		_ = f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
