package ledger

import (
	"fmt"
	"slices"
	"strings"
)

// Domains are the data domains of the catalogue (重点领域).
var Domains = []string{
	"credit",                  // 信用
	"transport",               // 交通
	"medical",                 // 医疗
	"health",                  // 卫生
	"employment",              // 就业
	"social-security",         // 社保
	"geography",               // 地理
	"culture",                 // 文化
	"education",               // 教育
	"science",                 // 科技
	"resources",               // 资源
	"agriculture",             // 农业
	"environment",             // 环境
	"emergency",               // 应急
	"finance",                 // 金融
	"quality",                 // 质量
	"statistics",              // 统计
	"weather",                 // 气象
	"enterprise-registration", // 企业登记监管
	"medical-insurance",       // 医保
	"housing",                 // 住建
	"housing-fund",            // 公积金
	"commerce",                // 商贸
	"logistics",               // 物流
	"industry",                // 工业
	"sports",                  // 体育
	"tourism",                 // 旅游
	"public-safety",           // 公共安全
}

func checkDomain(field, d string) error {
	if !slices.Contains(Domains, d) {
		return invalid(field, "%q is not a catalogue domain (%s)", d, strings.Join(Domains, ", "))
	}
	return nil
}

// Classification is a dataset's data-security class (数据分类分级).
type Classification string

// Classifications.
const (
	ClassGeneral   Classification = "general"   // 一般数据
	ClassImportant Classification = "important" // 重要数据
	ClassCore      Classification = "core"      // 核心数据
)

// DatasetStatus is a catalogue entry's state.
type DatasetStatus string

// Dataset states.
const (
	DatasetListed    DatasetStatus = "listed"    // 在目录中，可申请
	DatasetWithdrawn DatasetStatus = "withdrawn" // 已下架，不可再申请或授权
)

// Sensitivity grades of a field (敏感级别), from 1 (public) to 4 (highly sensitive).
const (
	MinSensitivity = 1
	MaxSensitivity = 4
)

// Field is a column of a dataset with its sensitivity grade.
type Field struct {
	Name        string `json:"name"`
	Sensitivity int    `json:"sensitivity"`
	Description string `json:"description,omitempty" metadata:",optional"`
}

// Dataset is an entry of the public data resource catalogue (数据资源目录).
type Dataset struct {
	ID             string         `json:"id"`
	Owner          string         `json:"owner"`
	Name           string         `json:"name"`
	Domain         string         `json:"domain"`
	Description    string         `json:"description,omitempty" metadata:",optional"`
	Fields         []Field        `json:"fields"`
	Classification Classification `json:"classification"`
	// PersonalInfo marks data containing personal information (含个人信息).
	PersonalInfo bool `json:"personalInfo"`
	// ProvinceReturned marks data returned from the province (省回流数据):
	// granting it needs the province's approval, recorded as a review.
	ProvinceReturned bool          `json:"provinceReturned"`
	Status           DatasetStatus `json:"status"`
	StatusReason     string        `json:"statusReason,omitempty" metadata:",optional"`
	Created          Stamp         `json:"created"`
	Updated          Stamp         `json:"updated"`
}

// DatasetRequest creates or updates a catalogue entry.
type DatasetRequest struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Domain           string         `json:"domain"`
	Description      string         `json:"description,omitempty"`
	Fields           []Field        `json:"fields"`
	Classification   Classification `json:"classification"`
	PersonalInfo     bool           `json:"personalInfo"`
	ProvinceReturned bool           `json:"provinceReturned"`
}

