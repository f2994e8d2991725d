//! C2SP signed notes, checkpoints and cosignatures, byte for byte.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use slaledger_ledger::checkpoint::{self, Checkpoint, PrivateKey};

const GO_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn the_reference_note_is_reproduced_byte_for_byte() {
    let key = PrivateKey::parse(GO_SKEY).unwrap();
    assert_eq!(key.note_vkey(), GO_VKEY);
    let note = checkpoint::sign_text(GO_TEXT, &key).unwrap();
    assert_eq!(note, format!("{GO_TEXT}\n{GO_SIG}"));
}

#[test]
fn key_ids_are_the_first_four_bytes_of_sha256_of_name_newline_type_key() {
    let key = PrivateKey::parse(GO_SKEY).unwrap();
    let public = key.key.verifying_key().to_bytes();
    for kind in [0x01u8, 0x04] {
        let mut h = Sha256::new();
        h.update(b"PeterNeumann\n");
        h.update([kind]);
        h.update(public);
        let want = u32::from_be_bytes(h.finalize()[..4].try_into().unwrap());
        assert_eq!(checkpoint::key_id("PeterNeumann", kind, &public), want);
    }
    assert!(key.cosigner_vkey().starts_with("PeterNeumann+"));
    assert_ne!(key.cosigner_vkey(), key.note_vkey());
}

#[test]
fn a_checkpoint_body_is_origin_size_and_base64_root_lines() {
    let text =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let cp = Checkpoint::parse(text).unwrap();
    assert_eq!(cp.origin, "example.com/behind-the-sofa");
    assert_eq!(cp.size, 20852163);
    assert_eq!(cp.text(), text);
    for bad in [
        "o\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "o\n12\nnot-base64\n",
        "o\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
        "\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    ] {
        assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn the_specs_cosignature_line_carries_a_big_endian_timestamp_after_the_key_id() {
    // tlog-cosignature's example: time 1679315147 (0x641850CB).
    let sig = "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";
    let raw = B64.decode(sig).unwrap();
    assert_eq!(raw.len(), 4 + 8 + 64);
    assert_eq!(
        u64::from_be_bytes(raw[4..12].try_into().unwrap()),
        1679315147
    );
}

#[test]
fn a_checkpoint_signed_and_cosigned_opens_with_both_keys_and_fails_when_altered() {
    let log = PrivateKey::from_seed("leverandor.example/slaledger", [7; 32]).unwrap();
    let customer = PrivateKey::from_seed("kunde.example/kontrol", [9; 32]).unwrap();
    let cp = Checkpoint {
        origin: "slaledger/test".into(),
        size: 42,
        root: [5; 32],
        extensions: vec![],
    };
    let note = checkpoint::sign(&cp, &log).unwrap();
    let cosigned = checkpoint::cosign(&note, &customer, 1_750_000_000).unwrap();
    let last = cosigned.lines().last().unwrap();
    assert!(last.starts_with("— kunde.example/kontrol "), "{last}");
    let raw = B64.decode(last.rsplit(' ').next().unwrap()).unwrap();
    assert_eq!(raw.len(), 76);
    assert_eq!(
        u64::from_be_bytes(raw[4..12].try_into().unwrap()),
        1_750_000_000
    );
    // The cosigned message is the header, the time line and the checkpoint.
    let msg = format!("cosignature/v1\ntime 1750000000\n{}", cp.text());
    let s = ed25519_dalek::Signature::from_slice(&raw[12..]).unwrap();
    use ed25519_dalek::Verifier as _;
    assert!(customer
        .key
        .verifying_key()
        .verify(msg.as_bytes(), &s)
        .is_ok());
    let keys = [log.note_vkey(), customer.cosigner_vkey()];
    let opened = checkpoint::open(&cosigned, &keys).unwrap();
    assert_eq!(opened.checkpoint, cp);
    assert_eq!(opened.verified.len(), 2);
    // Only the customer's key: the log's signature is unknown, still opens.
    let only = checkpoint::open(&cosigned, &keys[1..]).unwrap();
    assert_eq!((only.verified.len(), only.unknown.len()), (1, 1));
    // A changed size fails.
    let forged = cosigned.replacen("\n42\n", "\n43\n", 1);
    assert!(checkpoint::open(&forged, &keys).is_err());
    // A key nobody trusts: no verified signature.
    let stranger = PrivateKey::from_seed("x.example/y", [1; 32]).unwrap();
    assert!(checkpoint::open(&cosigned, &[stranger.note_vkey()]).is_err());
}
