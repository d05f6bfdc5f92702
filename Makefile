# loaxa: one non-recursive Makefile. `make`, `make check`, `make demo`, `make install`.
PREFIX	?= /usr/local
BUILD	?= build
CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -std=c17 -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	   -Wpointer-arith -Werror
PKGS	 = alsa ogg opus libconfig libmosquitto sqlite3 libsodium jansson libssl libcrypto
TPKGS	 = opusfile
PC_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PC_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TPC_CFLAGS := $(shell pkg-config --cflags $(TPKGS) 2>/dev/null)
TPC_LIBS  := $(shell pkg-config --libs $(TPKGS) 2>/dev/null)
ALL_CFLAGS = $(WARN) $(CFLAGS) -pthread -D_GNU_SOURCE -I. $(PC_CFLAGS) $(IMPORT_CFLAGS) -MMD -MP
LDLIBS	 = $(PC_LIBS) -pthread -lm

# The libraries of the commands that prepare bulletins (loaxactl and the
# tests), of loaxa-decode, the caged decoder (daemon/decoder/), and of
# loaxa-relay, the caged relay of a stream (daemon/relay/): FFmpeg is linked
# into those two programs only, never into loaxad or loaxactl. libcurl is in
# loaxa-relay, and in loaxactl for 'live' (it sends to the district's own
# Icecast server, over TLS).
IMPORT_PKGS = libopusenc libebur128 libcurl
DECODE_PKGS = libavformat libavcodec libswresample libavutil libseccomp jansson libsodium
RELAY_PKGS = libcurl libavformat libavcodec libswresample libavutil libseccomp libsodium
IMPORT_CFLAGS := $(shell pkg-config --cflags $(IMPORT_PKGS) 2>/dev/null)
IMPORT_LIBS := $(shell pkg-config --libs $(IMPORT_PKGS) 2>/dev/null)
DECODE_CFLAGS := $(shell pkg-config --cflags $(DECODE_PKGS) 2>/dev/null)
DECODE_LIBS := $(shell pkg-config --libs $(DECODE_PKGS) 2>/dev/null)
RELAY_CFLAGS := $(shell pkg-config --cflags $(RELAY_PKGS) 2>/dev/null)
RELAY_LIBS := $(shell pkg-config --libs $(RELAY_PKGS) 2>/dev/null)

