#!/usr/bin/env python3
"""Writes a synthetic selections file (docs/patterns.md, `from_file`): per listed layer, query head and query tile,
the key tiles a top-k selection keeps, scored from the head types that MInference (Jiang et al., 2024, "MInference
1.0", Sec. 2-3) found in long-context LLMs:

  a_shape         attention sinks plus a local window (StreamingLLM, Xiao et al., 2023);
  vertical_slash  a few key tiles that every query tile attends (vertical lines, persistent over the sequence and
                  different per head) plus the diagonal and near-diagonal tiles (slash lines);
  block_sparse    clusters of contiguous key tiles whose place changes every few query tiles.

It is a stand-in for a trace exported from a model, with the structures that decide the memory questions (how
many query tiles share a key tile, how much the heads of a GQA group share), not a model's selections: the file
says so under "source". Standard library only, deterministic for a given --seed.

Usage: make_selections.py --seq-len 8192 --out FILE [--tile 128] [--heads 32] [--kv-heads 8] [--top-k 5]
       [--layers 1 2 3] [--mix a_shape=0.25,vertical_slash=0.5,block_sparse=0.25] [--lists per_head|per_group]
       [--stripes 6] [--seed 1]
"""
import argparse
import json
import math
import os
import random
import sys

HEAD_TYPES = ("a_shape", "vertical_slash", "block_sparse")


def parse_mix(text):
    mix = {}
    for term in text.split(","):
        name, _, share = term.partition("=")
        if name not in HEAD_TYPES:
            raise ValueError(f"--mix: unknown head type '{name}' (one of {', '.join(HEAD_TYPES)})")
        try:
            mix[name] = float(share)
        except ValueError:
            raise ValueError(f"--mix: '{term}' is not name=share") from None
        if mix[name] < 0:
            raise ValueError(f"--mix: share of '{name}' is negative")
    if sum(mix.values()) <= 0:
        raise ValueError("--mix: the shares sum to zero")
    return mix


def head_types(count, mix):
    """count head types in the proportions of mix, largest remainders first, in a fixed order."""
    total = sum(mix.values())
    exact = {name: count * share / total for name, share in mix.items()}
    types = {name: int(math.floor(v)) for name, v in exact.items()}
    for name in sorted(exact, key=lambda n: (types[n] - exact[n], HEAD_TYPES.index(n)))[: count - sum(types.values())]:
        types[name] += 1
    return [name for name in HEAD_TYPES for _ in range(types.get(name, 0))]


def top_k(scores, k):
    """The k best-scored tiles (ties to the lower tile), ascending."""
    best = sorted(range(len(scores)), key=lambda j: (-scores[j], j))[:k]
    return sorted(best)


def lists_for(kind, key_tiles, k, stripes, rng):
    """One head's lists over every query tile (causal: tiles 0..q are visible to query tile q)."""
    if kind == "vertical_slash":
        # Vertical lines sit more often early in the sequence (instruction and format tokens), so they are drawn
        # with a density falling with position.
        lines = {min(key_tiles - 1, int(key_tiles * rng.random() ** 2)) for _ in range(stripes)}
        slash_offset = rng.choice((2, 3, 4))
    out = []
    center = 0
    for q in range(key_tiles):
        visible = q + 1
        if visible <= k:
            out.append(list(range(visible)))
            continue
        noise = [rng.gauss(0.0, 0.3) for _ in range(visible)]
        if kind == "a_shape":
            scores = [(4.0 if j == 0 else 0.0) + math.exp(-(q - j) / 2.0) * 3.0 + 0.1 * noise[j] for j in range(visible)]
        elif kind == "vertical_slash":
            scores = [
                (3.0 if j == 0 else 0.0)
                + (2.5 if j == q else 0.0)
                + (1.5 if j in lines else 0.0)
                + (1.0 if q - j in (1, slash_offset) else 0.0)
                + noise[j]
                for j in range(visible)
            ]
        else:
            if q % 8 == 0 or center > q:
                center = rng.randrange(q + 1)
            scores = [(2.5 if j == q else 0.0) + 2.0 * math.exp(-abs(j - center) / 1.5) + noise[j] for j in range(visible)]
        out.append(top_k(scores, k))
    return out


