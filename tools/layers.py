#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# make lint, step "layers": the module's sources keep to the layers written
# in the "## Layers" section of kmod/README.
#  1. A function in kmod/A.c calls a function of kmod/B.c only if B is A or
#     B's layer is strictly below A's.  A function's name used without a
#     call (a callback passed on) is a reference: same layer or below,
#     except in the initialiser of a "const struct" table or of an array of
#     pointers to such tables, where any direction is allowed.  Every file
#     is in exactly one layer.  Calls through pointers, macros and header
#     inlines are not seen.
#  2. No kmod/*.c or kmod/*.h has more than MAX_LINES lines.
#  3. CHAN_KIND_ appears (outside comments) only in the files of the
#     section's "Kinds named only in: a.c b.c" line, if it has one.
# kmod/samples/ is not looked at, and the files of EXEMPT only by check 2.
# usage: tools/layers.py [--readme PATH] [--kmod DIR] [--verbose] [--dot]
# Exits 1 and prints one "layers: ..." line per problem.
import argparse
import glob
import os
import re
import sys
from collections import Counter

MAX_LINES = 600
EXEMPT = {'kunit.c', 'debug.c'}		# a test file and debug-only hooks
KEYWORDS = set('''if for while do switch return sizeof typeof __typeof__
    __typeof alignof _Alignof __alignof__ offsetof defined case else goto
    asm __asm__ volatile __volatile__ _Static_assert static_assert
    _Generic __builtin_expect'''.split())
ATTRS = {'__printf', '__scanf', '__attribute__', '__acquires', '__releases',
         '__must_hold', '__cond_acquires', '__cond_releases'}
TABLE = re.compile(r'(static\s+)?const\s+struct\s+\w+\s+(\*\s*(const\s+)?)?'
                   r'\w+\s*(\[[^\]]*\]\s*)?=$')
IDENT = re.compile(r'(?:(->|\.|\b(?:struct|union|enum)\b)\s*)?(?<!\w)'
                   r'([A-Za-z_]\w*)(\s*\()?')

problems = []


def say(msg):
    problems.append('layers: ' + msg)


def uncomment(text):
    """Blank comments and strings, keeping the line numbers."""
    def blank(m):
        s = m.group()
        return '""' if s[0] in '"\'' else ' ' + '\n' * s.count('\n')
    return re.sub(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"'
                  r"|'(?:\\.|[^'\\\n])*'", blank, text, flags=re.S)


def strip(text):
    """uncomment() and blank preprocessor lines too."""
    out, cont = [], False
    for line in uncomment(text).split('\n'):
        pp = cont or line.lstrip().startswith('#')
        cont = pp and line.rstrip().endswith('\\')
        out.append('' if pp else line)
    return '\n'.join(out)


def blocks(text):
    """Yield (head, body) for each brace block at file scope."""
    depth, start, body = 0, 0, 0
    for m in re.finditer(r'[{};]', text):
        c = m.group()
        if depth == 0 and c == ';':
            start = m.end()
        elif c == '{':
            depth += 1
            if depth == 1:
                head, body = ' '.join(text[start:m.start()].split()), m.end()
        elif c == '}' and depth > 0:
            depth -= 1
            if depth == 0:
                yield head, text[body:m.start()]
                start = m.end()


