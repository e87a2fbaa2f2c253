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

# The worker image; BASE_IMAGE must have Node 20+ (e.g. `make docker BASE_IMAGE=node:20-bookworm-slim`).
BASE_IMAGE ?= node:20-bookworm-slim
VERSION := $(shell node -p "require('./package.json').version")
docker:
	docker build --build-arg BASE_IMAGE=$(BASE_IMAGE) -t baaaht/worker:$(VERSION) -t baaaht/worker:latest .
