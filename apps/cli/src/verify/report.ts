/**
 * Output in the style of `wandb verify` (wandb/sdk/verify/verify.py): one line per check, the label
 * padded with dots to 72 columns, then ✅ or ❌, and the hint for a failure on the lines below it.
 * Warnings (checks that do not fail the command) end in ⚠ with a yellow hint.
 */

export type Outcome =
  | { readonly status: "pass" }
  | { readonly status: "fail"; readonly hints: readonly string[] }
  | { readonly status: "warn"; readonly hints: readonly string[] };

export const PASS: Outcome = { status: "pass" };
export const fail = (...hints: string[]): Outcome => ({ status: "fail", hints });
export const warn = (...hints: string[]): Outcome => ({ status: "warn", hints });

export const CHECKMARK = "\u2705";
export const RED_X = "\u274c";
export const WARNING = "\u26a0";
const LABEL_WIDTH = 72;

export interface Reporter {
  line(label: string, outcome: Outcome): void;
  note(text: string): void;
}

export function reporter(write: (text: string) => void, color: boolean): Reporter {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    line(label, outcome) {
      const mark = outcome.status === "pass" ? CHECKMARK : outcome.status === "fail" ? RED_X : WARNING;
      write(`${label.padEnd(LABEL_WIDTH, ".")}${mark}\n`);
      if (outcome.status === "pass") return;
      const style = outcome.status === "fail" ? "1;31" : "1;33";
      for (const hint of outcome.hints) {
        for (const text of hint.split("\n")) write(`${paint(style, `  ${text}`)}\n`);
      }
    },
    note(text) {
      write(`${text}\n`);
    },
  };
}