def parse_readme(path, name):
    """Return ({file: layer}, kinds files or None)."""
    try:
        lines = open(path, encoding='utf-8').read().split('\n')
    except OSError as e:
        say(f'{name}: {e.strerror}')
        return {}, None
    if '## Layers' not in [l.rstrip() for l in lines]:
        say(f'{name}: no "## Layers" section')
        return {}, None
    layer_of, kinds, n, inside = {}, None, 0, False
    for line in lines:
        if line.rstrip() == '## Layers':
            inside = True
        elif line.startswith('## '):
            inside = False
        elif inside and re.search(r'kinds named only in:', line, re.I):
            kinds = set(re.findall(r'[\w.-]+\.c\b', line.split(':', 1)[1]))
        elif inside and re.match(r'(- |\d+\.)', line.lstrip()):
            files = re.findall(r'\b[a-z0-9_]+\.c\b', line.split(':', 1)[0])
            n += bool(files)
            for f in files:
                if f in layer_of:
                    say(f'{name}: kmod/{f} listed in layer {layer_of[f]} '
                        f'and in layer {n}')
                else:
                    layer_of[f] = n
    return layer_of, kinds


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description='check the layers of kmod/')
    ap.add_argument('--readme', default=os.path.join(top, 'kmod/README'),
                    help='the README with the layers (kmod/README)')
    ap.add_argument('--kmod', default=os.path.join(top, 'kmod'),
                    help='the sources to check (kmod/)')
    ap.add_argument('--verbose', action='store_true',
                    help='print the call graph between files')
    ap.add_argument('--dot', action='store_true',
                    help='print the call graph in graphviz dot form')
    args = ap.parse_args()

    paths = sorted(glob.glob(os.path.join(args.kmod, '*.[ch]')))
    raw = {os.path.basename(p):
           open(p, encoding='utf-8', errors='replace').read() for p in paths}
    for f, text in raw.items():
        n = text.count('\n')
        if n > MAX_LINES:
            say(f'kmod/{f}: {n} lines, over {MAX_LINES}')
    srcs = {f: strip(t) for f, t in raw.items()
            if f.endswith('.c') and f not in EXEMPT}
    readme = os.path.relpath(args.readme, top)
    if readme.startswith('..'):
        readme = args.readme
    layer_of, kinds = parse_readme(args.readme, readme)

    for f in sorted(set(layer_of) - set(raw)):
        say(f'{readme}: kmod/{f} is in a layer but does not exist')
    if layer_of:
        for f in sorted(set(srcs) - set(layer_of)):
            say(f'kmod/{f}: in no layer of {readme}')

    # Definitions: name -> [(file, static)]; bodies of functions and tables.
    defs, funcs, tables = {}, [], []
    for f, text in srcs.items():
        for head, body in blocks(text):
            if head.endswith('='):
                tables.append((f, head, body))
                continue
            if not head.endswith(')'):
                continue		# struct, enum, union ...
            names = [n for n in re.findall(r'(\w+)\s*\(', head)
                     if n not in ATTRS]
            if names:
                static = re.match(r'static\b', head) is not None
                defs.setdefault(names[0], []).append((f, static))
                funcs.append((f, names[0], body))

    def where(name, f):
        """The file defining @name as seen from @f, or None."""
        d = defs.get(name, [])
        if any(g == f for g, _ in d):
            return f
        return next((g for g, static in d if not static), None)

    def uses(body):
        """Yield (name, is_call) for every identifier of @body."""
        for m in IDENT.finditer(body):
            if not m.group(1) and m.group(2) not in KEYWORDS:
                yield m.group(2), bool(m.group(3))

    def check(f, who, name, g, what):
        la, lb = layer_of.get(f), layer_of.get(g)
        if la is None or lb is None or lb > la or \
                (lb == la and what == 'refers to'):
            return
        where_ = f'layer {lb} above layer {la}' if lb < la else \
            f'both in layer {la}'
        say(f'kmod/{f}: {who} {what} {name}() in kmod/{g} ({where_})')

    calls, refs = Counter(), []
    for f, fn, body in funcs:
        seen = set()
        for name, is_call in uses(body):
            g = where(name, f)
            if g is None or g == f:
                continue
            if is_call:
                calls[f, g] += 1
            else:
                refs.append((f, fn + '()', name, g))
            if (name, is_call) not in seen:
                seen.add((name, is_call))
                check(f, fn + '()', name, g,
                      'calls' if is_call else 'refers to')
    for f, head, body in tables:
        tname = re.findall(r'(\w+)\s*(?:\[[^\]]*\]\s*)?=$', head)[0]
        for name, _ in uses(body):
            g = where(name, f)
            if g is not None and g != f:
                refs.append((f, tname, name, g))
                if not TABLE.match(head):
                    check(f, 'table ' + tname, name, g, 'refers to')

    if kinds is None:
        if layer_of:
            print(f'layers: note: {readme} has no "Kinds named only in:" '
                  'line, CHAN_KIND_ not checked', file=sys.stderr)
    else:
        for f in sorted(set(srcs) - kinds):
            for i, line in enumerate(uncomment(raw[f]).split('\n'), 1):
                if 'CHAN_KIND_' in line:
                    say(f'kmod/{f}:{i}: CHAN_KIND_ outside '
                        + ' '.join(sorted(kinds)))

    def rank(f):
        return layer_of.get(f, 99), f

    def up(f, g):
        return layer_of.get(g, 99) <= layer_of.get(f, 0)

    edges = sorted(calls.items(), key=lambda e: (rank(e[0][0]), rank(e[0][1])))
    if args.dot:
        print('digraph layers {\n\trankdir=TB;\n\tnode [shape=box];')
        for n in sorted(set(layer_of.values())):
            same = ' '.join(f'"{f}";' for f in sorted(layer_of)
                            if layer_of[f] == n and f in srcs)
            print(f'\t{{ rank=same; {same} }}')
        for (f, g), c in edges:
            print(f'\t"{f}" -> "{g}" [label={c}'
                  + (', color=red, fontcolor=red' if up(f, g) else '') + '];')
        print('}')
    if args.verbose:
        print('calls between files (file -> file: calls), top layer first:')
        for (f, g), c in edges:
            print(f'  [{layer_of.get(f, "?")}] {f} -> [{layer_of.get(g, "?")}]'
                  f' {g}: {c}' + ('  (upward)' if up(f, g) else ''))
        print('references to functions of other files:'
              + ('' if refs else ' none'))
        for f, who, name, g in sorted(set(refs),
                                      key=lambda r: (rank(r[0]), r)):
            print(f'  {f}: {who} -> {name}() in {g}')
    out = sys.stderr if args.dot else sys.stdout
    for p in problems:
        print(p, file=out)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
