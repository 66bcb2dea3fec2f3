// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// stdlibUsersPage is what encoding/json makes of a users page, for comparison.
func stdlibUsersPage(t *testing.T, body []byte) UsersPage {
	t.Helper()
	var p struct {
		Users  []json.RawMessage `json:"users"`
		Paging *struct {
			Next         string       `json:"next"`
			TotalSetSize *json.Number `json:"total_set_size"`
		} `json:"paging"`
	}
	require.NoError(t, json.Unmarshal(body, &p))
	want := UsersPage{}
	for _, raw := range p.Users {
		want.Users = append(want.Users, User{Raw: raw})
	}
	if p.Paging != nil {
		want.Next = p.Paging.Next
		if p.Paging.TotalSetSize != nil {
			n, err := strconv.Atoi(p.Paging.TotalSetSize.String())
			require.NoError(t, err)
			want.TotalSetSize, want.HasTotal = n, true
		}
	}
	return want
}

func TestDecodeUsersPageMatchesStdlib(t *testing.T) {
	shared, err := os.ReadFile("/work/shared/samples/admin-users-page.json")
	if err != nil {
		shared = nil // the shared samples are optional outside this machine
	}
	pages := map[string][]byte{
		"sample":  readPage(t, "admin-users-sample.json"),
		"tricky":  readPage(t, "admin-users-tricky.json"),
		"paged":   []byte(`{"users":[{"id":"a"} , {"id":"b","x":[1,{"y":"]}"}]}],"paging":{"result_set_size":2,"next":"https://h/p?start=2","total_set_size":7,"previous":null}}`),
		"last":    []byte(` {"paging":{"total_set_size":2,"next":null},"users":[]} `),
		"empty":   []byte(`{"users":[]}`),
		"escaped": []byte(`{"users":[{"id":"\u0061"}],"paging":{"next":"https:\/\/h\/p?a=1\u0026start=2"}}`),
	}
	if shared != nil {
		pages["shared"] = shared
	}
	for name, body := range pages {
		t.Run(name, func(t *testing.T) {
			got, err := DecodeUsersPage(body)
			require.NoError(t, err)
			want := stdlibUsersPage(t, body)
			assert.Equal(t, want.Next, got.Next)
			assert.Equal(t, want.TotalSetSize, got.TotalSetSize)
			assert.Equal(t, want.HasTotal, got.HasTotal)
			require.Len(t, got.Users, len(want.Users))
			for i := range want.Users {
				assert.Equal(t, string(want.Users[i].Raw), string(got.Users[i].Raw), "user %d", i)
			}
		})
	}
}

func TestDecodeUsersPageTotalSetSize(t *testing.T) {
	tests := []struct {
		paging string
		total  int
		has    bool
		err    string
	}{
		{`{"total_set_size":12}`, 12, true, ""},
		{`{"total_set_size":"12"}`, 12, true, ""},
		{`{"total_set_size":0}`, 0, true, ""},
		{`{"total_set_size":null}`, 0, false, ""},
		{`{}`, 0, false, ""},
		{`null`, 0, false, ""},
		{`{"total_set_size":5,"total_set_size":6}`, 5, true, ""},
		{`{"total_set_size":-1}`, 0, false, "paging.total_set_size is not a non-negative integer"},
		{`{"total_set_size":"-1"}`, 0, false, "paging.total_set_size is not a non-negative integer"},
		{`{"total_set_size":1.5}`, 0, false, "paging.total_set_size is not a non-negative integer"},
		{`{"total_set_size":"1e3"}`, 0, false, "paging.total_set_size is not a non-negative integer"},
		{`{"total_set_size":"many"}`, 0, false, "paging.total_set_size is not a non-negative integer"},
		{`{"total_set_size":99999999999999999999}`, 0, false, "paging.total_set_size is not a non-negative integer"},
		{`{"total_set_size":true}`, 0, false, "paging.total_set_size is not a non-negative integer"},
		{`{"next":5}`, 0, false, "paging.next is not a string"},
		{`[]`, 0, false, "paging is not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.paging, func(t *testing.T) {
			p, err := DecodeUsersPage([]byte(`{"users":[{"id":"a"}],"paging":` + tt.paging + `}`))
			if tt.err != "" {
				var de *DecodeError
				require.ErrorAs(t, err, &de)
				assert.Equal(t, "users page", de.Doc)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.total, p.TotalSetSize)
			assert.Equal(t, tt.has, p.HasTotal)
		})
	}
}

