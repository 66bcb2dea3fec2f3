package docusignreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// TestReceiverAssertionAcceptedWithExactClaims checks the receiver's JWT grant against the fake
// DocuSign, which verifies the signature with the public key, and reads back the claims it got.
func TestReceiverAssertionAcceptedWithExactClaims(t *testing.T) {
	srv := backlogServer(t, 4000)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 1000
	cfg.Users.Enabled = true
	sink := new(consumertest.LogsSink)
	before := time.Now().Unix()
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 4000 }, 30*time.Second, 10*time.Millisecond)

	st := srv.Stats()
	assert.Equal(t, 1, st.TokensIssued, "one token serves every page of both sources")
	assert.Zero(t, st.TokenRejected)
	claims := srv.LastAssertionClaims()
	require.NotNil(t, claims)
	assert.Equal(t, srv.IntegrationKey(), claims["iss"])
	assert.Equal(t, srv.UserID(), claims["sub"])
	assert.Equal(t, srv.Audience(), claims["aud"], "the bare OAuth host, no scheme")
	assert.Equal(t, "signature impersonation user_read organization_read", claims["scope"])
	iat, exp := claims["iat"].(float64), claims["exp"].(float64)
	assert.InDelta(t, float64(before), iat, 5)
	assert.Equal(t, 3600.0, exp-iat)
}
