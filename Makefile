# vpndoctor — the two commands a newcomer needs:
#   make run    builds vpndoctor (release) and analyzes a capture bundled in Captures/
#   make test   runs the whole test suite
# Both install what they need first (libpcap; tshark for the tests) when they can.

SWIFT     ?= swift
PREFIX    ?= /usr/local
SAMPLE    ?= Captures/lab-natt-4500-blocked-client.pcap
BIN        = .build/release/vpndoctor
SUDO      := $(shell [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null && echo sudo)

.PHONY: all build release run test install deps test-deps clean bench bench-hostile captures

all: build

## deps: libpcap and zlib headers (libpcap-dev, zlib1g-dev on Debian/Ubuntu; Homebrew's libpcap
## on macOS, or the SDK's, which has zlib).
deps:
	@if pkg-config --exists libpcap zlib 2>/dev/null; then :; \
	elif [ "$$(uname)" = Darwin ]; then \
	  if command -v brew >/dev/null; then brew list libpcap >/dev/null 2>&1 || brew install libpcap pkg-config; \
	  else echo "note: using the macOS SDK's libpcap (install Homebrew's libpcap if the build cannot find pcap.h)"; fi; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 -o -n "$(SUDO)" ]; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libpcap-dev zlib1g-dev pkg-config >/dev/null; \
	else echo "vpndoctor needs libpcap's and zlib's headers: run 'sudo apt-get install libpcap-dev zlib1g-dev pkg-config'"; exit 1; fi

## test-deps: tshark (the reference decoder the comparison tests run), tcpdump, python3's
## jsonschema (4.0 or newer: draft 2020-12) that checks every JSON report against Schemas/, and
## chromium + chromedriver, the headless browser the HTML report is checked in (Tests/Browser/).
test-deps: deps
	@has() { python3 -c 'from jsonschema import Draft202012Validator' 2>/dev/null; }; \
	if ! has && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 -o -n "$(SUDO)" ]; then \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-jsonschema >/dev/null; fi; \
	if ! has; then python3 -m pip install -q jsonschema || \
	  { echo "the schema tests need python3's jsonschema: 'pip install jsonschema' or 'apt-get install python3-jsonschema'"; exit 1; }; fi
	@if command -v tshark >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 -o -n "$(SUDO)" ]; then \
	  echo "wireshark-common wireshark-common/install-setuid boolean false" | $(SUDO) debconf-set-selections; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq tshark tcpdump >/dev/null; \
	else echo "note: tshark not found; the tshark comparison tests will be skipped (brew install wireshark / apt-get install tshark)"; fi
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 -o -n "$(SUDO)" ]; then \
	  echo "installing chromium and chromium-driver (the HTML report's browser tests)"; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null || true; fi; \
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  echo "note: chromium or chromedriver not found; the HTML report's browser tests will be skipped (apt-get install chromium chromium-driver)"

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	$(BIN) analyze $(SAMPLE); status=$$?; [ $$status -le 1 ] || exit $$status

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) build --product generate-manual
	$(SWIFT) test --skip-build

## install: the binary, its man page (from the --help texts) and bash, zsh and fish completions
## (rule ids, interfaces, capture files).
MANPAGE = .build/man/vpndoctor.1
install: release man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/vpndoctor
	install -m 644 $(MANPAGE) $(DESTDIR)$(PREFIX)/share/man/man1/vpndoctor.1
	$(BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vpndoctor
	$(BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_vpndoctor
	$(BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/vpndoctor.fish

## man: the man page, .build/man/vpndoctor.1, made from the commands' --help texts by
## swift-argument-parser's generate-manual (the tool its GenerateManual plugin runs, called
## directly so the page lands at a known path).
.PHONY: man
man: release
	$(SWIFT) build -c release --product generate-manual
	mkdir -p .build/man
	.build/release/generate-manual $(BIN) --output-directory .build/man

## captures: regenerate every real-daemon lab capture in Captures/ (root; strongSwan, xl2tpd, pptpd).
captures:
	Captures/lab/lab.sh all

clean:
	rm -rf .build

## bench: vpndoctor against libpcap's bare read loop (not part of make test). RUNS=5 by default.
## As root it ends with bench-live.
bench: release
	@[ -x /usr/bin/time ] || $(SUDO) apt-get install -y -qq time >/dev/null
	python3 Benchmarks/bench.py
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory bench-live; fi

## bench-live (root): `watch` on a veth pair in a namespace of its own while Benchmarks/replay.c
## (sendmmsg; tcpreplay tops out near 55k packets/s here) replays IKE at 20,000 packets/s and the
## data-plane mix at 300,000 packets/s (Benchmarks/watch-rate.py).
.PHONY: bench-live
bench-live: release
	python3 Benchmarks/watch-rate.py all

## bench-hostile: only bench's last section: each hostile shape (Benchmarks/make-hostile-pcap.py) at
## N and 4N packets; fails unless time grows linearly (ratio <= 5) and peak RSS stays <= 64 MiB.
bench-hostile: release
	@[ -x /usr/bin/time ] || $(SUDO) apt-get install -y -qq time >/dev/null
	python3 Benchmarks/bench.py --hostile

## fuzz: libFuzzer + AddressSanitizer on the three fuzz targets (frame, stream, file), one at a
## time, FUZZ_SECONDS each (default 60); seeds from Captures/ and the public corpus into the
## gitignored fuzz-corpus/. Crashers: fuzz-corpus/crashes/ (then Tests/DecodingTests/Regressions/).
## A new seed each run, printed; FUZZ_SEED=N replays one. A failed fuzz build fails (exit 2).
## See Tests/Fuzz/README.md.
FUZZ_SECONDS ?= 60
.PHONY: fuzz check-asan check-tsan
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) Tests/Fuzz/run.sh

## check-asan: the test suite under AddressSanitizer, built apart in .build-asan.
## ASAN_TESTS narrows it (default: all; e.g. ASAN_TESTS=DecodingTests).
ASAN_TESTS ?=
check-asan: test-deps
	$(SWIFT) build --build-tests --scratch-path .build-asan -Xswiftc -sanitize=address
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --scratch-path .build-asan $(if $(ASAN_TESTS),--filter $(ASAN_TESTS))

## check-tsan: `analyze` (reader thread + analyzer thread) under ThreadSanitizer, built apart in
## .build-tsan, on every capture in Captures/ and a 500k-packet benchmark mix; any report fails.
## (The test binary cannot run under TSan: the allocation counter replaces malloc.)
check-tsan: deps
	$(SWIFT) build --scratch-path .build-tsan -Xswiftc -sanitize=thread --product vpndoctor
	@[ -f .build-tsan/bench-500k.pcap ] || python3 Benchmarks/make-bench-pcap.py .build-tsan/bench-500k.pcap 500000
	@for f in Captures/*.pcap .build-tsan/bench-500k.pcap; do \
	  TSAN_OPTIONS="halt_on_error=1 exitcode=66" .build-tsan/debug/vpndoctor analyze --json "$$f" >/dev/null 2>.build-tsan/tsan.log; \
	  rc=$$?; if [ $$rc -eq 66 ] || grep -q ThreadSanitizer .build-tsan/tsan.log; then cat .build-tsan/tsan.log; echo "check-tsan: race in $$f"; exit 1; fi; \
	done; echo "check-tsan: no data race"
