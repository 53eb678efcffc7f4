// Package fabric pins the Hyperledger Fabric release whose commands (peer,
// orderer, configtxgen, cryptogen, osnadmin, configtxlator) run the local
// grantledger network. It is a module of its own so that Fabric's large
// dependency graph stays out of the grantledger module; scripts/fabric-bins.sh
// builds the commands from here into a cache outside the repository.
package fabric
