// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkup

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestTextHasABlockPerReceiverAndFixesOnlyWhereSomethingIsWrong(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteText(&out, []Finding{
		{Receiver: "docusign", Check: CheckConfig, Status: OK, Detail: "valid", Fix: "never shown"},
		{Receiver: "docusign", Check: CheckToken, Status: Fail, Detail: "consent_required:\nthe user\thas not", Fix: "open the link"},
		{Receiver: "docusign/b", Check: CheckRateLimit, Status: Warn, Detail: "low", Fix: "wait"},
		{Receiver: "docusign/b", Check: CheckProfiles, Status: Skip, Detail: "skipped: off"},
	}))
	assert.Equal(t, `docusign
  ✔ config       valid
  ✘ token        consent_required: the user has not
      fix: open the link

docusign/b
  ! rate_limit   low
      fix: wait
  - profiles     skipped: off
`, out.String())
	assert.True(t, Failed([]Finding{{Status: Warn}, {Status: Fail}}))
	assert.False(t, Failed([]Finding{{Status: Warn}, {Status: Skip}, {Status: OK}}))
}

func TestJSONOfNoFindingsIsAnEmptyArray(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteJSON(&out, nil))
	assert.Equal(t, "[]\n", out.String())
}

func TestSkewIsMeasuredFromTheMiddleOfTheRoundTripAndSaidToTenSeconds(t *testing.T) {
	sent := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	d := dateRecorder{known: true, sent: sent, got: sent.Add(2 * time.Second), date: sent.Add(-5 * time.Minute)}
	skew, ok := d.skew()
	require.True(t, ok)
	assert.Equal(t, 5*time.Minute+500*time.Millisecond, skew, "local mid-trip 12:00:01 against DocuSign's 11:55:00.5")
	assert.Equal(t, "this host's clock is 5m0s ahead of DocuSign's", describeSkew(skew))
	assert.Equal(t, "this host's clock is 1m30s behind DocuSign's", describeSkew(-87*time.Second))
	_, ok = (&dateRecorder{}).skew()
	assert.False(t, ok, "no answer, no skew")
}
