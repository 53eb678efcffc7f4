package ledger

// Private records. What not every member may read lives in a private data
// collection shared by one operator (or developer), the authority and the
// regulator: the documents of its applications, the reports of its reviews
// and evaluations, and the text of its agreements. The public ledger keeps
// the rest of each object (IDs, states, scope, terms, outcomes), which every
// endorser needs to apply the rules, and Fabric keeps a hash of each private
// record, so that anyone can check a record shown to them and the contract
// can require that one exists without reading it.
//
// A private record is written by a transaction of its own that writes
// nothing public, so that only the collection's members endorse it and see
// its input: a transaction carrying private input to a peer outside the
// collection would show it to that organisation.

// OperatorCollection names the private data collection an operator (or a
// developer) shares with the authority and the regulator. The network
// defines one for each such organisation of its topology.
func OperatorCollection(msp string) string { return "private-" + msp }

// ApplicationDocuments are the digests of an application's emergency plan
// (应急预案) and security documents, in its operator's collection.
type ApplicationDocuments struct {
	ApplicationID       string `json:"applicationId"`
	EmergencyPlanDigest string `json:"emergencyPlanDigest"`
	SecurityDocsDigest  string `json:"securityDocsDigest"`
	Attached            Stamp  `json:"attached"`
}

// ApplicationDocumentsRequest attaches an application's documents.
type ApplicationDocumentsRequest struct {
	EmergencyPlanDigest string `json:"emergencyPlanDigest"`
	SecurityDocsDigest  string `json:"securityDocsDigest"`
}

// AttachDocuments records the application's documents: by its operator,
// once, before the application is decided.
func (a *Application) AttachDocuments(c Actor, req ApplicationDocumentsRequest, existing *ApplicationDocuments, st Stamp) (*ApplicationDocuments, error) {
	if !c.ActsFor(a.Operator) {
		return nil, unlessVisible(a.VisibleTo(c), "application", a.ID, forbidden("application %s does not belong to %s", a.ID, c.who()))
	}
	if req.EmergencyPlanDigest == "" {
		return nil, refused("no emergency plan: an application without an emergency plan (应急预案) cannot proceed; file the plan's digest in emergencyPlanDigest")
	}
	if err := checkDigest("emergencyPlanDigest", req.EmergencyPlanDigest); err != nil {
		return nil, err
	}
	if err := checkDigest("securityDocsDigest", req.SecurityDocsDigest); err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, conflict("application %s already has its documents, attached in tx %s", a.ID, existing.Attached.TxID)
	}
	if a.Status != ApplicationSubmitted && a.Status != ApplicationApproved {
		return nil, conflict("application %s is %s; documents are attached before it is decided", a.ID, a.Status)
	}
	return &ApplicationDocuments{ApplicationID: a.ID, EmergencyPlanDigest: req.EmergencyPlanDigest, SecurityDocsDigest: req.SecurityDocsDigest, Attached: st}, nil
}

// WithDocuments returns the application as its collection's members see it.
func (a Application) WithDocuments(d *ApplicationDocuments) Application {
	if d != nil {
		a.EmergencyPlanDigest, a.SecurityDocsDigest = d.EmergencyPlanDigest, d.SecurityDocsDigest
	}
	return a
}

// ReviewReport is the digest of a review's report and the reviewer's note,
// in the collection of the operator the review concerns.
type ReviewReport struct {
	ReviewID     string `json:"reviewId"`
	ReportDigest string `json:"reportDigest"`
	Note         string `json:"note,omitempty" metadata:",optional"`
	Attached     Stamp  `json:"attached"`
}

// ReportRequest attaches a review's or an evaluation's report.
type ReportRequest struct {
	ReportDigest string `json:"reportDigest"`
	Note         string `json:"note,omitempty"`
}

func (req ReportRequest) check() error {
	if err := checkDigest("reportDigest", req.ReportDigest); err != nil {
		return err
	}
	return checkText("note", req.Note, MaxTextLen, false)
}

