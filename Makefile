# dutyd — build, tests, demo, install.  See README.md.
.SUFFIXES:

PREFIX	?= /usr/local
DESTDIR	?=
B	?= build
SAN	?=

PKGS	= libconfig sqlite3 libcurl gmime-3.0 libcrypto jansson libsystemd \
	  gnutls uchardet
# libzip and libxml2: the report's Word template and bundle (daemon/docx*.c)
# and the ledger's Excel workbooks (daemon/ledger_xlsx.c), which
# libxlsxwriter writes (daemon/ledger_xlsxw.c).
PKGS	+= libzip libxml-2.0 xlsxwriter
CC	?= cc
WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wpointer-arith -Wcast-qual -Wformat=2 -Wvla -Werror
CFLAGS	?= -O2 -g
ifeq ($(SAN),1)
CFLAGS	= -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	  -fno-omit-frame-pointer
LDSAN	= -fsanitize=address,undefined
endif
# pkg-config is asked when a compile or link first needs the answer, never
# when the Makefile is read: on a fresh machine `make run` reads it before
# `deps` has installed the -dev packages.  The first use caches the answer;
# a package still missing then stops the build with the command to run.
pkg = $(or $(shell pkg-config $(1) $(PKGS) 2>/dev/null),$(error pkg-config cannot find all of $(PKGS): \
	run `make deps` as root (it installs the Debian -dev packages)))
PKG_CFLAGS = $(eval PKG_CFLAGS := $(call pkg,--cflags))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(call pkg,--libs))$(PKG_LIBS)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) -MMD -MP \
	  -Idaemon -I$(B)/gen -DLOCALEDIR=\"$(PREFIX)/share/locale\" \
	  $(PKG_CFLAGS) -I$(ETPAN)/usr/include
# libetpan (the feedback mailbox's IMAP, net_imap.c): the library from
# Debian's libetpan20, its headers unpacked from libetpan-dev, which
# cannot be installed beside libcurl4-openssl-dev (tools/etpan-headers.sh).
ETPAN	= $(B)/etpan
LIBS	= $(PKG_LIBS) -l:libetpan.so.20 -lcsv -lm
LDFLAGS	?=

