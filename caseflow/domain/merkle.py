"""A Merkle tree over every case's chain head, so one root vouches for all of them.

A checkpoint publishes the root; anyone holding it (a notary, a blockchain evidence platform)
can later check that a case's head was part of it from the case's leaf and a short proof,
without seeing any other case. Leaves and inner nodes are domain-separated (RFC 6962 style)
so a leaf can never pass for a node.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf_hash(case_id: int, number: str, seq: int, head: str) -> str:
    data = f"{case_id}\x1f{number}\x1f{seq}\x1f{head}".encode()
    return hashlib.sha256(b"\x00" + data).hexdigest()


def _node(left: str, right: str) -> str:
    return hashlib.sha256(b"\x01" + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


def merkle_root(leaves: Sequence[str]) -> str:
    """The root over leaf hashes in order; an odd node is carried up unchanged."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        level = [_node(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    return level[0]


@dataclass(frozen=True)
class ProofStep:
    side: str  # "left" or "right": where the sibling sits
    hash: str


def inclusion_proof(leaves: Sequence[str], index: int) -> list[ProofStep]:
    """The siblings from leaf ``index`` up to the root."""
    if not 0 <= index < len(leaves):
        raise IndexError(index)
    proof: list[ProofStep] = []
    level = list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(ProofStep("left" if sibling < index else "right", level[sibling]))
        level = [_node(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
        index //= 2
    return proof


def root_from_proof(leaf: str, proof: Sequence[ProofStep]) -> str:
    node = leaf
    for step in proof:
        node = _node(step.hash, node) if step.side == "left" else _node(node, step.hash)
    return node
