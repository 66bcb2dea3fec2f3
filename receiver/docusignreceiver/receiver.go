// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sources"
)

// docusignReceiver builds the clients and the checkpoint store, and runs one source per enabled
// configuration block.
type docusignReceiver struct {
	cfg      *Config
	settings receiver.Settings
	next     consumer.Logs    // the logs pipeline; nil when only a metrics pipeline takes the receiver
	metrics  consumer.Metrics // the metrics pipeline; nil when none takes it
	obsrecv  *receiverhelper.ObsReport
	tb       *metadata.TelemetryBuilder

	store  *checkpoint.Store
	conns  *api.ConnTracker // every connection to DocuSign, closed at Shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup

	handlesMu sync.Mutex
	handles   int // started pipeline handles (shared.go)
}

func newDocusignReceiver(set receiver.Settings, cfg *Config) (*docusignReceiver, error) {
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "https",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &docusignReceiver{cfg: cfg, settings: set, obsrecv: obsrecv, tb: tb}, nil
}

// start builds the clients and starts the sources; it does not wait for DocuSign.
func (r *docusignReceiver) start(ctx context.Context, host component.Host) error {
	logger := r.settings.Logger
	for _, w := range r.cfg.warnings() {
		logger.Warn(w)
	}
	key, err := r.cfg.loadPrivateKey()
	if err != nil {
		return err
	}
	storageClient, err := openStorage(ctx, host, r.cfg.StorageID, r.settings.ID)
	if err != nil {
		return err
	}
	r.store = checkpoint.NewStore(storageClient)

	baseClient, err := r.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), r.settings.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("docusign http client: %w", err)
	}
	// confighttp wraps its transport; the tracker reaches the connections behind any wrapper.
	r.conns = api.NewConnTracker(baseClient.Transport)
	tokenClient := *baseClient
	tokenClient.Transport = r.conns
	var state *sources.StreamState // followed for docusign.monitor.lag
	if r.metrics != nil && r.cfg.Monitor.Enabled {
		state = sources.NewStreamState(time.Now())
	}
	enabled := r.cfg.sourcesFollowing(state)
	tokens, err := auth.NewTokenSource(auth.Config{
		IntegrationKey: r.cfg.IntegrationKey,
		UserID:         r.cfg.UserID,
		PrivateKey:     key,
		OAuthBaseURL:   r.cfg.oauthBaseURL(),
		Audience:       r.cfg.jwtAudience(),
		Scopes:         enabled.scopes(),
		RedirectURI:    r.cfg.RedirectURI,
		HTTPClient:     &tokenClient,
	})
	if err != nil {
		return err
	}
	apiHTTP := &http.Client{ // no Timeout: api bounds only the time spent waiting on DocuSign
		Transport:     &auth.Transport{Source: tokens, Base: r.conns},
		CheckRedirect: api.SameHostRedirect,
	}
	env := source.Env{
		Client:    api.New(apiHTTP, api.WithTimeout(baseClient.Timeout), api.WithLogger(logger), api.WithObserver(r.observeRequest)),
		Store:     r.store,
		Obs:       r.obsrecv,
		Telemetry: r.tb,
		Health:    source.NewHealth(host),
		Logger:    logger,
		NewBatch:  r.newBatch,
	}
	if r.cfg.keepsIdentities() || r.metrics != nil && r.cfg.Users.Enabled { // written by the users source, under its checkpoint
		var opts []identity.Option
		if !r.cfg.enrichesEvents() { // only enrichment needs names: profiles and metrics do with the status
			opts = append(opts, identity.WithoutNames())
		}
		env.Identities = identity.New(r.store.Namespace(sources.UsersName), opts...)
	}

	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	var logs consumer.Logs // the logs pipeline, bodies omitted when configured; nil: none
	if r.next != nil {
		logs = withBody(r.cfg.Body, r.next)
	}
	env.Next = logs
	if r.metrics != nil {
		tee := r.newMetricsTee(logs, env.Identities, state)
		env.Next = tee
		if logs == nil {
			env.Obs = nil // no logs pipeline: the tee reports each emission as a metrics operation instead
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			tee.refresh(runCtx, metricsCheck)
		}()
	}
	for _, s := range enabled {
		deps := env.Deps(s.name, s.interval)
		src := s.build(deps)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			source.Run(runCtx, src, deps)
		}()
	}
	return nil
}

// shutdown stops the sources, waits for them and releases connections and storage.
func (r *docusignReceiver) shutdown(ctx context.Context) error {
	if r.cancel != nil {
		r.cancel()
	}
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	var errs []error
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("docusign receiver: sources did not stop: %w", ctx.Err()))
	}
	if r.conns != nil {
		r.conns.CloseAll()
	}
	if r.store != nil {
		errs = append(errs, r.store.Close(ctx))
	}
	r.cancel = nil
	r.tb.Shutdown()
	return errors.Join(errs...)
}

// openStorage returns a client of the storage extension named by id; none named: in-memory no-op.
func openStorage(ctx context.Context, host component.Host, id *component.ID, self component.ID) (storage.Client, error) {
	if id == nil {
		return storage.NewNopClient(), nil
	}
	ext, ok := host.GetExtensions()[*id]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found; add it under extensions and service.extensions", id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", id)
	}
	// The client is keyed by this receiver's own component id (docusign/org-a, docusign/org-b, …):
	// receivers sharing one storage extension never read or write each other's keys.
	client, err := se.GetClient(ctx, component.KindReceiver, self, "")
	if err != nil {
		return nil, fmt.Errorf("storage: extension %q: %w", id, err)
	}
	return client, nil
}

// Telemetry attribute keys of API requests.
const (
	attrOperation   = attribute.Key("operation")
	attrStatusClass = attribute.Key("status_class")
)

// observeRequest records API request telemetry: count by operation and status class, rate-limit budget.
func (r *docusignReceiver) observeRequest(o api.Outcome) {
	class := "error"
	if o.Status > 0 {
		class = fmt.Sprintf("%dxx", o.Status/100)
	}
	r.tb.ReceiverDocusignAPIRequests.Add(context.Background(), 1,
		metric.WithAttributes(attrOperation.String(o.Op), attrStatusClass.String(class)))
	if o.RateLimit.HasRemaining {
		r.tb.ReceiverDocusignRateLimitRemaining.Record(context.Background(), o.RateLimit.Remaining)
	}
}

// newBatch returns an empty batch with the receiver's resource and scope, and its record slice.
func (r *docusignReceiver) newBatch() (plog.Logs, plog.LogRecordSlice) {
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	attrs := rl.Resource().Attributes()
	attrs.PutStr("docusign.environment", r.cfg.Environment)
	if org := r.cfg.monitorOrganizationID(); org != "" { // monitor.organization_id, else users.organization_id
		attrs.PutStr("docusign.organization.id", org)
	}
	if r.cfg.Users.AccountID != "" {
		attrs.PutStr("docusign.account.id", r.cfg.Users.AccountID)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	sl.Scope().SetVersion(r.settings.BuildInfo.Version)
	return logs, sl.LogRecords()
}
