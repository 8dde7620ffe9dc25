#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from the conformance cases.

Every byte-string and string literal of tests/sse_conformance.rs and
tests/chunked_conformance.rs that looks like a stream (it holds a line end, or a colon for SSE)
becomes a seed, framed as each target reads its input (see fuzz/src/lib.rs and the targets' doc
comments). Deterministic: running it again rewrites the same files. Run from anywhere:

    python3 fuzz/make_corpus.py
"""

import hashlib
import os
import re
import shutil

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


def write(target, seeds):
    d = os.path.join(CORPUS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for s in unique(seeds):
        name = hashlib.sha1(s).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(s)


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

    write("sse_decode", [HEADER + s for s in sse])
    write("sse_differential", [HEADER + s for s in sse])
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
    for t in TARGETS:
        d = os.path.join(CORPUS, t)
        files = os.listdir(d)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in files)
        total += size
        print(f"{t}: {len(files)} seeds, {size} bytes")
    print(f"total: {total} bytes")


if __name__ == "__main__":
    main()
