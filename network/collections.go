package network

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// collectionConfig is one private data collection as the peer CLI's
// --collections-config file gives it (Fabric's StaticCollectionConfig).
type collectionConfig struct {
	Name              string                       `json:"name"`
	Policy            string                       `json:"policy"`
	RequiredPeerCount int                          `json:"requiredPeerCount"`
	MaxPeerCount      int                          `json:"maxPeerCount"`
	BlockToLive       uint64                       `json:"blockToLive"`
	MemberOnlyRead    bool                         `json:"memberOnlyRead"`
	MemberOnlyWrite   bool                         `json:"memberOnlyWrite"`
	EndorsementPolicy *collectionEndorsementPolicy `json:"endorsementPolicy,omitempty"`
}

type collectionEndorsementPolicy struct {
	SignaturePolicy string `json:"signaturePolicy"`
}

// collectionPrefix names an organisation's private collection:
// "private-" + its MSP ID.
const collectionPrefix = "private-"

// collectionRoles are the roles whose organisations get a private data
// collection: the parties that hold grants and use granted data.
var collectionRoles = map[string]bool{"operator": true, "developer": true}

// collections is the private data collections config of the chaincode
// definition: one collection per operator or developer organisation,
// private-<MSPID>, held by that organisation, the authority and the
// regulator(s) and by no one else. Records in it are kept forever
// (blockToLive 0: audit), only members read or write it, and a write to it
// needs the endorsements of two of its members' peers. Without a regulator
// the collection is the authority's and the organisation's.
func (t *Topology) collections() ([]collectionConfig, error) {
	var authority string
	var regulators []string
	for _, o := range t.Orgs {
		switch o.Role {
		case "authority":
			if authority == "" {
				authority = o.MSPID
			}
		case "regulator":
			regulators = append(regulators, o.MSPID)
		}
	}
	if authority == "" {
		return nil, errors.New("collections: the topology has no organisation with role authority")
	}
	out := []collectionConfig{}
	for _, o := range t.Orgs {
		if !collectionRoles[o.Role] {
			continue
		}
		members := append(append([]string{authority}, regulators...), o.MSPID)
		member := make([]string, len(members))
		peer := make([]string, len(members))
		for i, m := range members {
			member[i] = fmt.Sprintf("'%s.member'", m)
			peer[i] = fmt.Sprintf("'%s.peer'", m)
		}
		out = append(out, collectionConfig{
			Name:              collectionPrefix + o.MSPID,
			Policy:            "OR(" + strings.Join(member, ",") + ")",
			RequiredPeerCount: 0,
			MaxPeerCount:      3,
			BlockToLive:       0,
			MemberOnlyRead:    true,
			MemberOnlyWrite:   true,
			EndorsementPolicy: &collectionEndorsementPolicy{
				SignaturePolicy: "OutOf(2, " + strings.Join(peer, ", ") + ")",
			},
		})
	}
	return out, nil
}

// collectionsJSON is the collections config file's content; nil when the
// topology has no organisation that gets a collection (the definition then
// has none, and no --collections-config is given).
func (t *Topology) collectionsJSON() ([]byte, error) {
	cols, err := t.collections()
	if err != nil || len(cols) == 0 {
		return nil, err
	}
	raw, err := json.MarshalIndent(cols, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(raw, '\n'), nil
}

// definitionDigest names what a chaincode definition holds besides the
// code: its endorsement policy and its collections config. It becomes part
// of the definition's version, so that Deploy notices a change of either
// (the committed version differs) and leaves an unchanged one alone.
func definitionDigest(policy string, collections []byte) string {
	h := sha256.New()
	h.Write([]byte(policy))
	h.Write([]byte{0})
	h.Write(collections)
	return hex.EncodeToString(h.Sum(nil)[:4])
}
