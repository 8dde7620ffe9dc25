#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from the conformance cases.

Every byte-string and string literal of tests/sse_conformance.rs and
tests/chunked_conformance.rs that looks like a stream (it holds a line end, or a colon for SSE)
becomes a seed, framed as each target reads its input (see testkit/src/fuzz.rs and the targets' doc
comments). Deterministic: running it again rewrites the same files. Run from anywhere:

    python3 fuzz/make_corpus.py                      # every target
    python3 fuzz/make_corpus.py sse_differential     # only the targets named

The SSE targets also get a few hand-written seeds for their limit paths (LIMIT_SEEDS,
RETENTION_SEEDS), framed with flags that pick small limits.

For long runs, `--large DIR TARGET` writes a few large SSE seeds (64 KiB to 1 MiB) into DIR,
a scratch corpus that is never committed (see fuzz/README.md, "Long runs"):

    python3 fuzz/make_corpus.py --large fuzz/corpus-scratch/sse_differential sse_differential
"""

import hashlib
import os
import re
import shutil
import sys

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
CORPUS = os.path.join(FUZZ, "corpus")
TARGETS = [
    "sse_decode",
    "sse_differential",
    "sse_roundtrip",
    "chunked_decode",
    "chunked_roundtrip",
    "chunked_then_sse",
    "chunked_bytes_decoder",
]
# Header: flags 0, no piece lengths (decode whole); the fuzzer mutates both.
HEADER = b"\x00\x00"
MAX_SEED = 4096
# Assertion messages are literals too: skip format strings.
FORMAT = re.compile(rb"\{[a-z_]*(:\??)?\}")


# Rust escapes that stand for one fixed byte.
SIMPLE_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "0": b"\0", "\\": b"\\", '"': b'"', "'": b"'"}


def rust_literals(path):
    """The (byte) string literals of a Rust file, unescaped, comments skipped."""
    src = open(path, encoding="utf-8").read()
    out = []
    i = 0
    n = len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            i = src.find("\n", i)
            if i < 0:
                break
            continue
        if c == "'":
            # A char literal ('"', '\n', 'x') or a lifetime ('a): skip either.
            m = re.match(r"'(\\.|\\x[0-9a-fA-F]{2}|\\u\{[0-9a-fA-F]+\}|[^'\\])'", src[i:])
            i += m.end() if m else 1
            continue
        if c == '"' or (c == "b" and src.startswith('b"', i) and not src[i - 1].isalnum()):
            is_bytes = c == "b"
            i += 2 if is_bytes else 1
            buf = bytearray()
            while i < n and src[i] != '"':
                if src[i] == "\\":
                    e = src[i + 1]
                    if e in SIMPLE_ESCAPES:
                        buf += SIMPLE_ESCAPES[e]
                        i += 2
                    elif e == "x":
                        v = int(src[i + 2 : i + 4], 16)
                        buf += bytes([v]) if is_bytes else chr(v).encode()
                        i += 4
                    elif e == "u":
                        j = src.index("}", i)
                        buf += chr(int(src[i + 3 : j], 16)).encode()
                        i = j + 1
                    elif e == "\n":
                        i += 2
                        while i < n and src[i] in " \t\n\r":
                            i += 1
                    else:
                        raise ValueError(f"{path}: unknown escape \\{e}")
                else:
                    buf += src[i].encode()
                    i += 1
            i += 1
            out.append(bytes(buf))
            continue
        i += 1
    return out


def unique(items):
    seen = set()
    out = []
    for x in items:
        if x not in seen and len(x) <= MAX_SEED:
            seen.add(x)
            out.append(x)
    return out


def chunk_encode(body, size):
    out = bytearray()
    for k in range(0, len(body), size):
        piece = body[k : k + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return bytes(out + b"0\r\n\r\n")


# Targets named on the command line (all when none).
SELECTED = set(TARGETS)


def write(target, seeds):
    if target not in SELECTED:
        return
    d = os.path.join(CORPUS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for s in unique(seeds):
        name = hashlib.sha1(s).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(s)


def sse_flags(line, event, comments=True, reconnect=False):
    """The flags byte of sse_decode and sse_differential: comments off in bit 0, the max_line_len
    choice in bits 1-3, the max_event_size choice in bits 4-6, a reconnection in bit 7. The
    choices index each target's own table (sse_limits, sse_differential_limits)."""
    return bytes([(0 if comments else 1) | line << 1 | event << 4 | (0x80 if reconnect else 0)])


