"""The solidification log's Merkle tree against RFC 6962: the published test vectors, the recursive definition,
and every inclusion and consistency proof of small trees verifying — and failing when anything is changed."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpf.archive import merkle

# RFC 6962 test data (as used by the certificate-transparency implementations): leaf inputs and the roots of
# the trees of their first 1..8 leaves.
VECTOR_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 2.1 writes it (recursive split at the largest power of two below n)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def hashed(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_roots_match_the_published_vectors():
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in VECTOR_LEAVES]
    assert [merkle.root(leaves[:n]).hex() for n in range(1, 9)] == VECTOR_ROOTS
    assert merkle.root([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("n", range(1, 70))
def test_root_is_the_recursive_definition(n):
    assert merkle.root(hashed(n)) == reference_root(hashed(n))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33])
def test_every_inclusion_proof_verifies_and_a_changed_leaf_does_not(n):
    leaves = hashed(n)
    root = merkle.root(leaves)
    for i in range(n):
        proof = merkle.inclusion_proof(i, leaves)
        assert merkle.verify_inclusion(leaves[i], i, n, proof, root)
        assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), i, n, proof, root)
        if n > 1:
            assert not merkle.verify_inclusion(leaves[i], (i + 1) % n, n, proof, root)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 21, 32, 33])
def test_every_consistency_proof_verifies_and_a_rewritten_history_does_not(n):
    leaves = hashed(n)
    for m in range(1, n + 1):
        proof = merkle.consistency_proof(m, leaves)
        assert merkle.verify_consistency(m, merkle.root(leaves[:m]), n, merkle.root(leaves), proof)
        if m < n:
            rewritten = leaves[:m - 1] + [merkle.leaf_hash(b"rewritten")]
            assert not merkle.verify_consistency(m, merkle.root(rewritten), n, merkle.root(leaves), proof)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=20), min_size=1, max_size=80), st.data())
def test_proofs_hold_for_any_log(entries, data):
    leaves = [merkle.leaf_hash(e) for e in entries]
    n = len(leaves)
    index = data.draw(st.integers(0, n - 1))
    old = data.draw(st.integers(1, n))
    root = merkle.root(leaves)
    assert root == reference_root(leaves)
    assert merkle.verify_inclusion(leaves[index], index, n, merkle.inclusion_proof(index, leaves), root)
    assert merkle.verify_consistency(old, merkle.root(leaves[:old]), n, root, merkle.consistency_proof(old, leaves))


def test_proofs_outside_the_tree_are_refused():
    with pytest.raises(ValueError):
        merkle.inclusion_proof(3, hashed(3))
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, hashed(3))


# -- degenerate input: RFC 6962 verification at its edges ------------------------------------------------------
def _tree(n: int) -> tuple[list[bytes], bytes]:
    leaves = hashed(n)
    return leaves, merkle.root(leaves)


@pytest.mark.parametrize("mangle", [
    lambda h: h[:31], lambda h: h + b"\x00", lambda h: b"", lambda h: h.hex().encode(), lambda h: None,
])
def test_inclusion_refuses_hashes_of_the_wrong_length(mangle):
    leaves, root = _tree(5)
    proof = merkle.inclusion_proof(2, leaves)
    assert merkle.verify_inclusion(leaves[2], 2, 5, proof, root)
    assert not merkle.verify_inclusion(mangle(leaves[2]), 2, 5, proof, root)
    assert not merkle.verify_inclusion(leaves[2], 2, 5, proof, mangle(root))
    assert not merkle.verify_inclusion(leaves[2], 2, 5, [proof[0], mangle(proof[1]), *proof[2:]], root)


def test_inclusion_refuses_sizes_indexes_and_paths_that_do_not_fit():
    leaves, root = _tree(5)
    proof = merkle.inclusion_proof(4, leaves)
    assert not merkle.verify_inclusion(leaves[4], 4, 0, proof, root)  # a tree of no leaves holds nothing
    assert not merkle.verify_inclusion(leaves[4], -1, 5, proof, root)
    assert not merkle.verify_inclusion(leaves[4], 5, 5, proof, root)
    assert not merkle.verify_inclusion(leaves[4], 4, 5, [*proof, proof[0]], root)  # a path too long
    assert not merkle.verify_inclusion(leaves[4], 4, 5, proof[:-1], root)  # a path too short
    assert not merkle.verify_inclusion(leaves[4], 4, 6, proof, root)  # the right path for another size
    single, one_root = _tree(1)
    assert merkle.verify_inclusion(single[0], 0, 1, [], one_root) and one_root == single[0]
    assert not merkle.verify_inclusion(single[0], 0, 1, [single[0]], one_root)
    assert not merkle.verify_inclusion(merkle.EMPTY_ROOT, 0, 1, [], b"")  # empty roots never match


def test_consistency_refuses_empty_trees_empty_roots_and_wrong_lengths():
    leaves, root = _tree(7)
    old_root = merkle.root(leaves[:3])
    proof = merkle.consistency_proof(3, leaves)
    assert merkle.verify_consistency(3, old_root, 7, root, proof)
    assert not merkle.verify_consistency(0, merkle.EMPTY_ROOT, 7, root, proof)  # size 0 where a proof is claimed
    assert not merkle.verify_consistency(0, merkle.EMPTY_ROOT, 7, root, [])
    assert not merkle.verify_consistency(0, b"", 0, b"", [])  # two empty "roots" are not a proof of anything
    assert not merkle.verify_consistency(3, b"", 7, root, proof)
    assert not merkle.verify_consistency(3, old_root, 7, b"", proof)
    assert not merkle.verify_consistency(3, old_root[:16], 7, root, proof)
    assert not merkle.verify_consistency(3, old_root, 7, root, [p + b"\x00" for p in proof])
    assert not merkle.verify_consistency(3, old_root, 7, root, [])  # a proof is needed between sizes
    assert not merkle.verify_consistency(7, root, 3, old_root, proof)  # backwards
    assert not merkle.verify_consistency(3, old_root, 7, root, [*proof, proof[0]])
    assert merkle.verify_consistency(7, root, 7, root, []) and not merkle.verify_consistency(7, root, 7, root, proof)
    # a power-of-two old size: the old root is itself on the path, and must not also be given in the proof
    four = merkle.consistency_proof(4, leaves)
    assert merkle.verify_consistency(4, merkle.root(leaves[:4]), 7, root, four)
    assert not merkle.verify_consistency(4, merkle.root(leaves[:4]), 7, root, [merkle.root(leaves[:4]), *four])
