// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// NewFactory returns the factory of the docusign receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogsReceiver, metadata.LogsStability),
		receiver.WithMetrics(createMetricsReceiver, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	httpCfg := confighttp.NewDefaultClientConfig()
	httpCfg.Timeout = 30 * time.Second
	return &Config{
		ClientConfig: httpCfg,
		Environment:  environmentProduction,
		Body:         bodyOriginal,
		Monitor: MonitorConfig{
			Enabled:      true,
			Stream:       streamLens,
			PollInterval: time.Minute,
			PageSize:     maxMonitorPageSize,
			EnrichUsers:  true,
			EnrichWait:   5 * time.Minute,
		},
		Users: UsersConfig{
			Enabled:          false,
			PollInterval:     time.Hour,
			PageSize:         maxUsersPageSize,
			FullSyncInterval: 24 * time.Hour,
			Profiles:         ProfilesConfig{MaxRequestsPerHour: 300},
		},
		MetricsBuilderConfig: metadata.NewDefaultMetricsBuilderConfig(),
	}
}

// createLogsReceiver and createMetricsReceiver return handles on one receiver per configuration: a
// receiver in a logs and a metrics pipeline runs one set of sources, one token, one checkpoint.
func createLogsReceiver(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return attach(set, cfg.(*Config), func(r *docusignReceiver) { r.next = next })
}

func createMetricsReceiver(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	return attach(set, cfg.(*Config), func(r *docusignReceiver) { r.metrics = next })
}
