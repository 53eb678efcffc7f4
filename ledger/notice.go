package ledger

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// Deadlines and notices (期限与提醒): what needs action, by whom and by
// when. Every deadline is read from the objects themselves (a grant's or an
// agreement's term, a security review's validity, a call's closing) and
// compared with the transaction's checked time, never with one member's
// clock: Notices answers a caller at a given time, RecordDeadlineNotice
// records that a deadline came within a threshold, once.

// NoticeKind is what a notice is about.
type NoticeKind string

// Notice kinds. The deadline kinds come within a window and have
// threshold notices (NoticeThresholds); the waiting kinds (an approval,
// an activation, a signature) and the expiries to record are shown as long
// as they wait, whatever the window.
const (
	NoticeGrantEnding       NoticeKind = "grant-ending"       // 授权期限届满
	NoticeRenewalCutoff     NoticeKind = "renewal-cutoff"     // 届满3个月前重新申请
	NoticeAgreementEnding   NoticeKind = "agreement-ending"   // 协议期限届满
	NoticeReviewExpiring    NoticeKind = "review-expiring"    // 安全审核有效期（2年）届满
	NoticeCallClosing       NoticeKind = "call-closing"       // 通告申报截止
	NoticeApprovalWaiting   NoticeKind = "approval-waiting"   // 待数据提供单位批准
	NoticeActivationWaiting NoticeKind = "activation-waiting" // 分级授权待主管部门激活
	NoticeSignatureWaiting  NoticeKind = "signature-waiting"  // 协议待签署
	NoticeGrantExpired      NoticeKind = "grant-expired"      // 授权已到期，待记录
	NoticeAgreementExpired  NoticeKind = "agreement-expired"  // 协议已到期，待记录
)

// NoticeThresholds are the days before a deadline at which a threshold
// notice may be recorded (RecordDeadlineNotice), largest first.
var NoticeThresholds = []int{90, 30, 7}

// MaxNoticeWindow is the longest window Notices looks ahead: a little more
// than a year, so that the renewal cut-off of a grant of a year shows from
// its start.
const MaxNoticeWindow = 400 * 24 * time.Hour

// deadlineKinds are the kinds with threshold notices, and the type of the
// object each is about.
var deadlineKinds = map[NoticeKind]string{
	NoticeGrantEnding:     "grant",
	NoticeRenewalCutoff:   "grant",
	NoticeAgreementEnding: "agreement",
	NoticeReviewExpiring:  "review",
	NoticeCallClosing:     "call",
}

// IsDeadline reports whether notices of kind k have thresholds.
func (k NoticeKind) IsDeadline() bool { _, ok := deadlineKinds[k]; return ok }

// Notice is one thing that needs action by the caller it was computed for:
// on which object, by when, and what to do.
type Notice struct {
	Kind       NoticeKind `json:"kind"`
	ObjectType string     `json:"objectType"`
	ObjectID   string     `json:"objectId"`
	// Due is the deadline: the end of a term or validity, the renewal
	// cut-off, a call's closing; for what waits on the caller, the end of
	// the term after which it can no longer be done.
	Due time.Time `json:"due"`
	// DaysLeft is the whole days from the time of the answer to Due,
	// rounded down: negative once Due has passed.
	DaysLeft int    `json:"daysLeft"`
	Action   string `json:"action"`
	// Notified lists the thresholds (days) whose notice is recorded on
	// the ledger for this deadline.
	Notified []int `json:"notified,omitempty" metadata:",optional"`
}

// NoticeList is the answer to QueryNotices: the caller's notices at the
// transaction's time, soonest first.
type NoticeList struct {
	// Now is the time the notices were computed at: the transaction's
	// checked time.
	Now time.Time `json:"now"`
	// Within is the window, in whole days.
	Within int      `json:"within"`
	Items  []Notice `json:"items"`
}

// DefaultNoticeDays is the window of notices when none is asked for.
const DefaultNoticeDays = 90

// NoticeQuery asks for the caller's notices within a window of whole days
// (0: DefaultNoticeDays).
type NoticeQuery struct {
	WithinDays int `json:"withinDays,omitempty" metadata:",optional"`
}

// Days is the window in days, the default applied.
func (q NoticeQuery) Days() int {
	if q.WithinDays == 0 {
		return DefaultNoticeDays
	}
	return q.WithinDays
}

