# baaaht-worker: `make demo` sets everything up and runs the real loop; `make test` runs every test.
.PHONY: all install build proto images engine demo test test-unit clean docker

all: build

node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

install: node_modules

build: node_modules
	npm run --silent build

proto: node_modules
	npm run --silent proto

engine:
	bash scripts/ensure-docker.sh

images: engine
	bash scripts/build-images.sh

demo: build images
	bash scripts/demo.sh

test: node_modules
	bash scripts/test.sh all

test-unit: node_modules
	bash scripts/test.sh unit

clean:
	rm -rf dist

# The worker image baaaht/worker:$(VERSION) and :latest (scripts/build-worker-image.sh; cached: a second run
# builds nothing). BASE_IMAGE unset: node:20-bookworm-slim when the engine has it, else a Node base made
# locally from baaaht/debian-base and this host's Node (no registry needed). E.g. `make docker
# BASE_IMAGE=node:20-bookworm-slim` builds on the public image (pulled when a registry answers); FORCE=1 rebuilds.
BASE_IMAGE ?=
VERSION := $(shell node -p "require('./package.json').version")
docker: engine
	BASE_IMAGE='$(BASE_IMAGE)' WORKER_IMAGE='baaaht/worker:$(VERSION)' bash scripts/build-worker-image.sh
