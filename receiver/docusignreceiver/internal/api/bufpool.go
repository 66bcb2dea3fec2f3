// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import "sync"

// bodyPool recycles page-sized buffers: a 2,000-event page is megabytes, read every round trip.
var bodyPool = bufferPool{kept: make(chan *[]byte, keptBuffers)}

// bufferPool keeps the last few released buffers through garbage collections (a sync.Pool alone
// is emptied by every other one, and a drain collects every page or two), the rest in a sync.Pool.
type bufferPool struct {
	kept chan *[]byte
	pool sync.Pool
}

// keptBuffers covers a drain: one body being read while the one before it is converted.
const keptBuffers = 2

// keptMaxBytes keeps an outsized body's buffer out of the long-lived set.
const keptMaxBytes = 16 << 20

func (p *bufferPool) Get() *[]byte {
	select {
	case b := <-p.kept:
		return b
	default:
	}
	if b, ok := p.pool.Get().(*[]byte); ok {
		return b
	}
	return new([]byte)
}

func (p *bufferPool) Put(b *[]byte) {
	if cap(*b) <= keptMaxBytes {
		select {
		case p.kept <- b:
			return
		default:
		}
	}
	p.pool.Put(b)
}

// releaseBuffer returns a body's pooled backing array, if it has one, keeping what it grew to.
func releaseBuffer(buf *[]byte, body []byte) {
	if buf != nil {
		*buf = body[:0]
		bodyPool.Put(buf)
	}
}
