//go:build tools

package fabric

// The commands the local network runs; importing them here keeps them in
// go.mod and go.sum at the pinned version (go mod tidy honours the tag).
import (
	_ "github.com/hyperledger/fabric/cmd/configtxgen"
	_ "github.com/hyperledger/fabric/cmd/configtxlator"
	_ "github.com/hyperledger/fabric/cmd/cryptogen"
	_ "github.com/hyperledger/fabric/cmd/orderer"
	_ "github.com/hyperledger/fabric/cmd/osnadmin"
	_ "github.com/hyperledger/fabric/cmd/peer"
)
