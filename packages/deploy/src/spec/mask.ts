/**
 * Secret masking for everything the operator logs, writes into events or status, and what the
 * console shows. W&B's operator masks only leaves named secret, accessKey, license and password
 * (reference/deployment-spec.md §1.11), and so logs bucket secret keys and passwords inside Redis
 * URLs; here any key that looks like a credential is masked, and credentials written into URLs are
 * cut out of every string.
 */
import { isObject, type Json, type Values } from "./values.ts";

export const MASK = "********";

/**
 * Whether a string under this key is a credential: password, secret, license, token, credential,
 * accessKey, privateKey, apiKey, sessionKey, in any spelling (`MYSQL_PASSWORD`, `bindPW`,
 * `client-secret`). Keys that only say where a credential lives (`secretName`, `accessKeyName`,
 * `passwordSecretRef`, `caCertPath`) are not; ambiguous ones (`secretKey` is the bucket's secret
 * in `global.bucket` but a key name in `oidcSecret`) are masked, which at worst hides a key name.
 */
export function isSecretKey(key: string): boolean {
  const flat = key.replace(/[-_.]/g, "").toLowerCase();
  if (/(name|ref|path|file|enabled|method)$/.test(flat)) return false;
  return (
    /(password|passwd|secret|license|token|credential|accesskey|privatekey|apikey|sessionkey)/.test(flat) ||
    /(^|[^a-z])pw$/i.test(key) ||
    /bindpw$/.test(flat)
  );
}

/** `scheme://user:pass@host` → `scheme://user:********@host`; also a lone `scheme://token@host`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*)(:[^\s/@]*)?@/gi, (_all, scheme, user, pass) =>
    pass ? `${scheme}${user}:${MASK}@` : `${scheme}${MASK}@`,
  );
}

/** A copy of `value` with every credential masked. */
export function maskJson(value: Json, key = ""): Json {
  if (typeof value === "string") {
    if (key && isSecretKey(key) && value !== "") return MASK;
    return maskUrlCredentials(value);
  }
  if (Array.isArray(value)) return value.map((v) => maskJson(v, key));
  if (isObject(value)) {
    const out: Values = {};
    for (const [k, v] of Object.entries(value)) {
      // `secret: {secretName, accessKeyName}` names a Secret: mask the strings inside only if they
      // are credentials themselves.
      out[k] = isObject(v) ? maskJson(v, "") : maskJson(v, k);
    }
    return out;
  }
  return value;
}

export function maskValues(values: Values): Values {
  return maskJson(values) as Values;
}

/**
 * Masks known secret strings anywhere in free text (Helm's error output, for instance, may quote a
 * rendered value), plus credentials inside URLs.
 */
export function maskText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK);
  }
  return maskUrlCredentials(out);
}

/** Every string leaf of `values` that maskJson would hide, so free text can be scrubbed of them. */
export function secretStrings(values: Json, key = ""): string[] {
  if (typeof values === "string") {
    const found: string[] = [];
    if (key && isSecretKey(key) && values !== "") found.push(values);
    for (const m of values.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:([^\s/@]+)@/gi))
      if (m[1]) found.push(m[1]);
    return found;
  }
  if (Array.isArray(values)) return values.flatMap((v) => secretStrings(v, key));
  if (isObject(values))
    return Object.entries(values).flatMap(([k, v]) => secretStrings(v, isObject(v) ? "" : k));
  return [];
}
