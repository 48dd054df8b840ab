/**
 * Password hashing with scrypt (node:crypto; memory-hard, so guessing costs memory as well as time).
 * The stored form is PHC-style and carries its parameters and salt, so they can be raised later
 * without invalidating existing hashes: `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (unpadded base64).
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import { AppError } from "@ballast/core";

export const MIN_PASSWORD_LENGTH = 8;
/** Beyond any passphrase; bounds the work a request can ask of the hash. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * N = 2^15, r = 8, p = 1: 32 MiB and tens of milliseconds per hash. OWASP's floor is N = 2^17
 * (128 MiB); since every hash carries its parameters, raising them later needs no migration.
 */
const DEFAULT_PARAMS = { ln: 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * At most this many hashes at once: each holds 32 MiB and a libuv thread (which file I/O shares), so a
 * burst of sign-ins must queue instead of exhausting memory or starving uploads.
 */
const MAX_CONCURRENT = 2;
/** Sign-ins waiting beyond this are answered OVERLOADED (429, retryable) instead of queueing forever. */
const MAX_QUEUED = 64;

let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) {
    if (waiting.length >= MAX_QUEUED) {
      throw new AppError("OVERLOADED", "Too many sign-ins at once; retry shortly.");
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    // Hand the slot straight to the next waiter; `running` only drops when nobody waits.
    if (next) next();
    else running--;
  }
}

interface Params {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

function derive(password: string, salt: Buffer, params: Params): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return limited(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password.normalize("NFC"), salt, KEY_BYTES, options, (error, key) =>
          error ? reject(error) : resolve(key),
        );
      }),
  );
}

const b64 = (bytes: Buffer): string => bytes.toString("base64").replace(/=+$/, "");

/** Checks a new password against the rules; throws INVALID_ARGUMENT with the rule it breaks. */
export function checkPasswordRules(password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`,
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new AppError("INVALID_ARGUMENT", `The password must be at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
}

export async function hashPassword(password: string, params: Params = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/**
 * True when `password` matches `stored`. The comparison is constant-time; a malformed stored hash or
 * out-of-range parameters (which would let a tampered row demand unbounded work) never match.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const found = FORMAT.exec(stored);
  if (!found) return false;
  const [, ln, r, p, salt = "", hash = ""] = found;
  const params = { ln: Number(ln), r: Number(r), p: Number(p) };
  if (params.ln < 10 || params.ln > 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16)
    return false;
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await derive(password, Buffer.from(salt, "base64"), params);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

let dummy: Promise<string> | undefined;
/**
 * A real hash of a random password with the default parameters: verified against when the user is
 * unknown or has no password, so those answers take as long as a wrong password does.
 */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString("hex"));
  return dummy;
}