// AttachReport records a review's report: by the authority, once.
func (r *Review) AttachReport(c Actor, req ReportRequest, existing *ReviewReport, st Stamp) (*ReviewReport, error) {
	if !c.Is(RoleAuthority) {
		return nil, forbidden("only the authority attaches review reports")
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, conflict("review %s already has its report, attached in tx %s", r.ID, existing.Attached.TxID)
	}
	return &ReviewReport{ReviewID: r.ID, ReportDigest: req.ReportDigest, Note: req.Note, Attached: st}, nil
}

// WithReport returns the review as its collection's members see it.
func (r Review) WithReport(rep *ReviewReport) Review {
	if rep != nil {
		r.ReportDigest, r.Note = rep.ReportDigest, rep.Note
	}
	return r
}

// EvaluationReport is the report of an operator's evaluation (评估), in the
// operator's collection.
type EvaluationReport struct {
	Operator     string `json:"operator"`
	EvaluationID string `json:"evaluationId"`
	ReportDigest string `json:"reportDigest"`
	Note         string `json:"note,omitempty" metadata:",optional"`
	Attached     Stamp  `json:"attached"`
}

// AttachEvaluationReport records the report of one of the participant's
// evaluations: by the authority, once.
func (p *Participant) AttachEvaluationReport(c Actor, evaluationID string, req ReportRequest, existing *EvaluationReport, st Stamp) (*EvaluationReport, error) {
	if !c.Is(RoleAuthority) {
		return nil, forbidden("only the authority attaches evaluation reports")
	}
	if err := CheckID("evaluationId", evaluationID); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	found := false
	for _, e := range p.Evaluations {
		found = found || e.ID == evaluationID
	}
	if !found {
		return nil, NotFound("evaluation", p.MSP+"/"+evaluationID)
	}
	if existing != nil {
		return nil, conflict("evaluation %s of %s already has its report, attached in tx %s", evaluationID, p.MSP, existing.Attached.TxID)
	}
	return &EvaluationReport{Operator: p.MSP, EvaluationID: evaluationID, ReportDigest: req.ReportDigest, Note: req.Note, Attached: st}, nil
}

// WithEvaluationReports returns the participant with the reports of its
// evaluations, as its collection's members see it.
func (p Participant) WithEvaluationReports(reports map[string]*EvaluationReport) Participant {
	if len(reports) == 0 {
		return p
	}
	evs := make([]Evaluation, len(p.Evaluations))
	for i, e := range p.Evaluations {
		if r := reports[e.ID]; r != nil {
			e.ReportDigest, e.Note = r.ReportDigest, r.Note
		}
		evs[i] = e
	}
	p.Evaluations = evs
	return p
}

// AgreementText is the digest of an agreement's text (授权运营协议), in its
// operator's collection.
type AgreementText struct {
	AgreementID string `json:"agreementId"`
	TextDigest  string `json:"textDigest"`
	Attached    Stamp  `json:"attached"`
}

// AgreementTextRequest attaches an agreement's text.
type AgreementTextRequest struct {
	TextDigest string `json:"textDigest"`
}

// AttachText records the agreement's text: by the authority, once, before
// anyone signs.
func (a *Agreement) AttachText(c Actor, req AgreementTextRequest, existing *AgreementText, st Stamp) (*AgreementText, error) {
	if !c.Is(RoleAuthority) {
		return nil, unlessVisible(a.VisibleTo(c), "agreement", a.ID, forbidden("only the authority attaches agreement texts"))
	}
	if err := checkDigest("textDigest", req.TextDigest); err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, conflict("agreement %s already has its text, attached in tx %s", a.ID, existing.Attached.TxID)
	}
	if !a.AuthoritySigned.Time.IsZero() || !a.OperatorSigned.Time.IsZero() {
		return nil, conflict("agreement %s is already signed; its text cannot change", a.ID)
	}
	return &AgreementText{AgreementID: a.ID, TextDigest: req.TextDigest, Attached: st}, nil
}

// WithText returns the agreement as its collection's members see it.
func (a Agreement) WithText(t *AgreementText) Agreement {
	if t != nil {
		a.TextDigest = t.TextDigest
	}
	return a
}