// Window is the window, refused when it is not between 1 day and
// MaxNoticeWindow.
func (q NoticeQuery) Window() (time.Duration, error) {
	most := int(MaxNoticeWindow / (24 * time.Hour))
	if q.WithinDays < 0 || q.WithinDays > most {
		return 0, invalid("withinDays", "%d is not between 1 and %d days", q.WithinDays, most)
	}
	return time.Duration(q.Days()) * 24 * time.Hour, nil
}

// NoticeSubjects are the objects notices are computed from: the open
// grants (consent and control merged), the agreements not recorded as
// expired, the security reviews and the published calls. Objects the caller
// may not read are left out by Notices itself.
type NoticeSubjects struct {
	Grants     []Grant
	Agreements []Agreement
	Reviews    []Review
	Calls      []Call
}

// Notices returns what needs action by c at now: deadlines within the
// window, and what waits on c whatever the window; soonest first. Each
// kind reaches only the callers who may read its object and have something
// to do about it.
func Notices(c Actor, in NoticeSubjects, now time.Time, within time.Duration) []Notice {
	out := []Notice{}
	add := func(kind NoticeKind, typ, id string, due time.Time, action string) {
		out = append(out, Notice{Kind: kind, ObjectType: typ, ObjectID: id, Due: due, DaysLeft: DaysLeft(now, due), Action: action})
	}
	soon := func(due time.Time) bool { return now.Before(due) && !due.After(now.Add(within)) }
	for i := range in.Grants {
		g := &in.Grants[i]
		if !g.VisibleTo(c) {
			continue
		}
		for _, d := range g.deadlines(now) {
			switch {
			case d.kind == NoticeRenewalCutoff && !(c.ActsFor(g.Holder) || c.readsAll()):
			case soon(d.due):
				add(d.kind, "grant", g.ID, d.due, d.action)
			}
		}
		switch {
		case g.recordedOpen() && g.EffectiveStatus(now) == GrantExpired:
			add(NoticeGrantExpired, "grant", g.ID, g.Term.ValidTo, "record the grant's expiry (ExpireGrant)")
		case g.EffectiveStatus(now) != GrantProposed:
		case g.ParentID == "" && slices.ContainsFunc(g.Pending(), c.ActsFor) && c.Is(RoleProvider):
			add(NoticeApprovalWaiting, "grant", g.ID, g.Term.ValidTo, "approve or reject the grant over your datasets")
		case g.ParentID != "" && c.Is(RoleAuthority):
			add(NoticeActivationWaiting, "grant", g.ID, g.Term.ValidTo, "activate or leave the proposed sub-grant")
		}
	}
	for i := range in.Agreements {
		a := &in.Agreements[i]
		if !a.VisibleTo(c) {
			continue
		}
		if due, ok := a.deadline(now); ok && soon(due) {
			add(NoticeAgreementEnding, "agreement", a.ID, due, "renew the agreement with the grant, or let it end")
		}
		switch s := a.EffectiveStatus(now); {
		case s == AgreementExpired && a.Status != AgreementExpired:
			add(NoticeAgreementExpired, "agreement", a.ID, a.Term.ValidTo, "record the agreement's expiry (ExpireAgreement)")
		case s != AgreementProposed:
		case c.Is(RoleAuthority) && a.AuthoritySigned.Time.IsZero(), c.ActsFor(a.Operator) && a.OperatorSigned.Time.IsZero():
			add(NoticeSignatureWaiting, "agreement", a.ID, a.Term.ValidTo, "sign the agreement")
		}
	}
	for i := range in.Reviews {
		r := &in.Reviews[i]
		if !r.VisibleTo(c, nil) {
			continue
		}
		if due, ok := reviewDeadline(r, in.Reviews, now); ok && soon(due) {
			add(NoticeReviewExpiring, "review", r.ID, due, fmt.Sprintf("have the %s review of %s renewed before it lapses (有效期%d年)", r.Kind, r.Subject, SecurityReviewYears))
		}
	}
	for i := range in.Calls {
		call := &in.Calls[i]
		if !c.Is(RoleOperator, RoleAuthority) {
			continue
		}
		if due, ok := call.deadline(now); ok && soon(due) {
			add(NoticeCallClosing, "call", call.ID, due, "file applications before the call closes")
		}
	}
	slices.SortFunc(out, func(a, b Notice) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ObjectID, b.ObjectID))
	})
	return out
}

