"""Every node digest of `tree --format json` documents against an
independent SHA-256 of its byte range (hashlib, which is OpenSSL's), and
the node count, node bytes and largest node of the first document.

Usage: check_digests.py FILE.wasm TREE.json [TREE.json ...]
Prints `NODES NODE_BYTES LARGEST`; exits 1 naming the first wrong digest.
"""
import hashlib
import json
import sys


def nodes(doc):
    for f in doc["files"]:
        yield from f["nodes"]


def main():
    data = open(sys.argv[1], "rb").read()
    docs = [json.load(open(p)) for p in sys.argv[2:]]
    view = memoryview(data)
    for doc in docs:
        for n in nodes(doc):
            got = "sha256:" + hashlib.sha256(view[n["offset"]:n["offset"] + n["size"]]).hexdigest()
            if got != n["digest"]:
                sys.exit(f"digest of {n['path']} is {n['digest']}, hashlib says {got}")
    sizes = [n["size"] for n in nodes(docs[0])]
    print(len(sizes), sum(sizes), max(sizes))


main()