def make(args):
    if args.seq_len % args.tile:
        raise ValueError("--seq-len must be a multiple of --tile")
    if args.heads % args.kv_heads:
        raise ValueError("--heads must be a multiple of --kv-heads")
    key_tiles = args.seq_len // args.tile
    group = args.heads // args.kv_heads
    mix = parse_mix(args.mix)
    layers = {}
    for layer in args.layers:
        # Per-group lists: every head of a group takes its group's lists (one scorer per K/V head).
        scorers = args.kv_heads if args.lists == "per_group" else args.heads
        kinds = head_types(scorers, mix)
        random.Random(args.seed * 1000003 + layer).shuffle(kinds)
        lists = []
        for s in range(scorers):
            rng = random.Random((args.seed * 1000003 + layer) * 4099 + s)
            lists.append(lists_for(kinds[s], key_tiles, args.top_k, args.stripes, rng))
        layers[str(layer)] = lists if args.lists == "per_head" else [lists[h // group] for h in range(args.heads)]
    return {
        "schema_version": 1,
        "source": {
            "synthetic": True,
            "generator": "scripts/make_selections.py",
            "head_types": "MInference (Jiang et al., 2024): a_shape, vertical_slash, block_sparse",
            "settings": {
                "seq_len": args.seq_len,
                "tile": args.tile,
                "heads": args.heads,
                "kv_heads": args.kv_heads,
                "top_k": args.top_k,
                "mix": args.mix,
                "lists": args.lists,
                "stripes": args.stripes,
                "seed": args.seed,
            },
        },
        "heads": args.heads,
        "query_tiles": key_tiles,
        "key_tiles": key_tiles,
        "layers": layers,
    }


def write(doc, out):
    """Writes beside out, then links it into place: a crash leaves no torn file, and an existing out is kept."""
    tmp = f"{out}.tmp{os.getpid()}"
    try:
        write_to(doc, tmp)
        os.link(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_to(doc, path):
    # One query tile's list per element, one head per line: diffable, and small enough to commit.
    with open(path, "w") as f:
        f.write("{\n")
        for key in ("schema_version", "source", "heads", "query_tiles", "key_tiles"):
            f.write(f'  "{key}": {json.dumps(doc[key])},\n')
        f.write('  "layers": {\n')
        items = list(doc["layers"].items())
        for i, (layer, heads) in enumerate(items):
            f.write(f'    "{layer}": [\n')
            for h, per_query in enumerate(heads):
                sep = "," if h + 1 < len(heads) else ""
                f.write("      " + json.dumps(per_query, separators=(",", ":")) + sep + "\n")
            f.write("    ]" + ("," if i + 1 < len(items) else "") + "\n")
        f.write("  }\n}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seq-len", type=int, required=True)
    p.add_argument("--tile", type=int, default=128)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=8)
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--layers", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--mix", default="a_shape=0.25,vertical_slash=0.5,block_sparse=0.25")
    p.add_argument("--lists", choices=("per_head", "per_group"), default="per_head")
    p.add_argument("--stripes", type=int, default=6, help="vertical lines per vertical_slash head")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    for name in ("seq_len", "tile", "heads", "kv_heads", "top_k", "stripes"):
        if getattr(args, name) < 1:
            print(f"make_selections.py: --{name.replace('_', '-')} must be >= 1", file=sys.stderr)
            return 2
    if any(layer < 0 for layer in args.layers):
        print("make_selections.py: --layers must be >= 0", file=sys.stderr)
        return 2
    if os.path.lexists(args.out):
        print(f"make_selections.py: {args.out}: exists; not overwritten (remove it first)", file=sys.stderr)
        return 2
    try:
        doc = make(args)
        write(doc, args.out)
    except ValueError as e:
        print(f"make_selections.py: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"make_selections.py: {args.out}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