MAINS	 = daemon/loaxad.c daemon/loaxactl/loaxactl.c daemon/collector/collectd.c
DECODE_SRC = $(wildcard daemon/decoder/*.c)
DECODE_OBJ = $(DECODE_SRC:%.c=$(BUILD)/%.o)
RELAY_SRC = $(wildcard daemon/relay/*.c)
# loaxa-relay reads a stream with loaxa-decode's FFmpeg reader (av_input.c).
RELAY_OBJ = $(RELAY_SRC:%.c=$(BUILD)/%.o) $(BUILD)/daemon/decoder/av_input.o
LIB_SRC	 = $(filter-out $(MAINS) $(DECODE_SRC) $(RELAY_SRC), $(wildcard codecs/*.c config/*.c daemon/*/*.c))
LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/chime_sounds.o
TEST_SRC = $(wildcard tests/test_*.c)
TESTS	 = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# What the tests share: a private broker, a temporary store (tests/helpers/).
HELPER_SRC = $(wildcard tests/helpers/*.c)
HELPER_OBJ = $(HELPER_SRC:%.c=$(BUILD)/%.o)
BENCH_SRC = $(wildcard tests/bench/*.c)
BENCHES	 = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
BINS	 = $(BUILD)/loaxad $(BUILD)/loaxactl $(BUILD)/loaxa-collectd $(BUILD)/loaxa-decode \
	   $(BUILD)/loaxa-relay
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOLS	 = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

# The message catalogues: config/po/LANG.po, built into BUILD/locale like an
# installed system's share/locale, so that the binaries of the build tree
# find them through LOAXA_LOCALEDIR (tests/lib.sh).
LOCALEDIR = $(PREFIX)/share/locale
LIBEXECDIR = $(PREFIX)/libexec/loaxa
PO_LANGS = $(patsubst config/po/%.po,%,$(wildcard config/po/*.po))
MOS	 = $(PO_LANGS:%=$(BUILD)/locale/%/LC_MESSAGES/loaxa.mo)

all: $(BINS) $(MOS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TPC_CFLAGS) -c -o $@ $<

# The clock is "obviously unset" when it is earlier than the last commit.
BUILD_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null)
$(BUILD)/daemon/core/clock.o: ALL_CFLAGS += $(if $(BUILD_EPOCH),-DLOAXA_BUILD_EPOCH=$(BUILD_EPOCH))

# Where the installed binaries look for the catalogues. The value is kept in a
# file that changes only with it, so that another PREFIX rebuilds i18n.o.
$(BUILD)/config/i18n.o: ALL_CFLAGS += -DLOCALEDIR='"$(LOCALEDIR)"'
$(BUILD)/config/i18n.o: $(BUILD)/localedir
$(BUILD)/localedir: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LOCALEDIR)' | cmp -s - $@ || echo '$(LOCALEDIR)' >$@

# --check also checks that every printf format of a translation matches its message's.
$(BUILD)/locale/%/LC_MESSAGES/loaxa.mo: config/po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# Maintainers: 'make po' takes the messages from the sources into
# config/po/loaxa.pot and merges them into every LANG.po; 'make po-todo' lists
# what a LANG.po still lacks (README.md, "Languages").
po:
	@sh config/po/po.sh update
po-todo:
	@sh config/po/po.sh todo

# lrintf() inlined to one instruction in the decoder's sample conversion.
$(BUILD)/codecs/opus_reader.o: ALL_CFLAGS += -fno-math-errno

# The chime and the emergency tone loaxa ships (config/chimes/, made by its
# make.sh), built into the program as arrays, so that "default" can never be
# a missing file.
CHIME_SOUNDS = config/chimes/chime.opus config/chimes/emergency.opus
$(BUILD)/gen/chime_sounds.c: $(CHIME_SOUNDS) config/chimes/embed.sh
	@mkdir -p $(dir $@)
	sh config/chimes/embed.sh $(CHIME_SOUNDS) >$@.tmp && mv $@.tmp $@
$(BUILD)/gen/chime_sounds.o: $(BUILD)/gen/chime_sounds.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libloaxa.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/loaxad: $(BUILD)/daemon/loaxad.o $(BUILD)/libloaxa.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/loaxactl: $(BUILD)/daemon/loaxactl/loaxactl.o $(BUILD)/libloaxa.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(IMPORT_LIBS)

# Where loaxactl and loaxad look for their helpers when they are not beside them.
$(BUILD)/daemon/core/helper_path.o: ALL_CFLAGS += -DLIBEXECDIR='"$(LIBEXECDIR)"'
$(BUILD)/daemon/core/helper_path.o: $(BUILD)/localedir

# The caged decoder loaxactl starts for a recording that is not Ogg Opus.
$(DECODE_OBJ): ALL_CFLAGS += $(DECODE_CFLAGS)
$(BUILD)/loaxa-decode: $(DECODE_OBJ) $(BUILD)/libloaxa.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DECODE_LIBS)

# The caged relay loaxad starts for a stream (a relay slot, a live broadcast).
$(RELAY_OBJ): ALL_CFLAGS += $(RELAY_CFLAGS)
$(BUILD)/loaxa-relay: $(RELAY_OBJ) $(BUILD)/libloaxa.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(RELAY_LIBS)

# The district's proof-of-play collector (daemon/collector/).
$(BUILD)/loaxa-collectd: $(BUILD)/daemon/collector/collectd.o $(BUILD)/libloaxa.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(HELPER_OBJ) $(BUILD)/libloaxa.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(IMPORT_LIBS) $(TPC_LIBS) -lseccomp

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(BUILD)/libloaxa.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(TPC_LIBS)

$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) -D_GNU_SOURCE $(TPC_CFLAGS) $(LDFLAGS) -o $@ $< $(TPC_LIBS) $(TOOL_LIBS) -lm
$(BUILD)/tools/vcard_writer: TOOL_LIBS = $(shell pkg-config --libs alsa)
$(BUILD)/tools/collect_gen: TOOL_LIBS = $(shell pkg-config --libs libmosquitto)
$(BUILD)/tools/amr_encode: TOOL_LIBS = $(shell pkg-config --libs opencore-amrnb)

# Test doubles loaded into other programs: the virtual sound card (an ALSA
# plugin, tests/vcard/) and the slow-storage shim (LD_PRELOAD, tests/faults/).
# aplay and dd have no sanitizer runtime, so these never take CFLAGS.
SHLIB_CFLAGS = $(WARN) -O2 -g -fPIC -shared -D_GNU_SOURCE
VCARD	 = $(BUILD)/tests/libasound_module_pcm_loaxavc.so
SLOWSYNC = $(BUILD)/tests/libslowsync.so
# The slow broker: a TCP proxy between loaxad and mosquitto (tests/faults/).
SLOWPROXY = $(BUILD)/tests/slowproxy

# -DPIC: alsa/global.h then names the plugin's symbol for dlopen(), not for static linking.
$(VCARD): tests/vcard/vcard.c
	@mkdir -p $(dir $@)
	$(CC) $(SHLIB_CFLAGS) -DPIC $(shell pkg-config --cflags alsa) -o $@ $< $(shell pkg-config --libs alsa)

$(SLOWSYNC): tests/faults/slowsync.c
	@mkdir -p $(dir $@)
	$(CC) $(SHLIB_CFLAGS) -o $@ $< -ldl

$(SLOWPROXY): tests/faults/slowproxy.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) -D_GNU_SOURCE $(LDFLAGS) -o $@ $<

# The project installs what it needs; this is quick when everything is there.
deps:
	@sh provisioning/deps.sh

$(BUILD)/.deps-ok: provisioning/deps.sh
	@sh provisioning/deps.sh
	@mkdir -p $(BUILD) && touch $@

tests: $(BINS) $(MOS) $(TESTS) $(BENCHES) $(TOOLS) $(VCARD) $(SLOWSYNC) $(SLOWPROXY) fixtures

# Test audio made by real encoders (espeak-ng, opusenc, ffmpeg); once per build dir.
fixtures: build/fixtures/.stamp
build/fixtures/.stamp: tests/fixtures/make.sh
	@sh tests/fixtures/make.sh build/fixtures
	@touch $@

# Unit tests and integration tests, then the unit tests again under ASan/UBSan.
check: $(BUILD)/.deps-ok
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory BUILD=build-asan \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" tests
	@sh tests/run.sh $(BUILD) build-asan

# The players loaxa is measured against are installed for the bench only.
bench: $(BUILD)/.deps-ok
	@sh provisioning/bench-deps.sh
	@$(MAKE) --no-print-directory tests
	@sh tests/bench/run.sh $(BUILD)

# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang into build-fuzz/ and
# run FUZZ_SECONDS each at random from the seed corpus tests/fuzz/corpus/<target>/
# and the regression corpus tests/fuzz/regressions/<target>/; what they find goes
# to build-fuzz/crashes/. `make check` only replays those committed inputs, once
# each (tests/it_fuzz_smoke.sh), so that its result does not depend on chance.
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZERS	 = $(patsubst tests/fuzz/%.c,build-fuzz/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang WARN="$(WARN) -Wno-error" \
	    CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
	    LDFLAGS="-fsanitize=fuzzer $(FUZZ_SAN)" $(FUZZERS)
fuzz: $(BUILD)/.deps-ok
	@$(MAKE) --no-print-directory fuzz-build
	@sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/libloaxa.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# SIGKILL at random instants while the station plays, queues, reloads and
# reports; everything acknowledged must survive. `make check` runs a short one.
TORTURE_CYCLES ?= 300
torture: $(BUILD)/.deps-ok
	@$(MAKE) --no-print-directory tests
	@sh tests/torture.sh $(BUILD) $(TORTURE_CYCLES)

demo: $(BUILD)/.deps-ok
	@$(MAKE) --no-print-directory all
	@sh provisioning/demo.sh $(BUILD)

install: $(BINS) $(MOS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(BUILD)/loaxad $(DESTDIR)$(PREFIX)/sbin/loaxad
	install -m 0755 $(BUILD)/loaxactl $(DESTDIR)$(PREFIX)/bin/loaxactl
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(BUILD)/loaxa-decode $(DESTDIR)$(LIBEXECDIR)/loaxa-decode
	install -m 0755 $(BUILD)/loaxa-relay $(DESTDIR)$(LIBEXECDIR)/loaxa-relay
	install -m 0755 $(BUILD)/loaxa-collectd $(DESTDIR)$(PREFIX)/sbin/loaxa-collectd
	install -d $(DESTDIR)$(PREFIX)/share/loaxa $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0644 config/loaxa.cfg.example $(DESTDIR)$(PREFIX)/share/loaxa/loaxa.cfg.example
	install -m 0644 config/schedule.cfg.example $(DESTDIR)$(PREFIX)/share/loaxa/schedule.cfg.example
	install -m 0644 config/collector.cfg.example $(DESTDIR)$(PREFIX)/share/loaxa/collector.cfg.example
	install -m 0644 config/district.cfg.example $(DESTDIR)$(PREFIX)/share/loaxa/district.cfg.example
	install -m 0644 provisioning/loaxad.service $(DESTDIR)$(PREFIX)/lib/systemd/system/loaxad.service
	install -m 0644 provisioning/loaxa-collectd.service $(DESTDIR)$(PREFIX)/lib/systemd/system/loaxa-collectd.service
	install -m 0755 provisioning/loaxa-district $(DESTDIR)$(PREFIX)/bin/loaxa-district
	install -m 0755 provisioning/loaxa-station $(DESTDIR)$(PREFIX)/sbin/loaxa-station
	for l in $(PO_LANGS); do \
		install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
		install -m 0644 $(BUILD)/locale/$$l/LC_MESSAGES/loaxa.mo \
		    $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/loaxa.mo || exit 1; \
	done

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all deps tests fixtures check bench demo install clean fuzz fuzz-build torture po po-todo FORCE
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
