// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestUserDigestMatchesReference: the digest written from the tape in one pass is the digest
// earlier versions stored (referenceUserDigest, through pcommon), on the sample and tricky users,
// the shared sample page, the fuzz seeds and generated records; a record the reference refuses
// is identified by its content, "sha256:" and 32 hex digits.
func TestUserDigestMatchesReference(t *testing.T) {
	var raws [][]byte
	for _, name := range []string{"admin-users-sample.json", "admin-users-tricky.json"} {
		var page struct{ Users []json.RawMessage }
		require.NoError(t, json.Unmarshal(readPage(t, name), &page))
		raws = append(raws, asBytes(page.Users)...)
	}
	if b, err := os.ReadFile("/work/shared/samples/admin-users-page.json"); err == nil {
		var page struct{ Users []json.RawMessage }
		require.NoError(t, json.Unmarshal(b, &page))
		raws = append(raws, asBytes(page.Users)...)
	}
	for _, s := range []string{
		`{"id":"u","ds_groups":[{"ds_group_id":"b"},{"ds_group_id":"a"}]}`,
		`{"id":"u","ds_groups":[{"ds_group_id":"a","n":2},{"ds_group_id":"a","n":1},{"x":1},"s",{"ds_group_id":1e400},null,[]]}`,
		`{"id":"u","k":{"b":1,"a":2,"b":[{"z":null,"y":true}]},"n":-0.0,"m":1e400,"i":-9223372036854775808,"ds_groups":null,"id":"v"}`,
		`{"id":"u","nested":{"ds_groups":[{"ds_group_id":"b"},{"ds_group_id":"a"}]}}`,
		`{"id":"\u00e9\ud800","x":"\u0000","y":"\ud83d\ude00"}`, "{\"id\":\"\xff\"}",
		`{"id":1}`, `{"id":""}`, `{"user_name":"x"}`, `[]`, `"s"`, `{"id":"u"`, `{"id":"u"} x`, ``,
		`{"id":"u","x":` + nested(600, false) + `}`,
	} {
		raws = append(raws, []byte(s))
	}
	var wide strings.Builder
	wide.WriteString(`{"id":"wide"`)
	for i := range 300 {
		wide.WriteString(`,"k` + string(rune('a'+i%26)) + `":` + string(rune('0'+i%10)))
	}
	raws = append(raws, []byte(wide.String()+`}`))
	r := rand.New(rand.NewPCG(11, 12))
	for range 500 {
		var b bytes.Buffer
		genJSON{r: r, b: &b}.object(1, 1+r.IntN(10))
		obj := b.String() // '{', members, '}': the members go in beside an id and groups
		raws = append(raws, []byte(`{"id":"gen","ds_groups":[{"ds_group_id":"z","group_name":"Z"},{"ds_group_id":"a"},{}],`+obj[1:]))
	}

	byReference := 0
	for _, raw := range raws {
		u := decodeUser(raw)
		id, digest, err := referenceUserDigest(raw)
		if err != nil {
			cid, cdigest := contentKey(raw)
			assert.Regexp(t, `^sha256:[0-9a-f]{32}$`, u.ID, "%s", raw)
			assert.Equal(t, cid, u.ID, "%s", raw)
			assert.Equal(t, cdigest, u.Digest, "%s", raw)
			continue
		}
		byReference++
		assert.Equal(t, id, u.ID, "%s", raw)
		assert.Equal(t, digest, u.Digest, "%s", raw)
	}
	assert.Greater(t, byReference, 500, "most records have an id")
}

func asBytes(rs []json.RawMessage) [][]byte {
	out := make([][]byte, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

// TestUsersPageKeepsTokensWithinBudget: a page's users keep their tokens up to maxPageValues in
// all; the users beyond are tokenized again by Append, with the same records.
func TestUsersPageKeepsTokensWithinBudget(t *testing.T) {
	big := `{"id":"u%d","user_status":"active","x":` + arrayOf(100_000) + `}` // about 100,000 tokens each
	var body strings.Builder
	body.WriteString(`{"users":[`)
	const users = 15
	for i := range users {
		if i > 0 {
			body.WriteString(",")
		}
		body.WriteString(strings.Replace(big, "%d", string(rune('a'+i)), 1))
	}
	body.WriteString(`]}`)
	page, err := DecodeUsersPage([]byte(body.String()))
	require.NoError(t, err)
	require.Len(t, page.Users, users)
	kept := 0
	for i := range page.Users {
		u := &page.Users[i]
		if u.rec.tape != nil {
			kept += len(u.rec.tape)
		}
		lrs := plog.NewLogRecordSlice()
		assert.False(t, u.Append(lrs, OperationCreate, observedAt))
		fresh := decodeUser(u.Raw)
		want := plog.NewLogRecordSlice()
		fresh.Append(want, OperationCreate, observedAt)
		assert.True(t, sameRecord(want.At(0), lrs.At(0)), "user %d", i)
		assert.Equal(t, fresh.Digest, u.Digest)
	}
	assert.LessOrEqual(t, kept, maxPageValues, "tokens kept by one page")
	assert.NotNil(t, page.Users[0].rec.tape, "the first users keep theirs")
	assert.Nil(t, page.Users[users-1].rec.tape, "the last ones are beyond the budget")
}
