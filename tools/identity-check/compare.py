#!/usr/bin/env python3
"""Compares two output folders of tools/identity-check/run.sh (docs/architecture.md §7).

Every *.csv and findings.json must be byte-identical; so must summary.json and config.json's "settings" once the
lines of clock fields (wall time, seconds, dates) are removed: the files are indented one key per line, so removing
those lines keeps key order and number formatting under test. A shard's shard.json holds each sub-run's result as a
JSON string; those are compared as parsed values without clock fields.
Prints one line per difference and exits 1 if there is any.
"""
import json, os, re, sys

CLOCK = re.compile(r'^\s*"[^"]*(seconds|_utc|wall|elapsed|duration|started|finished|timestamp|ms_per_|threads|cputime|cpu_time)[^"]*"\s*:', re.I)

def without_clock(path):
    lines, skip = [], 0
    for line in open(path, encoding='utf-8'):
        if skip:  # inside a clock field's array or object
            skip += line.count('[') + line.count('{') - line.count(']') - line.count('}')
            continue
        if CLOCK.match(line):
            skip = max(0, line.count('[') + line.count('{') - line.count(']') - line.count('}'))
            continue
        lines.append(line.rstrip(',\n'))
    return lines

def parsed_without_clock(o):
    if isinstance(o, dict): return {k: parsed_without_clock(v) for k, v in o.items() if not CLOCK.match(f'"{k}":')}
    if isinstance(o, list): return [parsed_without_clock(x) for x in o]
    if isinstance(o, str) and o[:1] in '{[':
        try: return parsed_without_clock(json.loads(o))
        except ValueError: return o
    return o

def shard(path):
    return parsed_without_clock(json.load(open(path, encoding='utf-8')))

def settings(path):
    text = open(path, encoding='utf-8').read()
    return text[text.index('"settings"'):]

def main(a, b):
    checked, bad = 0, []
    for root, _, files in os.walk(a):
        for f in sorted(files):
            pa = os.path.join(root, f)
            rel = os.path.relpath(pa, a)
            if 'tensorboard' in rel.split(os.sep) or '.partial' in rel: continue
            if not (f.endswith('.csv') or f in ('findings.json', 'summary.json', 'config.json', 'shard.json')): continue
            pb = os.path.join(b, rel)
            checked += 1
            if not os.path.exists(pb): bad.append(f'missing in {b}: {rel}'); continue
            if f == 'summary.json': same = without_clock(pa) == without_clock(pb)
            elif f == 'shard.json': same = shard(pa) == shard(pb)
            elif f == 'config.json': same = settings(pa) == settings(pb)
            else: same = open(pa, 'rb').read() == open(pb, 'rb').read()
            if not same: bad.append(f'differs: {rel}')
    for line in bad: print(line)
    print(f'{checked} files compared, {len(bad)} differences' + ('' if bad or checked else ' (nothing found: wrong folder?)'))
    return 1 if bad or not checked else 0

if __name__ == '__main__':
    if len(sys.argv) != 3: sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