func (req DatasetRequest) validate() error {
	if err := CheckID("id", req.ID); err != nil {
		return err
	}
	if err := checkText("name", req.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := checkDomain("domain", req.Domain); err != nil {
		return err
	}
	if err := checkText("description", req.Description, MaxTextLen, false); err != nil {
		return err
	}
	switch req.Classification {
	case ClassGeneral, ClassImportant, ClassCore:
	default:
		return invalid("classification", "%q is not one of general, important, core", req.Classification)
	}
	if len(req.Fields) == 0 {
		return invalid("fields", "must list at least one field")
	}
	if len(req.Fields) > MaxListLen {
		return invalid("fields", "lists %d fields, at most %d allowed", len(req.Fields), MaxListLen)
	}
	seen := map[string]bool{}
	for i, f := range req.Fields {
		field := fmt.Sprintf("fields[%d]", i)
		if err := CheckID(field+".name", f.Name); err != nil {
			return err
		}
		if seen[f.Name] {
			return invalid(field+".name", "field %q appears twice", f.Name)
		}
		seen[f.Name] = true
		if f.Sensitivity < MinSensitivity || f.Sensitivity > MaxSensitivity {
			return invalid(field+".sensitivity", "%d is not a grade from %d to %d", f.Sensitivity, MinSensitivity, MaxSensitivity)
		}
		if err := checkText(field+".description", f.Description, MaxTextLen, false); err != nil {
			return err
		}
	}
	return nil
}

// CreateDataset adds a provider's dataset to the catalogue; the caller
// becomes its owner.
func CreateDataset(c Actor, req DatasetRequest, existing *Dataset, st Stamp) (*Dataset, error) {
	if !c.Is(RoleProvider) {
		return nil, forbidden("only providers create datasets; %s is %s", c.MSP, roleName(c.Role))
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, conflict("dataset %s already exists (owner %s)", req.ID, existing.Owner)
	}
	d := &Dataset{ID: req.ID, Owner: c.MSP, Status: DatasetListed, Created: st}
	d.apply(req, st)
	return d, nil
}

func (d *Dataset) apply(req DatasetRequest, st Stamp) {
	d.Name, d.Domain, d.Description = req.Name, req.Domain, req.Description
	d.Fields = slices.Clone(req.Fields)
	slices.SortFunc(d.Fields, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
	d.Classification, d.PersonalInfo, d.ProvinceReturned = req.Classification, req.PersonalInfo, req.ProvinceReturned
	d.Updated = st
}

func (d *Dataset) checkOwner(c Actor) error {
	if !c.ActsFor(d.Owner) {
		return forbidden("dataset %s does not belong to %s", d.ID, c.who())
	}
	return nil
}

// Update replaces the description of a dataset; only its owner may.
func (d *Dataset) Update(c Actor, req DatasetRequest, st Stamp) error {
	if err := d.checkOwner(c); err != nil {
		return err
	}
	if req.ID != d.ID {
		return invalid("id", "%q does not match dataset %s", req.ID, d.ID)
	}
	if err := req.validate(); err != nil {
		return err
	}
	d.apply(req, st)
	return nil
}

// Withdraw takes a dataset out of the catalogue: it can no longer be applied
// for or granted. Existing grants are not affected; the authority revokes them
// if it must.
func (d *Dataset) Withdraw(c Actor, reason string, st Stamp) error {
	if err := d.checkOwner(c); err != nil {
		return err
	}
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	if d.Status != DatasetListed {
		return conflict("dataset %s is already %s", d.ID, d.Status)
	}
	d.Status, d.StatusReason, d.Updated = DatasetWithdrawn, reason, st
	return nil
}

// Relist puts a withdrawn dataset back in the catalogue.
func (d *Dataset) Relist(c Actor, st Stamp) error {
	if err := d.checkOwner(c); err != nil {
		return err
	}
	if d.Status != DatasetWithdrawn {
		return conflict("dataset %s is already %s", d.ID, d.Status)
	}
	d.Status, d.StatusReason, d.Updated = DatasetListed, "", st
	return nil
}

// HasField reports whether the dataset has a field of that name.
func (d *Dataset) HasField(name string) bool {
	return slices.ContainsFunc(d.Fields, func(f Field) bool { return f.Name == name })
}
