package ledger

import (
	"fmt"
	"slices"
	"strings"
)

// Operation is a kind of data processing a grant allows (数据加工方式).
type Operation string

// Operations.
const (
	OpQuery         Operation = "query"           // 查询核验
	OpStatistics    Operation = "statistics"      // 统计分析
	OpModelTraining Operation = "model-training"  // 模型训练
	OpJointModel    Operation = "joint-modelling" // 联合建模
	OpVerification  Operation = "verification"    // 比对验证
)

// Operations lists the operations a request may name.
var Operations = []Operation{OpQuery, OpStatistics, OpModelTraining, OpJointModel, OpVerification}

// DatasetScope names a dataset and the fields of it that are requested or
// granted. Owner is filled in by the ledger from the catalogue.
type DatasetScope struct {
	ID     string   `json:"id"`
	Owner  string   `json:"owner,omitempty" metadata:",optional"`
	Fields []string `json:"fields"`
}

// Scope is what may be used: datasets and their fields, for which purposes
// and by which operations (授权范围).
type Scope struct {
	Datasets   []DatasetScope `json:"datasets"`
	Purposes   []string       `json:"purposes"`
	Operations []Operation    `json:"operations"`
}

// DatasetIDs returns the IDs of the datasets in scope, sorted.
func (s Scope) DatasetIDs() []string {
	ids := make([]string, len(s.Datasets))
	for i, d := range s.Datasets {
		ids[i] = d.ID
	}
	return ids
}

// Owners returns the providers owning the datasets in scope, sorted.
func (s Scope) Owners() []string {
	var owners []string
	for _, d := range s.Datasets {
		owners = append(owners, d.Owner)
	}
	return sortedSet(owners)
}

func (s Scope) dataset(id string) (DatasetScope, bool) {
	i := slices.IndexFunc(s.Datasets, func(d DatasetScope) bool { return d.ID == id })
	if i < 0 {
		return DatasetScope{}, false
	}
	return s.Datasets[i], true
}

// normalize validates the syntax of a scope and returns it sorted.
func (s Scope) normalize(field string) (Scope, error) {
	if len(s.Datasets) == 0 {
		return Scope{}, invalid(field+".datasets", "must list at least one dataset")
	}
	if len(s.Datasets) > MaxListLen {
		return Scope{}, invalid(field+".datasets", "lists %d datasets, at most %d allowed", len(s.Datasets), MaxListLen)
	}
	out := Scope{}
	seen := map[string]bool{}
	for i, d := range s.Datasets {
		f := fmt.Sprintf("%s.datasets[%d]", field, i)
		if err := CheckID(f+".id", d.ID); err != nil {
			return Scope{}, err
		}
		if seen[d.ID] {
			return Scope{}, invalid(f+".id", "dataset %s appears twice", d.ID)
		}
		seen[d.ID] = true
		fields, err := checkIDs(f+".fields", d.Fields, true)
		if err != nil {
			return Scope{}, err
		}
		out.Datasets = append(out.Datasets, DatasetScope{ID: d.ID, Fields: fields})
	}
	slices.SortFunc(out.Datasets, func(a, b DatasetScope) int { return strings.Compare(a.ID, b.ID) })
	purposes, err := checkIDs(field+".purposes", s.Purposes, true)
	if err != nil {
		return Scope{}, err
	}
	out.Purposes = purposes
	if len(s.Operations) == 0 {
		return Scope{}, invalid(field+".operations", "must list at least one operation")
	}
	for i, op := range s.Operations {
		if !slices.Contains(Operations, op) {
			return Scope{}, invalid(fmt.Sprintf("%s.operations[%d]", field, i), "%q is not one of query, statistics, model-training, joint-modelling, verification", op)
		}
	}
	out.Operations = sortedSet(s.Operations)
	return out, nil
}

// resolve checks every dataset of a normalized scope against the catalogue:
// it must exist, be listed and have the named fields. It fills in owners.
func (s Scope) resolve(field string, datasets map[string]*Dataset) (Scope, error) {
	out := s
	out.Datasets = slices.Clone(s.Datasets)
	for i, d := range out.Datasets {
		ds := datasets[d.ID]
		if ds == nil {
			return Scope{}, NotFound("dataset", d.ID)
		}
		if ds.Status != DatasetListed {
			return Scope{}, refused("dataset %s is %s from the catalogue", d.ID, ds.Status)
		}
		for _, name := range d.Fields {
			if !ds.HasField(name) {
				return Scope{}, invalid(fmt.Sprintf("%s.datasets[%d].fields", field, i), "dataset %s has no field %q", d.ID, name)
			}
		}
		out.Datasets[i].Owner = ds.Owner
	}
	return out, nil
}

// Covers returns nil when inner asks for nothing outside s, or a refusal
// naming the first dataset, field, purpose or operation out of scope.
func (s Scope) Covers(inner Scope, what string) error {
	for _, d := range inner.Datasets {
		outer, ok := s.dataset(d.ID)
		if !ok {
			return refused("out of scope: dataset %s is not in the %s", d.ID, what)
		}
		if f, ok := subset(d.Fields, outer.Fields); !ok {
			return refused("out of scope: field %s of dataset %s is not in the %s", f, d.ID, what)
		}
	}
	if p, ok := subset(inner.Purposes, s.Purposes); !ok {
		return refused("out of scope: purpose %s is not in the %s", p, what)
	}
	if op, ok := subset(inner.Operations, s.Operations); !ok {
		return refused("out of scope: operation %s is not in the %s", op, what)
	}
	return nil
}

// domainsOf returns the domains of the datasets in scope, sorted.
func domainsOf(s Scope, datasets map[string]*Dataset) []string {
	var ds []string
	for _, d := range s.Datasets {
		if x := datasets[d.ID]; x != nil {
			ds = append(ds, x.Domain)
		}
	}
	return sortedSet(ds)
}