# sse_differential_limits: LINE = [default, 0, 1, 2, 5, 8, 16, 64],
# EVENT = [default, 0, 1, 3, 6, 10, 32, 128]; these seeds pick indexes into them.
LIMIT_SEEDS = [
    # A long comment outside any event costs only itself; inside one it costs the event.
    (sse_flags(5, 0), b"data: a\n\n: a long keep-alive\ndata: b\n\n"),
    (sse_flags(5, 0), b"data: x\n:0123456789\ndata: y\n\ndata: z\n\n"),
    (sse_flags(4, 0, comments=False), b":0123456789\nt"),
    # An oversized unterminated last line, after a BOM.
    (sse_flags(5, 0), b"\xef\xbb\xbfdata: a\n\ndata: 0123456789"),
    # Data past the limit on its second line; the joining LF past the limit.
    (sse_flags(0, 4), b"data: abc\ndata: defgh\n\ndata: ok\n\n"),
    (sse_flags(0, 3), b"data: 123\ndata: 4\n\ndata: 5\n\n"),
    # A retry before the error holds, an id and a retry in the skipped part do not.
    (sse_flags(0, 3), b"retry: 5\ndata: 12345\nid: 9\nretry: 7\n\nid: 1\n\ndata: b\n\n"),
    (sse_flags(5, 0), b"retry: 5\n:0123456789\n\nid: 3\n\n"),
    # Zero limits, and a BOM cut short under them.
    (sse_flags(1, 1), b"\n\ndata\n\n:\ndata:\r\n\r"),
    (sse_flags(1, 1), b"\xef\xbb"),
    # Errors on both sides of a reconnection: offsets keep counting.
    (
        sse_flags(5, 5, reconnect=True),
        b"id: 1\ndata: a\n\n:0123456789\ndata: cut of"
        b"id: 2\ndata: 0123456789\n\ndata: b\n\ndata: 01234567890\n\n",
    ),
]

# sse_limits (sse_decode): index 7 is the default for both limits. Events whose fields stay
# slices of the input while comments, unknown fields or more data lines pass the retention cap
# (64 bytes under cfg(fuzzing)).
PAD = b"p" * 100
RETENTION_SEEDS = [
    (sse_flags(7, 7), b"data: x\n:" + PAD + b"\n:" + PAD + b"\ndata: y\n\n"),
    (sse_flags(7, 7), b"id: 7\nevent: e\nx-pad: " + PAD + b"\ndata: z\n\n"),
    (sse_flags(7, 7), b"data: " + PAD + b"\ndata: " + PAD + b"\ndata: " + PAD + b"\n\n"),
    (sse_flags(5, 5), b"data: x\n:" + PAD + b"\ndata: y\n\n"),
]


def large_seeds():
    """A few large SSE streams: many small events, one huge data line, long comment runs with
    mixed line ends, long multi-line events."""
    tokens = b"".join(b"id: %d\ndata: {\"t\":\"tok%d\"}\n\n" % (i, i) for i in range(3000))
    huge = b"event: big\ndata: " + b"x" * (256 << 10) + b"\n\n: ping\n\ndata: after\n\n"
    ends = [b"\n", b"\r\n", b"\r"]
    mixed = bytearray()
    i = 0
    while len(mixed) < (1 << 20):
        eol = ends[i % 3]
        mixed += b":" + b"k" * (i % 700) + eol
        mixed += b"data: line %d" % i + eol + b"data: " + b"d" * (i % 1500) + eol
        if i % 5 == 0:
            mixed += b"retry: %d" % i + eol
        mixed += eol
        i += 1
    return [tokens[: 64 << 10], huge, bytes(mixed)]


