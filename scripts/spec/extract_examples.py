#!/usr/bin/env python3
"""Extracts the request/response examples of an API document in ../shared/spec
(apiary text export) into JSON: one entry per endpoint with its method, path,
title, and example bodies by status. Used to build contract tests."""
import json, re, sys

METHOD_PATH = re.compile(r'^(GET|POST|PUT|DELETE|PATCH)(/\S*)$')

def body_after(lines, i):
    """Return (text, next index) of the example body starting after line i."""
    out = []
    while i < len(lines) and lines[i].strip() not in ('Schema',) and not lines[i].startswith(('Request ', 'Response ')):
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
            cur = {'title': lines[i-1].strip(), 'method': m.group(1), 'path': m.group(2), 'requests': [], 'responses': []}
            eps.append(cur)
        elif cur and (s.startswith('Request') or s.startswith('Response')):
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
    return eps

if __name__ == '__main__':
    print(json.dumps(parse(open(sys.argv[1], encoding='utf-8').read()), ensure_ascii=False, indent=1))
