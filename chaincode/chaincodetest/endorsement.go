package chaincodetest

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// ErrEndorsementPolicy is returned by Commit when the peers that endorsed a
// transaction do not satisfy the key-level endorsement policy of a key it
// writes (or the chaincode policy, when one is set, for a key without
// one), as a Fabric peer's validation marks it ENDORSEMENT_POLICY_FAILURE.
var ErrEndorsementPolicy = errors.New("ENDORSEMENT_POLICY_FAILURE")

// EndorsedBy sets the organisations whose peers endorsed the transaction
// (by MSP ID), for Commit to check against the key-level policies of the
// keys it writes. A transaction whose endorsers are not set counts as
// endorsed by every organisation's peer, as a gateway gathers every
// endorsement the policies need.
func (tx *Tx) EndorsedBy(msps ...string) *Tx {
	tx.Endorsers = append([]string{}, msps...)
	return tx
}

// SetChaincodePolicy sets the chaincode-level endorsement policy (a
// marshalled common.SignaturePolicyEnvelope) that Commit applies to
// transactions with explicit endorsers writing a key with no key-level
// policy; nil (the default) does not check it.
func (p *Peer) SetChaincodePolicy(policy []byte) { p.ccPolicy = policy }

// InvokeEndorsedBy is Invoke with the transaction endorsed only by the
// peers of endorsers (see Tx.EndorsedBy).
func (p *Peer) InvokeEndorsedBy(endorsers []string, caller, fn string, args ...string) *Tx {
	tx := p.Simulate(caller, fn, args...).EndorsedBy(endorsers...)
	if tx.Status == shim.OK {
		tx.CommitErr = p.Commit(tx)
	}
	p.clock = p.clock.Add(time.Second)
	return tx
}

// checkEndorsement validates a transaction's endorsements as Fabric's
// state-based validator does: each key it writes (its value or its
// key-level policy) must satisfy the policy committed for that key, or the
// chaincode policy when the key has none.
func (p *Peer) checkEndorsement(tx *Tx) error {
	if tx.Endorsers == nil {
		return nil
	}
	keys := tx.Writes()
	for k := range tx.sim.params {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		policy, what := p.params[k], "key-level policy"
		if policy == nil {
			policy, what = p.ccPolicy, "chaincode policy"
		}
		if policy == nil {
			continue
		}
		ok, err := satisfied(policy, tx.Endorsers)
		if err != nil {
			return fmt.Errorf("%w: key %q: %v", ErrEndorsementPolicy, k, err)
		}
		if !ok {
			return fmt.Errorf("%w: key %q: the %s is not satisfied by the peers of %v", ErrEndorsementPolicy, k, what, tx.Endorsers)
		}
	}
	return nil
}

// satisfied evaluates a signature policy against endorsements by the peers
// of msps, each endorsement counting for one principal at most.
func satisfied(policy []byte, msps []string) (bool, error) {
	var env common.SignaturePolicyEnvelope
	if err := proto.Unmarshal(policy, &env); err != nil {
		return false, fmt.Errorf("malformed policy: %w", err)
	}
	roles := make([]*msp.MSPRole, len(env.Identities))
	for i, id := range env.Identities {
		if id.PrincipalClassification != msp.MSPPrincipal_ROLE {
			return false, fmt.Errorf("principal %d is not an MSP role", i)
		}
		roles[i] = &msp.MSPRole{}
		if err := proto.Unmarshal(id.Principal, roles[i]); err != nil {
			return false, fmt.Errorf("principal %d: %w", i, err)
		}
	}
	used := make([]bool, len(msps))
	return evaluate(env.Rule, roles, msps, used), nil
}

func evaluate(rule *common.SignaturePolicy, roles []*msp.MSPRole, msps []string, used []bool) bool {
	switch t := rule.GetType().(type) {
	case *common.SignaturePolicy_SignedBy:
		if int(t.SignedBy) >= len(roles) {
			return false
		}
		r := roles[t.SignedBy]
		if r.Role != msp.MSPRole_PEER && r.Role != msp.MSPRole_MEMBER {
			return false
		}
		for i, m := range msps {
			if !used[i] && m == r.MspIdentifier {
				used[i] = true
				return true
			}
		}
		return false
	case *common.SignaturePolicy_NOutOf_:
		trial := slices.Clone(used)
		n := 0
		for _, sub := range t.NOutOf.Rules {
			if evaluate(sub, roles, msps, trial) {
				n++
			}
		}
		if n >= int(t.NOutOf.N) {
			copy(used, trial)
			return true
		}
	}
	return false
}
