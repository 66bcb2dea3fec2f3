package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// docusignReceiver wires the token source, the API client, the storage client and one poller per source.
type docusignReceiver struct {
	cfg      *Config
	settings receiver.Settings
	next     consumer.Logs
	obsrecv  *receiverhelper.ObsReport
	tb       *metadata.TelemetryBuilder

	host    component.Host
	storage storage.Client
	conns   *api.ConnTracker // every connection to DocuSign, closed at Shutdown
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	statusMu sync.Mutex
	failing  map[string]error // source → its last error, while it fails
}

func newDocusignReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*docusignReceiver, error) {
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
	return &docusignReceiver{cfg: cfg, settings: set, next: next, obsrecv: obsrecv, tb: tb}, nil
}

// Start builds the clients and launches the pollers; it does not wait for DocuSign.
func (r *docusignReceiver) Start(ctx context.Context, host component.Host) error {
	if r.cancel != nil { // a second Start would orphan the running pollers
		return errors.New("docusign receiver: already started")
	}
	r.host = host
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
	r.storage = storageClient

	baseClient, err := r.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), r.settings.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("docusign http client: %w", err)
	}
	// confighttp wraps its transport; the tracker reaches the connections behind any wrapper.
	r.conns = api.NewConnTracker(baseClient.Transport)
	tokenClient := *baseClient
	tokenClient.Transport = r.conns
	var scopes [][]string // what each enabled source declares
	if r.cfg.Monitor.Enabled {
		scopes = append(scopes, []string{auth.ScopeSignature})
	}
	if r.cfg.Users.Enabled {
		scopes = append(scopes, []string{auth.ScopeUserRead, auth.ScopeOrganizationRead})
	}
	tokens, err := auth.NewTokenSource(auth.Config{
		IntegrationKey: r.cfg.IntegrationKey,
		UserID:         r.cfg.UserID,
		PrivateKey:     key,
		OAuthBaseURL:   r.cfg.oauthBaseURL(),
		Audience:       r.cfg.jwtAudience(),
		Scopes:         auth.Scopes(scopes...),
		RedirectURI:    r.cfg.RedirectURI,
		HTTPClient:     &tokenClient,
	})
	if err != nil {
		return err
	}
	apiHTTP := &http.Client{ // no Timeout: api bounds only the time spent waiting on DocuSign
		Transport:     &auth.Transport{Source: tokens, Base: r.conns},
		CheckRedirect: sameHostRedirect,
	}
	client := api.New(apiHTTP, api.WithTimeout(baseClient.Timeout), api.WithLogger(logger), api.WithObserver(r.observeRequest))

	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if r.cfg.Monitor.Enabled {
		p := newMonitorPoller(r, client)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			p.run(runCtx)
		}()
	}
	if r.cfg.Users.Enabled {
		p := newUsersPoller(r, client)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			p.run(runCtx)
		}()
	}
	return nil
}

// Shutdown cancels the pollers, waits for them and releases connections and storage.
func (r *docusignReceiver) Shutdown(ctx context.Context) error {
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
		errs = append(errs, fmt.Errorf("docusign receiver: pollers did not stop: %w", ctx.Err()))
	}
	if r.conns != nil {
		r.conns.CloseAll()
	}
	if r.storage != nil {
		errs = append(errs, r.storage.Close(ctx))
	}
	r.cancel = nil
	r.tb.Shutdown()
	return errors.Join(errs...)
}

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

// reportStatus records whether the last attempt of a source worked and reports the receiver's
// overall health: a recoverable error while any source fails, OK once all succeed.
func (r *docusignReceiver) reportStatus(source string, err error) {
	if r.host == nil {
		return
	}
	r.statusMu.Lock()
	defer r.statusMu.Unlock()
	if r.failing == nil {
		r.failing = map[string]error{}
	}
	if err != nil {
		r.failing[source] = err
		componentstatus.ReportStatus(r.host, componentstatus.NewRecoverableErrorEvent(fmt.Errorf("%s: %w", source, err)))
		return
	}
	delete(r.failing, source)
	if len(r.failing) == 0 {
		componentstatus.ReportStatus(r.host, componentstatus.NewEvent(componentstatus.StatusOK))
	}
}

// newLogs returns an empty batch with the receiver's resource and scope, and its record slice.
func (r *docusignReceiver) newLogs() (plog.Logs, plog.LogRecordSlice) {
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	attrs := rl.Resource().Attributes()
	attrs.PutStr("docusign.environment", r.cfg.Environment)
	if r.cfg.Users.OrganizationID != "" {
		attrs.PutStr("docusign.organization.id", r.cfg.Users.OrganizationID)
	}
	if r.cfg.Users.AccountID != "" {
		attrs.PutStr("docusign.account.id", r.cfg.Users.AccountID)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	sl.Scope().SetVersion(r.settings.BuildInfo.Version)
	return logs, sl.LogRecords()
}

// sameHostRedirect refuses redirects to another host: the transport would hand it the bearer token.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
		return fmt.Errorf("refusing redirect to %s://%s: the bearer token stays with DocuSign's host", req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// sleepCtx waits d or until ctx ends; false means ctx ended.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