// DaysLeft is the whole days from now to due, rounded down.
func DaysLeft(now, due time.Time) int {
	return int(math.Floor(due.Sub(now).Hours() / 24))
}

// deadline is one deadline of an object.
type deadline struct {
	kind   NoticeKind
	due    time.Time
	action string
}

// recordedOpen reports whether the grant's recorded status is one its
// term can still end (its expiry not recorded yet).
func (g *Grant) recordedOpen() bool {
	switch g.Status {
	case GrantProposed, GrantActive, GrantSuspended:
		return true
	}
	return false
}

// deadlines are the grant's pending deadlines at now: the end of its term
// while it is open, and for a first-level grant in force the renewal
// cut-off, RenewalLeadMonths before the end (届满3个月前重新申请).
func (g *Grant) deadlines(now time.Time) []deadline {
	s := g.EffectiveStatus(now)
	if s != GrantProposed && s != GrantActive && s != GrantSuspended {
		return nil
	}
	ds := []deadline{{NoticeGrantEnding, g.Term.ValidTo, "apply for a new grant before the term ends, or stop using it"}}
	if cutoff := g.RenewalCutoff(); g.ParentID == "" && s != GrantProposed && now.Before(cutoff) {
		ds = append(ds, deadline{NoticeRenewalCutoff, cutoff, fmt.Sprintf("file the renewal application (届满%d个月前重新申请)", RenewalLeadMonths)})
	}
	return ds
}

// RenewalCutoff is the last day a renewal of the grant may be filed:
// RenewalLeadMonths before its term ends.
func (g *Grant) RenewalCutoff() time.Time { return g.Term.ValidTo.AddDate(0, -RenewalLeadMonths, 0) }

// deadline is the end of the agreement's term while it is proposed or in force.
func (a *Agreement) deadline(now time.Time) (time.Time, bool) {
	s := a.EffectiveStatus(now)
	return a.Term.ValidTo, s == AgreementProposed || s == AgreementInForce
}

// deadline is the closing of a published call that has not closed.
func (call *Call) deadline(now time.Time) (time.Time, bool) {
	return call.Closes, call.Status == CallPublished && now.Before(call.Closes)
}

// reviewDeadline is the end of a security review's validity while it is
// the operator's latest review of its kind, passed and still valid: a
// review superseded by a later one has no deadline of its own.
func reviewDeadline(r *Review, all []Review, now time.Time) (time.Time, bool) {
	if !r.Kind.OnOperator() || r.Outcome != OutcomePass || r.ValidUntil.IsZero() || !now.Before(r.ValidUntil) {
		return time.Time{}, false
	}
	latest := latestReview(all, r.Kind, r.Subject)
	return r.ValidUntil, latest != nil && latest.ID == r.ID
}

// DeadlineNoticeRequest asks to record that a deadline has come within a
// threshold.
type DeadlineNoticeRequest struct {
	Kind      NoticeKind `json:"kind"`
	ObjectID  string     `json:"objectId"`
	Threshold int        `json:"threshold"`
}

// DeadlineNotice is a recorded threshold notice: the deadline of kind on
// the object came within Threshold days, as the recording transaction's
// time showed. Each (kind, object, threshold) is recorded once.
type DeadlineNotice struct {
	ID         string     `json:"id"`
	Kind       NoticeKind `json:"kind"`
	ObjectType string     `json:"objectType"`
	ObjectID   string     `json:"objectId"`
	Threshold  int        `json:"threshold"`
	Due        time.Time  `json:"due"`
	Recorded   Stamp      `json:"recorded"`
}

// DeadlineNoticeID is the ID a threshold notice is recorded under.
func DeadlineNoticeID(kind NoticeKind, objectID string, threshold int) string {
	return string(kind) + "." + objectID + "." + strconv.Itoa(threshold)
}

// ObjectTypeOf is the type of the object a deadline kind is about; "" for
// a kind without thresholds.
func ObjectTypeOf(kind NoticeKind) string { return deadlineKinds[kind] }

