#!/usr/bin/env python3
"""Extracts the request/response examples of an API document in ../shared/spec
(apiary text export) into JSON: one entry per endpoint with its method, path,
title, and example bodies by status. Used to build contract tests."""
import json, re, sys

METHOD_PATH = re.compile(r'^(GET|POST|PUT|DELETE|PATCH)(/\S*)$')

def body_after(lines, i):
    """Return (text, next index) of the example body starting after line i."""
    out = []
    while i < len(lines) and lines[i].strip() not in ('Schema',) and not re.match(r'^(Request|Response)\s', lines[i]):
        if METHOD_PATH.match(lines[i].strip()):
            break
        out.append(lines[i])
        i += 1
    return '\n'.join(out).strip(), i

def parse(text):
    lines = text.split('\n')
    eps, cur = [], None
    i = 0
    while i < len(lines):
        s = lines[i].strip()
        m = METHOD_PATH.match(s)
        if m:
            path = re.sub(r'\{\?[^}]*\}$', '', m.group(2))  # URI template query part
            cur = {'title': lines[i-1].strip(), 'method': m.group(1), 'path': path, 'requests': [], 'responses': []}
            eps.append(cur)
        elif cur and re.match(r'^(Request|Response)\s', s):
            kind = 'requests' if s.startswith('Request') else 'responses'
            status = s.split()[1] if kind == 'responses' and len(s.split()) > 1 else ''
            j = i + 1
            while j < len(lines) and lines[j].strip() not in ('Body', 'Schema') and not lines[j].startswith(('Request', 'Response')) and not METHOD_PATH.match(lines[j].strip()):
                j += 1
            if j < len(lines) and lines[j].strip() == 'Body':
                body, j = body_after(lines, j + 1)
                cur[kind].append({'status': status, 'label': s, 'body': body})
            else:
                cur[kind].append({'status': status, 'label': s, 'body': ''})
            i = j
            continue
        i += 1
    for e in eps:
        for r in e['requests'] + e['responses']:
            r['json'] = repair(r['body'])
    return eps

def repair(body):
    """Parse an example body, repairing the document's slips: markdown
    escapes, // comments, trailing commas; a reply wrapped in a one-element
    array is unwrapped. None if it still is not JSON."""
    if not body.strip().startswith(('{', '[')):
        return None
    text = body.replace('\\_', '_')
    # Some examples run on into the next section's title.
    end = max(text.rfind('}'), text.rfind(']'))
    text = text[:end + 1]
    text = re.sub(r'//[^\n"]*', '', text)
    text = re.sub(r',(\s*[}\]])', r'\1', text)
    try:
        v = json.loads(text)
    except ValueError:
        return None
    if isinstance(v, list) and len(v) == 1 and isinstance(v[0], dict) and 'error_code' in v[0]:
        v = v[0]
    return v

if __name__ == '__main__':
    print(json.dumps(parse(open(sys.argv[1], encoding='utf-8').read()), ensure_ascii=False, indent=1))
