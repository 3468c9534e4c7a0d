#!/usr/bin/env python3
"""Extracts the parameter examples of the CloudTower API v2 guide
(../shared/spec/cloudtower-api-v2-guide.txt) into JSON: one entry per
cloudtower row of endpoints.tsv with its operation, title and example
request (null when the guide shows none). Used by e2e/cloudtower_contract_test.go.

Usage: extract_cloudtower_examples.py GUIDE ENDPOINTS_TSV > examples.json"""
import json, re, sys

def repair(text):
    """Parse an example, repairing the guide's slips: single quotes and
    bare keys (GraphQL style), trailing commas, the unquoted $VM_ID
    placeholder, missing closing braces. Duplicate keys keep the last, as JSON decoders do."""
    text = text.replace("'", '"')
    text = re.sub(r'(?<=[{,\s])([A-Za-z_][A-Za-z0-9_]*)\s*:', r'"\1":', text)
    text = text.replace(': $VM_ID', ': "$VM_ID"')
    text = re.sub(r',(\s*[}\]])', r'\1', text)
    # /add-vm-volume's example lacks its closing braces.
    text += '}' * (text.count('{') - text.count('}'))
    return json.loads(text)

def examples(guide):
    lines = guide.split('\n')
    out, op, title, i = {}, None, '', 0
    while i < len(lines):
        s = lines[i].strip()
        if s.startswith('#'):
            title, op = s.lstrip('#').strip(), None
        elif re.fullmatch(r'/[a-z-]+', s):
            op = s[1:]
            out.setdefault(op, {'title': title, 'request': None})
        elif s == 'POST /api':
            op = 'vnc'
            out.setdefault(op, {'title': title, 'request': None})
        elif op and s.startswith('```json'):
            j = i + 1
            while not lines[j].startswith('```'):
                j += 1
            if out[op]['request'] is None:
                out[op]['request'] = repair('\n'.join(lines[i + 1:j]))
            i = j
        i += 1
    # /login's example is the body of the curl call in 鉴权.
    m = re.search(r"'http://localhost:3000/v2/api/login'.*?-d '(\{.*?\})'", guide, re.S)
    out['login']['request'] = repair(m.group(1))
    return out

def main():
    guide = open(sys.argv[1], encoding='utf-8').read()
    found = examples(guide)
    eps = []
    for row in open(sys.argv[2], encoding='utf-8'):
        f = row.rstrip('\n').split('\t')
        if f[0] != 'cloudtower':
            continue
        op = 'vnc' if f[2].startswith('/api ') else f[2].removeprefix('/v2/api/')
        ex = found.get(op, {'request': None})
        eps.append({'operation': op, 'path': f[2], 'title': f[3], 'request': ex['request']})
    json.dump(eps, sys.stdout, ensure_ascii=False, indent=1)
    print()

if __name__ == '__main__':
    main()
