"""Shared corpus / tokenizer / data helpers for bench/train_pair.

Interpreter: /work/venv/bin/python (CPython 3.11) with
    torch (tested 2.15.0, CPU), transformers (tested 5.23.0),
    tokenizers (tested 0.23.3), safetensors (tested 0.8.0), numpy (tested 2.4.6).
Corpus: Debian package python3-doc (python3.11-doc), i.e. the reStructuredText
sources of the Python 3.11 documentation under
/usr/share/doc/python3.11/html/_sources (PSF License Agreement; code examples
in the docs are dual licensed PSF / Zero-Clause BSD). Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field

import numpy as np

DEFAULT_CORPUS_ROOT = "/usr/share/doc/python3.11/html/_sources"
CORPUS_SUFFIX = ".rst.txt"

BOS_TOKEN = "<|startoftext|>"  # id 0
EOS_TOKEN = "<|endoftext|>"  # id 1
SPECIAL_TOKENS = [BOS_TOKEN, EOS_TOKEN]
BOS_ID, EOS_ID = 0, 1

# One validation file in VAL_MODULUS, chosen by a hash of its relative path:
# deterministic, independent of the file order and of the machine.
VAL_MODULUS = 20


def clean_text(text: str) -> str:
    """Light, deterministic normalisation of one reST source file."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\ufeff", "")
    # Drop control characters other than newline and tab.
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    lines = [ln.rstrip() for ln in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)  # at most one blank line in a row
    return text.strip("\n") + "\n"


def is_validation(relpath: str) -> bool:
    h = hashlib.sha256(relpath.encode("utf-8")).hexdigest()
    return int(h[:8], 16) % VAL_MODULUS == 0


@dataclass
class Corpus:
    root: str
    files: list[str] = field(default_factory=list)  # relative paths, sorted
    train: list[str] = field(default_factory=list)  # cleaned documents
    val: list[str] = field(default_factory=list)
    train_files: list[str] = field(default_factory=list)
    val_files: list[str] = field(default_factory=list)
    raw_bytes: int = 0
    file_list_sha256: str = ""  # sha256 over "relpath\tsha256(raw bytes)\n" lines
    train_bytes: int = 0  # UTF-8 bytes after cleaning
    val_bytes: int = 0


def load_corpus(root: str = DEFAULT_CORPUS_ROOT) -> Corpus:
    if not os.path.isdir(root):
        raise SystemExit(
            f"corpus directory {root} not found: install it with "
            "`apt-get install -y python3-doc` (Debian 12)"
        )
    rels = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            if n.endswith(CORPUS_SUFFIX):
                rels.append(os.path.relpath(os.path.join(dirpath, n), root))
    rels.sort()
    c = Corpus(root=root, files=rels)
    manifest = hashlib.sha256()
    for rel in rels:
        with open(os.path.join(root, rel), "rb") as f:
            raw = f.read()
        c.raw_bytes += len(raw)
        manifest.update(f"{rel}\t{hashlib.sha256(raw).hexdigest()}\n".encode())
        doc = clean_text(raw.decode("utf-8", errors="replace"))
        nbytes = len(doc.encode("utf-8"))
        if is_validation(rel):
            c.val.append(doc)
            c.val_files.append(rel)
            c.val_bytes += nbytes
        else:
            c.train.append(doc)
            c.train_files.append(rel)
            c.train_bytes += nbytes
    c.file_list_sha256 = manifest.hexdigest()
    return c


def _dpkg_version(pkg: str) -> str | None:
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True, check=False
        )
        return out.stdout.strip() or None
    except OSError:
        return None


def corpus_manifest(c: Corpus) -> dict:
    return {
        "source": "Python 3.11 documentation, reStructuredText sources (*.rst.txt)",
        "root": c.root,
        "debian_packages": {
            "python3-doc": _dpkg_version("python3-doc"),
            "python3.11-doc": _dpkg_version("python3.11-doc"),
        },
        "licence": (
            "PSF License Agreement for Python 3.11 (documentation); examples, recipes and "
            "other code in the documentation are dual licensed PSF / Zero-Clause BSD. "
            "Full text: /usr/share/doc/python3.11/copyright and _sources/license.rst.txt."
        ),
        "cleaning": (
            "UTF-8 decode, Unicode NFC, CRLF->LF, BOM and control chars (except \\n, \\t) "
            "removed, trailing whitespace stripped, runs of blank lines collapsed to one, "
            "one document per file wrapped as <|startoftext|> ... <|endoftext|>"
        ),
        "split": (
            f"per file: validation iff int(sha256(relative_path)[:8], 16) % {VAL_MODULUS} == 0"
        ),
        "num_files": len(c.files),
        "raw_bytes": c.raw_bytes,
        "file_list_sha256": c.file_list_sha256,
        "file_list_sha256_definition": "sha256 over lines 'relpath<TAB>sha256(raw file)<LF>', files sorted by relpath",
        "train": {"files": len(c.train_files), "bytes": c.train_bytes},
        "validation": {"files": len(c.val_files), "bytes": c.val_bytes, "file_names": c.val_files},
    }


def encode_docs(tokenizer, docs: list[str]) -> np.ndarray:
    """Token stream: for each doc, BOS + tokens + EOS, concatenated (uint16)."""
    # `tokenizer` is a tokenizers.Tokenizer. Encode without the post-processor
    # so BOS/EOS are added here explicitly (and exactly once).
    encs = tokenizer.encode_batch(docs, add_special_tokens=False)
    total = sum(len(e.ids) + 2 for e in encs)
    out = np.empty(total, dtype=np.uint16)
    pos = 0
    for e in encs:
        out[pos] = BOS_ID
        n = len(e.ids)
        out[pos + 1 : pos + 1 + n] = e.ids
        out[pos + 1 + n] = EOS_ID
        pos += n + 2
    return out


def val_windows(stream: np.ndarray, seq_len: int, max_windows: int | None = None) -> np.ndarray:
    """Non-overlapping windows of seq_len + 1 tokens, stride seq_len: every
    token after the first is predicted exactly once. Tail shorter than a
    window is dropped. Returns int64 array [n, seq_len + 1]."""
    n = (len(stream) - 1) // seq_len
    if max_windows is not None:
        n = min(n, max_windows)
    idx = np.arange(n)[:, None] * seq_len + np.arange(seq_len + 1)[None, :]
    return stream[idx].astype(np.int64)


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")