// CheckDeadlineNoticeRequest validates a request before anything is read.
func CheckDeadlineNoticeRequest(req DeadlineNoticeRequest) error {
	if !req.Kind.IsDeadline() {
		return invalid("kind", "%q is not one of grant-ending, renewal-cutoff, agreement-ending, review-expiring, call-closing", req.Kind)
	}
	if err := CheckID("objectId", req.ObjectID); err != nil {
		return err
	}
	if !slices.Contains(NoticeThresholds, req.Threshold) {
		return invalid("threshold", "%d is not one of %v days", req.Threshold, NoticeThresholds)
	}
	return nil
}

// RecordDeadlineNotice records that the deadline of req.Kind on its object
// has come within req.Threshold days at the transaction's time. Any
// registered participant who may read the object records it (a scheduler
// of any member); the contract, not the submitter's clock, decides: too
// early (more than the threshold before the deadline) and too late (the
// deadline passed) are refused, and so is a notice already recorded. in
// holds the object (and, for a review, the operator's reviews of its kind).
func RecordDeadlineNotice(c Actor, req DeadlineNoticeRequest, in NoticeSubjects, existing *DeadlineNotice, st Stamp) (*DeadlineNotice, error) {
	if err := CheckDeadlineNoticeRequest(req); err != nil {
		return nil, err
	}
	typ := ObjectTypeOf(req.Kind)
	var (
		due     time.Time
		pending bool
		visible bool
		found   bool
		state   string
	)
	switch typ {
	case "grant":
		if i := slices.IndexFunc(in.Grants, func(g Grant) bool { return g.ID == req.ObjectID }); i >= 0 {
			g := &in.Grants[i]
			found, visible, state = true, g.VisibleTo(c), string(g.EffectiveStatus(st.Time))
			for _, d := range g.deadlines(st.Time) {
				if d.kind == req.Kind {
					due, pending = d.due, true
				}
			}
			switch {
			case pending:
			case req.Kind == NoticeRenewalCutoff:
				due = g.RenewalCutoff()
			default:
				due = g.Term.ValidTo
			}
		}
	case "agreement":
		if i := slices.IndexFunc(in.Agreements, func(a Agreement) bool { return a.ID == req.ObjectID }); i >= 0 {
			a := &in.Agreements[i]
			found, visible, state = true, a.VisibleTo(c), string(a.EffectiveStatus(st.Time))
			due, pending = a.deadline(st.Time)
		}
	case "review":
		if i := slices.IndexFunc(in.Reviews, func(r Review) bool { return r.ID == req.ObjectID }); i >= 0 {
			r := &in.Reviews[i]
			found, visible, state = true, r.VisibleTo(c, nil), "superseded, failed or lapsed"
			due, pending = reviewDeadline(r, in.Reviews, st.Time)
			if !pending {
				due = r.ValidUntil
			}
		}
	case "call":
		if i := slices.IndexFunc(in.Calls, func(call Call) bool { return call.ID == req.ObjectID }); i >= 0 {
			call := &in.Calls[i]
			found, visible, state = true, true, string(call.Status)
			due, pending = call.deadline(st.Time)
		}
	}
	if !found {
		return nil, NotFound(typ, req.ObjectID)
	}
	if c.Role == "" {
		return nil, unlessVisible(visible, typ, req.ObjectID, forbidden("%s is not a registered participant", c.MSP))
	}
	if !visible {
		return nil, NotFound(typ, req.ObjectID)
	}
	if existing != nil {
		return nil, conflict("the %d-day %s notice of %s %s is already recorded (tx %s)", req.Threshold, req.Kind, typ, req.ObjectID, existing.Recorded.TxID)
	}
	switch {
	case !pending && !due.IsZero() && !st.Time.Before(due):
		return nil, refused("passed: the %s deadline of %s %s was %s", req.Kind, typ, req.ObjectID, stamp(due))
	case !pending:
		return nil, conflict("%s %s is %s and has no %s deadline pending", typ, req.ObjectID, state, req.Kind)
	}
	if from := due.AddDate(0, 0, -req.Threshold); st.Time.Before(from) {
		return nil, refused("too early: the %s deadline of %s %s is %s; its %d-day notice may be recorded from %s",
			req.Kind, typ, req.ObjectID, stamp(due), req.Threshold, stamp(from))
	}
	return &DeadlineNotice{
		ID: DeadlineNoticeID(req.Kind, req.ObjectID, req.Threshold), Kind: req.Kind, ObjectType: typ, ObjectID: req.ObjectID,
		Threshold: req.Threshold, Due: due.UTC(), Recorded: st,
	}, nil
}
