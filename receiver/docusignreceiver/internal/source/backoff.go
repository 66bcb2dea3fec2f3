// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package source // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
)

// backoff yields exponentially growing waits with jitter, honouring DocuSign's Retry-After.
type backoff struct {
	initial, max time.Duration
	attempt      int
}

func newBackoff(maxWait time.Duration) backoff {
	return backoff{initial: time.Second, max: maxWait}
}

// next returns how long to wait before the next attempt after err.
func (b *backoff) next(err error) time.Duration {
	d := b.max
	if b.attempt < 30 {
		d = min(b.initial<<b.attempt, b.max)
	}
	b.attempt++
	// Full jitter on the upper half keeps many collectors from retrying in lockstep.
	d = d/2 + rand.N(d/2+1)
	if ra := retryAfter(err); ra > d {
		d = ra
	}
	return d
}

func (b *backoff) reset() { b.attempt = 0 }

// retryAfter is how long DocuSign asked us to wait (already clamped by api and auth), or 0.
func retryAfter(err error) time.Duration {
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	var authErr *auth.Error
	if errors.As(err, &authErr) {
		return authErr.RetryAfter
	}
	return 0
}
