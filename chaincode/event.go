package chaincode

import (
	"encoding/json"
	"fmt"

	"github.com/grantledger/grantledger/ledger"
)

// emit sets the transaction's event; a later call replaces an earlier one,
// so each transaction sets exactly one.
func (tx *txn) emit(typ, id, change string, related ...ledger.EventRef) {
	tx.event = &ledger.Event{Type: typ, ID: id, Change: change, TxID: tx.stamp.TxID, Actor: tx.caller.MSP, Related: related}
}

// relate adds objects to the event.
func (tx *txn) relate(refs ...ledger.EventRef) {
	if tx.event != nil {
		tx.event.Related = append(tx.event.Related, refs...)
	}
}

// emitEvent sets the transaction's one event, with the audience of the
// object it names and of each related one.
func (tx *txn) emitEvent() error {
	au, err := tx.audienceOf(tx.event.Type, tx.event.ID)
	if err != nil {
		return err
	}
	tx.event.Audience = &au
	for i, ref := range tx.event.Related {
		au, err := tx.audienceOf(ref.Type, ref.ID)
		if err != nil {
			return err
		}
		tx.event.Related[i].Audience = &au
	}
	payload, err := json.Marshal(tx.event)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	return tx.ctx.GetStub().SetEvent(tx.event.Type+"."+tx.event.Change, payload)
}
