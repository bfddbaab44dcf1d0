/**
 * Heroku's router error codes the drivers emit, with the description Heroku's log line carries and the status the
 * client gets. Source: Heroku Dev Center, "Error Codes" (H10–H99) and reference/heroku-behaviour.md §7.
 * H27 (client gone) is logged with status 499, as Heroku does; every other code answers 503 with the
 * application-error page (H80 with the maintenance page).
 */
export const H_CODES = {
  H10: { desc: 'App crashed', status: 503 },
  H11: { desc: 'Backlog too deep', status: 503 },
  H12: { desc: 'Request timeout', status: 503 },
  H13: { desc: 'Connection closed without response', status: 503 },
  H14: { desc: 'No web processes running', status: 503 },
  H15: { desc: 'Idle connection', status: 503 },
  H17: { desc: 'Poorly formatted HTTP response', status: 503 },
  H18: { desc: 'Server Request Interrupted', status: 503 },
  H19: { desc: 'Backend connection timeout', status: 503 },
  H21: { desc: 'Backend connection refused', status: 503 },
  H27: { desc: 'Client Request Interrupted', status: 499 },
  H28: { desc: 'Client Connection Idle', status: 499 },
  H80: { desc: 'Maintenance mode', status: 503 },
} as const;

/** One of the codes above, e.g. `H12`. */
export type HCode = keyof typeof H_CODES;

/** The log line's `at=`: Heroku logs maintenance (H80) as `at=info`, every other code as `at=error`. */
export function atOf(code: string | undefined): 'info' | 'error' {
  return code === undefined || code === 'H80' ? 'info' : 'error';
}
