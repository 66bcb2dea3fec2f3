package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

// recentIDs remembers the last capacity ids in arrival order, for the duplicate guard.
type recentIDs struct {
	ring []string
	next int
	set  map[string]struct{}
}

func newRecentIDs(capacity int) *recentIDs {
	return &recentIDs{ring: make([]string, 0, capacity), set: make(map[string]struct{}, capacity)}
}

func (r *recentIDs) contains(id string) bool {
	_, ok := r.set[id]
	return ok
}

// add remembers id, forgetting the oldest one when full.
func (r *recentIDs) add(id string) {
	if r.contains(id) {
		return
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, id)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = id
		r.next = (r.next + 1) % len(r.ring)
	}
	r.set[id] = struct{}{}
}

// appendTo appends the ids oldest first.
func (r *recentIDs) appendTo(dst []string) []string {
	dst = append(dst, r.ring[r.next:]...)
	return append(dst, r.ring[:r.next]...)
}
