// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package testclock

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestClockMovesOnlyWhenAdvanced(t *testing.T) {
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	c := New(start)
	assert.Equal(t, start, c.Now())
	assert.Equal(t, start, c.Now(), "standing still")
	c.Advance(90 * time.Second)
	assert.Equal(t, start.Add(90*time.Second), c.Now())
	c.Advance(-time.Minute)
	assert.Equal(t, start.Add(30*time.Second), c.Now())
}

func TestClockIsSafeForConcurrentUse(t *testing.T) {
	c := New(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, time.Unix(800, 0), c.Now())
}
