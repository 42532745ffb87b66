# media-check: `make scan` and `make test` install whatever is missing, then run.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# OCR reads English; screens in Chinese, Japanese, Korean, Arabic or Cyrillic get a second pass with the script
# tesseract's OSD detects (media_check/ocr.py), so their language packs are installed too.
OCR_SCRIPTS  := osd chi_sim jpn kor ara rus
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng $(foreach s,$(OCR_SCRIPTS),tesseract-ocr-$(subst _,-,$(s))) \
                chromium fonts-dejavu-core fonts-liberation fonts-noto-cjk
export OMP_THREAD_LIMIT := 1

.PHONY: install system-deps scan test eval eval-live bench bench-live fuzz clean schema train

install: system-deps $(STAMP)

# Debian packages: tesseract (OCR), Chromium (live captures, HTML report checks) and fonts (annotated images;
# Noto CJK draws quoted Chinese, Japanese and Korean text).
system-deps:
	@missing=""; \
	command -v tesseract >/dev/null 2>&1 || missing="yes"; \
	for s in $(OCR_SCRIPTS); do ls /usr/share/tesseract-ocr/*/tessdata/$$s.traineddata >/dev/null 2>&1 || missing="yes"; done; \
	command -v chromium >/dev/null 2>&1 || missing="yes"; \
	[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing="yes"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing $(APT_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	  else \
	    echo "missing system packages; run:  sudo apt-get install -y $(APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# A demo: exits 0 whenever the scan ran, whatever it found (exit 1 = findings).
scan: install
	@$(VENV)/bin/media-check scan sample_media --no-progress; rc=$$?; [ $$rc -le 1 ]

test: install
	$(PY) -m pytest -q

# The content rules against the labelled corpus, beside the naive keyword baseline's floor (its report is cached
# after one run), and the cost of the content analysis as a share of OCR time. CACHE=/path reuses a shared cache.
CORPUS ?= ../shared/corpus
CACHE  ?= .media-check-cache
eval: install
	$(VENV)/bin/media-check eval $(CORPUS)/manifest.csv --cache-dir $(CACHE) \
	  --baseline $(CORPUS)/../tools/naive_baseline.py --bench 12

# Live-app matching: the corpus's labelled pairs (stale / same screen / different screen) and the transform
# benchmark (framed, captioned, cropped, padded, resized screens against 200+ live captures), beside whole-image
# pHash at distance 10. OCR words come from CACHE (read only where pixels leave the call open).
eval-live: install
	$(VENV)/bin/media-check eval-live --corpus $(CORPUS) --cache-dir $(CACHE)

# Retrain the screen classifier (models/screen_classifier.json) and print its grouped cross-validation scores.
train: install
	$(PY) -m pip install -q -e '.[train]'
	$(PY) models/train_screen_classifier.py --corpus $(CORPUS) --cache-dir $(CACHE)

# Benchmarks print ratios measured in one run (never timed unit tests: the machine is shared and noisy).
# bench: every performance target (cold vs plain tesseract, warm re-scan, memory on 4K and on 10,000 assets,
# jobs scaling, the dask executor, OCR recall, the live index) and a summary table; ~15-20 min on 2 cores.
# BENCH_ARGS="--skip tiny,live" leaves sections out (docs/performance.md).
BENCH_ARGS ?=
bench: install
	$(PY) bench/bench_scan.py --runs 3 $(BENCH_ARGS)

# The live-capture index at 10,000 captures: lookup time per listing screenshot (target: at most 50 ms).
bench-live: install
	$(PY) bench/live_index.py --captures 10000

# Fuzz every parser of user files for longer than the suite does (FUZZ_EXAMPLES per target, random seeds).
FUZZ_EXAMPLES ?= 5000
fuzz: install
	MEDIA_CHECK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:cacheprovider tests/test_fuzz.py

schema: install
	$(PY) -m media_check.schema > docs/report.schema.json
	$(PY) -m media_check.listing > docs/listing.schema.json

clean:
	rm -rf .media-check-cache .pytest_cache build *.egg-info
