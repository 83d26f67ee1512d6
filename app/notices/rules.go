package notices

import (
	"math"
	"slices"
	"strconv"
	"time"

	"zhibu/app/web"
)

// The rules of who publishes to whom and who sees what. The store's SQL (store.go,
// readableSQL and managedSQL) says the same; store_test.go checks the two agree.

// Audience is whom a notice reaches: every township, or the listed ones.
type Audience struct {
	All         bool
	TownshipIDs []int64 // sorted, distinct; empty when All
}

// Reaches tells whether the audience includes the township.
func (a Audience) Reaches(townshipID int64) bool {
	return townshipID > 0 && (a.All || slices.Contains(a.TownshipIDs, townshipID))
}

// MaxTownships bounds the townships one notice may list (a county has a few dozen).
const MaxTownships = 500

// CanPublish tells whether the caller writes notices at all: the county (admins) and
// the township organizers; secretaries only read them.
func CanPublish(me *web.Identity) bool {
	return me != nil && (me.Role == web.RoleAdmin || me.Role == web.RoleOrganizer && me.TownshipID > 0)
}

// AudienceFor decides whom a notice of the owner scope may address (owner 0: the
// county): a county notice everyone or any chosen townships (at least one); a township's
// notice its own township only — no choice means the own township, everyone or another
// township is refused as outside the scope. The result is normalized (sorted, distinct).
func AudienceFor(owner int64, all bool, ids []int64) (Audience, error) {
	norm := slices.Clone(ids)
	slices.Sort(norm)
	norm = slices.Compact(norm)
	if len(norm) > MaxTownships {
		return Audience{}, ErrUnknownTownship
	}
	for _, id := range norm {
		if id <= 0 {
			return Audience{}, ErrUnknownTownship
		}
	}
	if owner != 0 {
		if all {
			return Audience{}, ErrOutsideScope
		}
		for _, id := range norm {
			if id != owner {
				return Audience{}, ErrOutsideScope
			}
		}
		return Audience{TownshipIDs: []int64{owner}}, nil
	}
	if all {
		return Audience{All: true}, nil
	}
	if len(norm) == 0 {
		return Audience{}, ErrNoAudience
	}
	return Audience{TownshipIDs: norm}, nil
}

// OwnerOf is the scope a notice the caller writes belongs to: 0 for the county (an
// admin), else the organizer's township.
func OwnerOf(me *web.Identity) int64 {
	if me == nil || me.Role == web.RoleAdmin {
		return 0
	}
	return me.TownshipID
}

// CanManage tells whether the caller may edit, delete and attach files to a notice of
// the owner scope (0: the county): an admin any notice, an organizer the own township's.
func CanManage(me *web.Identity, owner int64) bool {
	switch {
	case me == nil:
		return false
	case me.Role == web.RoleAdmin:
		return true
	case me.Role == web.RoleOrganizer:
		return owner != 0 && owner == me.TownshipID
	}
	return false
}

// CanRead tells whether the caller sees a notice: its managers always (drafts too);
// anyone else a published notice that reaches their township; an admin every published
// notice.
func CanRead(me *web.Identity, owner int64, a Audience, published bool) bool {
	if CanManage(me, owner) {
		return true
	}
	if me == nil || !published {
		return false
	}
	return me.Role == web.RoleAdmin || a.Reaches(me.TownshipID)
}

// RecentDays is how far back the home card's 「新通知」 looks.
const RecentDays = 30

// RecentSince is the start of the home card's window.
func RecentSince(now time.Time) time.Time { return now.AddDate(0, 0, -RecentDays) }

// formatSize is a file size for pages and messages (1.2 MB, 300 KB).
func formatSize(bytes int64) string {
	const kb, mb = 1 << 10, 1 << 20
	if bytes < mb {
		return strconv.FormatInt((bytes+kb-1)/kb, 10) + " KB"
	}
	m := math.Round(float64(bytes)/mb*10) / 10
	return strconv.FormatFloat(m, 'f', -1, 64) + " MB"
}
