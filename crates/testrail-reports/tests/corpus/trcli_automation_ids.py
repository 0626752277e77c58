#!/usr/bin/env python3
"""Writes trcli-automation-ids.json: for every JUnit report of this corpus, the automation IDs
trcli's own reader (JunitParser, --case-matcher auto) gives its tests and the sections it files
them in. tests/automation_ids.rs checks our reader against it.

Needs trcli (tested with 1.15.3) importable, e.g. in a venv:
    python3 -m venv /tmp/trvenv && /tmp/trvenv/bin/pip install trcli==1.15.3
    /tmp/trvenv/bin/python trcli_automation_ids.py      # run from this folder
"""
import glob
import json
from types import SimpleNamespace

import trcli
from trcli.readers.junit_xml import JunitParser


def environment(path):
    quiet = lambda *a, **k: None  # noqa: E731
    return SimpleNamespace(file=path, case_matcher="auto", special_parser="junit", suite_name=None,
                           params_from_config={}, log=quiet, elog=quiet, vlog=quiet)


out = {"trcli": trcli.__version__, "reports": {}}
for path in sorted(glob.glob("*/report.xml")):
    entry = path.split("/")[0]
    try:
        suites = JunitParser(environment(path)).parse_file()
    except Exception as e:  # trcli refuses some reports; recorded, not hidden
        out["reports"][entry] = {"trcli_error": str(e)}
        continue
    sections = [sec for s in suites for sec in s.testsections]
    out["reports"][entry] = {
        "sections": [sec.name for sec in sections],
        "automation_ids": [c.custom_automation_id for sec in sections for c in sec.testcases],
    }
with open("trcli-automation-ids.json", "w") as f:
    f.write(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