// TestOneBadUserDoesNotFailThePage (defect 10, users side): a user nested too deep or not valid
// JSON is still returned as its raw text, identified by its content; Append makes a flagged record
// of it with a string body, and the users around it convert normally.
func TestOneBadUserDoesNotFailThePage(t *testing.T) {
	bads := map[string]struct{ raw, body, flag string }{
		"deep":         {`{"id":"deep","x":` + nested(600, false) + `}`, "", "nesting too deep"},
		"deep array":   {nested(513, false), "", "nesting too deep"},
		"invalid":      {`{"id":"bad",}`, "", "expected string key"},
		"bare word":    {`nope`, "", "invalid literal"},
		"invalid utf8": {"{\"id\":\"\xff\" 1}", "{\"id\":\"\uFFFD\" 1}", "expected ',' or '}'"},
	}
	for name, bad := range bads {
		t.Run(name, func(t *testing.T) {
			body := `{"users":[{"id":"a","user_name":"A"},` + bad.raw + ` ,{"id":"c"}],"paging":{"next":"n","total_set_size":"3"}}`
			p, err := DecodeUsersPage([]byte(body))
			require.NoError(t, err)
			assert.Equal(t, "n", p.Next)
			assert.Equal(t, 3, p.TotalSetSize)
			require.Len(t, p.Users, 3)
			assert.Equal(t, bad.raw, string(p.Users[1].Raw))

			for i, id := range map[int]string{0: "a", 2: "c"} {
				lrs := plog.NewLogRecordSlice()
				assert.False(t, p.Users[i].Append(lrs, OperationCreate, observedAt))
				checkUser(t, lrs.At(0), wantUser{attrs: map[string]any{AttrUserID: id}})
				assert.Equal(t, id, p.Users[i].ID)
			}
			lrs := plog.NewLogRecordSlice()
			assert.True(t, p.Users[1].Append(lrs, OperationCreate, observedAt))
			lr := lrs.At(0)
			want := bad.body
			if want == "" {
				want = bad.raw
			}
			assert.Equal(t, pcommon.ValueTypeStr, lr.Body().Type())
			assert.Equal(t, want, lr.Body().Str())
			checkRecordAttrs(t, lr.Attributes(), map[string]any{AttrXDMEventOperation: OperationCreate}, nil, []string{"user record", bad.flag})
			wantID, _ := contentKey([]byte(bad.raw))
			assert.Equal(t, wantID, p.Users[1].ID, "identified by its content")
		})
	}
}

func TestDecodeUsersPageErrors(t *testing.T) {
	tests := []struct{ name, body, msg string }{
		{"empty", ``, "not a JSON object"},
		{"array", `[{"id":"a"}]`, "not a JSON object"},
		{"neither key", `{"errorCode":"X","message":"y"}`, `neither "users" nor "paging"`},
		{"users an object", `{"users":{"id":"a"}}`, "users is not an array"},
		{"truncated in a user", `{"users":[{"id":"a"},{"id":"b`, "unterminated string"},
		{"truncated after a user", `{"users":[{"id":"a"}`, "expected ',' or ']'"},
		{"truncated deep user", `{"users":[` + strings.Repeat("[", 600), "unexpected end of input"},
		{"bracket of the other kind", `{"users":[{"id":"a"]}]}`, "closes a bracket of the other kind"},
		{"garbage between users", `{"users":[{"id":"a"} x ,{"id":"b"}]}`, "expected ',' or ']'"},
		{"missing user", `{"users":[{"id":"a"},,{"id":"b"}]}`, "expected a JSON value"},
		{"trailing data", `{"users":[]} x`, "after the users page"},
		{"bad member elsewhere", `{"users":[],"x":tru}`, "invalid literal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeUsersPage([]byte(tt.body))
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "users page", de.Doc)
			assert.Contains(t, err.Error(), tt.msg)
			assert.LessOrEqual(t, len(de.Near), nearBytes)
			assert.Equal(t, UsersPage{}, p)
		})
	}
}

