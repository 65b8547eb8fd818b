/** A target of the issue, met or not, as the reports and the summary print it. */
export interface TargetOutcome {
  text: string;
  /** Whether the target is met; null for a figure reported without a target. */
  pass: boolean | null;
  /** False when the issue sets the target for another database: shown for reference only. */
  binding: boolean;
}

export const verdict = (outcome: Pick<TargetOutcome, 'pass'>) =>
  outcome.pass === null ? 'INFO' : outcome.pass ? 'PASS' : 'MISS';
