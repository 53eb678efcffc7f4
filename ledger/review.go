package ledger

import (
	"time"
)

// ReviewKind is what a review (审核) examines.
type ReviewKind string

// Review kinds. Basic- and technical-security reviews are of an operator and
// stay valid for SecurityReviewYears; the others are of one application.
const (
	ReviewBasicSecurity     ReviewKind = "basic-security"     // 基本安全要求审核
	ReviewTechnicalSecurity ReviewKind = "technical-security" // 技术与安全要求审核
	ReviewScenario          ReviewKind = "scenario"           // 应用场景审核（一场景一清单一审核）
	ReviewNetworkSecurity   ReviewKind = "network-security"   // 网络安全评审
	ReviewProvince          ReviewKind = "province"           // 省公共数据主管部门同意（省回流数据）
)

// OnOperator reports whether reviews of this kind are of an operator rather
// than of an application.
func (k ReviewKind) OnOperator() bool {
	return k == ReviewBasicSecurity || k == ReviewTechnicalSecurity
}

func (k ReviewKind) valid() bool {
	switch k {
	case ReviewBasicSecurity, ReviewTechnicalSecurity, ReviewScenario, ReviewNetworkSecurity, ReviewProvince:
		return true
	}
	return false
}

// Outcome is a review's result.
type Outcome string

// Review outcomes.
const (
	OutcomePass Outcome = "pass" // 通过
	OutcomeFail Outcome = "fail" // 不通过
)

// Review is a review recorded by the authority (审核结果).
type Review struct {
	ID   string     `json:"id"`
	Kind ReviewKind `json:"kind"`
	// Subject is the operator's MSP ID for security reviews, the application ID otherwise.
	Subject string    `json:"subject"`
	Outcome Outcome   `json:"outcome"`
	Date    time.Time `json:"date"`
	// ValidUntil ends the validity of a security review (Date + 2 years).
	ValidUntil time.Time `json:"validUntil,omitzero" metadata:",optional"`
	// ReportDigest and Note live in the operator's private collection
	// (ReviewReport): empty in the public record.
	ReportDigest string `json:"reportDigest,omitempty" metadata:",optional"`
	Note         string `json:"note,omitempty" metadata:",optional"`
	Created      Stamp  `json:"created"`
}

// ReviewRequest records a review.
type ReviewRequest struct {
	ID      string     `json:"id"`
	Kind    ReviewKind `json:"kind"`
	Subject string     `json:"subject"`
	Outcome Outcome    `json:"outcome"`
	Date    time.Time  `json:"date"`
}

// ReviewInputs are the objects a review is checked against.
type ReviewInputs struct {
	Existing *Review
	// Operator is the subject of a security review.
	Operator *Participant
	// Application is the subject of a scenario, network-security or province review.
	Application *Application
}