func TestDecodeUsersPageEdges(t *testing.T) {
	t.Run("first users and paging keys win", func(t *testing.T) {
		p, err := DecodeUsersPage([]byte(`{"users":[{"id":"a"}],"paging":{"next":"1"},"users":[{"id":"b"},{}],"paging":{"next":"2"}}`))
		require.NoError(t, err)
		require.Len(t, p.Users, 1)
		assert.JSONEq(t, `{"id":"a"}`, string(p.Users[0].Raw))
		assert.Equal(t, "1", p.Next)
	})
	t.Run("null users", func(t *testing.T) {
		p, err := DecodeUsersPage([]byte(`{"users":null,"paging":{}}`))
		require.NoError(t, err)
		assert.Empty(t, p.Users)
	})
	t.Run("deep members elsewhere are fine", func(t *testing.T) {
		p, err := DecodeUsersPage([]byte(`{"meta":` + nested(5000, true) + `,"users":[{"id":"a"}],"paging":{"x":` + nested(5000, false) + `,"next":"n"}}`))
		require.NoError(t, err)
		assert.Len(t, p.Users, 1)
		assert.Equal(t, "n", p.Next)
	})
	t.Run("users are copies", func(t *testing.T) {
		body := []byte(`{"users":[{"id":"a"},{"id":"b"}]}`)
		p, err := DecodeUsersPage(body)
		require.NoError(t, err)
		copy(body, bytes.Repeat([]byte("x"), len(body)))
		assert.Equal(t, `{"id":"a"}`, string(p.Users[0].Raw))
		assert.Equal(t, `{"id":"b"}`, string(p.Users[1].Raw))
		p.Users[0].Raw = append(p.Users[0].Raw, "zzzz"...) // appending to one user never overwrites the next
		assert.Equal(t, `{"id":"b"}`, string(p.Users[1].Raw))
		copy(p.Users[1].Raw, `{"id":"X"}`) // nor does writing to Raw change the record
		lrs := plog.NewLogRecordSlice()
		p.Users[1].Append(lrs, OperationCreate, observedAt)
		assert.Equal(t, map[string]any{"id": "b"}, lrs.At(0).Body().Map().AsRaw())
	})
}

func TestTooManyUsersFailThePage(t *testing.T) {
	page := func(n int) []byte { return []byte(`{"users":[` + strings.Repeat(`{},`, n-1) + `{}]}`) }
	p, err := DecodeUsersPage(page(maxPageUsers))
	require.NoError(t, err)
	assert.Len(t, p.Users, maxPageUsers)
	_, err = DecodeUsersPage(page(maxPageUsers + 1))
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "page has more than 10000 users")
}

// TestUserWithTooManyValuesKeptAsText: a user record of more values than any real one is a
// flagged record of its text, not megabytes of pdata.
func TestUserWithTooManyValuesKeptAsText(t *testing.T) {
	raw := []byte(`{"id":"u","x":` + arrayOf(maxEventValues) + `}`)
	u := decodeUser(raw)
	lrs := plog.NewLogRecordSlice()
	assert.True(t, u.Append(lrs, OperationCreate, observedAt))
	assert.Equal(t, string(raw), lrs.At(0).Body().Str())
	checkRecordAttrs(t, lrs.At(0).Attributes(), nil, nil, []string{"user record: more than 131072 values"})
	wantID, _ := contentKey(raw)
	assert.Equal(t, wantID, u.ID)

	fits := []byte(`{"id":"u","x":` + arrayOf(maxEventValues-5) + `}`)
	u = decodeUser(fits)
	assert.Equal(t, "u", u.ID)
	assert.False(t, u.Append(lrs, OperationCreate, observedAt))
	assert.Equal(t, maxEventValues-5, bodyGet(t, lrs.At(1).Body().Map(), "x").Slice().Len())
}
