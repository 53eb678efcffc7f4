package network

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestCollectionsE2ETopology pins the collections config generated for the
// end-to-end topology: one collection for the operator and one for the
// developer, each held by its organisation, the authority and the
// regulator.
func TestCollectionsE2ETopology(t *testing.T) {
	topo, err := LoadTopology(filepath.Join("..", "test", "e2e", "topology.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := topo.collectionsJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `[
  {
    "name": "private-OperatorMSP",
    "policy": "OR('AuthorityMSP.member','RegulatorMSP.member','OperatorMSP.member')",
    "requiredPeerCount": 0,
    "maxPeerCount": 3,
    "blockToLive": 0,
    "memberOnlyRead": true,
    "memberOnlyWrite": true,
    "endorsementPolicy": {
      "signaturePolicy": "OutOf(2, 'AuthorityMSP.peer', 'RegulatorMSP.peer', 'OperatorMSP.peer')"
    }
  },
  {
    "name": "private-DeveloperMSP",
    "policy": "OR('AuthorityMSP.member','RegulatorMSP.member','DeveloperMSP.member')",
    "requiredPeerCount": 0,
    "maxPeerCount": 3,
    "blockToLive": 0,
    "memberOnlyRead": true,
    "memberOnlyWrite": true,
    "endorsementPolicy": {
      "signaturePolicy": "OutOf(2, 'AuthorityMSP.peer', 'RegulatorMSP.peer', 'DeveloperMSP.peer')"
    }
  }
]
`
	if string(raw) != want {
		t.Errorf("collections config:\ngot  %s\nwant %s", raw, want)
	}
	// Fabric's peer CLI reads exactly these field names.
	var generic []map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	for _, c := range generic {
		for _, f := range []string{"name", "policy", "requiredPeerCount", "maxPeerCount", "blockToLive", "memberOnlyRead", "memberOnlyWrite", "endorsementPolicy"} {
			if _, ok := c[f]; !ok {
				t.Errorf("collection %v lacks %s", c["name"], f)
			}
		}
	}
}

func TestCollections(t *testing.T) {
	tests := []struct {
		name  string
		orgs  []PeerOrg
		want  []collectionConfig // names and policies only
		error string
	}{
		{"default topology: the operator's only", nil, []collectionConfig{{Name: "private-OperatorMSP",
			Policy:            "OR('AuthorityMSP.member','RegulatorMSP.member','OperatorMSP.member')",
			EndorsementPolicy: &collectionEndorsementPolicy{"OutOf(2, 'AuthorityMSP.peer', 'RegulatorMSP.peer', 'OperatorMSP.peer')"}}}, ""},
		{"no regulator", []PeerOrg{{MSPID: "AMSP", Role: "authority"}, {MSPID: "DMSP", Role: "developer"}, {MSPID: "PMSP", Role: "provider"}},
			[]collectionConfig{{Name: "private-DMSP", Policy: "OR('AMSP.member','DMSP.member')",
				EndorsementPolicy: &collectionEndorsementPolicy{"OutOf(2, 'AMSP.peer', 'DMSP.peer')"}}}, ""},
		{"no operator or developer", []PeerOrg{{MSPID: "AMSP", Role: "authority"}, {MSPID: "RMSP", Role: "regulator"}}, []collectionConfig{}, ""},
		{"no authority", []PeerOrg{{MSPID: "OMSP", Role: "operator"}}, nil, "no organisation with role authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topo := defaultTopology(t)
			if tt.orgs != nil {
				topo.Orgs = tt.orgs
			}
			got, err := topo.collections()
			if tt.error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.error) {
					t.Fatalf("got %v, want an error mentioning %q", err, tt.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d collections %+v, want %d", len(got), got, len(tt.want))
			}
			for i, c := range got {
				w := tt.want[i]
				if c.Name != w.Name || c.Policy != w.Policy || *c.EndorsementPolicy != *w.EndorsementPolicy {
					t.Errorf("collection %d: got %s %s %s, want %s %s %s", i, c.Name, c.Policy, c.EndorsementPolicy.SignaturePolicy, w.Name, w.Policy, w.EndorsementPolicy.SignaturePolicy)
				}
				if c.RequiredPeerCount != 0 || c.MaxPeerCount != 3 || c.BlockToLive != 0 || !c.MemberOnlyRead || !c.MemberOnlyWrite {
					t.Errorf("collection %s: got %+v, want requiredPeerCount 0, maxPeerCount 3, blockToLive 0, member-only read and write", c.Name, c)
				}
			}
			if raw, err := topo.collectionsJSON(); err != nil || (len(got) == 0) != (raw == nil) {
				t.Errorf("collectionsJSON: got %q, %v; want nil exactly when there are no collections", raw, err)
			}
		})
	}
}

// TestDefinitionDigest: the version of the definition changes with its
// policy or its collections and with nothing else.
func TestDefinitionDigest(t *testing.T) {
	a := definitionDigest("P", []byte("[1]"))
	if a != definitionDigest("P", []byte("[1]")) {
		t.Error("the same definition gives different digests")
	}
	if a == definitionDigest("Q", []byte("[1]")) || a == definitionDigest("P", []byte("[2]")) || a == definitionDigest("P", nil) {
		t.Error("a different policy or collections config gives the same digest")
	}
	if len(a) != 8 {
		t.Errorf("digest %q: want 8 hex digits", a)
	}
}
