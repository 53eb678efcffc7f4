package ledger

import (
	"slices"
	"strings"
	"time"
)

// OperatorDisclosure is the public disclosure of an admitted operator: its
// domains and scenarios from the grants it holds in force (公开结果).
type OperatorDisclosure struct {
	MSP       string         `json:"msp"`
	Name      string         `json:"name"`
	Status    OperatorStatus `json:"status"`
	Domains   []string       `json:"domains,omitempty" metadata:",optional"`
	Scenarios []string       `json:"scenarios,omitempty" metadata:",optional"`
	Grants    []string       `json:"grants,omitempty" metadata:",optional"`
}

// DiscloseOperator summarizes an operator and the grants it holds in force at now.
func DiscloseOperator(p *Participant, held []*Grant, now time.Time) OperatorDisclosure {
	d := OperatorDisclosure{MSP: p.MSP, Name: p.Name, Status: p.Status}
	for _, g := range held {
		if g.Holder != p.MSP || g.EffectiveStatus(now) != GrantActive {
			continue
		}
		d.Domains = append(d.Domains, g.Domains...)
		d.Scenarios = append(d.Scenarios, g.Scenario)
		d.Grants = append(d.Grants, g.ID)
	}
	d.Domains, d.Scenarios, d.Grants = sortedSet(d.Domains), sortedSet(d.Scenarios), sortedSet(d.Grants)
	return d
}

// ProvenanceStep is one object on a product's provenance path, with the
// transaction that recorded it and the last one that changed it.
type ProvenanceStep struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Party string `json:"party"`
	// TxID and Time record the object's creation.
	TxID string    `json:"txId"`
	Time time.Time `json:"time"`
	// LastTxID and LastTime record its latest change.
	LastTxID string    `json:"lastTxId"`
	LastTime time.Time `json:"lastTime"`
	// Status is the object's status when the path was read.
	Status string `json:"status,omitempty" metadata:",optional"`
	// From lists the IDs of the next objects up the path.
	From []string `json:"from,omitempty" metadata:",optional"`
}

// Provenance is the path of a product back to its providers (溯源):
// product → receipts → grants (→ parent grants) → datasets → providers.
type Provenance struct {
	Product   ProvenanceStep   `json:"product"`
	Receipts  []ProvenanceStep `json:"receipts"`
	Grants    []ProvenanceStep `json:"grants"`
	Datasets  []ProvenanceStep `json:"datasets"`
	Providers []ProvenanceStep `json:"providers"`
	// Incidents are the security incidents (数据安全事件) reported on the
	// path's grants, datasets and receipts' attestors that the reader may
	// read, each from its subject; status is the incident's, late reports
	// marked "reported late".
	Incidents []ProvenanceStep `json:"incidents"`
}

// ProvenanceInputs are the objects on a product's path, by ID; the
// chaincode loads them by following the links.
type ProvenanceInputs struct {
	Receipts  map[string]*Receipt
	Grants    map[string]*Grant
	Datasets  map[string]*Dataset
	Providers map[string]*Participant
	// Incidents are the incidents on the path's grants, datasets and
	// attestors, by ID, those the reader may not read left out.
	Incidents map[string]*Incident
}

// BuildProvenance assembles a product's provenance from its loaded path at now.
func BuildProvenance(p *Product, in ProvenanceInputs, now time.Time) Provenance {
	out := Provenance{
		Product:   step("product", p.ID, p.Owner, p.Created, p.Updated, string(p.Status), slices.Concat(p.Receipts, p.Grants)),
		Receipts:  []ProvenanceStep{},
		Grants:    []ProvenanceStep{},
		Datasets:  []ProvenanceStep{},
		Providers: []ProvenanceStep{},
		Incidents: []ProvenanceStep{},
	}
	for _, id := range sortedKeys(in.Receipts) {
		r := in.Receipts[id]
		out.Receipts = append(out.Receipts, step("receipt", r.ID, r.Attestor, r.Recorded, r.Recorded, r.BatchID, []string{r.GrantID}))
	}
	for _, id := range sortedKeys(in.Grants) {
		g := in.Grants[id]
		from := g.Scope.DatasetIDs()
		if g.ParentID != "" {
			from = append([]string{g.ParentID}, from...)
		}
		out.Grants = append(out.Grants, step("grant", g.ID, g.Holder, g.Created, g.Updated, string(g.EffectiveStatus(now)), from))
	}
	for _, id := range sortedKeys(in.Datasets) {
		d := in.Datasets[id]
		out.Datasets = append(out.Datasets, step("dataset", d.ID, d.Owner, d.Created, d.Updated, string(d.Status), []string{d.Owner}))
	}
	for _, id := range sortedKeys(in.Providers) {
		pr := in.Providers[id]
		out.Providers = append(out.Providers, step("participant", pr.MSP, pr.MSP, pr.Created, pr.Updated, string(pr.Role), nil))
	}
	for _, id := range sortedKeys(in.Incidents) {
		inc := in.Incidents[id]
		status := string(inc.Status)
		if inc.Late {
			status += ", reported late"
		}
		out.Incidents = append(out.Incidents, step("incident", inc.ID, inc.Reporter, inc.Reported, inc.Updated, status, []string{string(inc.SubjectType) + "/" + inc.SubjectID}))
	}
	return out
}

func step(typ, id, party string, created, updated Stamp, status string, from []string) ProvenanceStep {
	return ProvenanceStep{
		Type: typ, ID: id, Party: party, TxID: created.TxID, Time: created.Time,
		LastTxID: updated.TxID, LastTime: updated.Time, Status: status, From: from,
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	return keys
}
