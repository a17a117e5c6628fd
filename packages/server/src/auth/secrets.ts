/**
 * Random secrets, their stored hashes and the comparisons of secret-derived values. Secrets are looked up
 * by SHA-256 in unique indexes; HMACs are compared with timingSafeEqual on equal-length buffers.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: session ids and one-time tokens. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const API_TOKEN_PREFIX = 'kobo_';
const API_TOKEN_BODY = 43;

/** `kobo_` + 43 base62 characters: 256 random bits. */
export function newApiToken(): string {
  let n = BigInt(`0x${randomBytes(32).toString('hex')}`);
  let body = '';
  for (let i = 0; i < API_TOKEN_BODY; i++) {
    body = BASE62[Number(n % 62n)] + body;
    n /= 62n;
  }
  return API_TOKEN_PREFIX + body;
}

export function looksLikeApiToken(text: string): boolean {
  return /^kobo_[0-9A-Za-z]{43}$/.test(text);
}

export function hmacBase64Url(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message).digest('base64url');
}

/** Equal-length, constant-time comparison of two secret-derived strings. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}
