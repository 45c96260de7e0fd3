# Translation chores (the bot itself compiles the .po files at start-up; nothing to build).
PY ?= python

.PHONY: messages schema test lint
messages:  ## extract texts from the code and merge them into every catalog (zh_Hant_TW and
           ## zh_Hant_HK keep only their market's own wording; the rest falls back to zh_Hant)
	pybabel extract -w 100 -F babel.cfg -k N_ -k ngettext:1,2 --no-location --sort-output \
		--ignore-dirs="tests data bench .git" -o locales/messages.pot .
	for lang in vi zh_Hans zh_Hant en; do \
		if [ -f locales/$$lang/LC_MESSAGES/messages.po ]; then \
			pybabel update -w 100 --no-fuzzy-matching --ignore-obsolete -i locales/messages.pot -d locales -l $$lang; \
		else pybabel init -i locales/messages.pot -d locales -l $$lang; fi; \
	done
	$(PY) scripts/fill_english.py
	$(PY) scripts/regional_catalogs.py

schema:  ## write storage/schema/<engine>.sql from newly migrated databases
	$(PY) -m storage.schema_dump

test:
	$(PY) -m pytest

lint:
	ruff check . && mypy .
