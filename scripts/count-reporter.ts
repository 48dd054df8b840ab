/**
 * A node:test reporter that prints only the closing `N passed, N failed[, N skipped]` line, after
 * `<label>: ` when BALLAST_COUNT_LABEL is set (scripts/run-tests.ts sums several labelled runs).
 */
import type { TestEvent } from "node:test/reporters";

export default async function* countReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    // Count leaf tests only: suites (describe) report their own pass/fail too.
    if (event.data.details.type === "suite") continue;
    if (event.type === "test:fail") failed++;
    else if (event.data.skip !== undefined || event.data.todo !== undefined) skipped++;
    else passed++;
  }
  const label = process.env.BALLAST_COUNT_LABEL ? `${process.env.BALLAST_COUNT_LABEL}: ` : "";
  yield `\n${label}${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}\n`;
}
