//! The ledger's Merkle tree (stored level-8 subtrees plus the log) gives the
//! same roots and proofs as the plain tree over every record's leaf hash.

mod common;

use slaledger_ledger::merkle::{self, leaf_hash, Leaves};
use slaledger_ledger::store::{Ledger, LedgerOptions};
use slaledger_ledger::tiles::Tree;

fn reference(ledger: &Ledger) -> Leaves {
    let mut v = Vec::new();
    ledger
        .scan_records(1, ledger.head().seq, |_, r| v.push(leaf_hash(r)))
        .unwrap();
    Leaves(v)
}

#[test]
fn roots_and_proofs_from_tiles_equal_those_of_the_plain_tree() {
    let tmp = tempfile::tempdir().unwrap();
    // 1 + 700 records: two complete blocks of 256 and a partial one.
    let ledger = common::ledger_with(tmp.path(), &[300, 400]);
    let tree = Tree::open(&ledger).unwrap();
    let plain = reference(&ledger);
    let n = ledger.head().seq;
    assert_eq!(n, 701);
    assert_eq!(tree.hashed_blocks, 2);
    for size in [1, 2, 255, 256, 257, 511, 512, 513, 700, 701] {
        assert_eq!(
            tree.root(size).unwrap(),
            merkle::root(&plain, size).unwrap(),
            "root {size}"
        );
    }
    let root = tree.root(n).unwrap();
    for i in [0, 1, 255, 256, 300, 511, 512, 699, 700] {
        let p = merkle::inclusion_proof(&tree, i, n).unwrap().unwrap();
        assert_eq!(
            p,
            merkle::inclusion_proof(&plain, i, n).unwrap().unwrap(),
            "leaf {i}"
        );
        assert!(merkle::verify_inclusion(
            i,
            n,
            &tree.leaf(i + 1).unwrap(),
            &p,
            &root
        ));
    }
    for old in [1, 100, 256, 257, 512, 600, 701] {
        let p = merkle::consistency_proof(&tree, old, n).unwrap().unwrap();
        assert_eq!(
            p,
            merkle::consistency_proof(&plain, old, n).unwrap().unwrap(),
            "{old}"
        );
        let old_root = tree.root(old).unwrap();
        assert!(merkle::verify_consistency(old, n, &old_root, &root, &p));
    }
}

#[test]
fn the_stored_subtrees_are_reused_extended_and_rebuilt_when_damaged() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = common::ledger_with(tmp.path(), &[600]);
    let first = Tree::open(&ledger).unwrap().root(601).unwrap();
    assert_eq!(Tree::open(&ledger).unwrap().hashed_blocks, 0, "reused");
    let batch: Vec<_> = (1000..1300).map(common::fee).collect();
    ledger.append(batch, None, common::now()).unwrap();
    let tree = Tree::open(&ledger).unwrap();
    assert_eq!(tree.hashed_blocks, 1, "only the new complete block");
    assert_eq!(tree.root(601).unwrap(), first);
    assert_eq!(
        tree.root(901).unwrap(),
        merkle::root(&reference(&ledger), 901).unwrap()
    );
    drop(tree);
    // Damage the stored file: it is rebuilt, with the same roots.
    let path = tmp.path().join("merkle").join("level8.bin");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[60] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let tree = Tree::open(&ledger).unwrap();
    assert!(tree.rebuilt);
    assert_eq!(tree.hashed_blocks, 3);
    assert_eq!(tree.root(601).unwrap(), first);
    drop(tree);
    // A damaged level-4 file is caught by its blocks' level-8 roots: the
    // proofs stay right (the block is read whole instead).
    let l4 = tmp.path().join("merkle").join("level4.bin");
    let mut bytes = std::fs::read(&l4).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&l4, &bytes).unwrap();
    let tree = Tree::open(&ledger).unwrap();
    let plain = reference(&ledger);
    for i in [0u64, 17, 300, 600] {
        assert_eq!(
            merkle::inclusion_proof(&tree, i, 901).unwrap(),
            merkle::inclusion_proof(&plain, i, 901).unwrap(),
            "leaf {i}"
        );
    }
    drop(tree);
    drop(ledger);
    let (ledger, _) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
    assert_eq!(Tree::open(&ledger).unwrap().hashed_blocks, 0);
}
