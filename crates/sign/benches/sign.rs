//! Criterion benchmarks: SHA-256 throughput, minisign-signing a file, Ed25519
//! verifications per second one by one and batched.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use relkit_sign::{HashAlgorithm, PublicKey, SecretKey, Signature, minisign};

fn sha256(c: &mut Criterion) {
    let mut g = c.benchmark_group("sha256");
    let data = vec![0x5au8; 16 << 20];
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("16MiB_in_memory", |b| {
        b.iter(|| relkit_sign::digest::digest_bytes(HashAlgorithm::Sha256, black_box(&data)))
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, &data).unwrap();
    g.bench_function("16MiB_file", |b| {
        b.iter(|| relkit_sign::digest::sha256_file(black_box(&path)).unwrap())
    });
    g.finish();
}

fn minisign_sign_file(c: &mut Criterion) {
    let mut g = c.benchmark_group("minisign_sign_file");
    let data = vec![0xa5u8; 16 << 20];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, &data).unwrap();
    let key = SecretKey::from_seed(&[1; 32]);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("16MiB", |b| {
        b.iter(|| minisign::sign_file(&key, black_box(&path), "timestamp:0", &mut |_| {}).unwrap())
    });
    g.bench_function("16MiB_raw_ed25519", |b| {
        b.iter(|| relkit_sign::raw::sign_file(&key, black_box(&path), &mut |_| {}).unwrap())
    });
    g.finish();
}

fn ed25519_verify(c: &mut Criterion) {
    let mut g = c.benchmark_group("ed25519_verify");
    let n = 64;
    let keys: Vec<SecretKey> = (0..n)
        .map(|i| SecretKey::from_seed(&[i as u8; 32]))
        .collect();
    let msgs: Vec<Vec<u8>> = (0..n)
        .map(|i| format!("message {i}").into_bytes())
        .collect();
    let sigs: Vec<Signature> = keys.iter().zip(&msgs).map(|(k, m)| k.sign(m)).collect();
    let pks: Vec<PublicKey> = keys.iter().map(SecretKey::public_key).collect();
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_with_input(BenchmarkId::new("one_by_one", n), &n, |b, _| {
        b.iter(|| {
            for ((pk, msg), sig) in pks.iter().zip(&refs).zip(&sigs) {
                pk.verify(msg, sig, "s").unwrap();
            }
        })
    });
    g.bench_with_input(BenchmarkId::new("batched", n), &n, |b, _| {
        b.iter(|| relkit_sign::verify_batch(black_box(&refs), &sigs, &pks).unwrap())
    });
    g.finish();
}

criterion_group!(benches, sha256, minisign_sign_file, ed25519_verify);
criterion_main!(benches);
