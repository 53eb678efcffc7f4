package chaincodetest

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
)

// Private data, as a peer of every organisation would hold it together: a
// collection's values are readable and writable only by a caller of a
// member organisation (memberOnlyRead, memberOnlyWrite), as Fabric checks
// the proposal's creator; anyone reads a value's hash, as Fabric keeps it on
// every peer. Private writes are validated for read conflicts like public
// ones, through their hashes.

// DefineCollection defines a private data collection and its member MSP IDs.
func (p *Peer) DefineCollection(name string, members ...string) {
	if p.collections == nil {
		p.collections = map[string][]string{}
	}
	p.collections[name] = slices.Clone(members)
}

// PrivateState returns the committed value of a private key, nil if absent.
func (p *Peer) PrivateState(collection, key string) []byte {
	return p.private[collection+"\x00"+key].value
}

// PrivateWrites returns the collection and key of each private write of the
// transaction, sorted ("collection\x00key").
func (tx *Tx) PrivateWrites() []string {
	return slices.Sorted(maps.Keys(tx.sim.privWrites))
}

// Transient returns the transient data the transaction was proposed with.
func (tx *Tx) Transient() map[string][]byte { return tx.sim.transient }

func (s *simulation) collection(name string, write bool) error {
	members, ok := s.peer.collections[name]
	if !ok {
		return fmt.Errorf("collection %s not defined for chaincode grantledger", name)
	}
	if !slices.Contains(members, s.mspID) {
		if write {
			return fmt.Errorf("tx creator does not have write access permission on privatedata in chaincodeName:grantledger collectionName: %s", name)
		}
		return fmt.Errorf("tx creator does not have read access permission on privatedata in chaincodeName:grantledger collectionName: %s", name)
	}
	return nil
}

func (s *simulation) GetPrivateData(collection, key string) ([]byte, error) {
	s.roundTrip()
	if err := s.collection(collection, false); err != nil {
		return nil, err
	}
	k := collection + "\x00" + key
	v := s.peer.private[k]
	s.privReads[k] = v.version
	return v.value, nil
}

func (s *simulation) GetPrivateDataHash(collection, key string) ([]byte, error) {
	s.roundTrip()
	if _, ok := s.peer.collections[collection]; !ok {
		return nil, fmt.Errorf("collection %s not defined for chaincode grantledger", collection)
	}
	k := collection + "\x00" + key
	v := s.peer.private[k]
	s.privReads[k] = v.version
	if v.value == nil {
		return nil, nil
	}
	h := sha256.Sum256(v.value)
	return h[:], nil
}

func (s *simulation) PutPrivateData(collection, key string, value []byte) error {
	if err := s.collection(collection, true); err != nil {
		return err
	}
	if len(value) == 0 {
		return fmt.Errorf("private data of key %q is empty", key)
	}
	s.privWrites[collection+"\x00"+key] = slices.Clone(value)
	s.sendWrite()
	return nil
}

func (s *simulation) GetTransient() (map[string][]byte, error) { return s.transient, nil }

// commitPrivate validates the private reads and applies the private writes.
func (p *Peer) commitPrivate(sim *simulation) error {
	for k, v := range sim.privReads {
		if p.private[k].version != v {
			return fmt.Errorf("%w: private key %q", ErrMVCCConflict, k)
		}
	}
	return nil
}

func (p *Peer) applyPrivate(sim *simulation) {
	if p.private == nil {
		p.private = map[string]versioned{}
	}
	for k, v := range sim.privWrites {
		p.private[k] = versioned{value: v, version: p.version}
	}
}
