// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"context"
	"time"
)

// AppendLive appends perSecond generated events every second, timestamped across the second that
// just passed, until ctx is done: a live stream for the simulator and soak tests.
func (s *Server) AppendLive(ctx context.Context, perSecond int) {
	if perSecond <= 0 {
		<-ctx.Done()
		return
	}
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	prev := s.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			now := s.now()
			s.AddMonitorEvents(perSecond, prev, now.Sub(prev)/time.Duration(perSecond))
			prev = now
		}
	}
}

// Env returns the variables a collector configuration reads (KEY=value), for a private key
// written to privateKeyFile: environment, identities, key file and the three endpoint overrides.
func (s *Server) Env(privateKeyFile string) []string {
	return []string{
		"DOCUSIGN_ENVIRONMENT=" + s.Environment(),
		"DOCUSIGN_INTEGRATION_KEY=" + s.IntegrationKey(),
		"DOCUSIGN_USER_ID=" + s.UserID(),
		"DOCUSIGN_ORGANIZATION_ID=" + s.OrganizationID(),
		"DOCUSIGN_ACCOUNT_ID=" + s.AccountID(),
		"DOCUSIGN_PRIVATE_KEY_FILE=" + privateKeyFile,
		"DOCUSIGN_AUTH_ENDPOINT=" + s.URL(),
		"DOCUSIGN_MONITOR_ENDPOINT=" + s.URL(),
		"DOCUSIGN_USERS_ENDPOINT=" + s.URL() + "/management",
	}
}