def write_large(directory, target):
    """Writes large seeds for `target` (an SSE target) into `directory`."""
    if target == "sse_decode":
        # sse_limits: defaults (7), and 1 KiB lines with 8 KiB events (6).
        headers = [sse_flags(7, 7) + b"\x00", sse_flags(6, 6) + b"\x00"]
    elif target == "sse_differential":
        # sse_differential_limits: defaults (0), and 64-byte lines with 128-byte events (7).
        headers = [sse_flags(0, 0) + b"\x00", sse_flags(7, 7) + b"\x00"]
    else:
        raise SystemExit(f"--large makes seeds for sse_decode and sse_differential, not {target}")
    os.makedirs(directory, exist_ok=True)
    for header in headers:
        for s in large_seeds():
            seed = header + s
            name = "large-" + hashlib.sha1(seed).hexdigest()[:16]
            with open(os.path.join(directory, name), "wb") as f:
                f.write(seed)
            print(f"{directory}/{name}: {len(seed)} bytes")


def main():
    sse = [
        lit
        for lit in rust_literals(os.path.join(ROOT, "tests/sse_conformance.rs"))
        if len(lit) >= 2
        and any(b in lit for b in (b"\n", b"\r", b":"))
        and not FORMAT.search(lit)
    ]
    # Templates use "\n" for "any line end": add the CRLF and CR spellings.
    variants = []
    for lit in sse:
        variants.append(lit)
        if b"\r" not in lit and b"\n" in lit:
            variants.append(lit.replace(b"\n", b"\r\n"))
            variants.append(lit.replace(b"\n", b"\r"))
    sse = unique(variants)
    chunked = unique(
        lit
        for lit in rust_literals(os.path.join(ROOT, "tests/chunked_conformance.rs"))
        if len(lit) >= 3 and b"\n" in lit and not FORMAT.search(lit)
    )

    write("sse_decode", [HEADER + s for s in sse] + [f + b"\x00" + s for f, s in RETENTION_SEEDS])
    write(
        "sse_differential",
        [HEADER + s for s in sse] + [f + b"\x00" + s for f, s in LIMIT_SEEDS],
    )
    write("chunked_decode", [HEADER + c for c in chunked])
    # BytesDecoder: each case whole (strict, no limits) and in 3-byte pieces (default preset and
    # limits), so that lines straddle pieces from the start.
    write(
        "chunked_bytes_decoder",
        [HEADER + c for c in chunked] + [b"\x05\x01\x03" + c for c in chunked],
    )

    # Pipelines: each SSE case chunk-encoded whole and in 7-byte chunks (default preset),
    # plus the chunked cases as they are.
    pipeline = []
    for s in sse:
        pipeline.append(b"\x01\x00" + chunk_encode(s, max(len(s), 1)))
        pipeline.append(b"\x01\x00" + chunk_encode(s, 7))
    pipeline += [b"\x01\x00" + c for c in chunked]
    write("chunked_then_sse", pipeline)

    # Encoder round trips: each SSE case as the data of an event, alone and with an event type,
    # an id and a retry; then a comment and a keep-alive.
    def clean(b):
        return b.replace(b"\xfe", b"").replace(b"\xff", b"")

    rt = []
    for s in sse:
        s = clean(s)
        rt.append(HEADER + b"\x10" + s)
        rt.append(
            HEADER
            + b"\xf0" + s + b"\xfeupdate\xfe42\xfe\x10\x27"
            + b"\xff\x01 keep\nalive"
            + b"\xff\x02"
        )
    write("sse_roundtrip", rt)

    # Chunked round trips: each chunked case as a payload, with extensions, then a trailer
    # field, then a pipelined request as leftover.
    crt = []
    for c in chunked:
        c = clean(c)
        crt.append(
            HEADER
            + b"\x00" + c + b"\xfesig=\"a b\"\xfex\xfen=1"
            + b"\xff\x01" + c[:8]
            + b"\xff\x03X-Checksum\xfe7d1a"
            + b"\xffGET / HTTP/1.1\r\n\r\n"
        )
    write("chunked_roundtrip", crt)

    total = 0
    for t in sorted(SELECTED, key=TARGETS.index):
        d = os.path.join(CORPUS, t)
        files = os.listdir(d)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in files)
        total += size
        print(f"{t}: {len(files)} seeds, {size} bytes")
    print(f"total: {total} bytes")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--large"]:
        if len(args) != 3:
            raise SystemExit("usage: make_corpus.py --large DIR TARGET")
        write_large(args[1], args[2])
    else:
        unknown = [a for a in args if a not in TARGETS]
        if unknown:
            raise SystemExit(f"unknown targets {unknown}; known: {TARGETS}")
        if args:
            SELECTED = set(args)
        main()
