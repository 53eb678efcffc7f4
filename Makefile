# grantledger — make up / make test are the two commands a newcomer needs.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
GLNET := bin/glnet

.PHONY: help up down status clean deploy test unit e2e lint bench fabric glnet

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

fabric: ## build Fabric's commands at the pinned version (cached outside the repo)
	@scripts/fabric-bins.sh >/dev/null

glnet:
	@go build -o $(GLNET) ./cmd/glnet

up: glnet ## bring up the whole system: network, chaincode, APIs
	@$(GLNET) -fabric "$$(scripts/fabric-bins.sh)" up

down: glnet ## stop every process `make up` started
	@$(GLNET) -fabric "$$(scripts/fabric-bins.sh)" down

status: glnet ## what runs, block height per node
	@$(GLNET) -fabric "$$(scripts/fabric-bins.sh)" status

deploy: glnet ## deploy the contract from the working tree at the next sequence
	@$(GLNET) -fabric "$$(scripts/fabric-bins.sh)" deploy

clean: glnet ## stop and remove all generated state
	@$(GLNET) -fabric "$$(scripts/fabric-bins.sh)" clean
	@rm -rf bin

test: ## all tests: lint, unit, and end-to-end against a network of their own
	@scripts/test.sh all

unit: ## unit tests only
	@scripts/test.sh unit

e2e: ## end-to-end tests only (brings a test network up and down)
	@scripts/test.sh e2e

lint: ## gofmt, go vet, staticcheck, shellcheck, Redocly lint of the OpenAPI document
	@scripts/test.sh lint

bench: ## benchmark on a network of its own (QUICK=1: briefly); var/bench/latest.{json,svg}
	@QUICK="$(QUICK)" scripts/bench.sh
