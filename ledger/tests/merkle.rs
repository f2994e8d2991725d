//! RFC 6962 / RFC 9162 Merkle tree: the published vectors, and every proof
//! of every tree of 1..64 leaves against a straightforward reference.

use slaledger_ledger::merkle::{self, leaf_hash, node_hash, Hash, Leaves};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn h(s: &str) -> Hash {
    unhex(s).try_into().unwrap()
}

/// The eight leaves of the Certificate Transparency test data.
fn vector_leaves() -> Leaves {
    let data = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    Leaves(data.iter().map(|d| leaf_hash(&unhex(d))).collect())
}

const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

#[test]
fn roots_of_the_published_vectors() {
    let leaves = vector_leaves();
    assert_eq!(
        merkle::root(&leaves, 0).unwrap(),
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    for n in 1..=8u64 {
        assert_eq!(
            merkle::root(&leaves, n).unwrap(),
            h(ROOTS[n as usize - 1]),
            "size {n}"
        );
    }
}

#[test]
fn inclusion_proofs_of_the_published_vectors() {
    let leaves = vector_leaves();
    let cases: [(u64, u64, &[&str]); 5] = [
        (0, 1, &[]),
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            3,
            &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
        ),
        (
            1,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (i, n, want) in cases {
        let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
        let got = merkle::inclusion_proof(&leaves, i, n).unwrap().unwrap();
        assert_eq!(got, want, "leaf {i} of {n}");
        let root = merkle::root(&leaves, n).unwrap();
        assert!(merkle::verify_inclusion(
            i,
            n,
            &leaves.0[i as usize],
            &got,
            &root
        ));
    }
}

#[test]
fn consistency_proofs_of_the_published_vectors() {
    let leaves = vector_leaves();
    let cases: [(u64, u64, &[&str]); 4] = [
        (1, 1, &[]),
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (m, n, want) in cases {
        let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
        let got = merkle::consistency_proof(&leaves, m, n).unwrap().unwrap();
        assert_eq!(got, want, "{m} -> {n}");
        let (a, b) = (
            merkle::root(&leaves, m).unwrap(),
            merkle::root(&leaves, n).unwrap(),
        );
        assert!(merkle::verify_consistency(m, n, &a, &b, &got));
    }
}

// ---- the reference: RFC 6962 §2.1 written out literally over slices ----

fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => merkle::empty_root(),
        1 => d[0],
        n => {
            let k = largest_pow2_below(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

fn largest_pow2_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    if d.len() <= 1 {
        return Vec::new();
    }
    let k = largest_pow2_below(d.len());
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(d)] };
    }
    let k = largest_pow2_below(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

#[test]
fn every_proof_of_every_tree_up_to_64_leaves_matches_the_reference() {
    let all = Leaves((0..64u32).map(|i| leaf_hash(&i.to_be_bytes())).collect());
    for n in 1..=64usize {
        let d = &all.0[..n];
        let root = merkle::root(&all, n as u64).unwrap();
        assert_eq!(root, mth(d), "root of {n}");
        for m in 0..n {
            let p = merkle::inclusion_proof(&all, m as u64, n as u64)
                .unwrap()
                .unwrap();
            assert_eq!(p, path(m, d), "inclusion {m} of {n}");
            assert!(merkle::verify_inclusion(
                m as u64, n as u64, &d[m], &p, &root
            ));
            // Any other leaf, index or size fails.
            let other = d[(m + 1) % n];
            if n > 1 {
                assert!(!merkle::verify_inclusion(
                    m as u64, n as u64, &other, &p, &root
                ));
            }
            if n < 64 {
                let bigger = merkle::root(&all, n as u64 + 1).unwrap();
                assert!(!merkle::verify_inclusion(
                    m as u64,
                    n as u64 + 1,
                    &d[m],
                    &p,
                    &bigger
                ));
            }
        }
        for m in 1..=n {
            let p = merkle::consistency_proof(&all, m as u64, n as u64)
                .unwrap()
                .unwrap();
            assert_eq!(p, subproof(m, d, true), "consistency {m} -> {n}");
            let old = mth(&d[..m]);
            assert!(
                merkle::verify_consistency(m as u64, n as u64, &old, &root, &p),
                "{m}->{n}"
            );
            // Another old root fails (a rewritten history).
            let mut forged = old;
            forged[0] ^= 1;
            assert!(!merkle::verify_consistency(
                m as u64, n as u64, &forged, &root, &p
            ));
            if let Some(first) = p.first() {
                let mut q = p.clone();
                q[0] = node_hash(first, first);
                assert!(!merkle::verify_consistency(
                    m as u64, n as u64, &old, &root, &q
                ));
            }
        }
    }
}
