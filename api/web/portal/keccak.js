// Keccak-256 (the original Keccak padding, as Ethereum and the attestors'
// receipts use it) and the check of a Merkle inclusion proof, so that the
// page itself recomputes a batch's root from a receipt's digest: the
// contract's answer is checked, not taken on trust. The tree is that of
// attest/merkle.go: leaf = keccak256(0x00 ‖ digest), node = keccak256(0x01
// ‖ left ‖ right).

const mask = (1n << 64n) - 1n;
const roundConstants = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n,
  0x000000000000808bn, 0x0000000080000001n, 0x8000000080008081n, 0x8000000000008009n,
  0x000000000000008an, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
  0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n, 0x8000000000008003n,
  0x8000000000008002n, 0x8000000000000080n, 0x000000000000800an, 0x800000008000000an,
  0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];
// rotations[x][y] of the ρ step.
const rotations = [
  [0, 36, 3, 41, 18],
  [1, 44, 10, 45, 2],
  [62, 6, 43, 15, 61],
  [28, 55, 25, 21, 56],
  [27, 20, 39, 8, 14],
];

function rot(v, n) {
  if (n === 0) return v;
  return ((v << BigInt(n)) | (v >> BigInt(64 - n))) & mask;
}

// permute applies Keccak-f[1600] to the state a (25 lanes, a[x + 5y]).
function permute(a) {
  const c = new Array(5);
  const b = new Array(25);
  for (let round = 0; round < 24; round++) {
    for (let x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    for (let x = 0; x < 5; x++) {
      const d = c[(x + 4) % 5] ^ rot(c[(x + 1) % 5], 1);
      for (let y = 0; y < 5; y++) a[x + 5 * y] ^= d;
    }
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rot(a[x + 5 * y], rotations[x][y]);
    }
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 5; y++) {
        a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & mask & b[(x + 2) % 5 + 5 * y]);
      }
    }
    a[0] ^= roundConstants[round];
  }
}

// keccak256 hashes bytes (a Uint8Array) to 32 bytes.
export function keccak256(bytes) {
  const rate = 136;
  const padded = new Uint8Array(Math.floor(bytes.length / rate) * rate + rate);
  padded.set(bytes);
  padded[bytes.length] ^= 0x01;
  padded[padded.length - 1] ^= 0x80;
  const a = new Array(25).fill(0n);
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 8; i++) {
      let lane = 0n;
      for (let k = 7; k >= 0; k--) lane = (lane << 8n) | BigInt(padded[off + 8 * i + k]);
      a[i] ^= lane;
    }
    permute(a);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 4; i++) {
    let lane = a[i];
    for (let k = 0; k < 8; k++) {
      out[8 * i + k] = Number(lane & 0xffn);
      lane >>= 8n;
    }
  }
  return out;
}

export function toHex(bytes) {
  return "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// fromHex reads "0x" + 64 hex characters; anything else is an error.
export function fromHex(s) {
  if (typeof s !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(s)) throw new Error("not a 32-byte digest: " + s);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(s.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// selfTest checks the hash against a known answer (the digest of no
// bytes), so that a page whose hash were wrong could not call a proof
// valid or invalid.
export function selfTest() {
  return toHex(keccak256(new Uint8Array(0))) === "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";
}

// rootOf recomputes the root a proof leads to from a receipt's digest.
export function rootOf(leafHex, proof) {
  let h = keccak256(concat(Uint8Array.of(0x00), fromHex(leafHex)));
  for (const step of proof) {
    const sibling = fromHex(step.hash);
    h = step.left ? keccak256(concat(Uint8Array.of(0x01), sibling, h)) : keccak256(concat(Uint8Array.of(0x01), h, sibling));
  }
  return toHex(h);
}
