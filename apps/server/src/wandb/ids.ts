import { AppError } from "@ballast/core";

/** W&B-style global ids: base64("Type:N"). The client base64-decodes artifact ids, so keep this form. */
export function globalId(type: string, id: number | string): string {
  return Buffer.from(`${type}:${id}`, "utf8").toString("base64");
}

/** The numeric id inside a global id of the given type; INVALID_ARGUMENT otherwise. */
export function parseGlobalId(type: string, value: unknown): number {
  if (typeof value === "string") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const match = /^([A-Za-z]+):(\d{1,15})$/.exec(decoded);
    if (match && match[1] === type) return Number(match[2]);
  }
  throw new AppError("INVALID_ARGUMENT", `${JSON.stringify(value)} is not a valid ${type} id.`);
}
