#!/usr/bin/env python3
"""Extracts the example "additional" objects of the DBC client HTTP API
document (../shared/spec/dbc-client-http-api.txt) into JSON: one entry per
dbc row of endpoints.tsv with its path and the first example request's
additional (null when the document shows none). The document's bodies carry
// comments and "..." lines, which are dropped. Used by
e2e/error_sweep_test.go to know each call's fields.

Usage: extract_dbc_examples.py DOCUMENT ENDPOINTS_TSV > examples.json"""
import json, re, sys

URL = re.compile(r'/api/v1/[^\s`?]*')

def normalize(path):
    """/api/v1/tasks/<要查询的 task_id 值> and /api/v1/tasks/<task_id> alike."""
    return re.sub(r'<[^>]*>', '<>', path)

def clean(block):
    out = []
    for line in block:
        line = re.sub(r'\s//.*$', '', line)
        if line.strip().startswith('//') or line.strip() in ('...', ''):
            continue
        out.append(line)
    text = '\n'.join(out)
    # /tasks/modify's example lacks a closing quote ("new_public_ip: "").
    text = re.sub(r'"(\w+): ""', r'"\1": ""', text)
    text = re.sub(r',(\s*[}\]])', r'\1', text)
    return json.loads(text)

def examples(doc):
    lines = doc.split('\n')
    found, current, i = {}, None, 0
    while i < len(lines):
        s = lines[i]
        m = URL.search(s)
        if m and ('http' in s):
            # The URL line of an endpoint; "<要查询的 task_id 值>" holds
            # spaces, which normalize drops with the placeholder.
            current = normalize(s[m.start():].split('?')[0].rstrip('`').strip())
            found.setdefault(current, None)
        elif current and s.startswith('{') and found[current] is None:
            j, depth = i, 0
            while j < len(lines):
                depth += lines[j].count('{') - lines[j].count('}')
                if depth == 0:
                    break
                j += 1
            try:
                body = clean(lines[i:j + 1])
                found[current] = body.get('additional')
            except json.JSONDecodeError:
                pass
            i = j
        i += 1
    return found

def main():
    doc = open(sys.argv[1], encoding='utf-8').read()
    found = examples(doc)
    eps = []
    for row in open(sys.argv[2], encoding='utf-8'):
        f = row.rstrip('\n').split('\t')
        if f[0] != 'dbc':
            continue
        eps.append({'path': f[2], 'additional': found.get(normalize(f[2]))})
    json.dump(eps, sys.stdout, ensure_ascii=False, indent=1)
    print()

if __name__ == '__main__':
    main()