# Every daemon/ module goes into libdutyd.a (tests/layers.sh checks the
# include layering).
MODULES	= $(patsubst daemon/%.c,%,$(filter-out daemon/dutyd.c daemon/dutyctl.c,$(wildcard daemon/*.c daemon/channels/*.c)))
LIBOBJS	= $(MODULES:%=$(B)/obj/%.o) $(B)/obj/migrations.o $(B)/obj/holidays.o
UNIT	= $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))

# Debian packages the build, the tests and the demo need.
DEB_PKGS = build-essential pkg-config libconfig-dev libsqlite3-dev \
	libcurl4-openssl-dev libgmime-3.0-dev libssl-dev libjansson-dev \
	libsystemd-dev libcsv-dev libcmocka-dev sqlite3 python3 \
	libetpan20 libgnutls28-dev libuchardet-dev \
	python3-aiosmtpd openssl dovecot-imapd ca-certificates curl \
	clang libclang-rt-14-dev procps psmisc systemd tzdata strace libc-bin \
	fetchmail man-db groff-base mandoc faketime gettext chromium \
	fonts-noto-cjk
# The report's .docx and bundle, Excel workbooks in and out; python3-docx,
# openpyxl and unzip read them back in the tests.
DEB_PKGS += libzip-dev libxml2-dev libxlsxwriter-dev python3-docx \
	python3-openpyxl unzip

# The Chinese catalog (po/zh_CN.po); dutyctl finds it beside itself in
# $(B)/locale, or installed under $(PREFIX)/share/locale.
MO	= $(B)/locale/zh_CN/LC_MESSAGES/dutyd.mo

# The Word template of the report: see its rule below.
DOCX	= conf/templates/report.docx

all: $(B)/dutyd $(B)/dutyctl $(MO) $(DOCX)

# The Word template of the report (dutyctl report --docx), zipped from its
# source parts with fixed dates, so the same sources give the same bytes.
# Generated in conf/templates beside the other templates (not tracked).
$(DOCX): $(shell find conf/report-docx -type f) tools/mkdocx.py
	python3 tools/mkdocx.py conf/report-docx $@.tmp
	mv $@.tmp $@

$(MO): po/zh_CN.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ po/zh_CN.po

# Refresh po/dutyd.pot and merge it into po/zh_CN.po (then translate).
pot:
	xgettext --from-code=UTF-8 -k_ -kN_ -c/ --no-location \
	    --package-name=dutyd -o po/dutyd.pot daemon/*.c daemon/channels/*.c
	msgmerge --update --backup=none po/zh_CN.po po/dutyd.pot

$(B)/obj/%.o: daemon/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Every file of net's IMAP part includes libetpan (net_imap_int.h).
$(patsubst daemon/%.c,$(B)/obj/%.o,$(wildcard daemon/net_imap*.c)): \
    $(ETPAN)/usr/include/libetpan/libetpan.h

$(ETPAN)/usr/include/libetpan/libetpan.h: tools/etpan-headers.sh
	sh tools/etpan-headers.sh $(ETPAN)

$(B)/obj/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/migrations.c: $(wildcard db/*.sql) tools/embed.sh
	@mkdir -p $(dir $@)
	sh tools/embed.sh migrations $(sort $(wildcard db/*.sql)) > $@.tmp
	mv $@.tmp $@

$(B)/gen/holidays.c: data/holidays-cn.tsv tools/holidays.sh
	@mkdir -p $(dir $@)
	sh tools/holidays.sh data/holidays-cn.tsv > $@.tmp
	mv $@.tmp $@

$(B)/libdutyd.a: $(LIBOBJS)
	rm -f $@
	ar rcs $@ $(LIBOBJS)

$(B)/dutyd: $(B)/obj/dutyd.o $(B)/libdutyd.a
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $(B)/obj/dutyd.o $(B)/libdutyd.a $(LIBS)

$(B)/dutyctl: $(B)/obj/dutyctl.o $(B)/libdutyd.a
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $(B)/obj/dutyctl.o $(B)/libdutyd.a $(LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libdutyd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DUNIT_TESTING -DTOP_SRCDIR=\"$(CURDIR)\" \
	    $(LDSAN) -o $@ $< $(B)/libdutyd.a $(LIBS) -lcmocka

# What one mime_parse costs in time and peak RSS (size-attack tests, bench).
$(B)/tests/mimeprobe: tests/probe/mimeprobe.c $(B)/libdutyd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDSAN) -o $@ $< $(B)/libdutyd.a $(LIBS)

deps:
	@sh tools/deps.sh $(DEB_PKGS)

units: all $(UNIT) $(B)/tests/mimeprobe

# Unit tests, the layer check, then the integration tests against real servers.
check-run: units
	sh tests/layers.sh
	sh tests/layers-selftest.sh
	$(MAKE) --no-print-directory fuzz-replay
	sh tests/run-unit.sh $(UNIT)
	sh tests/integration/run.sh $(B)
	sh tests/integration/faketime.sh $(B)

# The targets a person may type first on a fresh machine install the Debian
# packages, then do the work in a second make that reads pkg-config only now
# (and so works with -j too).
check: deps
	$(MAKE) --no-print-directory check-run

check-asan: deps
	$(MAKE) --no-print-directory B=build-asan SAN=1 check-run

run: deps
	$(MAKE) --no-print-directory run-demo

run-demo: all
	sh conf/demo/run.sh $(B)

# The bare libcurl loop that the outbox's SMTP throughput is compared with.
$(B)/bench/smtp_loop: bench/smtp_loop.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(PKG_LIBS)

# Figures, one per line (bench/run.sh); fetches postfix's smtp-sink into
# $(B)/postfix (tools/smtp-sink.sh: no postfix install, no service).
bench: deps
	$(MAKE) --no-print-directory bench-run

# The mailbox fetch's protocol floor: one pipelined session, raw socket.
$(B)/bench/imap_floor: bench/imap_floor.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $<

bench-run: all $(B)/bench/smtp_loop $(B)/bench/imap_floor $(B)/tests/mimeprobe
	sh bench/run.sh $(B)

install: deps
	$(MAKE) --no-print-directory install-files

install-files: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/share/dutyd/templates \
	    $(DESTDIR)$(PREFIX)/share/doc/dutyd
	install -m 755 $(B)/dutyd $(DESTDIR)$(PREFIX)/sbin/dutyd
	install -m 755 $(B)/dutyctl $(DESTDIR)$(PREFIX)/bin/dutyctl
	install -m 644 $$(find conf/templates -maxdepth 1 -type f) \
	    $(DESTDIR)$(PREFIX)/share/dutyd/templates/
	install -m 644 conf/dutyd.conf $(DESTDIR)$(PREFIX)/share/doc/dutyd/dutyd.conf.example
	install -m 644 README.md $(DESTDIR)$(PREFIX)/share/doc/dutyd/README.md
	install -d $(DESTDIR)$(PREFIX)/share/locale/zh_CN/LC_MESSAGES
	install -m 644 $(MO) \
	    $(DESTDIR)$(PREFIX)/share/locale/zh_CN/LC_MESSAGES/dutyd.mo
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system \
	    $(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(PREFIX)/lib/tmpfiles.d
	sed 's#/usr/local#$(PREFIX)#g' systemd/dutyd.service > \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system/dutyd.service
	install -m 644 systemd/dutyd.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/dutyd.conf
	install -m 644 systemd/dutyd.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/dutyd.conf
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 644 man/dutyctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/dutyctl.1
	install -m 644 man/dutyd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/dutyd.conf.5
	install -m 644 man/dutyd.8 $(DESTDIR)$(PREFIX)/share/man/man8/dutyd.8

clean:
	rm -rf build build-asan var $(DOCX)

.PHONY: all pot deps units check check-run check-asan run run-demo bench bench-run \
	install install-files clean

-include $(wildcard $(B)/obj/*.d $(B)/obj/channels/*.d $(B)/tests/*.d)

# libFuzzer target for the incoming-mail parser (clang, libclang-rt-14-dev).
# `make fuzz` runs it for FUZZ_TIME seconds on tests/fuzz/corpus/mime;
# crashing inputs land in $(B)/fuzz and belong in the corpus once fixed.
FUZZ_TIME ?= 60
# Every file of the mime module: a fuzz target that names them by hand
# stops linking when the module grows a file.  mime hashes each message
# with sign's SHA-256 (libcrypto).
FUZZ_MIME = $(wildcard daemon/mime*.c) daemon/sign.c
FUZZ_MIME_LIBS = $(shell pkg-config --libs gmime-3.0 uchardet libcrypto)
FUZZ_SRC = $(FUZZ_MIME) daemon/util.c daemon/err.c daemon/log.c
$(B)/fuzz/fuzz_mime: tests/fuzz/fuzz_mime.c $(FUZZ_SRC)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 \
	    -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -Idaemon \
	    $(shell pkg-config --cflags gmime-3.0 uchardet) -o $@ \
	    tests/fuzz/fuzz_mime.c $(FUZZ_SRC) $(FUZZ_MIME_LIBS)

# The IMAP answers dutyd reads through libetpan: a loopback "server"
# says the input whatever dutyd asks (tests/fuzz/fuzz_imap.c).
FUZZ_IMAP_SRC = $(wildcard daemon/net_imap*.c) daemon/util.c daemon/err.c \
	daemon/log.c
$(B)/fuzz/fuzz_imap: tests/fuzz/fuzz_imap.c $(FUZZ_IMAP_SRC) \
    $(ETPAN)/usr/include/libetpan/libetpan.h
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 \
	    -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -DIMAP_BATCH_MAX=2 -Idaemon -I$(ETPAN)/usr/include \
	    $(shell pkg-config --cflags gnutls) -o $@ \
	    tests/fuzz/fuzz_imap.c $(FUZZ_IMAP_SRC) \
	    -l:libetpan.so.20 $(shell pkg-config --libs gnutls) -lpthread

# An officer's answer by email: its MIME, then its first line.
FUZZ_REPLY_SRC = $(FUZZ_MIME) daemon/reply_parse.c daemon/model.c \
	daemon/model_reply.c daemon/util.c daemon/err.c daemon/log.c
$(B)/fuzz/fuzz_reply: tests/fuzz/fuzz_reply.c $(FUZZ_REPLY_SRC)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 \
	    -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -Idaemon \
	    $(shell pkg-config --cflags gmime-3.0 uchardet) -o $@ \
	    tests/fuzz/fuzz_reply.c $(FUZZ_REPLY_SRC) $(FUZZ_MIME_LIBS)

FUZZ_TARGETS = mime imap reply config render journal provider eword

fuzz: deps
	$(MAKE) --no-print-directory fuzz-run

# libconfig 1.5 leaks a string buffer on some syntax errors
# (tests/lsan.supp): nothing dutyd can free, so fuzz_config ignores it.
FUZZ_LSAN = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

# Each target for FUZZ_TIME seconds (the issue-14 runs used 600).
fuzz-run: $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(B)/fuzz/work-$$t; \
	    echo "fuzz_$$t: $(FUZZ_TIME) s"; \
	    LSAN_OPTIONS=$(FUZZ_LSAN) \
	    $(B)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) \
	    -max_len=1048576 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/work-$$t \
	    tests/fuzz/corpus/$$t || exit 1; \
	done

fuzz-replay: $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	    LSAN_OPTIONS=$(FUZZ_LSAN) \
	    $(B)/fuzz/fuzz_$$t -runs=0 tests/fuzz/corpus/$$t || exit 1; \
	done

.PHONY: fuzz fuzz-run fuzz-replay

# libFuzzer target for the ledger import (ledger_parse_csv): `make fuzz`
# also runs it for FUZZ_TIME seconds on tests/fuzz/corpus/csv, with the
# words of Chinese deadlines in tests/fuzz/csv.dict; crashing inputs land
# in $(B)/fuzz/csv-* and belong in the corpus once fixed.
FUZZ_CSV_SRC = daemon/ledger_csv.c daemon/ledger_rows.c \
	daemon/ledger_export.c daemon/ledger_date.c daemon/config.c \
	daemon/config_route.c daemon/config_tmpl.c \
	daemon/i18n.c daemon/model.c daemon/util.c daemon/err.c daemon/log.c
$(B)/fuzz/fuzz_csv: tests/fuzz/fuzz_csv.c $(FUZZ_CSV_SRC)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 \
	    -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -Idaemon \
	    $(shell pkg-config --cflags libconfig jansson) -o $@ \
	    tests/fuzz/fuzz_csv.c $(FUZZ_CSV_SRC) \
	    $(shell pkg-config --libs libconfig jansson) -lcsv

fuzz-run: fuzz-run-csv
fuzz-replay: fuzz-replay-csv

fuzz-run-csv: $(B)/fuzz/fuzz_csv
	@mkdir -p $(B)/fuzz/work-csv
	$(B)/fuzz/fuzz_csv -max_total_time=$(FUZZ_TIME) -max_len=65536 \
	    -timeout=10 -rss_limit_mb=2048 -dict=tests/fuzz/csv.dict \
	    -artifact_prefix=$(B)/fuzz/csv- $(B)/fuzz/work-csv \
	    tests/fuzz/corpus/csv

fuzz-replay-csv: $(B)/fuzz/fuzz_csv
	$(B)/fuzz/fuzz_csv -runs=0 tests/fuzz/corpus/csv

.PHONY: fuzz-run-csv fuzz-replay-csv

# libFuzzer targets for what an admin, a crash or a peer hands dutyd
# (tests/fuzz/fuzz_<name>.c, corpora in tests/fuzz/corpus/<name>):
#   config   cfg_load: libconfig's parser and every check dutyd makes
#   render   render_string: mustache templates against fixed data
#   journal  journal_read: a torn or garbage progress journal
#   provider sms_reply_classify, im_reply_classify: provider answers
#   eword    the RFC 2047 encoded-word repair and decoding of headers
# `make fuzz` runs each for FUZZ_TIME seconds, `make fuzz-replay` (and so
# `make check`) replays each corpus.
FUZZ_CC = clang -std=c11 -D_GNU_SOURCE -g -O1 \
	-fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Idaemon
FUZZ_BASE = daemon/util.c daemon/err.c daemon/log.c
FUZZ_CONFIG_SRC = daemon/config.c daemon/config_route.c \
	daemon/config_tmpl.c daemon/i18n.c \
	daemon/model.c $(FUZZ_BASE)
FUZZ_RENDER_SRC = daemon/render.c $(FUZZ_BASE)
FUZZ_JOURNAL_SRC = daemon/journal.c $(FUZZ_BASE)
FUZZ_PROVIDER_SRC = daemon/channels/sms.c daemon/channels/im.c \
	daemon/smsparam.c daemon/sign.c daemon/model.c $(FUZZ_BASE)
FUZZ_EWORD_SRC = $(filter-out daemon/mime_parse.c,$(FUZZ_MIME)) $(FUZZ_BASE)

$(B)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c $(FUZZ_CONFIG_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(shell pkg-config --cflags libconfig) -o $@ \
	    tests/fuzz/fuzz_config.c $(FUZZ_CONFIG_SRC) \
	    $(shell pkg-config --libs libconfig)

$(B)/fuzz/fuzz_render: tests/fuzz/fuzz_render.c $(FUZZ_RENDER_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -o $@ tests/fuzz/fuzz_render.c $(FUZZ_RENDER_SRC) -lm

$(B)/fuzz/fuzz_journal: tests/fuzz/fuzz_journal.c $(FUZZ_JOURNAL_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -o $@ tests/fuzz/fuzz_journal.c $(FUZZ_JOURNAL_SRC)

$(B)/fuzz/fuzz_provider: tests/fuzz/fuzz_provider.c $(FUZZ_PROVIDER_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(shell pkg-config --cflags jansson libcrypto) -o $@ \
	    tests/fuzz/fuzz_provider.c $(FUZZ_PROVIDER_SRC) \
	    $(shell pkg-config --libs jansson libcrypto)

$(B)/fuzz/fuzz_eword: tests/fuzz/fuzz_eword.c daemon/mime_parse.c \
    $(FUZZ_EWORD_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(shell pkg-config --cflags gmime-3.0 uchardet) -o $@ \
	    tests/fuzz/fuzz_eword.c $(FUZZ_EWORD_SRC) $(FUZZ_MIME_LIBS)

# libFuzzer target for the workbook import (ledger_parse_xlsx): `make fuzz`
# also runs it for FUZZ_TIME seconds on tests/fuzz/corpus/xlsx (workbooks,
# and *.parts files the target zips itself so mutations reach the XML),
# with XML words in tests/fuzz/xlsx.dict; crashing inputs land in
# $(B)/fuzz/xlsx-* and belong in the corpus once fixed.
FUZZ_XLSX_SRC = daemon/ledger_xlsx.c daemon/ledger_rows.c \
	daemon/ledger_date.c daemon/config.c daemon/config_route.c \
	daemon/config_tmpl.c daemon/i18n.c daemon/model.c \
	daemon/util.c daemon/err.c daemon/log.c
$(B)/fuzz/fuzz_xlsx: tests/fuzz/fuzz_xlsx.c $(FUZZ_XLSX_SRC)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 \
	    -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -Idaemon \
	    $(shell pkg-config --cflags libconfig jansson libzip libxml-2.0) \
	    -o $@ tests/fuzz/fuzz_xlsx.c $(FUZZ_XLSX_SRC) \
	    $(shell pkg-config --libs libconfig jansson libzip libxml-2.0) -lm

fuzz-run: fuzz-run-xlsx
fuzz-replay: fuzz-replay-xlsx

fuzz-run-xlsx: $(B)/fuzz/fuzz_xlsx
	@mkdir -p $(B)/fuzz/work-xlsx
	$(B)/fuzz/fuzz_xlsx -max_total_time=$(FUZZ_TIME) -max_len=65536 \
	    -timeout=10 -rss_limit_mb=2048 -dict=tests/fuzz/xlsx.dict \
	    -artifact_prefix=$(B)/fuzz/xlsx- $(B)/fuzz/work-xlsx \
	    tests/fuzz/corpus/xlsx

fuzz-replay-xlsx: $(B)/fuzz/fuzz_xlsx
	$(B)/fuzz/fuzz_xlsx -runs=0 tests/fuzz/corpus/xlsx

.PHONY: fuzz-run-xlsx fuzz-replay-xlsx