// RecordReview records a review. Only the authority reviews. A scenario
// review decides its application: pass approves it, fail rejects it, and an
// application has one scenario review only. The changed application is
// returned (nil when the review does not change it).
func RecordReview(c Actor, req ReviewRequest, in ReviewInputs, st Stamp) (*Review, *Application, error) {
	if !c.Is(RoleAuthority) {
		return nil, nil, forbidden("only the authority records reviews; experts record opinions")
	}
	if err := CheckID("id", req.ID); err != nil {
		return nil, nil, err
	}
	if !req.Kind.valid() {
		return nil, nil, invalid("kind", "%q is not one of basic-security, technical-security, scenario, network-security, province", req.Kind)
	}
	if err := CheckID("subject", req.Subject); err != nil {
		return nil, nil, err
	}
	if req.Outcome != OutcomePass && req.Outcome != OutcomeFail {
		return nil, nil, invalid("outcome", "%q is not one of pass, fail", req.Outcome)
	}
	if req.Date.IsZero() {
		return nil, nil, invalid("date", "is required (RFC 3339 time)")
	}
	if req.Date.After(st.Time) {
		return nil, nil, invalid("date", "%s is in the future", stamp(req.Date))
	}
	if in.Existing != nil {
		return nil, nil, conflict("review %s already exists", req.ID)
	}
	r := &Review{
		ID: req.ID, Kind: req.Kind, Subject: req.Subject, Outcome: req.Outcome, Date: req.Date.UTC(),
		Created: st,
	}
	if req.Kind.OnOperator() {
		if in.Operator == nil {
			return nil, nil, NotFound("participant", req.Subject)
		}
		if in.Operator.Role != RoleOperator {
			return nil, nil, refused("%s is a %s; security reviews are of operators", req.Subject, in.Operator.Role)
		}
		if in.Operator.Status == OperatorExited {
			return nil, nil, refused("operator %s has exited", req.Subject)
		}
		r.ValidUntil = r.Date.AddDate(SecurityReviewYears, 0, 0)
		return r, nil, nil
	}
	a := in.Application
	if a == nil {
		return nil, nil, NotFound("application", req.Subject)
	}
	if req.Kind != ReviewScenario {
		if a.Status != ApplicationSubmitted && a.Status != ApplicationApproved {
			return nil, nil, conflict("application %s is %s and no longer under review", a.ID, a.Status)
		}
		return r, nil, nil
	}
	if a.ScenarioReview != "" {
		return nil, nil, conflict("application %s already has its scenario review %s (一场景一清单一审核)", a.ID, a.ScenarioReview)
	}
	if a.Status != ApplicationSubmitted {
		return nil, nil, conflict("application %s is %s and no longer under review", a.ID, a.Status)
	}
	changed := *a
	changed.ScenarioReview, changed.Updated = r.ID, st
	if r.Outcome == OutcomePass {
		changed.Status = ApplicationApproved
	} else {
		changed.Status, changed.StatusReason = ApplicationRejected, "scenario review "+r.ID+" failed"
	}
	return r, &changed, nil
}

// latestReview returns the most recent review of a kind and subject, by
// review date and then by recording time; nil if there is none.
func latestReview(rs []Review, kind ReviewKind, subject string) *Review {
	var latest *Review
	for i := range rs {
		r := &rs[i]
		if r.Kind != kind || r.Subject != subject {
			continue
		}
		if latest == nil || r.Date.After(latest.Date) ||
			(r.Date.Equal(latest.Date) && r.Created.Time.After(latest.Created.Time)) {
			latest = r
		}
	}
	return latest
}

// RequirePassed returns nil when the latest review of kind for subject
// passed and is still valid at now, or a refusal saying what is missing.
func RequirePassed(rs []Review, kind ReviewKind, subject string, now time.Time) error {
	r := latestReview(rs, kind, subject)
	switch {
	case r == nil:
		return refused("no %s review of %s is on record", kind, subject)
	case r.Outcome != OutcomePass:
		return refused("the latest %s review of %s (%s) did not pass", kind, subject, r.ID)
	case !r.ValidUntil.IsZero() && !now.Before(r.ValidUntil):
		return refused("expired: the %s review of %s (%s) expired on %s", kind, subject, r.ID, stamp(r.ValidUntil))
	}
	return nil
}

// VisibleTo reports whether c may read the review: the authority, the
// regulator, and the operator it concerns (operator reviews) or whose
// application it concerns.
func (r *Review) VisibleTo(c Actor, app *Application) bool {
	if c.readsAll() {
		return true
	}
	if r.Kind.OnOperator() {
		return c.ActsFor(r.Subject)
	}
	return app != nil && c.ActsFor(app.Operator)
}

// SubjectType names the kind of object an opinion is about.
type SubjectType string

// Opinion subjects.
const (
	SubjectApplication SubjectType = "application"
	SubjectProduct     SubjectType = "product"
)

// Recommendation is what an opinion recommends.
type Recommendation string

