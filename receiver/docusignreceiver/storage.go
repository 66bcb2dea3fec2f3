package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// errStorageClosed is returned to a poller that outlived Shutdown's deadline and tried to write.
var errStorageClosed = errors.New("storage: already closed by shutdown")

// gatedStorage lets Shutdown close the storage client even when a poller missed the deadline: later
// operations are refused, and the client is never closed under an operation still in flight.
type gatedStorage struct {
	storage.Client

	mu          sync.Mutex
	closed      bool // refusing operations
	innerClosed bool
	active      int
	drained     chan struct{} // closed when the last operation in flight after Close leaves
}

func (g *gatedStorage) enter() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errStorageClosed
	}
	g.active++
	return nil
}

func (g *gatedStorage) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.active--; g.active == 0 && g.drained != nil {
		close(g.drained)
		g.drained = nil
	}
}

func (g *gatedStorage) Get(ctx context.Context, key string) ([]byte, error) {
	if err := g.enter(); err != nil {
		return nil, err
	}
	defer g.leave()
	return g.Client.Get(ctx, key)
}

func (g *gatedStorage) Set(ctx context.Context, key string, value []byte) error {
	if err := g.enter(); err != nil {
		return err
	}
	defer g.leave()
	return g.Client.Set(ctx, key, value)
}

func (g *gatedStorage) Delete(ctx context.Context, key string) error {
	if err := g.enter(); err != nil {
		return err
	}
	defer g.leave()
	return g.Client.Delete(ctx, key)
}

func (g *gatedStorage) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if err := g.enter(); err != nil {
		return err
	}
	defer g.leave()
	return g.Client.Batch(ctx, ops...)
}

// Close refuses new operations and closes the client once none is in flight. If ctx ends first, the
// client stays open (the storage extension's own shutdown closes it) and a later Close finishes the job.
func (g *gatedStorage) Close(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	if g.innerClosed {
		g.mu.Unlock()
		return nil
	}
	wait := g.drained
	if g.active > 0 && wait == nil {
		wait = make(chan struct{})
		g.drained = wait
	}
	g.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return fmt.Errorf("storage: not closed, a checkpoint write is still running: %w", ctx.Err())
		}
	}
	g.mu.Lock()
	g.innerClosed = true
	g.mu.Unlock()
	return g.Client.Close(ctx)
}

func openStorage(ctx context.Context, host component.Host, id *component.ID, self component.ID) (storage.Client, error) {
	if id == nil {
		return &gatedStorage{Client: storage.NewNopClient()}, nil
	}
	ext, ok := host.GetExtensions()[*id]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found; add it under extensions and service.extensions", id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", id)
	}
	client, err := se.GetClient(ctx, component.KindReceiver, self, "")
	if err != nil {
		return nil, fmt.Errorf("storage: extension %q: %w", id, err)
	}
	return &gatedStorage{Client: client}, nil
}
