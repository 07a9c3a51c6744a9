#!/usr/bin/env python3
"""The layering check: reads every #include "pmkb/..." line under server/
and include/pmkb/, prints the module graph, and fails on an include cycle
between modules or an include from a lower layer to a higher one.

A module is a header and its .c file: server/<layer>/<name>.c and
include/pmkb/<layer>/<name>.h; server/*.c and include/pmkb/*.h are the top
layer. The layer order is in server/layers.txt. Output is TAP."""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), '..', '..'))
INCLUDE = re.compile(r'^\s*#\s*include\s+"pmkb/([a-z0-9_/]+)\.h"')


def layer_order():
    with open(os.path.join(ROOT, 'server', 'layers.txt')) as f:
        names = [l.strip() for l in f if l.strip() and not l.startswith('#')]
    return {name: i for i, name in enumerate(names)}


def module_of(rel):
    """'server/db/store.c' or 'include/pmkb/db/store.h' -> 'db/store'."""
    parts = rel.split('/')
    parts = parts[1:] if parts[0] == 'server' else parts[2:]
    name = os.path.splitext(parts[-1])[0]
    return '/'.join(parts[:-1] + [name]) if len(parts) > 1 else 'top/' + name


def layer_of(module):
    return module.split('/')[0]


def read_graph():
    graph = {}
    for top in ('server', os.path.join('include', 'pmkb')):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for fn in files:
                if not fn.endswith(('.c', '.h')):
                    continue
                path = os.path.join(dirpath, fn)
                rel = os.path.relpath(path, ROOT).replace(os.sep, '/')
                mod = module_of(rel)
                edges = graph.setdefault(mod, {})
                with open(path, encoding='utf-8') as f:
                    for n, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        target = target if '/' in target else 'top/' + target
                        if target != mod:
                            edges.setdefault(target, '%s:%d' % (rel, n))
    return graph


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    order = layer_order()
    graph = read_graph()
    problems = []
    for mod in sorted(graph):
        if layer_of(mod) not in order:
            problems.append('%s: folder %s is not a layer in server/layers.txt'
                            % (mod, layer_of(mod)))
        for target, where in sorted(graph[mod].items()):
            if target not in graph:
                problems.append('%s: includes pmkb/%s.h, which does not exist'
                                % (where, target))
            elif order.get(layer_of(target), -1) > order.get(layer_of(mod), -1):
                problems.append('%s: %s (layer %s) includes %s (higher layer %s)'
                                % (where, mod, layer_of(mod), target,
                                   layer_of(target)))
    for comp in cycles(graph):
        problems.append('include cycle: ' + ' -> '.join(comp))

    print('# module graph (%d modules)' % len(graph))
    for mod in sorted(graph):
        print('#   %-22s -> %s' % (mod, ' '.join(sorted(graph[mod])) or '-'))
    print('1..2')
    bad_layers = [p for p in problems if not p.startswith('include cycle')]
    bad_cycles = [p for p in problems if p.startswith('include cycle')]
    for p in problems:
        print('# ' + p)
    print('%s 1 - every include goes to the same or a lower layer (%d problems)'
          % ('ok' if not bad_layers else 'not ok', len(bad_layers)))
    print('%s 2 - no include cycles between modules (%d cycles)'
          % ('ok' if not bad_cycles else 'not ok', len(bad_cycles)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