// Recommendations.
const (
	RecommendApprove Recommendation = "approve" // 建议通过
	RecommendReject  Recommendation = "reject"  // 建议不通过
	RecommendRevise  Recommendation = "revise"  // 建议修改
)

// Opinion is an expert's or the platform's advisory opinion (专家/平台意见)
// on an application or a product under review.
type Opinion struct {
	ID          string      `json:"id"`
	SubjectType SubjectType `json:"subjectType"`
	SubjectID   string      `json:"subjectId"`
	// Author is the MSP ID of the identity that recorded the opinion.
	Author string `json:"author"`
	// AuthorClient is that identity: an individual expert's, or the one
	// that acted for the author's organisation.
	AuthorClient string `json:"authorClient,omitempty" metadata:",optional"`
	// AuthorRole is the role it acted in: expert or platform.
	AuthorRole     Role           `json:"authorRole"`
	Recommendation Recommendation `json:"recommendation"`
	Digest         string         `json:"digest"`
	Note           string         `json:"note,omitempty" metadata:",optional"`
	Created        Stamp          `json:"created"`
}

// OpinionRequest records an opinion.
type OpinionRequest struct {
	ID             string         `json:"id"`
	SubjectType    SubjectType    `json:"subjectType"`
	SubjectID      string         `json:"subjectId"`
	Recommendation Recommendation `json:"recommendation"`
	Digest         string         `json:"digest"`
	Note           string         `json:"note,omitempty"`
}

// OpinionInputs are the objects an opinion is checked against.
type OpinionInputs struct {
	Existing    *Opinion
	Application *Application
	Product     *Product
}

// RecordOpinion records an opinion. Experts (individuals or an expert
// organisation) give opinions on applications under review and products in
// review; the platform on products in review. The opinion records the
// author's identity and the role it acted in.
func RecordOpinion(c Actor, req OpinionRequest, in OpinionInputs, st Stamp) (*Opinion, error) {
	if !c.Is(RoleExpert, RolePlatform) {
		return nil, forbidden("only experts and the platform record opinions; %s is %s", c.MSP, roleName(c.Role))
	}
	if err := CheckID("id", req.ID); err != nil {
		return nil, err
	}
	if req.SubjectType != SubjectApplication && req.SubjectType != SubjectProduct {
		return nil, invalid("subjectType", "%q is not one of application, product", req.SubjectType)
	}
	if err := CheckID("subjectId", req.SubjectID); err != nil {
		return nil, err
	}
	switch req.Recommendation {
	case RecommendApprove, RecommendReject, RecommendRevise:
	default:
		return nil, invalid("recommendation", "%q is not one of approve, reject, revise", req.Recommendation)
	}
	if err := checkDigest("digest", req.Digest); err != nil {
		return nil, err
	}
	if err := checkText("note", req.Note, MaxTextLen, false); err != nil {
		return nil, err
	}
	if in.Existing != nil {
		return nil, conflict("opinion %s already exists", req.ID)
	}
	if req.SubjectType == SubjectApplication {
		if !c.Is(RoleExpert) {
			return nil, forbidden("only experts give opinions on applications")
		}
		if in.Application == nil {
			return nil, NotFound("application", req.SubjectID)
		}
		if s := in.Application.Status; s != ApplicationSubmitted && s != ApplicationApproved {
			return nil, conflict("application %s is %s and no longer under review", req.SubjectID, s)
		}
	} else {
		if in.Product == nil {
			return nil, NotFound("product", req.SubjectID)
		}
		if in.Product.Status != ProductInReview {
			return nil, conflict("product %s is %s, not in review", req.SubjectID, in.Product.Status)
		}
	}
	return &Opinion{
		ID: req.ID, SubjectType: req.SubjectType, SubjectID: req.SubjectID, Author: c.MSP, AuthorClient: c.Client, AuthorRole: c.Role,
		Recommendation: req.Recommendation, Digest: req.Digest, Note: req.Note, Created: st,
	}, nil
}
