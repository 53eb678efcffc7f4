package ledger

import "time"

// Durations fixed by the process (杭州市公共数据授权运营实施方案).
const (
	// MaxTermYears is the longest formal term of a grant or agreement (协议期限为2年).
	MaxTermYears = 2
	// MaxTrialMonths is the longest optional trial period (试运营期不超过6个月).
	MaxTrialMonths = 6
	// RenewalLeadMonths is how long before expiry a renewal must be filed (届满3个月前重新申请).
	RenewalLeadMonths = 3
	// SecurityReviewYears is how long a basic- or technical-security review stays valid (有效期2年).
	SecurityReviewYears = 2
)

// Term is a validity window (有效期): an optional trial period (试运营期)
// from ValidFrom to TrialEnds, followed by the formal term up to ValidTo.
// The window is half-open: in force from ValidFrom, no longer at ValidTo.
type Term struct {
	ValidFrom time.Time `json:"validFrom"`
	TrialEnds time.Time `json:"trialEnds,omitzero" metadata:",optional"`
	ValidTo   time.Time `json:"validTo"`
}

// Validate checks the window: ValidTo after ValidFrom, a trial of at most
// MaxTrialMonths, and a formal term of at most MaxTermYears after the trial.
func (t Term) Validate(field string) error {
	if t.ValidFrom.IsZero() {
		return invalid(field+".validFrom", "is required (RFC 3339 time)")
	}
	if t.ValidTo.IsZero() {
		return invalid(field+".validTo", "is required (RFC 3339 time)")
	}
	if !t.ValidTo.After(t.ValidFrom) {
		return invalid(field+".validTo", "%s is not after validFrom %s", stamp(t.ValidTo), stamp(t.ValidFrom))
	}
	start := t.ValidFrom
	if !t.TrialEnds.IsZero() {
		if !t.TrialEnds.After(t.ValidFrom) || !t.TrialEnds.Before(t.ValidTo) {
			return invalid(field+".trialEnds", "%s must fall between validFrom and validTo", stamp(t.TrialEnds))
		}
		if t.TrialEnds.After(t.ValidFrom.AddDate(0, MaxTrialMonths, 0)) {
			return invalid(field+".trialEnds", "the trial period may last at most %d months (ends %s at the latest)",
				MaxTrialMonths, stamp(t.ValidFrom.AddDate(0, MaxTrialMonths, 0)))
		}
		start = t.TrialEnds
	}
	if t.ValidTo.After(start.AddDate(MaxTermYears, 0, 0)) {
		return invalid(field+".validTo", "the term may last at most %d years after the trial (ends %s at the latest)",
			MaxTermYears, stamp(start.AddDate(MaxTermYears, 0, 0)))
	}
	return nil
}

// Contains reports whether x falls inside the window.
func (t Term) Contains(x time.Time) bool {
	return !x.Before(t.ValidFrom) && x.Before(t.ValidTo)
}

// Within reports whether t lies entirely inside outer.
func (t Term) Within(outer Term) bool {
	return !t.ValidFrom.Before(outer.ValidFrom) && !t.ValidTo.After(outer.ValidTo)
}

// Overlaps reports whether the two windows share an instant.
func (t Term) Overlaps(o Term) bool {
	return t.ValidFrom.Before(o.ValidTo) && o.ValidFrom.Before(t.ValidTo)
}

// InTrial reports whether x falls in the trial period.
func (t Term) InTrial(x time.Time) bool {
	return !t.TrialEnds.IsZero() && !x.Before(t.ValidFrom) && x.Before(t.TrialEnds)
}

func (t Term) normalize() Term {
	return Term{ValidFrom: t.ValidFrom.UTC(), TrialEnds: t.TrialEnds.UTC(), ValidTo: t.ValidTo.UTC()}
}

// stamp formats a time for messages.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
