package checkpoint

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type position struct {
	Cursor string    `json:"cursor"`
	At     time.Time `json:"at"`
}

// memClient is a minimal storage.Client backed by a map.
type memClient struct {
	storage.Client
	data    map[string][]byte
	failGet error
}

func (m *memClient) Get(_ context.Context, key string) ([]byte, error) {
	if m.failGet != nil {
		return nil, m.failGet
	}
	return m.data[key], nil
}

func (m *memClient) Set(_ context.Context, key string, value []byte) error {
	m.data[key] = append([]byte(nil), value...)
	return nil
}

func TestLoadSaveRoundTrip(t *testing.T) {
	ctx := context.Background()
	client := &memClient{data: map[string][]byte{}}
	s := New[position](client, "monitor")

	_, found, err := s.Load(ctx)
	require.NoError(t, err)
	assert.False(t, found, "nothing saved yet")

	want := position{Cursor: "aa_1_2_3", At: time.Date(2026, 10, 2, 14, 5, 11, 441002700, time.UTC)}
	require.NoError(t, s.Save(ctx, want))
	got, found, err := s.Load(ctx)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, want.Cursor, got.Cursor)
	assert.True(t, want.At.Equal(got.At), "100 ns precision survives: %s vs %s", want.At, got.At)

	other := New[position](client, "users")
	_, found, err = other.Load(ctx)
	require.NoError(t, err)
	assert.False(t, found, "keys are independent")
}

func TestLoadCorruptNamesKey(t *testing.T) {
	client := &memClient{data: map[string][]byte{"monitor": []byte("{not json")}}
	_, found, err := New[position](client, "monitor").Load(context.Background())
	require.Error(t, err)
	assert.False(t, found)
	assert.Contains(t, err.Error(), `checkpoint "monitor"`)
}

func TestLoadReadError(t *testing.T) {
	client := &memClient{failGet: errors.New("disk gone")}
	_, _, err := New[position](client, "monitor").Load(context.Background())
	require.ErrorContains(t, err, "disk gone")
}

func TestNopClientLoadsNothing(t *testing.T) {
	s := New[position](storage.NewNopClient(), "monitor")
	require.NoError(t, s.Save(context.Background(), position{Cursor: "x"}))
	_, found, err := s.Load(context.Background())
	require.NoError(t, err)
	assert.False(t, found)
}

func TestLoadTellsCorruptFromUnreadable(t *testing.T) {
	corrupt := &memClient{data: map[string][]byte{"monitor": []byte(`{"cursor":`)}}
	_, _, err := New[position](corrupt, "monitor").Load(context.Background())
	require.ErrorIs(t, err, ErrCorrupt)

	unreadable := &memClient{failGet: errors.New("disk gone")}
	_, _, err = New[position](unreadable, "monitor").Load(context.Background())
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrCorrupt, "a read failure may pass: it is retried, not reset")
}
