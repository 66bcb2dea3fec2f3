// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stateV2 is a current format; stateV1 the one before it, with its list of recent ids.
type stateV2 struct {
	Cursor string `json:"cursor"`
}

type stateV1 struct {
	Cursor    string   `json:"cursor"`
	RecentIDs []string `json:"recent_ids"`
}

func decodeV1(data []byte) (stateV2, error) {
	var v1 stateV1
	if err := json.Unmarshal(data, &v1); err != nil {
		return stateV2{}, err
	}
	return stateV2{Cursor: v1.Cursor}, nil
}

func decodeV0(data []byte) (stateV2, error) { return stateV2{Cursor: "v0:" + string(data)}, nil }

func newStateRecord(s *Store) *Record[stateV2] {
	return NewRecord(s, "v2", Older[stateV2]{Name: "v1", Decode: decodeV1}, Older[stateV2]{Name: "v0", Decode: decodeV0})
}

func TestRecordLoad(t *testing.T) {
	for _, tc := range []struct {
		name     string
		stored   map[string]string
		want     stateV2
		wantFrom string
		corrupt  string // the key a corrupt error names
	}{
		{name: "nothing stored"},
		{name: "current", stored: map[string]string{"monitor.v2": `{"cursor":"c2"}`}, want: stateV2{"c2"}, wantFrom: "monitor.v2"},
		{name: "v1 migrates", stored: map[string]string{"monitor.v1": `{"cursor":"c1","recent_ids":["e1"]}`}, want: stateV2{"c1"}, wantFrom: "monitor.v1"},
		{name: "current hides older", stored: map[string]string{"monitor.v2": `{"cursor":"c2"}`, "monitor.v1": `{"cursor":"c1"}`}, want: stateV2{"c2"}, wantFrom: "monitor.v2"},
		{name: "older newest first", stored: map[string]string{"monitor.v1": `{"cursor":"c1"}`, "monitor.v0": `x`}, want: stateV2{"c1"}, wantFrom: "monitor.v1"},
		{name: "oldest", stored: map[string]string{"monitor.v0": `x`}, want: stateV2{"v0:x"}, wantFrom: "monitor.v0"},
		{name: "null is found, zero", stored: map[string]string{"monitor.v2": `null`}, wantFrom: "monitor.v2"},
		{name: "empty object is found, zero", stored: map[string]string{"monitor.v2": `{}`}, wantFrom: "monitor.v2"},
		{name: "empty value is corrupt", stored: map[string]string{"monitor.v2": ``}, corrupt: "monitor.v2"},
		{name: "truncated current is corrupt, not replaced by v1", stored: map[string]string{"monitor.v2": `{"cursor":`, "monitor.v1": `{"cursor":"c1"}`}, corrupt: "monitor.v2"},
		{name: "current of another shape is corrupt", stored: map[string]string{"monitor.v2": `["c2"]`}, corrupt: "monitor.v2"},
		{name: "corrupt v1", stored: map[string]string{"monitor.v1": `{"cursor":1}`}, corrupt: "monitor.v1"},
		{name: "empty v1 is corrupt", stored: map[string]string{"monitor.v1": ``}, corrupt: "monitor.v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := newMemClient()
			for k, v := range tc.stored {
				client.put(k, []byte(v))
			}
			got, from, err := newStateRecord(NewStore(client).Namespace("monitor")).Load(context.Background())
			if tc.corrupt != "" {
				require.ErrorIs(t, err, ErrCorrupt)
				assert.Contains(t, err.Error(), `checkpoint "`+tc.corrupt+`"`)
				assert.Equal(t, stateV2{}, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantFrom, from)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRecordReadErrorIsNotCorrupt(t *testing.T) {
	client := newMemClient()
	client.failGet = errors.New("disk gone")
	_, from, err := newStateRecord(NewStore(client)).Load(context.Background())
	require.ErrorContains(t, err, "disk gone")
	assert.NotErrorIs(t, err, ErrCorrupt, "retried, not reset")
	assert.Empty(t, from)
}

// An upgrade reads v1 once, writes v2 and deletes v1 in one batch, across a restart of file storage.
func TestRecordMigratesV1ToV2OnFileStorage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	client, closeAll := openFileStorage(t, dir)
	require.NoError(t, client.Set(ctx, "monitor.v1", []byte(`{"cursor":"c1","recent_ids":["e1","e2"]}`)))
	s := NewStore(client).Namespace("monitor")
	r := newStateRecord(s)
	v, from, err := r.Load(ctx)
	require.NoError(t, err)
	require.Equal(t, "monitor.v1", from)
	require.NoError(t, s.Write(ctx, append([]Op{r.Set(v)}, r.Retire()...)...))
	closeAll()

	client, _ = openFileStorage(t, dir)
	r = newStateRecord(NewStore(client).Namespace("monitor"))
	v, from, err = r.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, "monitor.v2", from)
	assert.Equal(t, stateV2{"c1"}, v)
	old, err := client.Get(ctx, "monitor.v1")
	require.NoError(t, err)
	assert.Nil(t, old, "v1 retired")
}

func TestRecordRetireDeletesEveryOlderKey(t *testing.T) {
	r := newStateRecord(NewStore(nil).Namespace("monitor"))
	assert.Equal(t, []string{"-monitor.v1", "-monitor.v0"}, opKeys(r.Retire()))
	assert.Empty(t, NewRecord[int](NewStore(nil), "v1").Retire())
}
