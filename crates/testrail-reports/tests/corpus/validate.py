"""Sanity check of every corpus entry (grew out of the original shared corpus's validate.py).

For every entry: each expected `test` name and `message_contains` substring must occur in the
report's decoded text. For JUnit XML reports the expected names must also appear, in order, as
`testcase@name` values (a subsequence: a report may hold extra elements, e.g. rerun attempts).
Run from this folder: `python3 validate.py`.
"""
import json, os, re, sys, xml.etree.ElementTree as ET

OUTCOMES = ('passed', 'failed', 'skipped', 'error')


def decoded_text(rep, raw):
    if rep.endswith('.xml'):
        root = ET.fromstring(raw.encode())
        parts = []
        for el in root.iter():
            parts.extend(el.attrib.values())
            parts.append(el.text or '')
            parts.append(el.tail or '')
        return '\n'.join(parts), root
    if rep.endswith('.json'):
        return raw.encode().decode('unicode_escape', errors='ignore') + raw, None
    return raw, None


def is_subsequence(wanted, have):
    it = iter(have)
    return all(any(w == h for h in it) for w in wanted)


def check(entry):
    rep = [f for f in os.listdir(entry) if f.startswith('report.')][0]
    raw = open(os.path.join(entry, rep), encoding='utf-8').read()
    exp = json.load(open(os.path.join(entry, 'expected.json')))
    text, root = decoded_text(rep, raw)
    bad = []
    for e in exp:
        assert set(e) >= {'test', 'case_ids', 'outcome', 'message_contains'}, e
        assert e['outcome'] in OUTCOMES, e
        if e['test'] and e['test'] not in text:
            bad.append(('name', e['test']))
        m = e['message_contains']
        if m and ('\n' in m or m not in text):
            bad.append(('msg', e['test'], m))
        for cid in e['case_ids']:
            if not re.search(rf'[Cc]{cid}(?!\d)', text):
                bad.append(('case id not in report', e['test'], cid))
    count = None
    if root is not None:
        names = [tc.get('name') for tc in root.iter('testcase')]
        count = len(names)
        if names and not is_subsequence([e['test'] for e in exp], names):
            bad.append(('order', 'expected names are not an in-order subsequence of testcase@name'))
    outs = {}
    for e in exp:
        outs[e['outcome']] = outs.get(e['outcome'], 0) + 1
    size = os.path.getsize(os.path.join(entry, rep))
    print(f"{entry:22s} {rep:12s} {size:6d}B entries={len(exp):3d} report_cases={count} "
          f"{outs} {'OK' if not bad else bad}")
    return not bad


ok = True
for n in sorted(os.listdir('.')):
    if os.path.isfile(os.path.join(n, 'expected.json')):
        ok &= check(n)
sys.exit(0 if ok else 1)
