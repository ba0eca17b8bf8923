#!/usr/bin/env python3
"""Tables of scripts/bench/pagecache.sh from its host facts and the guest's TAP log.

usage: scripts/bench/pagecache-report.py DATA_DIR TAP_LOG [CONSOLE_LOG]

DATA_DIR holds pairs, NAME.facts (ceiling.sh output plus tree facts) and
the pass counts; TAP_LOG has one "# R key=value..." line per pair pass and
mode and one "# C key=value..." line per read-cost pass and mode.
"""
import json
import re
import statistics
import sys


def kv(line):
    return {k: v for k, v in re.findall(r'(\w+)=(\S*)', line)}


def med(xs):
    return statistics.median(xs) if xs else float('nan')


def spread(xs, fmt):
    if not xs:
        return '-'
    if len(xs) == 1:
        return fmt.format(xs[0])
    return (fmt + ' [' + fmt + '..' + fmt + ']').format(med(xs), min(xs), max(xs))


def table(head, rows):
    w = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    out = ['  '.join(str(c).ljust(w[i]) for i, c in enumerate(head)).rstrip(),
           '  '.join('-' * x for x in w)]
    out += ['  '.join(str(c).ljust(w[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    return '\n'.join(out)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    data, tap = sys.argv[1], sys.argv[2]
    pairs = [l.split()[0] for l in open(f'{data}/pairs') if l.strip()]
    facts = {}
    for p in pairs:
        f = {}
        for line in open(f'{data}/{p}.facts'):
            k, _, v = line.rstrip('\n').partition(' ')
            f[k] = v
        facts[p] = f
    runs, cost = [], []
    for line in open(tap, errors='replace'):
        line = line.strip()
        m = re.match(r'# (R|C) (.*)', line)
        if m:
            (runs if m.group(1) == 'R' else cost).append(kv(m.group(2)))

    # --- 1. page cache saved -------------------------------------------------
    rows, second, notes, shrink = [], [], [], []
    unjoined = []
    for p in pairs:
        f = facts[p]
        # Bytes per inode (hard links once), as the images hold them;
        # ceiling.sh counts paths, printed as well.
        ba, bb = int(f['inode_bytes_a']), int(f['inode_bytes_b'])
        ceil = int(f['shared_bytes']) / (ba + bb)
        ceil_paths = int(f['shared_bytes']) / (int(f['bytes_a']) + int(f['bytes_b']))
        ov = json.loads(f.get('overlap_json', '{}') or '{}')
        pu, ps = int(f['pages_unshared']), int(f['pages_shared'])
        pceil = 1 - ps / pu
        on = {int(r['pass']): r for r in runs if r['name'] == p and r['mode'] == 'on'}
        off = {int(r['pass']): r for r in runs if r['name'] == p and r['mode'] == 'off'}
        saves, raws, effs, peffs, dirs, bufs = [], [], [], [], [], []
        tb_on, tb_off, tw, ta, bon, boff = [], [], [], [], [], []
        ob_on, rb_on, ob_off, rb_off = [], [], [], []
        kept_on, kept_off = [], []
        for i in sorted(set(on) & set(off)):
            a, b = on[i], off[i]
            d_on = int(a['c3']) - int(a['c1'])
            d_off = int(b['c3']) - int(b['c1'])
            s = 1 - d_on / d_off
            saves.append(100 * s)
            raws.append(100 * (1 - (int(a['c3']) - int(a['c0'])) / (int(b['c3']) - int(b['c0']))))
            effs.append(s / ceil)
            peffs.append(s / pceil)
            dirs += [int(a['c1']) - int(a['c0']), int(b['c1']) - int(b['c0'])]
            bufs += [int(a['b3']) - int(a['b0']), int(b['b3']) - int(b['b0'])]
            bon.append(d_on)
            boff.append(d_off)
            tb_on.append(int(a['tb']) / 1e9)
            tb_off.append(int(b['tb']) / 1e9)
            tw += [int(a['tw']) / 1e9, int(b['tw']) / 1e9]
            ta += [int(a['ta']) / 1e9, int(b['ta']) / 1e9]
            if 'c6' in a and 'c6' in b:
                kept_on.append(int(a['c6']) / int(a['c5']))
                kept_off.append(int(b['c6']) / int(b['c5']))
            if 'tob' in a and 'tob' in b:
                ob_on.append(int(a['tob']) / 1e9)
                rb_on.append(int(a['trb']) / 1e9)
                ob_off.append(int(b['tob']) / 1e9)
                rb_off.append(int(b['trb']) / 1e9)
        last_on = on[max(on)] if on else {}
        # Identical files that did not share: empty files never join (0
        # bytes); any other gap shows as fewer members / shared inodes than
        # the trees predict (and as "not shared" lines in dmesg).
        exp_m, exp_s = int(f['members']), int(f['distinct'])
        got_m, got_s = int(last_on.get('mi', -1)), int(last_on.get('si', -1))
        if on and got_m <= 0:
            unjoined.append(p)
        miss = []
        eb = int(f['empty_b'])
        if eb and int(f['empty_a']):
            miss.append(f'{eb} empty files, 0 B (empty files never join)')
        if got_m != exp_m or got_s != exp_s:
            miss.append(f'members {got_m}/{exp_m}, shared inodes {got_s}/{exp_s}: '
                        f'{int(last_on.get("ns", 0))} "not shared" kernel messages')
        rows.append([
            p, f"{f['ver_a']} -> {f['ver_b']}",
            f"{f['files_a']}/{f['files_b']}",
            f'{ba / 2**20:.1f}/{bb / 2**20:.1f}',
            f'{100 * ceil:.2f}', f'{100 * pceil:.2f}',
            spread(saves, '{:.2f}'), spread(effs, '{:.3f}'), spread(peffs, '{:.3f}'),
        ])
        notes.append(
            f'{p}: shared_bytes {int(f["shared_bytes"]) / 2**20:.1f} MiB; ceiling over paths '
            f'(hard links counted twice, scripts/demo/ceiling.sh) {100 * ceil_paths:.2f} %; '
            f'inspect.erofs++ --overlap: unique {ov.get("unique_bytes", 0) / 2**20:.1f} of '
            f'{ov.get("total_bytes", 0) / 2**20:.1f} MiB, 1 - unique/total {100 * ov.get("ceiling", 0):.2f} %; '
            f'file data cached, KiB (median): shared {med(bon):.0f} '
            f'(exact {4 * ps}), unshared {med(boff):.0f} (exact {4 * pu}); '
            f'directories {med(dirs):.0f} KiB and Buffers (metadata) '
            f'{med(bufs):.0f} KiB in each run; saving incl. directories '
            f'{spread(raws, "{:.2f}")} %; counters after the shared read: '
            f'shared_inodes {got_s} (trees: {exp_s}), member_inodes {got_m} '
            f'(trees: {exp_m}), cached_pages {last_on.get("cp", "?")}, '
            f'bytes_saved {int(last_on.get("bs", 0)) / 2**20:.1f} MiB; '
            f'identical but not shared: {"; ".join(miss) if miss else "none"}')
        second.append([
            p, spread(ta, '{:.2f}'), spread(tb_off, '{:.2f}'), spread(tb_on, '{:.2f}'),
            spread(tw, '{:.2f}'),
            f'{med(tb_on) / med(tb_off):.3f}' if tb_off else '-',
            f'{med(tb_on) / med(tw):.2f}' if tw else '-',
            spread(ob_off, '{:.2f}'), spread(rb_off, '{:.2f}'),
            spread(ob_on, '{:.2f}'), spread(rb_on, '{:.2f}'),
        ])
        if kept_on:
            last = on[max(on)]
            shrink.append([p, spread([100 * k for k in kept_off], '{:.2f}'),
                           spread([100 * k for k in kept_on], '{:.2f}'),
                           f'{med(kept_on) / med(kept_off):.3f}',
                           f"{last.get('mi', '?')} -> {last.get('mi6', '?')}",
                           f"{last.get('si', '?')} -> {last.get('si6', '?')}"])
    print('Page cache saved when every file of A and B is read '
          '(measured = 1 - Cached(shared)/Cached(unshared), file data only; '
          'median [min..max] over passes)')
    print(table(['pair', 'versions A -> B', 'files A/B', 'MiB A/B', 'ceiling %',
                 'page ceil %', 'measured %', 'efficiency', 'eff. (pages)'], rows))
    for n in notes:
        print('  ' + n)
    print()
    print('Second-container start: read all of B after all of A was read '
          '(seconds, median [min..max])')
    print(table(['pair', 'A cold', 'B, sharing off', 'B, sharing on', 'A warm re-read',
                 'on/off', 'on/warm', 'off: B open', 'then read', 'on: B open', 'then read'],
                second))
    print('  (B open / then read: B remounted after the pass, so its metadata is cold: '
          'open/close of every file, then the read of every file)')
    print()
    if shrink:
        print('Slab-only shrink (echo 2 >drop_caches) at the end of each pass: Cached still '
              'resident, % of before (median [min..max]); target shared/unshared 1.00')
        print(table(['pair', 'unshared %', 'shared %', 'shared/unshared',
                     'members (last pass)', 'shared inodes'], shrink))
        print('  (sharing on: the shrink evicts the member inodes, whose own mappings are '
              'empty; the shared inodes hold the pages and stay, as an unshared inode '
              'with page cache does)')
        print()

    if unjoined:
        print('ERROR: no member joined a shared inode with sharing on: ' + ', '.join(unjoined))
        sys.exit(1)

    # --- 2. read-path cost ---------------------------------------------------
    if not cost:
        return
    ops = [('cold', 'cold read, every file'), ('warm', 'warm re-read'),
           ('mmap', 'mmap + touch every page'), ('open', 'open/close x3 (warm)'),
           ('copen', 'open/close (cold)')]
    kinds = []
    for r in cost:
        r.setdefault('kind', 'plain')
        if r['kind'] not in kinds:
            kinds.append(r['kind'])
    for kind in kinds:
        rs = [r for r in cost if r['kind'] == kind]
        on = {int(r['pass']): r for r in rs if r['mode'] == 'on'}
        off = {int(r['pass']): r for r in rs if r['mode'] == 'off'}
        both = sorted(set(on) & set(off))
        rows = []
        for key, desc in ops:
            t_on = [int(on[i][key]) / 1e6 for i in both]
            t_off = [int(off[i][key]) / 1e6 for i in both]
            ratios = [a / b for a, b in zip(t_on, t_off)]
            rows.append([desc, spread(t_off, '{:.0f}'), spread(t_on, '{:.0f}'),
                         f'{med(t_on) / med(t_off):.3f}', spread(ratios, '{:.3f}')])
        r0 = rs[0]
        print(f'Read-path cost, {kind} image ({r0.get("files", "?")} files, '
              f'{int(r0.get("bytes", 0)) / 2**20:.1f} MiB), mounted with and without domain_id '
              f'at once, {len(both)} rounds, each operation run on both mounts back to back '
              f'(ms, median [min..max]); target ratio <= 1.05')
        print(table(['operation', 'unshared ms', 'shared ms', 'ratio of medians',
                     'per-pass ratio'], rows))
        print()


if __name__ == '__main__':
    main()
