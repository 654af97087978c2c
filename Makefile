# netledger — the two commands a newcomer needs are `make demo` and `make test`.
QJS := $(CURDIR)/.tools/bin/qjs
export PATH := $(CURDIR)/.tools/bin:$(PATH)

.PHONY: all setup setup-musl32 build typecheck test test-unit bench demo ipk clean

all: build

# setup-musl.sh adds qjs built on musl, the router's libc (docs/musl.md): the RSS figures and the
# engine comparison test need it.
setup:
	bash scripts/setup.sh
	bash scripts/setup-musl.sh

# Optional: qjs as a 32-bit (i386) musl binary, the pointer size of most routers (docs/musl.md);
# adds gcc-multilib. make bench and the engine comparison test use it when it is there.
setup-musl32: setup
	bash scripts/setup-musl32.sh

build: setup
	node scripts/build.mjs

typecheck: setup
	npx tsc --noEmit -p .

# All tests: unit tests under Node, the real bundle under qjs, and the namespace lab (root).
test: build typecheck
	bash scripts/test.sh

# Only the tests matching a pattern, e.g. `make test-only T=dnsmasq`.
test-only: build
	bash scripts/test.sh $(T)

bench: build
	bash scripts/bench.sh

demo: build
	bash scripts/demo.sh

ipk: build
	bash scripts/build-ipk.sh

clean:
	rm -rf dist out
