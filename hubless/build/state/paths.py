"""Every path hubless keeps under rendered/.hubless/, named once.

Paths are relative to rendered/ (hubless.repository.RENDERED_DIR). What is
committed (the placement record, the manifest, the .gitignore) is output like the cluster
folders; what is local (lock, hash cache, parse cache, transaction, shards) is listed in
that .gitignore and never compared or committed.
"""

from __future__ import annotations

META_DIR = ".hubless"
META_PREFIX = META_DIR + "/"

# Committed beside the cluster folders.
RECORD = f"{META_DIR}/placement.json"  # every decision (hubless.build.state.record)
MANIFEST = f"{META_DIR}/manifest.json"  # what the last render read and wrote
ROLLOUTS = f"{META_DIR}/rollouts.json"  # the rollouts under way (hubless.build.state.rollouts)
GITIGNORE = f"{META_DIR}/.gitignore"

# Local to one checkout.
LOCK = f"{META_DIR}/lock"
HASH_CACHE = f"{META_DIR}/hashes"  # file hashes by size, mtime and inode
HASH_CACHE_PENDING = f"{META_DIR}/hashes.tmp"
PARSE_CACHE = f"{META_DIR}/parses"  # parsed YAML, by text (hubless.build.state.parses)
PARSE_CACHE_PENDING = f"{META_DIR}/parses.tmp"
TXN = f"{META_DIR}/txn"  # a render being moved into place
JOURNAL = f"{TXN}/journal.json"
JOURNAL_PENDING = f"{TXN}/journal.json.tmp"
TXN_FILES = f"{TXN}/files"  # staged files, by number
TXN_FOLDERS = f"{TXN}/folders"  # staged new cluster folders, whole
SHARDS = f"{META_DIR}/shards"  # `render --shard K/N` output, K-of-N/ each
SHARD_DIGESTS = f"{META_DIR}/digests.json"  # inside a shard: its cluster and template digests

GITIGNORE_TEXT = b"hashes\nhashes.tmp\nlock\nparses\nparses.tmp\nshards/\ntxn/\n"

# Files under rendered/ that are not output: never hashed, compared or pruned.
LOCAL_FILES = frozenset({LOCK, HASH_CACHE, HASH_CACHE_PENDING, PARSE_CACHE, PARSE_CACHE_PENDING})


def is_meta(relative: str) -> bool:
    """Whether a path below rendered/ is hubless's own, not a cluster's."""
    return relative.startswith(META_PREFIX)


def cluster_of(relative: str) -> str:
    """The cluster folder a path below rendered/ is in."""
    return relative.split("/", 1)[0]
