// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package testkit

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// FreePort returns a 127.0.0.1:port address that was free a moment ago.
func FreePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// StartOTLPReceiver runs the collector's own OTLP gRPC receiver in this process and returns its
// host:port endpoint; the test's cleanup shuts it down.
func StartOTLPReceiver(t *testing.T, sink consumer.Logs) string {
	t.Helper()
	return startOTLPReceiver(t, sink, "grpc")
}

// StartOTLPHTTPReceiver runs the collector's own OTLP receiver in this process, over HTTP, and
// returns the base URL an otlp_http exporter takes.
func StartOTLPHTTPReceiver(t *testing.T, sink consumer.Logs) string {
	t.Helper()
	return "http://" + startOTLPReceiver(t, sink, "http")
}

// startOTLPReceiver starts the OTLP receiver with the one protocol ("grpc" or "http") on a free port.
func startOTLPReceiver(t *testing.T, sink consumer.Logs, protocol string) string {
	t.Helper()
	endpoint := FreePort(t)
	factory := otlpreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(map[string]any{
		"protocols": map[string]any{protocol: map[string]any{"endpoint": endpoint}},
	}).Unmarshal(cfg))
	rcv, err := factory.CreateLogs(context.Background(), receivertest.NewNopSettings(factory.Type()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	return endpoint
}
